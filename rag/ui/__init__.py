"""Front door, chat web UI: takes a browser's questions, gives the answers of ``ReportQA``.

``build_app(qa)`` makes the Gradio page (see ``rag.ui.app``).
"""
