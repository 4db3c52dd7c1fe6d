"""Front door, HTTP APIs served beside the chat page: ``rag.api.openai``, an OpenAI-compatible chat API.

They hold no retrieval or answering logic: every route calls ``ReportQA``.
"""
