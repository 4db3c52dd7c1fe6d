"""Pure metric functions of the evaluation harness: no I/O, no model, easy to check by hand.

Answer text is compared the way the official SQuAD 2.0 script (``evaluate-v2.0.py``)
compares it: lower case, punctuation and the articles a/an/the removed, whitespace collapsed.
"""

from __future__ import annotations

import math
import re
import string
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence

from pydantic import BaseModel, ConfigDict, Field

_ARTICLES = re.compile(r"\b(a|an|the)\b", re.UNICODE)
_PUNCTUATION = frozenset(string.punctuation)
_MARKER = re.compile(r"\[\d+\]")

#: Recall is reported at these ranks.
RECALL_KS: tuple[int, ...] = (1, 3, 5, 10)


def normalize_answer(text: str) -> str:
    """SQuAD's normalisation: lower case, no punctuation, no articles, single spaces."""
    text = "".join(ch for ch in text.lower() if ch not in _PUNCTUATION)
    text = _ARTICLES.sub(" ", text)
    return " ".join(text.split())


def strip_markers(text: str) -> str:
    """``text`` without citation markers such as ``[1]`` (they would read as numbers)."""
    return _MARKER.sub(" ", text)


def exact_match(prediction: str, gold: str) -> bool:
    """SQuAD exact match: the normalised strings are equal."""
    return normalize_answer(prediction) == normalize_answer(gold)


def contains_answer(prediction: str, golds: Iterable[str]) -> bool:
    """True when the normalised prediction holds any non-empty normalised gold, word-aligned.

    Unicode punctuation is removed first, as the official script removes ASCII punctuation: a
    quote that opens with a curly quotation mark (“The people want ...”) holds its words.
    """
    padded = f" {normalize_answer(_strip_unicode_punctuation(prediction))} "
    for gold in golds:
        norm = normalize_answer(_strip_unicode_punctuation(gold))
        if norm and f" {norm} " in padded:
            return True
    return False


def _strip_unicode_punctuation(text: str) -> str:
    """``text`` without punctuation characters of any script (Unicode categories P*)."""
    return "".join(ch for ch in text if not unicodedata.category(ch).startswith("P"))


def contains_all(prediction: str, required: Iterable[str]) -> bool:
    """True when ``prediction`` holds every ``required`` string (case-insensitive, white space
    collapsed): the reports-dev rule for a right answer's text."""
    folded = " ".join(strip_markers(prediction).split()).lower()
    return all(" ".join(r.split()).lower() in folded for r in required)


def _alnum_index(text: str) -> tuple[str, list[int]]:
    """``text`` reduced to its lower-cased letters and digits, and each kept one's offset."""
    kept = [(i, ch) for i, ch in enumerate(text.lower()) if ch.isalnum()]
    return "".join(ch for _, ch in kept), [i for i, _ in kept]


def locate_quote(text: str, quote: str) -> tuple[int, int] | None:
    """The span ``(start, end)`` of ``quote`` in ``text``, comparing letters and digits only.

    White space, line breaks, end-of-line hyphens and punctuation may differ between a gold
    quote and a report's extracted text (a PDF breaks lines anywhere); None when not found.
    """
    needle, _ = _alnum_index(quote)
    if not needle:
        return None
    hay, offsets = _alnum_index(text)
    at = hay.find(needle)
    if at < 0:
        return None
    return offsets[at], offsets[at + len(needle) - 1] + 1


def overlaps(start: int, end: int, spans: Iterable[tuple[int, int]]) -> bool:
    """True when ``[start, end)`` shares a character with any of ``spans``."""
    return any(start < e and s < end for s, e in spans)


def token_f1(prediction: str, gold: str) -> float:
    """SQuAD token F1 between one prediction and one gold answer."""
    pred_tokens = normalize_answer(prediction).split()
    gold_tokens = normalize_answer(gold).split()
    if not pred_tokens or not gold_tokens:
        return float(pred_tokens == gold_tokens)
    common = Counter(pred_tokens) & Counter(gold_tokens)
    same = sum(common.values())
    if same == 0:
        return 0.0
    precision = same / len(pred_tokens)
    recall = same / len(gold_tokens)
    return 2 * precision * recall / (precision + recall)


def best_f1(prediction: str, golds: Iterable[str]) -> float:
    """The highest token F1 of ``prediction`` against any gold answer (0 when there is none)."""
    return max((token_f1(prediction, gold) for gold in golds), default=0.0)


