"""The chat web UI: ``build_app(qa)`` makes the Gradio page (see ``rag.ui.app``)."""
