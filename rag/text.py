"""Text rules in one place: the tokenizer, sentence splitting and what a question asks for.

Every stage that reads words uses these: BM25 and the catalog (``tokenize``), the scoring
features (``question_type`` and the value patterns), the citation highlights (``question_kinds``),
the chunker and the verification of generative answers (sentence splitting).
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

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
TOKENIZER = "snowball-english/stopwords-1/irregular-1"

#: Irregular forms and their lemmas ("withdrew" -> "withdraw"), written by
#: ``training/irregular_forms.py`` from the pinned spaCy pipeline's exception tables; checked at load.
IRREGULAR_FORMS = Path(__file__).resolve().parent / "models" / "irregular-forms.json"
IRREGULAR_FORMS_SHA256 = "80e4f48336a0e0396ef76627d62c006bb5a4a6afeccedef1560f7aa35c4ad4d2"


class TextDataError(RuntimeError):
    """A data file of the text rules is missing or not the one this version pins."""


def tokenize(text: str) -> list[str]:
    """Lower-cased word tokens without stopwords, each an irregular form's lemma ("withdrew" ->
    "withdraw", :func:`irregular_forms`) Snowball-stemmed ("dominated" -> "domin")."""
    return [_stem(w) for w in WORD.findall(text.lower()) if w not in STOPWORDS]


@functools.cache
def irregular_forms(path: Path = IRREGULAR_FORMS, sha256: str = IRREGULAR_FORMS_SHA256) -> dict[str, str]:
    """Irregular form -> lemma (``path``, checked against ``sha256``)."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise TextDataError(f"cannot read the irregular forms file {path}: {exc}") from exc
    if hashlib.sha256(raw).hexdigest() != sha256:
        raise TextDataError(
            f"{path} is damaged or not the one this version pins (sha256 differs); reinstall, "
            "or rebuild it with training/irregular_forms.py"
        )
    return dict(json.loads(raw)["forms"])


_STEMMERS = threading.local()


@functools.lru_cache(maxsize=262_144)
def _stem(word: str) -> str:
    """The English Snowball stem of ``word`` (of its lemma if it is an irregular form); numbers
    stay intact ("1990" is not a stem)."""
    if word.isdigit():
        return word
    stemmer = getattr(_STEMMERS, "english", None)
    if stemmer is None:  # PyStemmer objects are not thread-safe: one per thread
        stemmer = _STEMMERS.english = Stemmer.Stemmer("english")
    return stemmer.stemWord(irregular_forms().get(word, word))


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


_COUNTED = re.compile(
    r"\bhow (?:many|much)\s+(.*?)\s+(?:did|do|does|was|were|is|are|has|have|had|will|would|can|"
    r"could|may|might|should)\b|\bwhat (?:number|percentage|percent|amount|proportion|fraction|"
    r"share) of ((?:[\w'-]+\s*){1,3})|\bwhat (?:is|was|were|are) the (population|size|total|"
    r"death toll|toll|number)\b"
)


#: "How many <thing> <past-tense verb>" without an auxiliary ("How many people drowned when ..."):
#: the thing is the words (at most four) before the first word in -ed or a common irregular past.
_COUNTED_BEFORE_VERB = re.compile(
    r"\bhow (?:many|much)\s+((?:[\w'-]+\s+){0,3}?[\w'-]+?)\s+(?:[a-z]+ed|died|fell|won|lost|got|took|"
    r"left|came|went|fled|held|saw|made|gave|sent|rose|ran|fought|remain|remained)\b"
)
#: Quantity words that do not answer "how many" ("killing several soldiers").
VAGUE_QUANTITIES = frozenset({"several", "few"})
#: Words that count without a digit ("turned around twice" answers "how many times").
COUNT_WORDS = frozenset({"once", "twice", "thrice"})
#: Tokens (stems) of a counted thing that asks for an amount of money.
MONEY_TOKENS = frozenset({"money", "fund", "funding", "cost", "budget", "price", "dollar"})
#: Tokens (stems) of a counted thing that asks for a population.
POPULATION_TOKENS = frozenset({"popul", "inhabit", "resid"})
#: A population given as the size of a place or its people: "a town of 70,000", "70,000
#: inhabitants", "a city of 2 million people".
POPULATION = re.compile(
    r"(?i)\b(?:town|city|village|hamlet|district|province|region|country)\s+of\s+(?:about\s+|some\s+|around\s+)?\d"
    r"|\b\d[\d,.]*\s*(?:million\s+)?(?:inhabitants|residents|people live)\b"
)
#: An amount of money: "$4.6 billion", "€ 20", "300 million dollars".
CURRENCY = re.compile(r"[$€£]\s?\d|\b\d[\d,.]*\s*(?:million|billion)?\s*(?:dollars|euros|pounds)\b")


