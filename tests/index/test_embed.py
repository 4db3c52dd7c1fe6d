"""The embed stage: the ONNX backend gives torch's vectors, and falls back to torch when it cannot run."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from rag.index import embed
from rag.index.embed import Embedder
from rag.index.onnx_backend import OnnxUnavailableError
from rag.settings import Settings
from tests.conftest import SEEDS

ROOT = Path(__file__).resolve().parent.parent.parent

TEXTS = [
    *[p for p in next(SEEDS.iterdir()).read_text(encoding="utf-8").split("\n\n") if p.strip()],
    "How many troops withdrew and to where?",
    "x",
    "word " * 600,  # longer than the model's 256-token window: truncated alike
]


@pytest.fixture(scope="module")
def torch_embedder() -> Embedder:
    return Embedder(Settings(embedding_backend="torch"))


def test_onnx_vectors_and_token_counts_are_torchs(torch_embedder: Embedder) -> None:
    onnx = Embedder(Settings(embedding_int8=False))
    assert onnx.backend == "onnx" and torch_embedder.backend == "torch"
    got, expected = onnx.encode(TEXTS), torch_embedder.encode(TEXTS)
    assert got.shape == expected.shape == (len(TEXTS), 384)
    assert float(np.abs(got - expected).max()) < 1e-5
    assert [onnx.count_tokens(t) for t in TEXTS] == [torch_embedder.count_tokens(t) for t in TEXTS]


def test_a_damaged_export_is_exported_again(tmp_path: Path, torch_embedder: Embedder) -> None:
    first = Embedder(Settings(model_cache_dir=tmp_path, embedding_int8=False))
    assert first.backend == "onnx"
    (exported,) = tmp_path.glob("*.onnx")
    exported.write_bytes(b"not an onnx file")
    again = Embedder(Settings(model_cache_dir=tmp_path, embedding_int8=False))
    assert again.backend == "onnx" and exported.stat().st_size > 1_000_000
    assert float(np.abs(again.encode(TEXTS[:2]) - torch_embedder.encode(TEXTS[:2])).max()) < 1e-5


def test_a_failed_export_falls_back_to_torch_with_a_warning(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def fail(model_dir: Path, target: Path) -> None:
        raise OnnxUnavailableError("no exporter here")

    monkeypatch.setattr(embed, "export_model", fail)
    fallback = Embedder(Settings(model_cache_dir=tmp_path))
    with pytest.warns(UserWarning, match="ONNX backend unavailable \\(no exporter here\\); using torch"):
        assert fallback.backend == "torch"
    assert fallback.encode(["How many troops withdrew?"]).shape == (1, 384)


def test_int8_model_is_made_once_and_stays_close_to_the_float_model() -> None:
    from rag.index.onnx_backend import onnx_file_for, quantized_file_for

    float_model, int8_model = (
        Embedder(Settings(embedding_int8=False)),
        Embedder(Settings(embedding_int8=True)),
    )
    expected, got = float_model.encode(TEXTS), int8_model.encode(TEXTS)
    digest = embed.weights_sha256(embed.resolve_model_path(int8_model.model_name))
    exported = onnx_file_for(Path(), digest, int8_model.settings.model_cache_dir)
    cached = quantized_file_for(exported)
    assert cached.is_file() and cached.stat().st_size < 0.7 * exported.stat().st_size  # MatMuls in int8
    cosines = (expected * got).sum(axis=1)
    assert cosines.min() > 0.95 and not np.allclose(expected, got, atol=1e-4)


def test_repeated_texts_are_embedded_once_and_reported_in_batches() -> None:
    embedder = Embedder(Settings(embedding_batch_size=2))
    texts = [f"Convoy {i % 40} reached the checkpoint." for i in range(100)]
    seen: list[tuple[int, int]] = []
    vectors = embedder.encode(texts, on_batch=lambda done, total: seen.append((done, total)))
    assert seen == [(16, 40), (32, 40), (40, 40)]  # 40 distinct texts, 8 batches of 2 per report
    assert np.allclose(vectors, embedder.encode(texts), atol=1e-6)
    assert np.array_equal(vectors[0], vectors[40])


REPORT = (
    "Damage survey\n\n"
    ".Tornado #1...Panola County\n\n"
    "The tornado touched down near Carthage. It tracked 12 miles northeast. Two homes lost roofs.\n\n"
    "No injuries were reported."
)


def _chunks(embedder: Embedder) -> list:
    from rag.read.chunk import chunk_report

    return chunk_report("survey.txt", REPORT, embedder.count_tokens)


def test_passage_vectors_from_sentences_are_their_token_weighted_mean() -> None:
    model = Embedder(Settings(embedding_int8=False, passage_vectors="model"))
    derived = Embedder(Settings(embedding_int8=False, passage_vectors="sentences"))
    chunks = _chunks(model)
    assert any(embed.passage_gaps(c) == [".Tornado #1...Panola County"] for c in chunks)
    model_passages, model_sentences = model.embed_chunks(chunks)
    passages, sentences = derived.embed_chunks(chunks)
    assert np.array_equal(sentences, model_sentences)  # sentence vectors never change
    for row, chunk in enumerate(chunks):
        texts = [s.text for s in chunk.sentences] + embed.passage_gaps(chunk)
        weights = np.array([model.count_tokens(t) + 2 for t in texts], dtype=np.float32)
        expected = weights @ model.encode(texts)
        assert np.allclose(passages[row], expected / np.linalg.norm(expected), atol=1e-6)
        assert float(passages[row] @ model_passages[row]) > 0.8  # close to the model's own
    single = [r for r, c in enumerate(chunks) if len(c.sentences) == 1 and not embed.passage_gaps(c)]
    assert single and np.allclose(passages[single], model_passages[single], atol=1e-6)


def test_the_langchain_adapter_is_a_langchain_embeddings() -> None:
    from langchain_core.embeddings import Embeddings

    embedder = Embedder()
    adapter = embed.langchain_embeddings(embedder)
    assert isinstance(adapter, Embeddings)
    assert np.allclose(adapter.embed_query("convoy"), embedder.encode(["convoy"])[0], atol=1e-6)
    assert np.allclose(adapter.embed_documents(["a", "b"]), embedder.encode(["a", "b"]), atol=1e-6)


def test_int8_passage_vectors_leave_the_sentences_on_the_float_model() -> None:
    model = Embedder(Settings(embedding_int8=False, passage_vectors="model"))
    mixed = Embedder(Settings(embedding_int8=False, passage_vectors="int8"))
    chunks = _chunks(model)
    seen: list[tuple[int, int]] = []
    passages, sentences = mixed.embed_chunks(chunks, on_batch=lambda done, total: seen.append((done, total)))
    model_passages, model_sentences = model.embed_chunks(chunks)
    assert np.allclose(sentences, model_sentences, atol=1e-6)
    assert np.allclose(passages, mixed.int8_embedder.encode([c.text for c in chunks]), atol=1e-6)
    assert not np.allclose(passages, model_passages, atol=1e-4)
    assert seen[-1][0] == seen[-1][1] == len(chunks) + len(sentences)


def test_a_warm_up_loads_a_cached_model_and_never_exports(tmp_path: Path) -> None:
    """``ReportQA`` warms the model in a thread beside Chroma's import: it must not start the
    torch export there (two threads importing at once), only load what is cached."""
    cold = Embedder(Settings(model_cache_dir=tmp_path))
    cold.warm()
    assert list(tmp_path.iterdir()) == []  # nothing exported
    assert cold.backend == "onnx" and any(tmp_path.iterdir())  # the first use exports
    warm = Embedder(Settings(model_cache_dir=tmp_path))
    warm.warm()
    assert warm.backend == "onnx"
    assert np.allclose(warm.encode(TEXTS[:2]), cold.encode(TEXTS[:2]))


def test_the_library_imports_without_chroma() -> None:
    """Importing Chroma takes about 0.4 s; the models load beside it only if ``rag.qa`` leaves it
    to the index's opening (a cold ``python -m rag ask``)."""
    code = "import sys, rag.qa; print(sorted(m for m in sys.modules if m.startswith('chromadb')))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.strip() == "[]"
