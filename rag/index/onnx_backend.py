"""ONNX Runtime backend of the embed stage: the same model without importing torch.

The sentence-transformers model (a BERT encoder, mean pooling, L2 normalisation) is exported
once to ONNX with torch, checked against torch on sample texts, and cached as a file named
after the weights' sha256. Later processes load it with onnxruntime and the model's own
``tokenizer.json`` (the ``tokenizers`` library): a cold start skips torch and
sentence-transformers entirely, and one question embeds in a few milliseconds.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import uuid
import warnings
from pathlib import Path
from typing import Any

import numpy as np

#: Changes when the exported graph changes (the cached file is then exported again).
EXPORT_VERSION = 1

#: Changes when the int8 quantisation recipe changes.
QUANTIZE_VERSION = 1

#: Largest difference from torch's embeddings that an export may show (measured: 2e-7).
EXPORT_TOLERANCE = 1e-4

_CHECK_TEXTS = (
    "How many troops withdrew and to where?",
    "The estimated 400 men withdrew with most of their equipment to nearby Ariha, a town of 70,000.",
    "x",
)


class OnnxUnavailableError(RuntimeError):
    """The model cannot run on ONNX Runtime (an unsupported architecture or a failed export)."""


def max_seq_length(model_dir: Path) -> int:
    """The model's token window (``sentence_bert_config.json``; 256 for MiniLM)."""
    config = model_dir / "sentence_bert_config.json"
    if config.is_file():
        return int(json.loads(config.read_text()).get("max_seq_length", 256))
    return 256


def _check_architecture(model_dir: Path) -> None:
    """Only mean-pooled, L2-normalised encoders with a fast tokenizer are exported."""
    modules = model_dir / "modules.json"
    pooling = model_dir / "1_Pooling" / "config.json"
    if not (modules.is_file() and pooling.is_file() and (model_dir / "tokenizer.json").is_file()):
        raise OnnxUnavailableError(f"{model_dir} is not a sentence-transformers model with a tokenizer.json")
    kinds = [m.get("type", "").rsplit(".", 1)[-1] for m in json.loads(modules.read_text())]
    if kinds != ["Transformer", "Pooling", "Normalize"]:
        raise OnnxUnavailableError(f"{model_dir}: modules {kinds}, expected Transformer, Pooling, Normalize")
    if not json.loads(pooling.read_text()).get("pooling_mode_mean_tokens"):
        raise OnnxUnavailableError(f"{model_dir}: pooling is not mean pooling")


class OnnxEncoder:
    """Unit-length embeddings from an exported model on ONNX Runtime (CPU)."""

    def __init__(self, model_dir: Path, onnx_file: Path) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        self.max_length = max_seq_length(model_dir)
        self.tokenizer = Tokenizer.from_file(str(model_dir / "tokenizer.json"))
        self.tokenizer.enable_truncation(self.max_length)
        pad_id = self.tokenizer.token_to_id("[PAD]")
        self.tokenizer.enable_padding(pad_id=0 if pad_id is None else pad_id, pad_token="[PAD]")
        options = onnxruntime.SessionOptions()
        options.log_severity_level = 3
        # Idle worker threads wait instead of spinning: spinning burns a core between the
        # model's operators, which on a shared CPU slows everything else (measured on 2 busy
        # cores: about 30% less CPU time per text, no slower).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.add_session_config_entry("session.inter_op.allow_spinning", "0")
        self.session = onnxruntime.InferenceSession(
            str(onnx_file), options, providers=["CPUExecutionProvider"]
        )
        self.dimension = int(self.session.get_outputs()[0].shape[-1])

    @functools.cached_property
    def counter(self) -> Any:
        """The tokenizer without truncation or padding (made on first use: only ingest counts)."""
        counter = self.tokenizer.from_str(self.tokenizer.to_str())
        counter.no_truncation()
        counter.no_padding()
        return counter

    def count_tokens(self, text: str) -> int:
        """Model tokens of ``text`` without special tokens (as the HF tokenizer's ``tokenize``)."""
        return len(self.counter.encode(text, add_special_tokens=False).ids)

    def encode_batch(self, texts: list[str]) -> np.ndarray:
        """Embeddings of one batch of texts (padded to its longest)."""
        encoded = self.tokenizer.encode_batch(texts)
        feeds = {
            "input_ids": np.array([e.ids for e in encoded], dtype=np.int64),
            "attention_mask": np.array([e.attention_mask for e in encoded], dtype=np.int64),
            "token_type_ids": np.array([e.type_ids for e in encoded], dtype=np.int64),
        }
        return np.asarray(self.session.run(None, feeds)[0], dtype=np.float32)

    def encode(self, texts: list[str], batch_size: int, progress: bool = False) -> np.ndarray:
        """Embeddings of ``texts`` in batches of similar length, rows in the input order."""
        order = np.argsort([-len(t) for t in texts], kind="stable")
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        starts = range(0, len(texts), batch_size)
        if progress:
            from tqdm import tqdm

            starts = tqdm(starts, desc="Embedding", unit="batch")
        for start in starts:
            rows = order[start : start + batch_size]
            out[rows] = self.encode_batch([texts[i] for i in rows])
        return out


