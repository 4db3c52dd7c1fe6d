"""The fitted answer models ship as data and are checked against the code when loaded."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.models import FEATURE_NAMES, MODELS_FILE, ModelFileError, load_models, shipped
from rag.settings import Settings


def test_the_shipped_models_fit_the_code_and_set_the_default_thresholds() -> None:
    models = shipped()
    assert models.sentence.features == FEATURE_NAMES["sentence"] and "cov_rest" in models.sentence.features
    assert len(models.abstain.weights) == len(models.abstain.signs)
    settings = Settings()
    assert settings.abstain_threshold == models.constants["abstain_threshold"]
    assert settings.abstain_threshold < settings.answer_threshold == models.constants["answer_threshold"]


def _altered(tmp_path: Path, change) -> Path:
    raw = json.loads(MODELS_FILE.read_text())
    change(raw)
    path = tmp_path / "answer_models.json"
    path.write_text(json.dumps(raw))
    return path


def test_another_version_is_refused_with_the_file_named(tmp_path: Path) -> None:
    path = _altered(tmp_path, lambda raw: raw.update(version=99))
    with pytest.raises(ModelFileError, match=rf"{path}: version 99"):
        load_models(path)


def test_a_model_fitted_on_other_features_is_refused(tmp_path: Path) -> None:
    def drop_feature(raw: dict) -> None:
        raw["models"]["sentence"]["features"].remove("cov_rest")
        raw["models"]["sentence"]["weights"].pop()

    with pytest.raises(ModelFileError, match=r"model 'sentence'.*missing \['cov_rest'\]"):
        load_models(_altered(tmp_path, drop_feature))
