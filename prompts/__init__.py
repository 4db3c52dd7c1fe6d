"""The prompt bodies, ``<name>.txt``: edit them here (or point ``RAG_PROMPTS_DIR`` at a copy).

This folder installs with the package as ``rag.prompts.files`` (pyproject's ``package-dir``), so a
wheel carries the prompts; ``rag.prompts.PROMPTS_DIR`` finds it both in a checkout and installed.
"""
