"""``python -m rag``: the command-line interface (see ``rag.cli``)."""

from rag.cli import main

raise SystemExit(main())