def counted_thing(question: str) -> str | None:
    """What a "how many" question counts, in lower case: "How many Iranian experts were killed?"
    -> "iranian experts"; "What share of asylum claims ..." -> "asylum claims ..."; "What was the
    population of ..." -> "population"; without an auxiliary, the words before a past-tense verb
    (:func:`counted_before_verb`: "How many people drowned ..." -> "people"); else None."""
    m = _COUNTED.search(question.lower())
    return next(g for g in m.groups() if g).strip() if m else counted_before_verb(question)


def counted_before_verb(question: str) -> str | None:
    """The counted thing of "How many <thing> <past-tense verb> ..." (no auxiliary), in lower
    case: "How many people drowned when ..." -> "people"; else None."""
    m = _COUNTED_BEFORE_VERB.search(question.lower())
    return m.group(1).strip() if m else None


def focus_words(question: str) -> list[str]:
    """Tokens of what a "how many" question counts (:func:`counted_thing`: "How many Syrian
    officers ..." -> syrian, offic); all the question's tokens when it counts nothing."""
    return tokenize(counted_thing(question) or "") or tokenize(question)


def question_kinds(question: str) -> tuple[str, ...]:
    """What the question asks for, in order: number, date, place, person (none: ``()``).

    A two-part question ("how many ... and to where?") asks for more than one kind.
    """
    q = question.lower()
    return tuple(kind for kind, pattern in KIND_PATTERNS if pattern.search(q))


def holds_kind(kind: str, sentence: str, question_words: set[str]) -> bool:
    """Whether ``sentence`` holds a ``kind`` of thing (``question_kinds``) the question does not
    name itself (``question_words``, lower-cased): a number, a date, a name for a place or person
    (a capitalised word past the sentence's first)."""
    if kind in ("place", "person"):
        found = [m for m in CAPITAL.finditer(sentence) if m.start() > 0]
    else:
        pattern = {"number": NUMBER, "date": DATE}.get(kind)
        found = list(pattern.finditer(sentence)) if pattern else []
    return any(m.group(0).lower() not in question_words for m in found)


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
_KEY_NAME = r"[A-Za-z][\w()/#,'-]*(?: [\w()/#,'-]+){0,4}"
_KEY = rf"{_KEY_NAME}:\s+\S"
_UNIT_START = re.compile(
    rf"^(?:{_LIST_ITEM}|{_KEY}"
    r"|[A-Z][A-Z0-9]* [A-Z0-9]+(?: [A-Z0-9]+)?\.\.\.\S"
    r"|\.\.\.|\.[A-Z][a-z]+\.\.\.|[-=_]{3,}$)"
)
LIST_ITEM_START = re.compile(rf"^(?:{_LIST_ITEM})")
#: A section heading line in capitals, numbered or not: "3. INFRASTRUCTURE", "IV. OUTLOOK", "SUMMARY".
SECTION_HEADING = re.compile(r"^(?:\d{1,2}[.)]\s+|[IVX]{1,4}\.\s+)?[A-Z][A-Z&/ -]{2,40}$")
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


# Answer units: field lines, lists, references back -------------------------------------------

#: A field line's value is short ("Rating: EF2", "Start Time: 03:38 PM CST"); a longer one is a
#: labelled sentence ("Summary: The tornado initially touched down ...").
FIELD_VALUE_MAX_WORDS = 10

