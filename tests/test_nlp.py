"""The kept NLP pipeline: pinned files, offline load, coarse entity kinds."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rag import nlp


def test_the_installed_pipeline_matches_the_pinned_files() -> None:
    path = nlp.model_path()
    assert path.is_dir()
    nlp.verify_model(path)  # raises on any mismatch


def test_a_changed_file_is_refused(tmp_path: Path) -> None:
    copy = tmp_path / "model"
    shutil.copytree(nlp.model_path(), copy)
    with (copy / "ner" / "model").open("ab") as handle:
        handle.write(b"\0")
    with pytest.raises(nlp.NlpModelError, match="ner/model has sha256"):
        nlp.verify_model(copy)


def test_report_sentences_get_coarse_entity_kinds() -> None:
    text = "The estimated 400 men withdrew on Tuesday to nearby Ariha, a town of 70,000."
    (entities,) = nlp.sentence_entities([text])
    found = {(kind, text[s:e]) for kind, s, e in entities}
    assert ("number", "400") in found and ("number", "70,000") in found
    assert ("date", "Tuesday") in found
    assert "name" in nlp.kinds_in(entities)  # Ariha, whatever fine label the small model gives it


def test_a_question_is_parsed_with_lemmas() -> None:
    doc = nlp.parse_question("How many soldiers withdrew from the towns?")
    assert nlp.lemmas(doc) == ["soldier", "withdraw", "town"]
