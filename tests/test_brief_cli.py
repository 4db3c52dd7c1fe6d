"""``python -m rag brief SOURCE [--json]`` as a user runs it: a real subprocess over a real index."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import SEED_SOURCE
from tests.test_cli import _rag


def test_brief_prints_the_title_the_cited_sentences_and_the_entities(seeded_index_dir: Path) -> None:
    run = _rag(seeded_index_dir, "brief", SEED_SOURCE)
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0] == "Assad troops abandon their last military base in Syria’s Idlib province"
    assert "The estimated 400 men withdrew" in lines[2] and "[5]" in lines[2]
    assert f"[1] {SEED_SOURCE}, characters 73-295" in lines
    assert any(line.startswith("figure: ") and "400" in line for line in lines)


def test_brief_json_is_the_whole_brief(seeded_index_dir: Path) -> None:
    run = _rag(seeded_index_dir, "brief", SEED_SOURCE, "--json", "--sentences", "3")
    assert run.returncode == 0, run.stderr
    brief = json.loads(run.stdout)
    assert brief["source"] == SEED_SOURCE and len(brief["citations"]) == 3
    assert {"title", "date", "kind", "text", "entities"} <= set(brief)


def test_brief_of_an_unknown_report_names_the_closest_and_exits_2(seeded_index_dir: Path) -> None:
    run = _rag(seeded_index_dir, "brief", "000_06aad305")
    assert run.returncode == 2
    assert run.stderr.strip() == (
        f"error: no report named '000_06aad305' in the index; did you mean '{SEED_SOURCE}'?"
    )
