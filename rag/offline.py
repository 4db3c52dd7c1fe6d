"""Offline switches: the environment that keeps Gradio, Hugging Face and Chroma from phoning home."""

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
