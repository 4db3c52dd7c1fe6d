"""Probe: positional "slot next to the focus" rules beyond ``num_far`` (issue 13, abstention).

    cd benchmarks/fit_features
    python experiments/slot_probe.py [--predicate]   # firing rates: answerable-right vs unanswerable
    python experiments/slot_probe.py --fit=why_far,name_far --abstain-extras --refuse=0.06
                # fit_answer_models.py's correction with these rules (RULES) as more columns:
                # CV (whole reports out) and in-sample, abstained at 3/5/8/10/15% refused

Collects, with the shipped models, every question's quote and the sentence before it (realistic
sets + SQuAD dev-10; cached in eval-out/fit-cache/slot-quotes.pkl) and prints, per rule and set,
how often it fires on the answerable questions answered right and on the unanswerable ones.
``--predicate`` parses the questions with spaCy (their main verb) and embeds single words with
the product's MiniLM (cached in eval-out/fit-cache/slot-word-vecs.pkl). Figures: README.md of
this folder, "Slot next to the focus".
"""

from __future__ import annotations

import pickle
import re
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reader_probe as RP  # puts fit_features and the repository on sys.path

from rag.text import _MONTH_NAME, DATE, STOPWORDS, WORD, question_kinds, tokenize

F, R = RP.F, RP.R
CACHE = RP.CACHE.with_name("slot-quotes.pkl")


def _prev(r, i: int) -> str:
    """The sentence before quoted sentence ``i`` in its passage ('' for the first)."""
    ref = r.refs[i]
    spans = r.ranked[ref.passage].sent_spans
    k = ref.sentence
    return r.ranked[ref.passage].text[spans[k - 1][0] : spans[k - 1][1]] if k > 0 else ""


def collect() -> list[dict]:
    """One record per question: quote, previous sentence, labels, shipped confidence."""
    if CACHE.exists():
        return pickle.loads(CACHE.read_bytes())
    rows = F.realistic_rows() + F.squad_rows()
    model = F.shipped_model()
    outs = F.apply(rows, range(len(rows)), model["ws"], model["bs"])
    recs = []
    for i, r in enumerate(rows):
        sc = r.X @ model["ws"] + model["bs"]
        chosen = R.choose_sentences(r.refs, sc, [c.text for c in r.ranked], question=r.question)
        quote = [RP._text(r, k) for k in chosen]
        rec = {k: getattr(r, k) for k in ("set", "group", "question", "answerable")}
        rec.update(right=outs[i]["right"], quote=quote, prev=_prev(r, chosen[0]) if chosen else "")
        rec.update(extra=outs[i]["extra"], conf=F.confidence(r, outs[i], model))
        recs.append(rec)
    CACHE.write_bytes(pickle.dumps(recs))
    return recs


# ---------------------------------------------------------------- rules

P = 5
WH = {"who", "whom", "whose", "what", "which", "when", "where", "why", "how", "name"}
CALENDAR = re.compile(rf"(?i)^(?:{_MONTH_NAME}|(?:mon|tues|wednes|thurs|fri|satur|sun)day|mr|mrs|ms|dr)$")
RELATIVE = re.compile(r"(?i)^(?:today|yesterday|tomorrow|tonight|morning|evening|night|earlier|later|ago)$")
NAME_Q = re.compile(r"(?i)\bname of\b|\bwhat is the name\b|\bwhat was the name\b|\bnamed\b")
SENT_START = re.compile(r"(?:^|[.!?:;\"\u201c(\[\n]\s*|\u2022\s*|-\s)$")


def _pref(w: str) -> str:
    return w.lower()[:P]


def _words(text: str) -> list[re.Match]:
    return list(re.finditer(r"[\w\u00C0-\u024F'-]+", text))


def anchors(question: str, words: list[re.Match], mode: str) -> list[int]:
    """Indices of quote words matching a question content word (mode 'all'), or only its
    lower-case content words ('lower')."""
    qs = [w for w in WORD.findall(question)[1:] if w.lower() not in STOPWORDS and w.lower() not in WH]
    if mode == "lower":
        qs = [w for w in qs if w.islower()]
    qp = {_pref(w) for w in qs if len(w) > 2}
    return [i for i, m in enumerate(words) if _pref(m.group(0)) in qp]


def new_names(question: str, text: str, words: list[re.Match]) -> list[int]:
    qp = {_pref(w) for w in WORD.findall(question)}
    out = []
    for i, m in enumerate(words):
        w = m.group(0)
        if not w[0].isupper() or CALENDAR.match(w) or _pref(w) in qp:
            continue
        if SENT_START.search(text[: m.start()]):
            continue
        if w.isupper() and len(w) > 4:  # all-caps text (NWS products), not a name
            continue
        out.append(i)
    return out