#: Words a question uses for what a field's key names: "how long" asks for a length, "first"
#: for a start. Keys are matched on stems (``tokenize``), so these are stems too.
KEY_SYNONYMS: dict[str, frozenset[str]] = {
    "long": frozenset({"length"}),
    "wide": frozenset({"width"}),
    "broad": frozenset({"width"}),
    "high": frozenset({"height"}),
    "tall": frozenset({"height"}),
    "deep": frozenset({"depth"}),
    "heavi": frozenset({"weight"}),
    "far": frozenset({"distanc"}),
    "fast": frozenset({"speed"}),
    "old": frozenset({"age"}),
    "first": frozenset({"start", "begin"}),
    "began": frozenset({"start", "begin"}),
    "begin": frozenset({"start"}),
    "initi": frozenset({"start"}),
    "last": frozenset({"end"}),
    "final": frozenset({"end"}),
    "finish": frozenset({"end"}),
    "kill": frozenset({"fatal", "death"}),
    "die": frozenset({"fatal", "death"}),
    "dead": frozenset({"fatal", "death"}),
    "injur": frozenset({"injuri"}),
    "hurt": frozenset({"injuri"}),
    "strong": frozenset({"maximum", "peak"}),
    "top": frozenset({"maximum", "peak"}),
    "highest": frozenset({"maximum", "peak"}),
    "strongest": frozenset({"maximum", "peak"}),
}

#: Key words that name what a question kind asks for ("when" -> a "Date:" or "Time:" field).
KIND_KEYS: dict[str, frozenset[str]] = {
    "date": frozenset({"date", "time", "day", "year"}),
    "place": frozenset({"locat", "place", "site", "area", "region"}),
    "person": frozenset({"name"}),
}

_QUALIFIER = re.compile(r"/[^/]*/|\([^)]*\)")
_FIELD = re.compile(rf"^({_KEY_NAME}):\s+(\S.*)$", re.DOTALL)
#: A bulletin's upper-case field: "MAXIMUM SUSTAINED WINDS...60 MPH...95 KM/H".
_CAPS_FIELD = re.compile(r"^([A-Z][A-Z/-]*(?: [A-Z/-]+){0,3})\.\.\.(\S.*)$", re.DOTALL)


def field_line(sentence: str) -> tuple[str, str] | None:
    """``(key, value)`` of a one-line field ("Path Width /maximum/:  460.0 yards", "LOCATION...45.0N
    65.5W"), else None. A field's value is at most ``FIELD_VALUE_MAX_WORDS`` words, does not run
    to a second line and is no sentence (a longer value ending in a full stop)."""
    line = sentence.strip()
    match = _FIELD.match(line) or _CAPS_FIELD.match(line)
    if match is None or "\n" in line:
        return None
    key, value = match.group(1), match.group(2).strip()
    words = len(value.split())
    if words > FIELD_VALUE_MAX_WORDS or (words > 3 and value.endswith((".", "!", "?"))):
        return None
    return key, value


def key_matches(key: str, named: set[str], kind_keys: set[str]) -> tuple[frozenset[str], float] | None:
    """How a question's words (``question_key_terms``) name a field's ``key``: (the key words the
    question names itself, the share of key words matched), or None when the key's last word
    (its head: "Peak Wind", "Start Time") is not matched, or under half its words are, or the
    question names none of them itself (only the kind it asks for)."""
    terms = key_terms(key)
    matched = {t for t in terms if t in named or t in kind_keys}
    if not terms or terms[-1] not in matched or 2 * len(matched) < len(terms) or not matched & named:
        return None
    return frozenset(matched & named), len(matched) / len(terms)


def key_terms(key: str) -> list[str]:
    """The stems a field's key names, in order, without its qualifiers ("Path Length /statute/" ->
    path, length)."""
    return list(dict.fromkeys(tokenize(_QUALIFIER.sub(" ", key))))


def question_key_terms(question: str) -> tuple[set[str], set[str]]:
    """The stems a field key may match in ``question``: (its words and their synonyms, the key
    words of the kinds it asks for: "When ..." -> date, time)."""
    words = set(tokenize(question))
    named = words | {s for w in words for s in KEY_SYNONYMS.get(w, ())}
    return named, {k for kind in question_kinds(question) for k in KIND_KEYS.get(kind, ())}


def opens_list(sentence: str) -> bool:
    """Whether ``sentence`` introduces a list ("... guidelines:", "WARNING IS IN EFFECT FOR...")."""
    return sentence.rstrip().endswith((":", "..."))


def is_list_item(sentence: str) -> bool:
    """Whether ``sentence`` is a list item ("* NOVA SCOTIA", "• Fully obligated ...", "2) ...")."""
    return bool(LIST_ITEM_START.match(sentence.lstrip()))


#: A sentence that refers back to the one before it: it opens with a pronoun or "the/this <noun>".
_ANAPHORIC_START = re.compile(
    r"^(?:It|They|He|She|Its|Their|His|Her|This|These|Those|That|There|Such)\b"
    r"|^(?:The|This|These|That|Those) [a-z]+\b"
)


