"""A report's key people, organisations, groups, places, dates and figures, for its brief.

spaCy's pinned small pipeline (``rag.nlp``, NER only) over the report's body paragraphs (not its
header block); entities are counted and the most frequent of each kind kept, first mention
breaking ties. Without the pipeline a brief simply has no entities.
"""

from __future__ import annotations

from collections import Counter

from rag.chunk import split_paragraphs
from rag.header import parse_header
from rag.types import Entity

#: spaCy label -> the kind a brief shows.
ENTITY_KINDS = {
    "PERSON": "person",
    "ORG": "organisation",
    "NORP": "group",
    "GPE": "place",
    "LOC": "place",
    "FAC": "place",
    "DATE": "date",
    "CARDINAL": "figure",
    "QUANTITY": "figure",
    "MONEY": "figure",
    "PERCENT": "figure",
}

#: Most entities kept per kind, and most paragraphs read (a very long report: its opening).
PER_KIND = 6
MAX_PARAGRAPHS = 400


def report_entities(text: str) -> tuple[Entity, ...]:
    """The key entities of a report's ``text`` (its body: the header block is left out)."""
    try:
        from rag.nlp import NlpModelError, pipeline
    except ImportError:  # pragma: no cover - spaCy is a dependency
        return ()
    paragraphs = split_paragraphs(text)
    body = parse_header(text, paragraphs).body_start
    texts = [" ".join(text[s:e].split()) for s, e in paragraphs if s >= body][:MAX_PARAGRAPHS]
    try:
        nlp = pipeline(("ner",))
    except (NlpModelError, OSError, ImportError):
        return ()
    counts: Counter[tuple[str, str]] = Counter()
    for doc in nlp.pipe(texts, batch_size=32):
        for ent in doc.ents:
            kind = ENTITY_KINDS.get(ent.label_)
            name = ent.text.strip(" .,;:'\"()")
            if kind and name:
                counts[(kind, name)] += 1
    return _top(counts)


def _top(counts: Counter[tuple[str, str]]) -> tuple[Entity, ...]:
    """The ``PER_KIND`` most frequent of each kind (``counts`` keeps first-mention order)."""
    out: list[Entity] = []
    for kind in dict.fromkeys(ENTITY_KINDS.values()):
        ranked = sorted(
            ((name, n) for (k, name), n in counts.items() if k == kind), key=lambda item: -item[1]
        )
        out.extend(Entity(text=name, kind=kind, count=n) for name, n in ranked[:PER_KIND])
    return tuple(out)