def _capital(w: str) -> bool:
    return any(ch.isupper() for ch in w[:1]) or bool(re.match(r"(?:al|el|ibn|bin|de|van|von)-?[A-Z]", w))


def new_name_runs(question: str, text: str, words: list[re.Match]) -> list[int]:
    """Indices of the words of capitalised runs ("al-Nusra Front") none of whose words the question
    names, the run not at a sentence start only (its first word), no month or weekday."""
    qp = {_pref(w) for w in re.findall(r"[\w'-]+", question)} | {_pref(w) for w in WORD.findall(question)}
    out: list[int] = []
    i = 0
    while i < len(words):
        if not _capital(words[i].group(0)):
            i += 1
            continue
        j = i
        while (
            j + 1 < len(words)
            and _capital(words[j + 1].group(0))
            and text[words[j].end() : words[j + 1].start()] in (" ", "-")
        ):
            j += 1
        run = [m.group(0) for m in words[i : j + 1]]
        start = SENT_START.search(text[: words[i].start()])
        if start:
            run = run[1:]
        new = run and not any(_pref(w) in qp for w in run)
        if new and not all(CALENDAR.match(w) or (w.isupper() and len(w) > 4) for w in run):
            out += list(range(j + 1 - len(run), j + 1))
        i = j + 1
    return out


def name_far(question: str, text: str, near: int, mode: str = "all", which: bool = False) -> bool | None:
    """A who / name-of (``which``: also which-X) question whose quote has no new name run within
    ``near`` words of an anchor."""
    kinds = question_kinds(question)
    asks = "person" in kinds or NAME_Q.search(question) or (which and WHICH.match(question))
    if not asks or set(kinds) & {"number", "date", "place"}:
        return None
    words = _words(text)
    fill = new_name_runs(question, text, words)
    anc = anchors(question, words, mode)
    return not any(abs(i - j) <= near for i in fill for j in anc)


def new_dates(question: str, text: str, words: list[re.Match]) -> list[int]:
    q = {w.lower() for w in WORD.findall(question)}
    return [
        i
        for i, m in enumerate(words)
        if m.group(0).lower() not in q
        and (DATE.fullmatch(m.group(0)) or CALENDAR.match(m.group(0)) or RELATIVE.match(m.group(0)))
    ]


def slot_far(question: str, text: str, kind: str, near: int, mode: str) -> bool | None:
    """None when the rule does not apply; True when no new slot filler is within ``near`` words
    of an anchor."""
    kinds = question_kinds(question)
    if kind == "person" and not ("person" in kinds or NAME_Q.search(question)):
        return None
    if kind in ("date", "place") and kind not in kinds:
        return None
    if kind == "person" and "number" in kinds:
        return None
    words = _words(text)
    fill = new_dates(question, text, words) if kind == "date" else new_names(question, text, words)
    anc = anchors(question, words, mode)
    if near <= 0:
        return not fill
    return not any(abs(i - j) <= near for i in fill for j in anc)


CAUSE = re.compile(
    r"(?i)\b(?:because|due to|owing to|as a result|in order to|so that|since|after|following|amid|"
    r"in response|response to|reason|reasons|caused|causing|led to|result of|thanks to|citing|"
    r"to (?:protest|prevent|avoid|allow|help|ensure|support|stop|protect|reduce|counter|deter)|"
    r"as part of|aimed|intended|purpose|goal|order to|would|could)\b"
)
WHICH = re.compile(r"(?i)^(?:which|what)\s+(?!(?:is|was|were|are|did|do|does|has|have|had)\b)([a-z][\w-]*)")


def why_far(question: str, text: str, near: int) -> bool | None:
    """A "why" question whose quote has no causal marker (within ``near`` words of an anchor)."""
    if not re.match(r"(?i)^\s*why\b", question):
        return None
    words = _words(text)
    marks = [len(_words(text[: m.start()])) for m in CAUSE.finditer(text)]
    if near <= 0:
        return not marks
    anc = anchors(question, words, "lower")
    return not any(abs(i - j) <= near for i in marks for j in anc)


def which_far(question: str, text: str, near: int) -> bool | None:
    """A "which/what <noun>" question (not a number, date or place) with no new name near an anchor."""
    if not WHICH.match(question) or set(question_kinds(question)) & {"number", "date", "place"}:
        return None
    words = _words(text)
    fill = new_names(question, text, words)
    anc = anchors(question, words, "lower")
    return not any(abs(i - j) <= near for i in fill for j in anc)