def refers_back(sentence: str) -> bool:
    """Whether ``sentence`` opens by referring to the one before: a pronoun or "the/this <noun>"
    ("It was ...", "These swells are ...", "The town ..."; not "The Battle of ..."), an
    all-capitals bulletin line read in sentence case ("THESE SWELLS ...")."""
    text = sentence.lstrip()
    return bool(_ANAPHORIC_START.match(text.capitalize() if text.isupper() else text))


def quote_rest(sentences: Sequence[str], start: int, limit: int = 3) -> int:
    """How many of the sentences after ``sentences[start]`` finish a quotation it opens and
    leaves open ('"Cool clock, Ahmed.' then 'Want to bring it to the White House? ...'): 0 when
    it leaves none open or the quotation is not closed within ``limit`` sentences."""
    first = sentences[start]
    curly = first.count("\u201c") - first.count("\u201d")
    straight = first.count('"') % 2 == 1
    if curly <= 0 and not straight:
        return 0
    for k, text in enumerate(sentences[start + 1 : start + 1 + limit], 1):
        curly += text.count("\u201c") - text.count("\u201d")
        straight ^= text.count('"') % 2 == 1
        if curly <= 0 and not straight:
            return k
    return 0


_WHY = re.compile(r"^\s*(?:why|how come|what (?:caused|prompted|led))\b|\bwhy\b", re.IGNORECASE)


def asks_why(question: str) -> bool:
    """Whether ``question`` asks for a reason ("Why were beachgoers warned ...?")."""
    return bool(_WHY.search(question))


# Relative dates --------------------------------------------------------------------------------

_MONTHS = "january february march april may june july august september october november december".split()
#: A month's name or its abbreviation ("Sep.", "September"), any case; ``_MONTH_WORD`` captures it.
_MONTH_NAME = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?"
_MONTH_WORD = rf"({_MONTH_NAME})"
_ISSUE_DATE = (
    re.compile(rf"(?i)\b{_MONTH_WORD}\s+(\d{{1,2}}),?\s+(\d{{4}})\b"),
    re.compile(rf"(?i)\b(\d{{1,2}})\s+{_MONTH_WORD},?\s+(\d{{4}})\b"),
    re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b"),
)
#: Words that name a day, month or year relative to the report's issue date, and its offset.
_RELATIVE = re.compile(
    r"(?i)\b(today|tonight|this morning|yesterday|last night|tomorrow"
    r"|(?:last|this|next) (?:month|year))\b"
)
_DAY_OFFSETS = {"today": 0, "tonight": 0, "this morning": 0, "yesterday": -1, "last night": -1, "tomorrow": 1}


