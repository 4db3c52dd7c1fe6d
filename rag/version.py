"""The version of Dispatch QA: one number, written once, in ``pyproject.toml``.

An installed package (``pip install -e .`` included) reads it from its metadata; a source tree
run without installing reads ``pyproject.toml`` beside the package. CHANGELOG.md's newest
release carries the same number (``tests/test_version.py`` checks all of them).
"""

from __future__ import annotations

import tomllib
from importlib import metadata
from pathlib import Path

#: The distribution name in ``pyproject.toml``.
DISTRIBUTION = "dispatch-qa"

#: ``pyproject.toml`` of the source tree this package was imported from (absent in a wheel).
PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"

#: What ``package_version`` returns when neither the metadata nor ``pyproject.toml`` says.
UNKNOWN = "0+unknown"


def package_version(distribution: str = DISTRIBUTION, pyproject: Path = PYPROJECT) -> str:
    """The installed ``distribution``'s version, else ``pyproject``'s ``[project] version``.

    ``UNKNOWN`` when the package is not installed and ``pyproject`` is missing or names
    another project.
    """
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        pass
    try:
        project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
    except (OSError, tomllib.TOMLDecodeError):
        return UNKNOWN
    if project.get("name") != distribution or not isinstance(project.get("version"), str):
        return UNKNOWN
    return str(project["version"])
