"""Dispatch QA chat UI: ``python app.py [--host 127.0.0.1] [--port 7860] [--auth user:pass]``.

A thin launcher: it opens the index (building it from the seeds folder when it holds no
reports), then serves the page that ``rag.ui.app.build_app`` lays out and, on the same port, the
OpenAI-compatible API at ``/v1`` (``rag.api.openai``; ``--api-key`` or ``RAG_API_KEY``).
"""

from __future__ import annotations

from rag.offline import go_offline

# Nothing phones home: set before gradio (or the model stack) is imported.
go_offline(force=True)

import argparse  # noqa: E402
import contextlib  # noqa: E402
import socket  # noqa: E402
import sys  # noqa: E402
import threading  # noqa: E402
from collections.abc import Sequence  # noqa: E402
from typing import Any  # noqa: E402


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The launcher's command line."""
    parser = argparse.ArgumentParser(description="Dispatch QA chat UI")
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine)"
    )
    parser.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    parser.add_argument("--auth", help="USER:PASSWORD required to open the page (for sharing on a network)")
    parser.add_argument("--index-dir", help="index folder (default: RAG_INDEX_DIR or ./index)")
    parser.add_argument("--api-key", help="bearer key of the OpenAI-compatible API at /v1 (or RAG_API_KEY)")
    parser.add_argument("--no-api", action="store_true", help="serve the page without the API at /v1")
    args = parser.parse_args(argv)
    if args.auth is not None and (":" not in args.auth or not all(args.auth.split(":", 1))):
        parser.error("--auth takes USER:PASSWORD")
    return args


def open_index(index_dir: str | None) -> Any:
    """The ``ReportQA`` over the index, first filled from the seeds folder if it is empty."""
    from rag.qa import ReportQA

    qa = ReportQA(index_dir=index_dir) if index_dir else ReportQA()
    seeds = qa.settings.seeds_dir
    if not qa.sources() and seeds.is_dir():
        print(f"Indexing the reports in {seeds}/ ...", flush=True)
        print(qa.ingest([seeds], progress=True).summary(), flush=True)
    return qa


def _warm_up(qa: Any) -> None:
    """Load the embedding model in the background, so the first question is answered at once."""
    with contextlib.suppress(Exception):  # only a warm-up; real questions report their own errors
        qa.retrieve("warm up", top_k=1)


def main(argv: Sequence[str] | None = None) -> int:
    """Open the index and serve the chat page until interrupted."""
    args = parse_args(argv)
    from pydantic import ValidationError

    from rag.api.openai import ApiKeyMissingError, OpenAIApi, mount_api, required_key
    from rag.settings import setting_error
    from rag.ui.app import build_app, launch_options

    if not port_free(args.host, args.port):
        print(
            f"error: port {args.port} on {args.host} is in use: stop what uses it, or choose another "
            "with --port",
            file=sys.stderr,
        )
        return 2
    try:
        key = required_key(args.api_key, args.host, bool(args.auth), enabled=not args.no_api)
        qa = open_index(args.index_dir)
    except ApiKeyMissingError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except ValidationError as err:
        print(f"error: bad setting: {setting_error(err)}", file=sys.stderr)
        return 2
    except Exception as err:
        print(f"error: could not open the index: {err}", file=sys.stderr)
        return 2
    threading.Thread(target=_warm_up, args=(qa,), daemon=True).start()
    api = None if args.no_api else OpenAIApi(qa, key)  # before the page, which takes qa's chat model
    demo = build_app(qa)
    auth = tuple(args.auth.split(":", 1)) if args.auth else None
    if args.host not in ("127.0.0.1", "localhost", "::1") and auth is None:
        print(f"warning: serving on {args.host} without --auth: anyone on the network can use it")
    options = launch_options(qa.settings.max_file_mb)
    try:
        demo.queue(default_concurrency_limit=1).launch(
            server_name=args.host,
            server_port=args.port,
            auth=auth,
            show_error=False,
            **(mount_api(options, api) if api else options),
        )
    except OSError as err:  # taken meanwhile, or not an address of this machine
        print(f"error: cannot serve on {args.host}:{args.port}: {err.strerror or err}", file=sys.stderr)
        return 2
    return 0


def port_free(host: str, port: int) -> bool:
    """True when nothing listens on ``host:port`` (so the page can be served there)."""
    with contextlib.suppress(OSError), socket.create_connection((host, port), timeout=0.5):
        return False
    return True


if __name__ == "__main__":
    sys.exit(main())
