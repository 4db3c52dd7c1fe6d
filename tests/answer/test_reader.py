"""The reader model: its weight file is checked at load, and it reads (real weights, ONNX Runtime)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from rag.answer.reader import (
    MANIFEST,
    Reader,
    ReaderFileError,
    best_span,
    checked_weights,
    encode,
    shared_reader,
)

ARIHA = "The estimated 400 men withdrew with most of their equipment to nearby Ariha, a town of 70,000."


def _copy(tmp_path: Path) -> tuple[Path, Path]:
    info = json.loads(MANIFEST.read_text())
    manifest = tmp_path / "reader.json"
    shutil.copy(MANIFEST, manifest)
    weights = tmp_path / info["file"]
    shutil.copy(MANIFEST.parent / info["file"], weights)
    return manifest, weights


def test_the_shipped_weights_match_their_manifest() -> None:
    assert checked_weights().is_file()


def test_a_damaged_weight_file_is_refused_with_a_message_naming_it(tmp_path: Path) -> None:
    manifest, weights = _copy(tmp_path)
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF
    weights.write_bytes(bytes(data))
    with pytest.raises(ReaderFileError, match=r"reader weights .*reader-v\d+\.int8\.onnx are damaged"):
        Reader(manifest)


def test_a_missing_weight_file_is_refused_with_a_message_naming_it(tmp_path: Path) -> None:
    manifest, weights = _copy(tmp_path)
    weights.unlink()
    with pytest.raises(ReaderFileError, match=f"{weights.name} are missing"):
        Reader(manifest)


def test_a_manifest_of_another_format_is_refused(tmp_path: Path) -> None:
    manifest, _ = _copy(tmp_path)
    manifest.write_text(json.dumps({**json.loads(manifest.read_text()), "format": 99}))
    with pytest.raises(ReaderFileError, match="format 99"):
        Reader(manifest)


def test_the_answering_sentence_scores_above_its_neighbours() -> None:
    reader = shared_reader()
    sentences = [
        "Negotiations between the rebels and the government had gone on for weeks.",
        ARIHA,
        "Ariha is a town of 70,000 people south of Idlib.",
    ]
    logits = [r.logit for r in reader.predict("Where did the soldiers withdraw to?", sentences)]
    assert int(np.argmax(logits)) == 1, logits


def test_the_short_answer_is_a_span_of_the_sentence() -> None:
    reading = shared_reader().predict("How many men withdrew?", [ARIHA])[0]
    start, end = reading.span
    assert 0 <= start < end <= len(ARIHA)
    assert "400" in ARIHA[start:end]


def test_pairs_of_several_questions_read_as_each_question_alone() -> None:
    reader = Reader()  # its own: no readings kept from other tests
    questions = ["How many men withdrew?", "To where did they withdraw?"]
    together = reader.predict_pairs([questions[0], questions[1], questions[1]], [ARIHA, ARIHA, "No."])
    alone = [*Reader().predict(questions[0], [ARIHA]), *Reader().predict(questions[1], [ARIHA, "No."])]
    assert together == alone
    assert "400" in ARIHA[slice(*together[0].span)] and "Ariha" in ARIHA[slice(*together[1].span)]


def test_the_span_never_leaves_the_sentence_for_the_context() -> None:
    # The context holds a number too; the span head only points inside the sentence.
    reading = shared_reader().predict(
        "How many men withdrew?", ["They withdrew on Tuesday."], ["400 men left."]
    )[0]
    assert reading.span[1] <= len("They withdrew on Tuesday.")


def test_encoding_keeps_the_sentence_tokens_and_their_offsets() -> None:
    tok = shared_reader().tokenizer
    enc = encode(tok, "Where?", ARIHA, "Idlib")
    words = [ARIHA[a:b] for a, b in enc.offsets]
    assert words[:3] == ["The", "estimated", "400"]
    assert enc.type_ids[enc.first] == 1 and enc.type_ids[0] == 0


def test_best_span_is_ordered_and_bounded() -> None:
    start = np.array([0.0, 5.0, 0.0, 0.0])
    end = np.array([9.0, 0.0, 0.0, 6.0])  # the best end (0) comes before the best start (1)
    assert best_span(start, end, 4, max_tokens=3)[:2] == (1, 3)
    assert best_span(start, end, 4, max_tokens=2)[:2] == (0, 0)  # (1, 3) is three tokens long


def test_a_sentence_scores_the_same_alone_and_beside_others() -> None:
    # The int8 model quantises activations per run: batched with longer neighbours (and padded),
    # a sentence's logit would move with them. predict() runs one input at a time by default.
    reader = shared_reader()
    question = "How many troops withdrew?"
    short = "The estimated 400 men withdrew to nearby Ariha."
    others = [
        "Moderate rebel commanders said negotiations had been going on for weeks to ensure a complete "
        "withdrawal of the army from what was once a key supply road linking Latakia with Aleppo.",
        "Troops opened fire.",
    ]
    alone = reader.predict(question, [short])[0]
    beside = reader.predict(question, [*others, short])[2]
    assert alone == beside
