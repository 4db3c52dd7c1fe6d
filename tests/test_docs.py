"""The README and docs/ stay true: links resolve, snippets run, docs/settings.md comes from Settings."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from unittest import mock

import pytest

import rag
from rag.settings import GenerativeSettings, Settings, env_name, setting_error
from rag.settings_doc import COMMAND, DOC_PATH, render, settings_fields, shown_default
from tests.api import conftest as api_fixtures

ROOT = Path(__file__).resolve().parent.parent
#: A real app.py for the README's OpenAI client snippet (the fixture of tests/api).
app_server = api_fixtures.app_server
README = ROOT / "README.md"
DOCS = sorted((ROOT / "docs").glob("*.md"))

LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
PYTHON_BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def relative_links(path: Path) -> list[str]:
    """Targets of the Markdown links in ``path`` that are not URLs or in-page anchors."""
    targets = [m.group(1) for m in LINK.finditer(path.read_text(encoding="utf-8"))]
    return [t for t in targets if not re.match(r"[a-z][a-z0-9+.-]*:|#", t)]


@pytest.mark.parametrize("path", [README, *DOCS], ids=lambda p: p.name)
def test_relative_links_point_at_files(path: Path) -> None:
    links = relative_links(path)
    missing = [t for t in links if not (path.parent / t.split("#")[0]).exists()]
    assert not missing, f"{path.name} links to missing files: {missing}"


def test_readme_links_every_doc() -> None:
    linked = {(ROOT / t.split("#")[0]).resolve() for t in relative_links(README)}
    assert set(DOCS) <= linked, [d.name for d in DOCS if d not in linked]


def readme_python_blocks() -> list[tuple[int, str]]:
    """``(line number of its first line, code)`` of each ```python block of the README, in order."""
    text = README.read_text(encoding="utf-8")
    return [(text.count("\n", 0, m.start(1)) + 1, m.group(1)) for m in PYTHON_BLOCK.finditer(text)]


def test_readme_python_blocks_compile() -> None:
    blocks = readme_python_blocks()
    assert blocks, "the README shows the Python API"
    for line, block in blocks:
        compile("\n" * (line - 1) + block, str(README), "exec")


@pytest.mark.slow
def test_readme_python_blocks_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    """The README's snippets, in order and sharing names as in one session, over a copy of seeds/.

    The real embedding model and embedded Chroma; a traceback points at the README's line. The
    OpenAI client's snippet talks to a real ``app.py`` (its address and key put in for the README's).
    """
    server: api_fixtures.Server = request.getfixturevalue("app_server")
    shutil.copytree(ROOT / "seeds", tmp_path / "seeds")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(rag, "_default", None)  # rag.ask opens its index afresh, as in a new session
    namespace: dict[str, object] = {"__name__": "__readme__"}
    clean_env = {k: v for k, v in os.environ.items() if not k.startswith("RAG_")}
    with mock.patch.dict(os.environ, clean_env, clear=True):  # what a snippet sets is undone after
        for line, block in readme_python_blocks():
            block = block.replace("http://127.0.0.1:7860/v1", server.base_url)
            block = block.replace('api_key="KEY"', f'api_key="{server.key}"')
            exec(compile("\n" * (line - 1) + block, str(README), "exec"), namespace)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["my-index", "seeds"], (
        "README snippets write only to their own index, my-index (never ./index, the chat UI's)"
    )
    assert isinstance(namespace.get("ans"), rag.Answer) and not namespace["ans"].abstained


def readme_table_rows() -> list[list[str]]:
    """The cells (Markdown source) of each row of the README's tables, header rows included."""
    from markdown_it import MarkdownIt

    rows: list[list[str]] = []
    for token in MarkdownIt("commonmark").enable("table").parse(README.read_text(encoding="utf-8")):
        if token.type == "tr_open":
            rows.append([])
        elif token.type == "inline" and rows and token.level > 3:  # inside a th or td
            rows[-1].append(token.content)
    return rows


def test_every_headline_figure_names_the_command_that_reproduces_it() -> None:
    rows = readme_table_rows()
    assert rows and rows[0][-1] == "command", "the README's figures table ends with a command column"
    for row in rows[1:]:
        assert len(row) == len(rows[0]), f"a row of the figures table lacks cells: {row}"
        command = re.fullmatch(r"`((?:python|make) [^`]+)`", row[-1])
        assert command, f"figure {row[0]!r} names no command: {row[-1]!r}"
        for script in re.findall(r"\b(?:benchmarks|evals|seeds)/\S*", command.group(1)):
            assert (ROOT / script).exists(), f"figure {row[0]!r}: {script} does not exist"


def test_readme_is_a_front_door() -> None:
    assert len(README.read_text(encoding="utf-8").splitlines()) <= 250


def settings_table_names() -> set[str]:
    """First cells of the rows of the table in docs/settings.md."""
    names = set()
    for line in (ROOT / "docs" / "settings.md").read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and cells[0] not in ("setting", "") and not set(cells[0]) <= {"-", ":"}:
            names.add(cells[0])
    return names


def test_settings_doc_lists_every_field() -> None:
    expected = set()
    for name, field in Settings.model_fields.items():
        if field.annotation is GenerativeSettings:
            expected |= {f"{name}.{sub}" for sub in GenerativeSettings.model_fields}
        else:
            expected.add(name)
    listed = settings_table_names()
    assert expected - listed == set(), f"docs/settings.md lacks {sorted(expected - listed)}"
    assert listed - expected == set(), f"docs/settings.md lists unknown {sorted(listed - expected)}"


def test_settings_doc_is_generated_from_settings() -> None:
    current = (ROOT / DOC_PATH).read_text(encoding="utf-8")
    assert current == render(), f"{DOC_PATH} is stale: run `{COMMAND}`"


def test_settings_doc_keeps_its_intro_and_names_each_variable() -> None:
    text = render()
    assert text.startswith("# Settings\n") and "pass it to `ReportQA(...)`" in text
    rows = {line.split(" | ")[0].lstrip("| "): line for line in text.splitlines() if line.startswith("| ")}
    assert "| RAG_GENERATIVE__PROMPT_PASSAGES | 5 |" in rows["generative.prompt_passages"]
    assert "| RAG_TOP_K | 10 |" in rows["top_k"] and "Allowed: 1 to 100." in rows["top_k"]
    assert "| RAG_LLM | unset |" in rows["llm"]
    assert "[generative.md](generative.md)" in rows["llm"], "docs/ mentions become links"


def test_nested_settings_are_overridden_by_their_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    names = [name for name, _ in settings_fields()]
    assert "generative.prompt_passages" in names and "generative" not in names
    monkeypatch.setenv(env_name("generative.prompt_passages"), "3")
    monkeypatch.setenv(env_name("top_k"), "7")
    settings = Settings()
    assert settings.generative.prompt_passages == 3 and settings.top_k == 7


def test_a_bad_nested_setting_names_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    from pydantic import ValidationError

    monkeypatch.setenv("RAG_GENERATIVE__PROMPT_PASSAGES", "99")
    with pytest.raises(ValidationError) as err:
        Settings()
    assert setting_error(err.value).startswith(
        "generative.prompt_passages (RAG_GENERATIVE__PROMPT_PASSAGES) = '99' is not allowed"
    )
    assert setting_error(err.value).endswith("; allowed: 1 to 20")


def test_machine_dependent_defaults_are_shown_as_written() -> None:
    assert (
        shown_default(Settings.model_fields["prompts_dir"])
        == "the package's `prompts/` (`rag.prompts.files`)"
    )
    assert shown_default(Settings.model_fields["index_dir"]) == "`index`"
    assert shown_default(Settings.model_fields["max_text_chars"]) == "10,000,000"
    assert shown_default(Settings.model_fields["reader"]) == "true"


def documented_tree(text: str) -> dict[str, set[str]]:
    """The folders of the ``rag/`` tree drawn in ``text`` (a code block that opens with ``rag/``),
    each with the modules (``*.py``) listed under it; indentation (two spaces a level) nests."""
    block = re.search(r"```\n(rag/.*?)```", text, re.S)
    assert block, "no rag/ tree in the text"
    tree: dict[str, set[str]] = {}
    folders: list[tuple[int, str]] = []  # (depth, path) of the folders open at this line
    for line in block.group(1).splitlines():
        depth = (len(line) - len(line.lstrip())) // 2
        first = (line.split() or [""])[0]
        folders = [(d, p) for d, p in folders if d < depth or (d == depth and not first.endswith("/"))]
        if re.fullmatch(r"\w+/", first):
            path = f"{folders[-1][1]}/{first[:-1]}" if folders else first[:-1]
            folders.append((depth, path))
            tree[path] = set()
        modules = set(re.findall(r"(?<![\w/.])(\w+\.py)\b", line))
        if modules:  # a folder's line, or a line under it
            owner = folders[-1][1] if folders[-1][0] == depth else [p for d, p in folders if d < depth][-1]
            tree[owner] |= modules
    return tree


def real_tree() -> dict[str, set[str]]:
    """Every package folder of ``rag/`` with its modules (``__init__.py`` aside)."""
    return {
        "/".join(init.parent.relative_to(ROOT).parts): {
            p.name for p in init.parent.glob("*.py") if p.name != "__init__.py"
        }
        for init in (ROOT / "rag").rglob("__init__.py")
    }


def test_the_tree_in_how_it_works_is_the_real_tree() -> None:
    assert documented_tree((ROOT / "docs" / "how-it-works.md").read_text(encoding="utf-8")) == real_tree()


def test_the_tree_check_sees_a_missing_module() -> None:
    drawn = "```\nrag/\n  qa.py\n  read/\n    load.py\n```\n"
    assert documented_tree(drawn) == {"rag": {"qa.py"}, "rag/read": {"load.py"}}
    assert documented_tree(drawn) != {"rag": {"qa.py"}, "rag/read": {"load.py", "chunk.py"}}


def test_the_readme_names_every_top_level_folder() -> None:
    """The README's top level (its Documentation section) names every tracked folder of the checkout."""
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=False)
    if tracked.returncode:
        pytest.skip("not a git checkout")
    folders = {line.split("/")[0] for line in tracked.stdout.splitlines() if "/" in line and line[0] != "."}
    top_level = README.read_text(encoding="utf-8").split("## Documentation", 1)[1].split("\n\n")[1]
    assert folders - {"docs"} <= set(re.findall(r"`(\w+)/`", top_level)) and "`docs/`" in top_level
