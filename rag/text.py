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

from rag.header import line_role
from rag.types import Sentence

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


# Sentences -----------------------------------------------------------------------------------
# Two splitters, for two kinds of text: ``split_sentences`` cuts a report (offsets kept, lines and
# abbreviations as reports use them); ``split_reply`` cuts a chat model's reply, where a marker
# such as "[1]" after a full stop belongs to the sentence before it (``split_sentences`` would
# start the next sentence at "[1]", so the generative verification keeps its own rule).

PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
# A sentence ends at . ! or ? (plus closing quotes/brackets), before white space and a
# character that can open a sentence. Also at a period glued to a capital ("civilians.On").
# An ellipsis ("...", a separator in NWS products: "LOCATION...45.0N") never ends a sentence.
_SENTENCE_END = re.compile(
    r"(?<!\.)(?:\.|[!?]+|[!?]\.)[\"'”’)\]]*(?=\s+[\"'“‘(\[]*[A-Z0-9\u00C0-\u024F])"
    r"|(?<=[^\s.])(?:\.|[!?]+)[\"'”’)\]]*(?=[A-Z][a-z])"
    r"|\n+"
)
_ABBREVIATIONS = frozenset(
    """mr mrs ms dr prof sr jr st gen col lt sgt capt maj gov sen rep rev no vs etc inc ltd co
    corp jan feb mar apr jun jul aug sep sept oct nov dec u.s u.n e.g i.e a.m p.m approx est
    fig ft mt""".split()
)


def _is_abbreviation(text: str, period_at: int) -> bool:
    """True when the period at ``period_at`` ends an abbreviation or an initial, not a sentence."""
    word = re.search(r"([\w.]+)$", text[:period_at])
    if word is None:
        return False
    token = word.group(1).lower().rstrip(".")
    if token in _ABBREVIATIONS:
        return True
    # Initials such as "J." or "U.S" before the period.
    return (len(token) == 1 and token.isalpha()) or bool(re.fullmatch(r"(\w\.)+\w", token))


def split_sentences(text: str, offset: int = 0, wrap_width: int | None = None) -> list[Sentence]:
    """Split ``text`` into sentences; offsets are shifted by ``offset`` (the text's position).

    A line break ends a sentence, unless ``wrap_width`` is given (the text is hard-wrapped at
    about that many characters) and the line continues a sentence (see ``_continues``).
    """
    sentences: list[Sentence] = []
    start = 0
    for match in _SENTENCE_END.finditer(text):
        if match.group(0)[0] == "." and _is_abbreviation(text, match.start()):
            continue
        if match.group(0)[0] == "\n" and wrap_width and _continues(text, match.start(), wrap_width):
            continue
        end = match.end() if not match.group(0).startswith("\n") else match.start()
        _append_trimmed(sentences, text, start, end, offset)
        start = match.end()
    _append_trimmed(sentences, text, start, len(text), offset)
    return sentences


# A line that starts a unit of its own: a list item, a "Key: value" line, an NWS "KEY WORDS...value"
# line, "..." headline or ".Section..." line, an underline.
_LIST_ITEM = r"[-*•●▪◦–]\s|\(?\d{1,2}[.)]\s|\(?[a-z][.)]\s"
_KEY = r"[A-Za-z][\w()/#,'-]*(?: [\w()/#,'-]+){0,4}:\s+\S"
_UNIT_START = re.compile(
    rf"^(?:{_LIST_ITEM}|{_KEY}"
    r"|[A-Z][A-Z0-9]* [A-Z0-9]+(?: [A-Z0-9]+)?\.\.\.\S"
    r"|\.\.\.|\.[A-Z][a-z]+\.\.\.|[-=_]{3,}$)"
)
LIST_ITEM_START = re.compile(rf"^(?:{_LIST_ITEM})")
KEY_VALUE = re.compile(rf"^{_KEY}")


def _continues(text: str, newline: int, wrap_width: int) -> bool:
    """Whether the line break at ``newline`` only wraps a line (the sentence goes on).

    It does when the next line does not start a unit of its own, the line before is no label
    ("NOTE:") and is full: the next line's first word would not have fitted on it, or it
    reaches 80% of the width (hand-wrapped bulletins break lines early).
    """
    line_start = text.rfind("\n", 0, newline) + 1
    before = text[line_start:newline].rstrip()
    after_end = text.find("\n", newline + 1)
    after = text[newline + 1 : after_end if after_end >= 0 else len(text)].strip()
    if not before or not after or line_role(after) != "text":
        return False
    if _UNIT_START.match(after) and not (after.startswith("...") and not before.endswith("...")):
        return False
    if re.search(r"\w-$", before) and after[:1].isalnum():
        return True
    if before.endswith(":") or line_role(before) != "text":
        return False
    return len(before) >= 0.8 * wrap_width or len(before) + 1 + len(after.split()[0]) > wrap_width


