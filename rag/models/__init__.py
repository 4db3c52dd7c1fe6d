"""Fitted models as data: ``answer_models.json``, written by ``benchmarks/fit_features``, checked here.

The file holds, under one format ``version``, the fitted constants (BM25 parameters, pool size,
answer passages, the two-sentence rule, the abstention threshold) and one linear model per
stage (``passage``, ``sentence``, ``abstain``): feature names, weights, bias and, where fitted
under constraints, the sign of each weight. ``load`` checks the version and that each model's
feature names equal the code's, else ``ModelFileError`` names the file, the model and the
mismatch; no weight is written in a ``.py`` file.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

#: The format version this code reads and writes.
VERSION = 1

#: The shipped file (package data).
MODEL_FILE = Path(__file__).resolve().with_name("answer_models.json")


class ModelFileError(ValueError):
    """The fitted-models file is missing, unreadable, of another version or does not match the code."""


@dataclass(frozen=True)
class Constants:
    """Fitted constants shared by retrieval and answering."""

    bm25_k1: float  # bm25s k1 of every BM25 index (method "lucene")
    bm25_b: float  # bm25s b
    pool: int  # candidates each retriever contributes (dense top-N union BM25 top-N)
    answer_passages: int  # passages whose sentences compete for the answer
    two_sentence_margin: float  # add the runner-up sentence when within this margin of the best...
    two_sentence_max_words: int  # ...and both have at most this many words
    abstain_threshold: float  # abstain when the confidence is below this
    answer_threshold: float  # "answered" when the grade (rag.answer.grade) reaches this, else "uncertain"


@dataclass(frozen=True)
class LinearModel:
    """One fitted linear (or logistic) model: ``features @ weights + bias``."""

    features: tuple[str, ...]
    weights: np.ndarray
    bias: float = 0.0
    signs: np.ndarray | None = None  # +1 / -1 / 0 (free) per weight, when fitted under signs
    scale: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class AnswerModels:
    """The content of a fitted-models file."""

    fitted_on: str
    constants: Constants
    models: dict[str, LinearModel]

    def model(self, name: str) -> LinearModel:
        """The model called ``name``."""
        return self.models[name]


def load(path: Path = MODEL_FILE, expected: Mapping[str, Sequence[str]] | None = None) -> AnswerModels:
    """Read and check the file at ``path``; ``expected`` maps model names to the code's feature names."""
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise ModelFileError(f"{path}: cannot read the fitted models ({err})") from err
    if not isinstance(raw, dict) or raw.get("version") != VERSION:
        found = raw.get("version") if isinstance(raw, dict) else None
        raise ModelFileError(f"{path}: format version {found!r}, this code reads version {VERSION}")
    constants = _constants(path, raw.get("constants", {}))
    models = {name: _model(path, name, body) for name, body in raw.get("models", {}).items()}
    for name, names in (expected or {}).items():
        if name not in models:
            raise ModelFileError(f"{path}: no model {name!r} (the file has {sorted(models)})")
        if models[name].features != tuple(names):
            raise ModelFileError(
                f"{path}: model {name!r} has features {list(models[name].features)}, "
                f"the code computes {list(names)}"
            )
    return AnswerModels(fitted_on=str(raw.get("fitted_on", "")), constants=constants, models=models)


@cache
def shipped_constants() -> Constants:
    """The constants of the shipped file (settings defaults read them from here)."""
    return load().constants


def _constants(path: Path, raw: Mapping[str, Any]) -> Constants:
    names = [f.name for f in fields(Constants)]
    missing = [n for n in names if n not in raw]
    if missing:
        raise ModelFileError(f"{path}: constants {missing} are missing")
    return Constants(**{n: raw[n] for n in names})


def _model(path: Path, name: str, body: Mapping[str, Any]) -> LinearModel:
    try:
        features = tuple(str(f) for f in body["features"])
        weights = np.asarray(body["weights"], dtype=np.float64)
        signs = np.asarray(body["signs"], dtype=np.int64) if "signs" in body else None
        model = LinearModel(
            features, weights, float(body.get("bias", 0.0)), signs, dict(body.get("scale", {}))
        )
    except (KeyError, TypeError, ValueError) as err:
        raise ModelFileError(f"{path}: model {name!r} is malformed ({err!r})") from err
    if weights.shape != (len(features),) or (signs is not None and signs.shape != weights.shape):
        raise ModelFileError(
            f"{path}: model {name!r} has {len(features)} features, {weights.size} weights"
            + ("" if signs is None else f" and {signs.size} signs")
        )
    return model


def write(path: Path, fitted_on: str, constants: Constants, models: Mapping[str, LinearModel]) -> None:
    """Write a fitted-models file (used by ``benchmarks/fit_features``): one list per line."""
    body: dict[str, Any] = {
        "version": VERSION,
        "fitted_on": fitted_on,
        "constants": {f.name: getattr(constants, f.name) for f in fields(Constants)},
        "models": {name: _model_json(m) for name, m in models.items()},
    }
    text = json.dumps(body, indent=2)
    # Each list of numbers or names on one line, readable in a diff.
    text = re.sub(r"\[\s+([^\[\]{}]*?)\s+\]", lambda m: "[" + " ".join(m.group(1).split()) + "]", text)
    Path(path).write_text(text + "\n", encoding="utf-8")


def _model_json(model: LinearModel) -> dict[str, Any]:
    body: dict[str, Any] = {
        "features": list(model.features),
        "weights": [round(float(w), 6) for w in model.weights],
        "bias": round(float(model.bias), 6),
    }
    if model.signs is not None:
        body["signs"] = [int(s) for s in model.signs]
    if model.scale:
        body["scale"] = model.scale
    return body