def onnx_file_for(model_dir: Path, weights_digest: str, cache_dir: Path) -> Path:
    """Where the exported model of these weights is cached."""
    return Path(cache_dir).expanduser() / f"{weights_digest[:16]}-v{EXPORT_VERSION}.onnx"


def quantized_file_for(onnx_file: Path) -> Path:
    """Where the int8 version of an exported model is cached (beside it)."""
    return onnx_file.with_name(f"{onnx_file.stem}-int8-v{QUANTIZE_VERSION}.onnx")


def quantize_model(onnx_file: Path, target: Path) -> None:
    """Write the int8 dynamic quantisation of ``onnx_file``: MatMul weights per channel.

    Quantising only the MatMuls, per output channel, keeps the embeddings closest to the
    float model (mean cosine 0.993 on news paragraphs) at about half the CPU time.
    """
    from onnxruntime.quantization import QuantType, quantize_dynamic

    staging = target.with_name(f"{target.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            quantize_dynamic(
                str(onnx_file),
                str(staging),
                weight_type=QuantType.QInt8,
                per_channel=True,
                op_types_to_quantize=["MatMul"],
            )
        staging.replace(target)
    finally:
        with contextlib.suppress(OSError):
            staging.unlink()


def export_model(model_dir: Path, target: Path) -> None:
    """Export the encoder with mean pooling and normalisation to ``target``, checked against torch."""
    _check_architecture(model_dir)
    import torch
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(model_dir), device="cpu", local_files_only=True)
    encoder = _pooled_encoder_class()(model[0].auto_model).eval()
    sample = model.tokenizer(list(_CHECK_TEXTS), padding=True, return_tensors="pt")
    inputs = tuple(sample[k] for k in ("input_ids", "attention_mask", "token_type_ids"))
    staging = target.with_name(f"{target.name}.tmp-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    target.parent.mkdir(parents=True, exist_ok=True)
    axes = {0: "batch", 1: "tokens"}
    try:
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                encoder,
                inputs,
                str(staging),
                input_names=["input_ids", "attention_mask", "token_type_ids"],
                output_names=["embedding"],
                dynamic_axes={
                    "input_ids": axes,
                    "attention_mask": axes,
                    "token_type_ids": axes,
                    "embedding": {0: "batch"},
                },
                opset_version=17,
                dynamo=False,
            )
        expected = model.encode(list(_CHECK_TEXTS), normalize_embeddings=True, convert_to_numpy=True)
        got = OnnxEncoder(model_dir, staging).encode(list(_CHECK_TEXTS), batch_size=2)
        if float(np.abs(got - expected).max()) > EXPORT_TOLERANCE:
            raise OnnxUnavailableError("the exported model's embeddings differ from torch's")
        staging.replace(target)
    finally:
        with contextlib.suppress(OSError):
            staging.unlink()


def _pooled_encoder_class() -> Any:
    """The export wrapper's class (defined here: torch is imported only to export)."""
    import torch

    class PooledEncoder(torch.nn.Module):
        """The transformer, mean pooling over the attention mask, then L2 normalisation."""

        def __init__(self, transformer: Any) -> None:
            super().__init__()
            self.transformer = transformer

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            hidden = self.transformer(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state
            weights = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, p=2, dim=1)

    return PooledEncoder
