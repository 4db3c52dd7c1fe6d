"""Layers point one way: read -> index -> answer -> front door, all over the shared base.

Every module of ``rag`` belongs to one layer; a module may import its own layer and the ones below,
never one above. Imports are read from the source (the AST), so lazy imports inside functions and
``if TYPE_CHECKING:`` imports count too.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

RAG = Path(__file__).resolve().parent.parent / "rag"

#: Layers from the bottom up. The base is what every stage shares; the front door is what users call.
LAYERS = ("base", "read", "index", "answer", "front door")
#: The top-level modules and packages of ``rag`` outside the stage folders, by layer.
BASE = {
    "types",
    "settings",
    "settings_doc",
    "text",
    "header",
    "nlp",
    "offline",
    "version",
    "models",
    "prompts",
}
FRONT_DOOR = {"", "__main__", "qa", "cli", "reply", "langchain", "ui", "api", "eval"}
STAGES = {"read", "index", "answer"}


def layer_of(module: str) -> str:
    """The layer of ``module`` (a dotted name in ``rag``); a ``KeyError`` for a module of no layer."""
    top = module.split(".")[1] if "." in module else ""
    if top in STAGES:
        return top
    if top in BASE:
        return "base"
    if top in FRONT_DOOR:
        return "front door"
    raise KeyError(f"{module}: in no layer; add its top-level name to tests/test_layers.py")


def module_name(path: Path) -> str:
    """The dotted name of the module at ``path`` inside ``rag/``."""
    parts = path.relative_to(RAG.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(module: str, source: str, is_package: bool = False) -> Iterator[str]:
    """The ``rag`` modules that ``source`` (the text of ``module``) imports, anywhere in it."""
    package = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names if a.name.split(".")[0] == "rag")
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the module's package up
                anchor = package[: len(package) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            if base.split(".")[0] != "rag":
                continue
            for alias in node.names:  # `from rag import models` imports the module rag.models
                sub = f"{base}.{alias.name}"
                yield sub if _is_module(sub) else base


def _is_module(name: str) -> bool:
    path = RAG.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


def violations(imports: Mapping[str, list[str]]) -> list[str]:
    """``importer -> imported`` for every import of a higher layer by a lower one."""
    rank = {name: i for i, name in enumerate(LAYERS)}
    return [
        f"{module} ({layer_of(module)}) -> {target} ({layer_of(target)})"
        for module, targets in imports.items()
        for target in targets
        if rank[layer_of(target)] > rank[layer_of(module)]
    ]


def rag_imports() -> dict[str, list[str]]:
    """Every module of ``rag`` with the ``rag`` modules it imports."""
    return {
        module_name(path): sorted(
            set(imported(module_name(path), path.read_text(encoding="utf-8"), path.name == "__init__.py"))
        )
        for path in sorted(RAG.rglob("*.py"))
    }


def test_every_module_is_in_a_layer() -> None:
    for module, targets in rag_imports().items():
        layer_of(module)
        for target in targets:
            layer_of(target)


def test_no_layer_imports_one_above_it() -> None:
    assert violations(rag_imports()) == []


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("rag.index.catalog", "from rag.answer import features"),
        ("rag.read.chunk", "import rag.index.store"),
        ("rag.types", "if TYPE_CHECKING:\n    from rag.index.catalog import Catalog"),
        ("rag.answer.cite", "def lazy():\n    from rag.qa import ReportQA"),
        ("rag.read.load", "from ..index import store"),
    ],
)
def test_an_import_against_the_flow_is_caught(module: str, source: str) -> None:
    assert violations({module: list(imported(module, source))}) != []


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("rag.answer.features", "from rag.index.stats import idf"),
        ("rag.index.catalog", "from rag import models"),
        ("rag.qa", "from rag.answer.extractive import ExtractiveAnswerer"),
    ],
)
def test_an_import_with_the_flow_passes(module: str, source: str) -> None:
    assert violations({module: list(imported(module, source))}) == []