def num_owner(question: str, text: str, near: int = 4) -> bool | None:
    """A "how many" question with names whose every number next to the counted thing has a new
    name run within ``near`` words and none of the question's names."""
    from rag.answer.answerability import NEAR_WORDS, _counts, _names_thing, focus_words, number_far

    if "number" not in question_kinds(question) or number_far(question, text):
        return None
    qnames = {_pref(w) for w in re.findall(r"[\w'-]+", question)[1:] if _capital(w)}
    if not qnames:
        return None
    words = _words(text)
    thing = focus_words(question)
    qw = {w.lower() for w in WORD.findall(question)}
    nums = [i for i, m in enumerate(words) if _counts(m.group(0).lower()) and m.group(0).lower() not in qw]
    anc = [i for i, m in enumerate(words) if any(_names_thing(t, thing) for t in tokenize(m.group(0)))]
    close = [i for i in nums if any(abs(i - j) <= NEAR_WORDS for j in anc)]
    fill = set(new_name_runs(question, text, words))
    known = {i for i, m in enumerate(words) if _capital(m.group(0)) and _pref(m.group(0)) in qnames}
    return all(
        any(abs(i - j) <= near for j in fill) and not any(abs(i - j) <= near for j in known) for i in close
    )


def name_miss_sent(question: str, text: str) -> int:
    """How many of the question's names (``question_names``) the quoted sentences (and the one
    before) never use."""
    from rag.answer.answerability import _known, question_names

    vocab = frozenset(tokenize(text))
    return sum(1 for n in question_names(question) if not _known(n, vocab))


def name_swap(question: str, text: str) -> bool:
    """A question name missing from the quote while the quote holds a new name run."""
    return name_miss_sent(question, text) > 0 and bool(new_name_runs(question, text, _words(text)))


MONTHS = rf"(?i:{_MONTH_NAME})"
LABEL = re.compile(r"\b[A-Z][\w-]*[ -](\d[\d.]*)\b")


def num_far_labels(question: str, text: str) -> bool:
    """``number_far`` with label numbers ("Phase 1", "An-26"), years and days of the month blanked."""
    from rag.answer.answerability import number_far

    text = LABEL.sub(lambda m: m.group(0)[: m.start(1) - m.start(0)] + "x", text)
    text = re.sub(r"\b(?:1[0-9]{3}|20[0-9]{2})\b", "x", text)
    text = re.sub(rf"\b\d{{1,2}}(?= {MONTHS}\b)", "x", text)
    text = re.sub(rf"\b({MONTHS} )\d{{1,2}}\b", r"\1x", text)
    return number_far(question, text)


def num_far_head(question: str, text: str) -> bool:
    """``number_far`` anchored on the counted thing's head noun only ("BRIC-funded projects" ->
    "projects"; "kilograms of uranium" -> "kilograms")."""
    from rag.answer import answerability as A

    thing = A.counted(question)
    if not thing:
        return A.number_far(question, text)
    head = thing.split(" of ")[0].split()[-1:] or thing.split()
    saved = A.focus_words
    A.focus_words = lambda q: tokenize(" ".join(head)) or saved(q)
    try:
        return A.number_far(question, text)
    finally:
        A.focus_words = saved


_PARSES: dict = {}


def predicate(question: str) -> str | None:
    """The question's main verb (spaCy ROOT or first VERB that is not an auxiliary), lower case."""
    if question not in _PARSES:
        from rag import nlp

        doc = nlp.parse_question(question)
        verbs = [t for t in doc if t.pos_ == "VERB" and t.dep_ not in ("aux", "auxpass")]
        root = [t for t in verbs if t.dep_ == "ROOT"]
        v = (root or verbs or [None])[0]
        _PARSES[question] = None if v is None or v.lemma_ in ("be", "have", "do") else v.text.lower()
    return _PARSES[question]


def predicate_missing(question: str, text: str) -> bool | None:
    v = predicate(question)
    if v is None:
        return None
    toks = {_pref(w) for w in WORD.findall(text)} | set(tokenize(text))
    return not (_pref(v) in toks or tokenize(v)[0] in toks) if tokenize(v) else None


WORD_VECS = CACHE.with_name("slot-word-vecs.pkl")


