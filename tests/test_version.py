"""One version everywhere: pyproject.toml, rag.__version__, ``python -m rag --version``, CHANGELOG.md."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

import rag
from rag.version import UNKNOWN, package_version
from tests.conftest import REPO

#: A released section of CHANGELOG.md: ``## [0.9.0] - 2026-12-07``.
RELEASE = re.compile(r"^## \[(\d+\.\d+\.\d+)\] - (\d{4}-\d{2}-\d{2})$", re.MULTILINE)


def pyproject_version() -> str:
    """``[project] version`` of the repository's pyproject.toml."""
    return str(tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"])


def test_package_cli_and_pyproject_agree() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "rag", "--version"], capture_output=True, text=True, cwd=REPO, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == f"dispatch-qa {rag.__version__}"
    assert rag.__version__ == pyproject_version(), (
        "the installed metadata is older than pyproject.toml: run `make install`"
    )


def test_changelog_newest_release_is_the_version() -> None:
    text = (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    releases = RELEASE.findall(text)
    assert releases, "CHANGELOG.md has no '## [X.Y.Z] - YYYY-MM-DD' section"
    assert releases[0][0] == pyproject_version(), "CHANGELOG.md's newest release is not pyproject's version"
    assert [d for _, d in releases] == sorted((d for _, d in releases), reverse=True), "newest first"
    headings = re.findall(r"^## .*$", text, re.MULTILINE)
    assert all(h == "## [Unreleased]" or RELEASE.match(h) for h in headings), headings


def test_a_source_tree_without_install_reads_pyproject(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "no-such-dist"\nversion = "3.1.4"\n', encoding="utf-8")
    assert package_version("no-such-dist", pyproject) == "3.1.4"
    assert package_version("no-such-dist", tmp_path / "missing.toml") == UNKNOWN
    pyproject.write_text('[project]\nname = "another"\nversion = "3.1.4"\n', encoding="utf-8")
    assert package_version("no-such-dist", pyproject) == UNKNOWN


def test_the_installed_metadata_wins_over_pyproject(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    pyproject.write_text('[project]\nname = "dispatch-qa"\nversion = "0.0.1"\n', encoding="utf-8")
    assert package_version("dispatch-qa", pyproject) == pyproject_version()
