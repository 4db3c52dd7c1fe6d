"""The data of ``fit_briefs.py``: each report of ``evals/brief_facts.jsonl`` ingested as the
product ingests it, its eligible sentences (``rag.answer.brief.eligible_sentences``) with their
vectors and the facts each one holds, and the reader's logits for generic questions, cached
under ``eval-out/fit-cache/briefs/`` (keyed by the reader's digest and the question)."""

from __future__ import annotations

import hashlib
import pickle
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rag.answer import brief as B
from rag.eval import briefs as EB

CACHE = Path(__file__).resolve().parents[2] / "eval-out" / "fit-cache" / "briefs"


@dataclass
class ReportData:
    """One report's eligible sentences and its key facts."""

    set: str
    report: str
    title: str
    text: str
    found: B.ReportSentences
    facts: tuple[str, ...]

    @property
    def sentences(self) -> list[str]:
        return [self.text[s:e] for s, e in self.found.spans]

    def holds(self) -> np.ndarray:
        """(sentences, facts) booleans: fact j appears in sentence i."""
        norm = [EB._norm(s) for s in self.sentences]
        return np.array([[EB._norm(f) in s for f in self.facts] for s in norm], dtype=bool)


def reports() -> list[ReportData]:
    """Every report of the facts file (cached after the first ingest)."""
    path = CACHE / "reports.pkl"
    if path.exists():
        loaded: list[ReportData] = pickle.loads(path.read_bytes())
        return loaded
    from rag.qa import ReportQA

    facts = EB.load_facts(EB.FACTS)
    out: list[ReportData] = []
    for name in dict.fromkeys(f.set for f in facts):
        with tempfile.TemporaryDirectory(prefix="fit-briefs-") as tmp:
            qa = ReportQA(index_dir=tmp, llm=None)
            qa.ingest([EB.DATA / name / "reports"])
            catalog = qa.index.catalog()
            for fs in (f for f in facts if f.set == name):
                number = catalog.sources.index(fs.report)
                text = qa.document_text(fs.report)
                found = B.eligible_sentences(catalog, number, text)
                report, _ = qa.index.report_record(fs.report)
                out.append(ReportData(name, fs.report, report.title, text, found, fs.facts))
            qa.entity_pass.stop()
    CACHE.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(out))
    return out


def reader_logits(data: ReportData, question: str, limit: int | None = None) -> np.ndarray:
    """The reader's "answers it" logit of ``question`` for each sentence (the first ``limit``),
    with the context the product gives a sentence (the title and the sentence before)."""
    from rag.answer.reader import context_of, shared_reader

    reader = shared_reader()
    key = hashlib.sha256(f"{reader.digest}|{data.set}|{data.report}|{question}".encode()).hexdigest()[:20]
    path = CACHE / f"reader-{key}.npy"
    if path.exists():
        return np.load(path)[:limit]
    sentences = data.sentences
    contexts = [context_of(data.title, sentences[i - 1] if i else "") for i in range(len(sentences))]
    logits = np.array([r.logit for r in reader.predict(question, sentences, contexts)], dtype=np.float32)
    CACHE.mkdir(parents=True, exist_ok=True)
    np.save(path, logits)
    return logits[:limit]


def entity_counts(data: ReportData) -> list[list[str]]:
    """Each sentence's named entities (spaCy's NER, the pipeline ``rag.nlp`` pins), cached."""
    path = CACHE / f"entities-{data.set}-{data.report}.pkl"
    if path.exists():
        cached: list[list[str]] = pickle.loads(path.read_bytes())
        return cached
    from rag.nlp import pipeline

    nlp = pipeline(("ner",))
    out = [[e.text.lower() for e in doc.ents] for doc in nlp.pipe(data.sentences, batch_size=32)]
    CACHE.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pickle.dumps(out))
    return out
