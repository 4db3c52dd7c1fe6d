"""The fitted-models file: loaded and checked at import; a mismatch is a clear error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag import models
from rag.answer import features
from rag.settings import Settings


def _copy(tmp_path: Path, change) -> Path:
    raw = json.loads(models.MODEL_FILE.read_text())
    change(raw)
    path = tmp_path / "answer_models.json"
    path.write_text(json.dumps(raw))
    return path


EXPECTED = {"passage": features.PASSAGE_FEATURES, "abstain": features.ABSTAIN_FEATURES}


def test_the_shipped_file_matches_the_code_and_feeds_the_settings_defaults() -> None:
    loaded = models.load(expected=EXPECTED)
    assert len(loaded.model("passage").weights) == len(features.PASSAGE_FEATURES)
    assert Settings().candidates == loaded.constants.pool == features.POOL
    assert Settings().abstain_threshold == loaded.constants.abstain_threshold == features.ABSTAIN_THRESHOLD


def test_a_renamed_feature_names_the_file_the_model_and_the_mismatch(tmp_path: Path) -> None:
    path = _copy(tmp_path, lambda raw: raw["models"]["abstain"]["features"].__setitem__(0, "renamed"))
    with pytest.raises(models.ModelFileError, match=r"answer_models.json: model 'abstain'.*renamed"):
        models.load(path, expected=EXPECTED)


def test_weights_of_the_wrong_length_are_refused(tmp_path: Path) -> None:
    path = _copy(tmp_path, lambda raw: raw["models"]["passage"]["weights"].pop())
    with pytest.raises(models.ModelFileError, match="model 'passage' has 18 features, 17 weights"):
        models.load(path)


def test_another_version_is_refused(tmp_path: Path) -> None:
    path = _copy(tmp_path, lambda raw: raw.update(version=99))
    with pytest.raises(models.ModelFileError, match="format version 99"):
        models.load(path)


def test_write_then_load_gives_the_same_models(tmp_path: Path) -> None:
    shipped = models.load()
    path = tmp_path / "m.json"
    models.write(path, shipped.fitted_on, shipped.constants, shipped.models)
    assert path.read_text() == models.MODEL_FILE.read_text()


def test_flat_rag_names_and_nested_groups_both_come_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("RAG_TOP_K", "7")
    monkeypatch.setenv("RAG_ABSTAIN_THRESHOLD", "0.4")
    monkeypatch.setenv("RAG_LLM_API_KEY", "k-123")
    monkeypatch.setenv("RAG_GENERATIVE__PROMPT_PASSAGES", "3")
    settings = Settings(candidates=12)
    assert (settings.top_k, settings.abstain_threshold, settings.candidates) == (7, 0.4, 12)
    assert settings.llm_api_key is not None and settings.llm_api_key.get_secret_value() == "k-123"
    assert "k-123" not in repr(settings)
    assert settings.generative.prompt_passages == 3 and settings.generative.support_threshold == 0.5
