"""The fitted answer models as data: ``answer_models.json``, checked against the code at import.

The file (written only by ``benchmarks/fit_features/fit_answer_models.py``) holds the passage
reranker, the sentence scorer and the abstention confidence, each with the names of the
features it was fitted on, plus fitted constants. Its ``version`` must equal
:data:`MODELS_VERSION` and each model's ``features`` the code's feature names, else
:class:`ModelFileError` says which file, model and mismatch.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from rag import features
from rag.signals import SENTENCE_EXTRAS

#: The fitted models shipped with the package.
MODELS_FILE = Path(__file__).resolve().parent / "answer_models.json"
#: The file format this code reads.
MODELS_VERSION = 1
#: Feature names per model, as the code computes them.
FEATURE_NAMES = {
    "passage": features.PASSAGE_FEATURES,
    "sentence": (*features.SENTENCE_FEATURES, *SENTENCE_EXTRAS),
    "abstain": features.ABSTAIN_FEATURES,
}


class ModelFileError(ValueError):
    """The models file does not match the code (version or feature names) or is malformed."""


@dataclass(frozen=True)
class LinearModel:
    """Weights over named features, a bias, and (abstention) the sign each weight was fitted under."""

    features: tuple[str, ...]
    weights: np.ndarray
    bias: float = 0.0
    signs: np.ndarray | None = None


@dataclass(frozen=True)
class AnswerModels:
    """Everything ``answer_models.json`` holds."""

    version: int
    fitted_on: str
    constants: dict[str, float]
    passage: LinearModel
    sentence: LinearModel
    abstain: LinearModel


def _model(path: Path, name: str, raw: dict[str, Any]) -> LinearModel:
    expected = FEATURE_NAMES[name]
    found = tuple(raw.get("features", ()))
    if found != expected:
        missing = [f for f in expected if f not in found]
        extra = [f for f in found if f not in expected]
        raise ModelFileError(
            f"{path}: model {name!r} was fitted on other features than the code computes "
            f"(missing {missing}, unknown {extra}, or another order); refit it"
        )
    weights = np.asarray(raw["weights"], dtype=np.float64)
    if weights.shape != (len(expected),):
        raise ModelFileError(
            f"{path}: model {name!r} has {weights.size} weights for {len(expected)} features"
        )
    signs = np.asarray(raw["signs"], dtype=np.int64) if "signs" in raw else None
    return LinearModel(found, weights, float(raw.get("bias", 0.0)), signs)


def load_models(path: Path = MODELS_FILE) -> AnswerModels:
    """Read and check a models file; :class:`ModelFileError` if it does not fit the code."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as err:
        raise ModelFileError(f"{path}: cannot read the answer models ({err})") from err
    if raw.get("version") != MODELS_VERSION:
        raise ModelFileError(f"{path}: version {raw.get('version')!r}, this code reads {MODELS_VERSION}")
    try:
        return AnswerModels(
            version=raw["version"],
            fitted_on=str(raw.get("fitted_on", "")),
            constants={k: float(v) for k, v in raw.get("constants", {}).items()},
            **{name: _model(path, name, raw["models"][name]) for name in FEATURE_NAMES},
        )
    except KeyError as err:
        raise ModelFileError(f"{path}: missing {err}") from err


@cache
def shipped() -> AnswerModels:
    """The package's own models (read once)."""
    return load_models()
