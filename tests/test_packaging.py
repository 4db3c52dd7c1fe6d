"""What a wheel holds: every package of rag/ is listed in pyproject.toml, the prompts install with it."""

from __future__ import annotations

import tomllib
from pathlib import Path

from rag.prompts import PROMPTS_DIR, load_prompt

REPO = Path(__file__).resolve().parent.parent
SETUPTOOLS = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]


def test_every_package_on_disk_is_listed_for_the_wheel() -> None:
    mapped = {REPO / folder: name for name, folder in SETUPTOOLS["package-dir"].items()}
    on_disk = {".".join(p.parent.relative_to(REPO).parts) for p in (REPO / "rag").rglob("__init__.py")}
    on_disk |= {mapped[REPO / folder] for folder in SETUPTOOLS["package-dir"].values()}
    assert sorted(SETUPTOOLS["packages"]) == sorted(on_disk)


def test_the_prompts_users_edit_are_the_ones_the_package_reads() -> None:
    assert SETUPTOOLS["package-dir"]["rag.prompts.files"] == "prompts"
    assert SETUPTOOLS["package-data"]["rag.prompts.files"] == ["*.txt"]
    assert PROMPTS_DIR.resolve() == (REPO / "prompts").resolve()
    for name in ("answer", "condense", "briefing"):
        assert load_prompt(name) == (REPO / "prompts" / f"{name}.txt").read_text(encoding="utf-8")