def word_vectors(recs: list[dict]) -> dict[str, np.ndarray]:
    """MiniLM (the product's embedder) vectors of every predicate and quote word, cached."""
    if WORD_VECS.exists():
        return pickle.loads(WORD_VECS.read_bytes())
    from rag.index.embed import Embedder

    words = {predicate(r["question"]) for r in recs} - {None}
    for r in recs:
        words |= {
            w.lower()
            for w in WORD.findall(r["prev"] + " " + quote(r))
            if w.isalpha() and w.lower() not in STOPWORDS
        }
    words_l = sorted(w for w in words if w)
    vecs = Embedder().encode(words_l)
    out = dict(zip(words_l, vecs, strict=True))
    WORD_VECS.write_bytes(pickle.dumps(out))
    return out


def predicate_soft(question: str, text: str, vecs: dict, cut: float) -> bool | None:
    """The predicate's best MiniLM word cosine with the quote's words below ``cut``."""
    v = predicate(question)
    if v is None or v not in vecs:
        return None
    ws = [vecs[w.lower()] for w in WORD.findall(text) if w.lower() in vecs]
    return not ws or float(max(vecs[v] @ w for w in ws)) < cut


def rates(recs: list[dict], rule, label: str) -> None:
    cells = []
    for s in ("news", "files", "seed", "squad"):
        right = [r for r in recs if r["set"] == s and r["answerable"] and r["right"]]
        un = [r for r in recs if r["set"] == s and not r["answerable"]]
        fr = sum(bool(rule(r)) for r in right)
        fu = sum(bool(rule(r)) for r in un)
        cells.append(
            f"{s} {fr}/{len(right)} {fr / max(1, len(right)):.0%} | {fu}/{len(un)} {fu / max(1, len(un)):.0%}"
        )
    print(f"{label:28s} " + "   ".join(cells))


def quote(r: dict) -> str:
    return " ".join(r["quote"])


def main() -> None:
    recs = [r for r in collect() if r["quote"]]
    print("rule                         per set: fires on right answers | on unanswerable")
    rates(recs, lambda r: r["extra"][2], "num_far (shipped)")
    for kind in ("person", "place", "date"):
        rates(
            recs, lambda r, k=kind: slot_far(r["question"], "x", k, 0, "all") is not None, f"{kind} question"
        )
        rates(
            recs, lambda r, k=kind: slot_far(r["question"], quote(r), k, 0, "all"), f"{kind}: none in quote"
        )
        for near in (3, 5, 8):
            for mode in ("all", "lower"):
                rates(
                    recs,
                    lambda r, k=kind, n=near, m=mode: slot_far(r["question"], quote(r), k, n, m),
                    f"{kind}_far {near} {mode}",
                )
    for near in (2, 3, 5):
        for mode in ("all", "lower"):
            for which in (False, True):
                rates(
                    recs,
                    lambda r, n=near, m=mode, w=which: name_far(r["question"], quote(r), n, m, w),
                    f"name_far {near} {mode} {'+which' if which else ''}",
                )
    rates(recs, lambda r: num_far_labels(r["question"], quote(r)), "num_far no labels/dates")
    rates(recs, lambda r: num_far_head(r["question"], quote(r)), "num_far head noun")
    for k in (1, 2):
        rates(recs, lambda r, k=k: name_miss_sent(r["question"], quote(r)) >= k, f"name_miss_sent >= {k}")
        rates(
            recs,
            lambda r, k=k: name_miss_sent(r["question"], r["prev"] + " " + quote(r)) >= k,
            f"name_miss_sent+prev >= {k}",
        )
    rates(recs, lambda r: name_swap(r["question"], quote(r)), "name_swap")
    rates(recs, lambda r: r["extra"][1] > 0, "name_miss_win > 0 (shipped)")
    for near in (2, 3, 4, 6):
        rates(recs, lambda r, n=near: num_owner(r["question"], quote(r), n), f"num_owner {near}")
    rates(recs, lambda r: why_far(r["question"], "", 0) is not None, "why question")
    for near in (0, 5, 10):
        rates(recs, lambda r, n=near: why_far(r["question"], quote(r), n), f"why_far {near}")
    rates(recs, lambda r: which_far(r["question"], quote(r), 3) is not None, "which question")
    for near in (3, 5, 8):
        rates(recs, lambda r, n=near: which_far(r["question"], quote(r), n), f"which_far {near}")
    if "--predicate" in sys.argv:
        rates(recs, lambda r: predicate(r["question"]) is not None, "has predicate")
        vecs = word_vectors(recs)
        for cut in (0.5, 0.6, 0.7, 0.8):
            rates(
                recs,
                lambda r, c=cut: predicate_soft(r["question"], r["prev"] + " " + quote(r), vecs, c),
                f"predicate soft < {cut}",
            )
        rates(recs, lambda r: predicate_missing(r["question"], quote(r)), "predicate missing (quote)")
        rates(
            recs,
            lambda r: predicate_missing(r["question"], r["prev"] + " " + quote(r)),
            "predicate missing (+prev)",
        )