def issue_date(line: str) -> datetime.date | None:
    """The date a header's date line gives ("January 11, 2024", "851 PM CST Wed Dec 14 2022")."""
    found: tuple[int, int, int] | None = None
    if m := _ISSUE_DATE[0].search(line):
        found = (int(m.group(3)), _month(m.group(1)), int(m.group(2)))
    elif m := _ISSUE_DATE[1].search(line):
        found = (int(m.group(3)), _month(m.group(2)), int(m.group(1)))
    elif m := _ISSUE_DATE[2].search(line):
        found = (int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if found is None:
        line = re.sub(r"(?i)^.*?\b(?:mon|tue|wed|thu|fri|sat|sun)[a-z]*\s+", "", line)
        m = re.search(rf"(?i)\b{_MONTH_WORD}\s+(\d{{1,2}})\s+(\d{{4}})\b", line)
        found = (int(m.group(3)), _month(m.group(1)), int(m.group(2))) if m else None
    try:
        return datetime.date(*found) if found else None
    except ValueError:
        return None


def _month(word: str) -> int:
    return next(i for i, name in enumerate(_MONTHS, 1) if name.startswith(word.lower()[:3]))


def relative_dates(text: str, issued: str) -> dict[str, str]:
    """The dates ``text``'s relative words name, given the report's issue date line, as text
    ("yesterday" -> "January 10 2024", "last month" -> "December 2023", "last year" -> "2023")."""
    date = issue_date(issued) if issued else None
    if date is None:
        return {}
    found: dict[str, str] = {}
    for match in _RELATIVE.finditer(text):
        phrase = " ".join(match.group(1).lower().split())
        day, precision = resolve_relative(phrase, date) or (date, "day")
        if precision == "day":
            found[phrase] = f"{_MONTHS[day.month - 1]} {day.day} {day.year}"
        else:
            found[phrase] = f"{_MONTHS[day.month - 1]} {day.year}" if precision == "month" else str(day.year)
    return found


_WEEKDAYS = "monday tuesday wednesday thursday friday saturday sunday".split()
_STEPS = {"last": -1, "this": 0, "next": 1}


def resolve_relative(
    phrase: str, issued: datetime.date, future: bool = False
) -> tuple[datetime.date, str] | None:
    """The first day a relative ``phrase`` names, from the report's issue date, and its precision
    (day, week, month or year): "yesterday", "last week", "next month", "(on|last|next) Tuesday".
    A bare weekday is the latest such day on or before the issue date, or the first on or after
    it when the sentence speaks of the ``future`` ("will meet on Wednesday"); None if not relative."""
    words = " ".join(phrase.lower().split()).split()
    if " ".join(words) in _DAY_OFFSETS:
        return issued + datetime.timedelta(days=_DAY_OFFSETS[" ".join(words)]), "day"
    words = [w for w in words if w != "on" and w not in ("morning", "afternoon", "evening", "night")]
    step = _STEPS.get(words[0]) if len(words) == 2 else 0
    unit = words[-1] if words else ""
    if step is None or (len(words) == 2 and words[0] not in _STEPS):
        return None
    if unit in _WEEKDAYS:
        back = (issued.weekday() - _WEEKDAYS.index(unit)) % 7
        if len(words) == 2 and words[0] == "next":
            return issued + datetime.timedelta(days=(7 - back) % 7 or 7), "day"
        if len(words) == 2 and words[0] == "last":
            back = back or 7
        elif future:
            return issued + datetime.timedelta(days=(7 - back) % 7), "day"
        return issued - datetime.timedelta(days=back), "day"
    if unit == "week" and len(words) == 2:
        monday = issued - datetime.timedelta(days=issued.weekday())
        return monday + datetime.timedelta(weeks=step), "week"
    if unit == "month" and len(words) == 2:
        month0 = issued.year * 12 + issued.month - 1 + step
        return datetime.date(month0 // 12, month0 % 12 + 1, 1), "month"
    if unit == "year" and len(words) == 2:
        return datetime.date(issued.year + step, 1, 1), "year"
    return None


@dataclass(frozen=True)
class DateMention:
    """A date a sentence names: offsets in it, the words, the first day meant and its precision."""

    start: int
    end: int
    phrase: str
    date: datetime.date
    precision: str  # "day", "week", "month" or "year"
    relative: bool  # resolved against the report's issue date ("Tuesday", "last week")
    year_given: bool  # the words name the year ("9 September 2015", not "On 15 April")
    #: The year is neither given, nor the issue date's, nor one the report named before: it is the
    #: first year the report names anywhere, an assumption the label says.
    year_assumed: bool = False

    def iso(self) -> str:
        """The date as ISO text at its precision: 2015-04-28, week of 2015-04-27, 2015-04, 2015."""
        if self.precision == "day":
            return self.date.isoformat()
        if self.precision == "week":
            return f"week of {self.date.isoformat()}"
        return self.date.isoformat()[: 7 if self.precision == "month" else 4]

    def label(self) -> str:
        """The words as written, with the ISO date beside them when they do not give it in full
        ("Tuesday (2015-04-28)", "15 April (2014-04-15)", "9 September 2015", "March 28
        (2011-03-28, year assumed)")."""
        if self.year_given and not self.relative:
            return self.phrase
        return f"{self.phrase} ({self.iso()}{', year assumed' if self.year_assumed else ''})"


_SENTENCE_MONTH = (
    r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan\.|Feb\.|Mar\.|Apr\.|Aug\.|Sept?\.|Oct\.|Nov\.|Dec\.)"
)
_PART = {"early": 1, "mid": 15, "late": 25}
#: A date as a report's sentence writes it; each form in its own named groups.
_EVENT_DATE = re.compile(
    rf"\b(?:(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m1>{_SENTENCE_MONTH})(?:,?\s+(?P<y1>\d{{4}})\b)?"
    rf"|(?P<m2>{_SENTENCE_MONTH})\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<y2>\d{{4}})\b)?"
    rf"|(?:(?P<p3>early|mid|late)[\s-]+)?(?P<m3>{_SENTENCE_MONTH})\s+(?P<y3>\d{{4}})\b"
    rf"|(?:(?i:in|by|since|until|during|from)\s+|(?=early|mid|late))(?:(?P<p4>early|mid|late)[\s-]+)?"
    rf"(?P<m4>{_SENTENCE_MONTH})(?![\s,]+\d)"
    r"|(?i:in|by|since|until|during)\s+(?P<y5>(?:1[5-9]|20)\d{2})\b(?!\s*(?:%|percent))"
    r"|(?P<rel>(?i:today|tonight|this morning|yesterday|last night|tomorrow"
    r"|(?:last|this|next) (?:week|month|year)"
    r"|(?:(?:last|next|on) )?(?:mon|tues|wednes|thurs|fri|satur|sun)day"
    r"(?: (?:morning|afternoon|evening|night))?"
    r")))\b"
)
#: Words that put a sentence's event after the report's issue date.
_FUTURE = re.compile(
    r"(?i)\b(?:will|shall|(?:is|are) (?:due |set |expected |scheduled |going )?to|plans? to|scheduled)\b"
)
_LEADING_PREPOSITION = re.compile(r"(?i)^(?:in|by|since|until|during|from|on)\s+")


def dates_in(
    sentence: str, issued: datetime.date | None = None, year: int | None = None
) -> list[DateMention]:
    """The dates ``sentence`` names, in order. A date without its year takes ``year`` (the year
    the report was last talking about), else the issue date's; relative words ("yesterday",
    "last week", "on Tuesday") are resolved against ``issued`` and left out without it."""
    found: list[DateMention] = []
    future = bool(_FUTURE.search(sentence))
    for match in _EVENT_DATE.finditer(sentence):
        resolved = _resolve(match.groupdict(), issued, year, future)
        if resolved is None:
            continue
        date, precision, relative, given = resolved
        phrase = _LEADING_PREPOSITION.sub("", match.group(0))
        found.append(DateMention(match.start(), match.end(), phrase, date, precision, relative, given))
    return found


def _resolve(
    parts: dict[str, str | None], issued: datetime.date | None, year: int | None, future: bool
) -> tuple[datetime.date, str, bool, bool] | None:
    """(first day, precision, relative, year given) of one ``_EVENT_DATE`` match, or None."""
    if parts["rel"]:
        found = resolve_relative(parts["rel"], issued, future) if issued else None
        return (found[0], found[1], True, False) if found else None
    if parts["y5"]:
        return datetime.date(int(parts["y5"]), 1, 1), "year", False, True
    month_word = parts["m1"] or parts["m2"] or parts["m3"] or parts["m4"] or ""
    month = _month(month_word)
    given = parts["y1"] or parts["y2"] or parts["y3"]
    day_text = parts["d1"] or parts["d2"]
    part = parts["p3"] or parts["p4"]
    the_year = int(given) if given else (year or (issued.year if issued else None))
    if the_year is None:
        return None
    if (
        not given
        and issued is not None
        and year is None
        and (month, int(day_text or 1)) > (issued.month, issued.day)
    ):
        the_year -= 1  # "December 30" in a report of January 2: last year's
    try:
        if day_text:
            return datetime.date(the_year, month, int(day_text)), "day", False, bool(given)
        return datetime.date(the_year, month, _PART.get(part or "", 1)), "month", False, bool(given)
    except ValueError:
        return None


_QUESTION_DATE = re.compile(
    r"(?i)(?:\b(?:on|in|during|as of)\s+)?\b(?:"
    rf"(?P<m1>{_MONTH_NAME})\s+(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<y1>\d{{4}}))?"
    rf"|(?P<m2>{_MONTH_NAME})\s+(?P<y2>\d{{4}})"
    rf"|(?P<d3>\d{{1,2}})\s+(?P<m3>{_MONTH_NAME})(?:,?\s+(?P<y3>\d{{4}}))?"
    r")\b"
)


def in_report_terms(question: str, text: str, issued: str) -> str | None:
    """``question`` with the dates it names that the report gives only relatively put in the
    report's words: "What did the council do on January 10, 2024?" of a statement dated January
    11, 2024 that says "yesterday" becomes "What did the council do yesterday?" (a date without
    a year is of the report's year); None if it names none."""
    by_date = {date: phrase for phrase, date in relative_dates(text, issued).items()}
    if not by_date:
        return None
    year_issued = str(issue_date(issued) or "")[:4]

    def put(match: re.Match[str]) -> str:
        parts = match.groupdict()
        month = _MONTHS[_month(parts["m1"] or parts["m2"] or parts["m3"]) - 1]
        day = parts["d1"] or parts["d3"]
        year = parts["y1"] or parts["y2"] or parts["y3"] or year_issued
        named = f"{month} {int(day)} {year}" if day else f"{month} {year}"
        return by_date.get(named, match.group(0))

    rewritten = _QUESTION_DATE.sub(put, question)
    return rewritten if rewritten != question else None


# Questions about the report itself -------------------------------------------------------------

_ASKS_WHEN = re.compile(r"(?i)^\s*(?:when\b|(?:on |as of )?(?:what|which) (?:date|day|time)\b)")
_ISSUED = re.compile(r"(?i)\b(?:issued|released|published|updated|dated|posted)\b")
#: Nouns that name a kind of document; a question naming one asks about a report of that kind.
DOCUMENT_NOUNS = frozenset(
    tokenize("statement fact sheet press release bulletin advisory insight readout memorandum memo briefing")
)
#: Nouns and words that name any report or the issuing itself ("the report", "last updated").
_ISSUE_FILLER = frozenset(
    tokenize("report sitrep document publication version issued released published updated dated posted")
    + tokenize("last first originally initially time date day")
)


def issue_date_question(question: str) -> tuple[set[str], set[str]] | None:
    """For a question about when a report was issued ("When was the fact sheet on the floods
    released?"): the document nouns it names (statement, fact, sheet) and its other words (the
    topic: flood); None for any other question ("When did FEMA issue the notice?")."""
    if not (_ASKS_WHEN.match(question) and _ISSUED.search(question)):
        return None
    words = set(tokenize(question)) - _ISSUE_FILLER
    nouns = words & DOCUMENT_NOUNS
    return nouns, words - nouns


# Questions that ask for several things ---------------------------------------------------------

_NOT_PLURAL = frozenset("is was has does says its his this us always perhaps whereas less".split())
_LIST_QUESTION = re.compile(
    r"(?i)^\s*(?:(?:which|what)\s+(?!(?:did|do|does|was|were|is|are|had|have|has|will|would|can|could)\b)"
    r"(?:[\w'-]+\s+)??(?P<noun>[a-z][\w-]*s)\b(?!')"
    # ...not a verb with its object: "Which agency runs the program?" asks for one agency.
    r"(?!\s+(?:the|a|an|its|their|this|these|that|those|his|her)\b)"
    r"|(?:name|list)\s+(?:the|all|some)\b)"
)
#: A question word (the parts of a question start with one).
_WH = r"(?:who|whom|whose|what|which|where|when|why|how)"
_SECOND_PART = re.compile(
    r"(?i)(?:,|:|\band\b|\bor\b)\s+(?:(?:at|in|on|for|from|to|by|of|with)\s+)?" + _WH + r"\b"
)


def asks_for_list(question: str) -> bool:
    """Whether ``question`` asks for several things ("Which towns ...", "What groups ...", "Name
    the ..."): its answer may be spread over several sentences."""
    match = _LIST_QUESTION.match(question)
    if match is None:
        return False
    noun = match.group("noun")
    return noun is None or (noun.lower() not in _NOT_PLURAL and not noun.lower().endswith(("ss", "us", "is")))


def asks_two_things(question: str) -> bool:
    """Whether ``question`` has a second question part ("How many ..., and where ...?", "how long
    and how wide")."""
    return bool(_SECOND_PART.search(question))


# The parts of a multi-part question, for one short answer each (narrower than _SECOND_PART:
# only "and" or a colon before the next question word).
# Words that may stand between "and" and the next part's question word ("and to where", "and
# roughly how big", "and on what date").
_PART_LEAD = r"(?:(?:to|from|in|on|at|by|for|with|of|into|roughly|about|approximately|also|then|exactly) )"
_PART_BREAK = re.compile(rf",? and (?={_PART_LEAD}{{0,2}}{_WH}\b)|: (?={_WH}\b)", re.IGNORECASE)
_JOINT_WH = re.compile(rf"^({_WH}) and ({_WH})\b(.*)$", re.IGNORECASE | re.DOTALL)
_ASKING = re.compile(
    rf"^(?:[\w'-]+ ){{0,3}}?{_WH}\b(?: (?:many|much|long|far|big|old|often))?"
    r"(?: (?:is|are|was|were|do|does|did|has|have|had)\b)?",
    re.IGNORECASE,
)


#: A question is read as at most this many parts (each costs a reader pass per quote).
MAX_PARTS = 4


def question_parts(question: str) -> list[str]:
    """The questions a multi-part question asks, each readable alone; ``[question]`` otherwise.

    "How many troops withdrew and to where?" -> ["How many troops withdrew?", "to where (troops
    withdrew)?"]: a later part carries what the first part asks about in brackets. "Where and when
    did ...?" -> ["Where did ...?", "When did ...?"]. Words before a colon that introduces the
    parts ("What were the losses: how many killed and how many captured?") are context only.
    """
    q = question.strip()
    if (joint := _JOINT_WH.match(q)) is not None:
        rest = joint.group(3)
        return [joint.group(1).capitalize() + rest, joint.group(2).capitalize() + rest]
    breaks = list(_PART_BREAK.finditer(q))
    if not breaks:
        return [q]
    bits = [b.strip(" ?,") for b in _PART_BREAK.split(q)]
    about = _ASKING.sub("", bits[0], count=1).strip()
    if breaks[0].group(0).startswith(":"):
        bits = bits[1:]
    bits = [b for b in bits if b]
    if len(bits) < 2:
        return [q]
    later = [f"{b} ({about})?" if about else f"{b}?" for b in bits[1:MAX_PARTS]]
    return [f"{bits[0]}?", *later]


# Answer signals (rag.answer.signals) ----------------------------------------------------------------

_MONTH = r"(?:January|February|March|April|May|June|July|August|September|October|November|December)"
#: A month's name in full, capitalised ("December"; abbreviations are ``_MONTH_NAME``).
FULL_MONTH = re.compile(_MONTH)
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


def count_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the numbers in ``text`` that are not part of a date or a year ("400", "dozens")."""
    dates = [m.span() for m in CALENDAR.finditer(text)]
    return [m.span() for m in NUMBER.finditer(text) if not any(a <= m.start() < b for a, b in dates)]


def date_spans(text: str) -> list[tuple[int, int]]:
    """Spans of the dates in ``text``: calendar dates, years and relative dates ("next month")."""
    spans = [m.span() for m in CALENDAR.finditer(text)]
    spans += [m.span() for m in RELATIVE_DATE.finditer(text) if not any(a <= m.start() < b for a, b in spans)]
    return sorted(spans)


# Tables (rag.read.load) ------------------------------------------------------------------------------

_FIGURE_CELL = re.compile(r"[\d.,%$€£ -]+")


def table_rows_text(cells_by_row: Sequence[Sequence[str]]) -> str:
    """A table (DOCX, web page, Markdown) as lines, one per row; under a header row, each
    cell is named by its column: ``District: Sarko; Cases: 131; Deaths: 6`` (a row means nothing
    without them), and the header row itself is not a line."""
    rows = [cells for cells in cells_by_row if any(cells)]
    if len(rows) > 1 and is_header_row(rows[0]):
        header, body = rows[0], rows[1:]
        return "\n".join(
            "; ".join(f"{name}: {cell}" for name, cell in zip(header, cells) if cell)
            if len(cells) == len(header)
            else "; ".join(c for c in cells if c)
            for cells in body
        )
    return "\n".join("; ".join(c for c in cells if c) for cells in rows)


def is_header_row(cells: Sequence[str]) -> bool:
    """Column names: every cell filled, short, and not a number."""
    return all(c and len(c.split()) <= 8 and not _FIGURE_CELL.fullmatch(c) for c in cells)


#: A number that names one thing among alike ones: "depot 121", "Unit 3", "Tornado #1", "Route 66".
_IDENTIFIER = re.compile(r"\b([A-Za-z][A-Za-z-]*)\s+#?(\d{1,4})\b(?!\s*(?:%|percent|per cent))")


def identifier_numbers(question: str) -> list[str]:
    """The numbers of ``question`` that identify a thing ("121" of "depot 121"): after a word that
    is no stopword and no month, and no year (a four-digit number from 1900 to 2099)."""
    out = []
    for word, number in _IDENTIFIER.findall(question):
        if word.lower() in STOPWORDS or FULL_MONTH.fullmatch(word) or re.fullmatch(r"(?:19|20)\d\d", number):
            continue
        out.append(number)
    return out