def wrap_width(text: str) -> int | None:
    """The width a hard-wrapped text was wrapped at, or None if its lines are not wrapped.

    Taken as the longest line that another line follows in its paragraph, when at least three
    such lines come within 15% of it (a wrapped text has many lines near its margin).
    """
    lengths = [
        len(line.rstrip())
        for paragraph in PARAGRAPH_BREAK.split(text)
        for line in paragraph.strip("\n").split("\n")[:-1]
    ]
    if not lengths:
        return None
    widest = max(lengths)
    near = sum(length >= 0.85 * widest for length in lengths)
    return widest if widest >= 40 and near >= 3 else None


def _append_trimmed(out: list[Sentence], text: str, start: int, end: int, offset: int) -> None:
    """Append ``text[start:end]`` without surrounding white space, if anything is left."""
    piece = text[start:end]
    stripped = piece.strip()
    if not stripped:
        return
    lead = len(piece) - len(piece.lstrip())
    begin = offset + start + lead
    out.append(Sentence(start=begin, end=begin + len(stripped), text=stripped))


_REPLY_SENTENCE_END = re.compile(
    r"[.!?]+[\"'”’)]*(?:\s*\[(?:passages?\s*)?\d+(?:\s*[,;]\s*\d+)*\])*(?=\s|$)", re.IGNORECASE
)
_REPLY_ABBREVIATION = re.compile(
    r"(?:\b(?:[A-Za-z]\.){2,}|\b(?:Mr|Mrs|Ms|Dr|St|Gen|Lt|Col|Sgt|Capt|Gov|Sen|Rep|No|Jr|Sr|vs|etc)\.)$"
)


def split_reply(reply: str) -> list[str]:
    """The sentences of ``reply``; markers after a full stop stay with their sentence."""
    pieces: list[str] = []
    for line in reply.splitlines():
        line = re.sub(r"^\s*(?:[-*•]|\d+[.)])\s+", "", line)
        pos = 0
        for match in _REPLY_SENTENCE_END.finditer(line):
            pieces.append(line[pos : match.end()].strip())
            pos = match.end()
        pieces.append(line[pos:].strip())
    merged: list[str] = []
    for piece in filter(None, pieces):
        if merged and _REPLY_ABBREVIATION.search(merged[-1]):
            merged[-1] = f"{merged[-1]} {piece}"  # "The U.S." is no sentence: join it back
        else:
            merged.append(piece)
    return merged


# Answer signals (rag.signals) ----------------------------------------------------------------

_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
#: A calendar date or a year: "9 September", "September 9", "2015".
CALENDAR = re.compile(
    rf"\b\d{{1,2}}(?:st|nd|rd|th)? {_MONTH}\b|\b{_MONTH} \d{{1,2}}\b|\b(?:1[0-9]{{3}}|20[0-9]{{2}})\b"
)
#: A date relative to the report's day or a named day or month: "next month", "Tuesday", "in March".
RELATIVE_DATE = re.compile(
    rf"\b(?:(?:next|last|this|that|the following|the previous) (?:day|week|month|year|morning|evening|"
    rf"night|weekend)|yesterday|today|tomorrow|tonight|(?:Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day|{_MONTH})\b",
    re.IGNORECASE,
)
#: A sentence that refers back to the one before it: it opens with a pronoun or "the/this <noun>".
ANAPHORIC_START = re.compile(
    r"^(?:It|They|He|She|Its|Their|His|Her|This|These|Those|That|There|Such)\b"
    r"|^(?:The|This|These|That|Those) [a-z]+\b"
)
_HOW_MANY_FOCUS = re.compile(r"\bhow (?:many|much)\s+((?:\w+\s+){0,2}\w+)", re.IGNORECASE)


def count_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the numbers in ``text`` that are not part of a date or a year ("400", "dozens")."""
    dates = [m.span() for m in CALENDAR.finditer(text)]
    return [m.span() for m in NUMBER.finditer(text) if not any(a <= m.start() < b for a, b in dates)]


def date_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the dates in ``text``: calendar dates, years and relative dates ("next month")."""
    spans = [m.span() for m in CALENDAR.finditer(text)]
    spans += [m.span() for m in RELATIVE_DATE.finditer(text) if not any(a <= m.start() < b for a, b in spans)]
    return sorted(spans)


def count_focus(question: str) -> list[str]:
    """The tokens of what a "how many/much" question counts ("how many Syrian officers" -> syrian, offic)."""
    match = _HOW_MANY_FOCUS.search(question)
    return tokenize(match.group(1)) if match else []
