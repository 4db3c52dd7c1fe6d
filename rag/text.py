"""Text rules in one place: the tokenizer, sentence splitting and what a question asks for.

Every stage that reads words uses these: BM25 and the catalog (``tokenize``), the scoring
features (``question_type`` and the value patterns), the citation highlights (``question_kinds``),
the chunker and the verification of generative answers (sentence splitting).
"""

from __future__ import annotations

import functools
import re
import threading

import Stemmer

WORD = re.compile(r"\w+", re.UNICODE)

#: Words too common to carry meaning in a question or a report.
STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being
    below between both but by can could did do does doing down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is
    it its itself just me more most my myself no nor not of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them
    themselves then there these they this those through to too under until up very was we were
    what when where which while who whom why will with would you your yours yourself
    yourselves s t""".split()
)


#: Words that negate a statement (a question's negation missing from the evidence lowers confidence).
NEGATIONS = frozenset("not no never n't without none nor neither cannot".split())

#: Names the tokenizer; an index or catalog saved with another one is rebuilt, not reused.
TOKENIZER = "snowball-english/stopwords-1"


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens without stopwords, Snowball-stemmed ("dominated" -> "domin")."""
    return [_stem(w) for w in WORD.findall(text.lower()) if w not in STOPWORDS]


_STEMMERS = threading.local()


@functools.lru_cache(maxsize=262_144)
def _stem(word: str) -> str:
    """The English Snowball stem of ``word``; numbers stay intact ("1990" is not a stem)."""
    if word.isdigit():
        return word
    stemmer = getattr(_STEMMERS, "english", None)
    if stemmer is None:  # PyStemmer objects are not thread-safe: one per thread
        stemmer = _STEMMERS.english = Stemmer.Stemmer("english")
    return stemmer.stemWord(word)


# Question kinds ------------------------------------------------------------------------------

HIGHLIGHT_NUMBER = re.compile(
    r"\b\d[\d,.]*\b|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|"
    r"eleven|twelve|dozen|dozens|hundred|hundreds|thousand|thousands|million|"
    r"millions|billion|several|few)\b",
    re.IGNORECASE,
)
HIGHLIGHT_DATE = re.compile(
    r"\b(1[0-9]{3}|20[0-9]{2})\b|\b(?:January|February|March|April|May|June|July|August|"
    r"September|October|November|December|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|"
    r"Sunday|century|centuries|morning|evening|night|today|yesterday|weeks?|months?|years?)\b",
    re.IGNORECASE,
)
HIGHLIGHT_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][a-zA-Z\u00C0-\u024F'-]+")


NUMBER = re.compile(
    r"\b\d[\d,.]*\b|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
    r"twenty|thirty|forty|fifty|hundred|hundreds|thousand|thousands|million|millions|billion|"
    r"billions|dozen|dozens|half|several|few|percent)\b",
    re.IGNORECASE,
)
DATE = re.compile(
    r"\b1[0-9]{3}s?\b|\b20[0-9]{2}s?\b|\b\d{1,2}(?:st|nd|rd|th)\b|\b(?:January|February|March|"
    r"April|May|June|July|August|September|October|November|December|Monday|Tuesday|Wednesday|"
    r"Thursday|Friday|Saturday|Sunday|century|centuries|decade|BC|AD|BCE|CE)\b"
)
CAPITAL = re.compile(r"\b[A-Z][\w\u00C0-\u024F'-]*")


#: What a question asks for, tried in this order (the order ``question_type`` relies on).
KIND_PATTERNS = (
    (
        "number",
        re.compile(
            r"\bhow (many|much|long|far|big|large|old|often|tall|high|fast)\b|"
            r"\bwhat (number|percentage|percent|amount|proportion|fraction)\b"
        ),
    ),
    (
        "date",
        re.compile(
            r"\bwhen\b|\b(what|which|in what) (year|years|date|day|month|time|century|decade|"
            r"period|era)\b|\bhow long ago\b"
        ),
    ),
    (
        "place",
        re.compile(
            r"\bwhere\b|\b(what|which) (town|city|country|countries|place|region|province|"
            r"state|continent|area|location|island|river)\b"
        ),
    ),
    (
        "person",
        re.compile(
            r"\bwho\b|\bwhose\b|\bwhom\b|\b(what|which) (person|man|woman|king|leader|"
            r"president|emperor|group|organization|company|agency)\b"
        ),
    ),
)


def question_kinds(question: str) -> tuple[str, ...]:
    """What the question asks for, in order: number, date, place, person (none: ``()``).

    A two-part question ("how many ... and to where?") asks for more than one kind.
    """
    q = question.lower()
    return tuple(kind for kind, pattern in KIND_PATTERNS if pattern.search(q))


def question_type(question: str) -> str:
    """The first kind the question asks for (``number``, ``date``, ``place``, ``person``) or ``other``."""
    kinds = question_kinds(question)
    return kinds[0] if kinds else "other"