def first_hit_rank(hits: Sequence[bool]) -> int | None:
    """1-based rank of the first true entry of a ranked list, or None when there is none."""
    for rank, hit in enumerate(hits, start=1):
        if hit:
            return rank
    return None


def recall_at_k(ranks: Sequence[int | None], k: int) -> float:
    """Share of questions whose gold passage is ranked within the top ``k``."""
    if not ranks:
        return 0.0
    return sum(1 for r in ranks if r is not None and r <= k) / len(ranks)


def mean_reciprocal_rank(ranks: Sequence[int | None]) -> float:
    """Mean of 1/rank of the gold passage, 0 for a question whose gold was not retrieved."""
    if not ranks:
        return 0.0
    return sum(1.0 / r for r in ranks if r is not None) / len(ranks)


def share(flags: Iterable[bool]) -> float:
    """Share of true values (0 for an empty input)."""
    values = list(flags)
    return sum(values) / len(values) if values else 0.0


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) with linear interpolation, as numpy's default."""
    if not values:
        return 0.0
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100.0
    low = math.floor(pos)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (pos - low)


class FigureModel(BaseModel):
    """Base of the harness's result models: infinite thresholds go to JSON as "Infinity"."""

    model_config = ConfigDict(frozen=True, ser_json_inf_nan="strings")


class Outcome(FigureModel):
    """What the abstention sweep needs of one question."""

    answerable: bool
    confidence: float
    contained: bool = False
    always_abstains: bool = Field(
        False, description="The system abstained whatever the threshold (e.g. nothing found)."
    )

    def abstains_at(self, threshold: float) -> bool:
        """Whether the system abstains on this question at ``threshold``."""
        return self.always_abstains or self.confidence < threshold


class CurvePoint(FigureModel):
    """The abstention figures at one threshold: abstain when confidence < threshold."""

    threshold: float
    unanswerable_abstained: float
    answerable_abstained: float
    answerable_contained: float


def abstention_point(outcomes: Sequence[Outcome], threshold: float) -> CurvePoint:
    """Abstention and containment shares when abstaining below ``threshold``."""
    answerable = [o for o in outcomes if o.answerable]
    unanswerable = [o for o in outcomes if not o.answerable]
    return CurvePoint(
        threshold=threshold,
        unanswerable_abstained=share(o.abstains_at(threshold) for o in unanswerable),
        answerable_abstained=share(o.abstains_at(threshold) for o in answerable),
        answerable_contained=share(o.contained and not o.abstains_at(threshold) for o in answerable),
    )


def curve_thresholds(confidences: Iterable[float], max_points: int = 201) -> list[float]:
    """Thresholds that trace the whole curve: -inf, then each distinct finite confidence
    (or evenly spaced quantiles of them when there are many), then +inf."""
    finite = sorted({c for c in confidences if math.isfinite(c)})
    if len(finite) > max_points - 2:
        last = len(finite) - 1
        picks = {round(i * last / (max_points - 3)) for i in range(max_points - 2)}
        finite = [finite[i] for i in sorted(picks)]
    return [-math.inf, *finite, math.inf]


def abstention_curve(outcomes: Sequence[Outcome], max_points: int = 201) -> list[CurvePoint]:
    """The abstention trade-off at every threshold that changes it, lowest threshold first."""
    thresholds = curve_thresholds((o.confidence for o in outcomes), max_points)
    return [abstention_point(outcomes, t) for t in thresholds]


def ratio(candidate: float | None, reference: float | None) -> float | None:
    """``candidate / reference``, or None when either is missing or the reference is 0."""
    if candidate is None or reference is None or reference == 0:
        return None
    return candidate / reference


def kendall_tau(gold: Sequence[str], listed: Sequence[int]) -> tuple[int, int]:
    """Concordant and discordant pairs of events: ``gold[i]`` is event i's true date (ISO text),
    ``listed[i]`` its position in the listed order. Pairs of equal true date are not counted;
    Kendall's tau is (concordant - discordant) / (concordant + discordant)."""
    concordant = discordant = 0
    for i in range(len(gold)):
        for j in range(i + 1, len(gold)):
            if gold[i] == gold[j] or listed[i] == listed[j]:
                continue
            if (gold[i] < gold[j]) == (listed[i] < listed[j]):
                concordant += 1
            else:
                discordant += 1
    return concordant, discordant