# ---------------------------------------------------------------- the project's fit with extra columns
RULES = {
    "why_far": lambda q, text, prev: why_far(q, text, 0),
    "name_far": lambda q, text, prev: name_far(q, text, 3, "all"),
    "name_far_which": lambda q, text, prev: name_far(q, text, 3, "lower", True),
    "person_far": lambda q, text, prev: slot_far(q, text, "person", 3, "lower"),
    "date_far": lambda q, text, prev: slot_far(q, text, "date", 5, "all"),
    "pred_miss": lambda q, text, prev: predicate_missing(q, prev + " " + text),
    "pred_soft": lambda q, text, prev: predicate_soft(q, prev + " " + text, _VECS(), 0.5),
    # controls: the question's wording alone (a prior on how these sets' writers phrase them)
    "why_q": lambda q, text, prev: why_far(q, "", 0),
    "name_q": lambda q, text, prev: name_far(q, "", 3, "all"),
}


def fit_with(names: list[str]) -> None:
    """fit_answer_models.main() with the rules ``names`` as more answerability columns (sign -1)."""
    import dataclasses

    base = R.answerability_signals

    def signals(question, ranked, refs, chosen, vocab_of):
        out = base(question, ranked, refs, chosen, vocab_of)
        if not chosen:
            return np.r_[out, np.zeros(len(names))]
        text = " ".join(ranked[refs[i].passage].text[refs[i].start : refs[i].end] for i in chosen)
        ref = refs[chosen[0]]
        spans = ranked[ref.passage].sent_spans
        prev = ranked[ref.passage].text[slice(*spans[ref.sentence - 1])] if ref.sentence > 0 else ""
        return np.r_[out, [float(bool(RULES[n](question, text, prev))) for n in names]]

    R.answerability_signals = signals
    A = R.ANSWERABILITY
    R.ANSWERABILITY = dataclasses.replace(
        A,
        features=(*A.features, *names),
        weights=np.r_[A.weights, np.zeros(len(names))],
        signs=np.r_[A.signs, -np.ones(len(names))],
    )
    curves()
    print("columns:", R.ANSWERABILITY.features)


_ROWS: list = []


def _VECS() -> dict:  # noqa: N802
    if not _WV:
        _WV.update(pickle.loads(WORD_VECS.read_bytes()))
    return _WV


_WV: dict = {}


def curves() -> None:
    """CV and in-sample: unanswerable abstained at 3 / 5 / 8 / 10 / 15% of answerable refused (each
    set's own threshold), plus the product-like figures at the fitted threshold."""
    rows = _ROWS or F.realistic_rows() + F.squad_rows()
    _ROWS[:] = rows
    groups = sorted({r.group for r in rows}, key=str)
    fold = np.array(
        [r.group[1] % F.FOLDS if r.set == "squad" else groups.index(r.group) % F.FOLDS for r in rows]
    )
    everything = np.arange(len(rows))
    cv: dict = {}
    for k in range(F.FOLDS):
        cv.update(F.evaluate_rows(rows, everything[fold == k], F.fit(rows, everything[fold != k])))
    model = F.fit(rows, everything)
    ins = F.evaluate_rows(rows, everything, model)
    print("weights:", dict(zip(model["corr"].features, np.round(model["corr"].weights, 3))))
    for label, res in (("CV", cv), ("in-sample", ins)):
        F.summary(rows, res, label)
        for name in ("news", "files", "seed", "squad"):
            idx = [i for i in res if rows[i].set == name]
            conf = np.array([res[i]["conf"] for i in idx])
            ans = np.array([rows[i].answerable for i in idx])
            cells = [
                f"{np.mean(conf[~ans] < np.quantile(conf[ans], q)):.2f}"
                for q in (0.03, 0.05, 0.08, 0.10, 0.15)
            ]
            print(f"  {label:9s} {name:5s} abstained at 3/5/8/10/15% refused: " + " / ".join(cells))


if __name__ == "__main__":
    fit_arg = next((a.split("=")[1] for a in sys.argv if a.startswith("--fit=")), None)
    if fit_arg is not None:
        fit_with([n for n in fit_arg.split(",") if n])
    else:
        main()
