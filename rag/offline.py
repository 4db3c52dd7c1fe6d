"""Process environment: the offline switches that keep Gradio, Hugging Face and Chroma from phoning
home, and the cap on numpy's BLAS threads."""

from __future__ import annotations

import os

#: Set before gradio, transformers or chromadb are imported.
OFFLINE_ENV = {
    "GRADIO_ANALYTICS_ENABLED": "False",
    "HF_HUB_OFFLINE": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "ANONYMIZED_TELEMETRY": "False",
}


def go_offline(force: bool = False) -> None:
    """Set ``OFFLINE_ENV`` (only where unset, unless ``force``)."""
    for name, value in OFFLINE_ENV.items():
        if force:
            os.environ[name] = value
        else:
            os.environ.setdefault(name, value)


def limit_blas_threads(threads: int) -> None:
    """Cap numpy's BLAS thread pool at ``threads`` (0 leaves it alone).

    Our numpy work is small matrix-vector products; a multi-threaded BLAS gains nothing on
    them, and its idle threads spin-wait on the cores torch then needs to embed the next
    question (measured on 2 cores at 56,750 passages: ask() p50 72 ms with the default pool,
    35 ms capped at one thread).
    """
    if threads <= 0:
        return
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=threads, user_api="blas")
