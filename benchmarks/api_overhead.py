"""What the OpenAI-compatible API adds to ``ask``, and whether it holds under concurrent streams.

Starts ``app.py`` on a free local port (over a copy of ``--index-dir``, or an index of seeds/
built first), with a key and the per-client rate limit off (every client here is 127.0.0.1), then:

- overhead: ``--requests`` non-streamed completions one after another; each response's
  ``Server-Timing: ask;dur=`` is the time ``ReportQA.ask`` took inside the server, so the
  endpoint's overhead is the client's wall time less that (HTTP, JSON, the Sources list and the
  citation records). Target: p50 <= 10 ms.
- load: ``--clients`` (8) threads stream completions with the ``openai`` package for
  ``--seconds`` (60); an error is an exception, a stream without ``finish_reason`` "stop", or
  one whose text differs from the non-streamed reply to the same question. Target: 0 errors.

``python benchmarks/api_overhead.py [--seconds 60] [--clients 8] [--requests 100]``
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
KEY = "benchmark-key"
QUESTIONS = (
    "How many troops withdrew and to where?",
    "What did the rebels capture when they attacked the camp?",
    "Who reported that the convoy came under rebel fire?",
    "Which groups are among the rebel forces?",
    "Which airport does the government still control?",
    "When did Islamists seize Idlib?",
)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def index_copy(given: str | None, folder: Path) -> Path:
    """A private copy of the index at ``given``, or an index of seeds/ built in ``folder``."""
    target = folder / "index"
    if given:
        shutil.copytree(given, target)
        return target
    sys.path.insert(0, str(REPO))
    from rag.qa import ReportQA

    ReportQA(index_dir=target).ingest([REPO / "seeds"])
    return target


def start(index: Path, port: int) -> subprocess.Popen[bytes]:
    """``app.py`` on ``port`` with the benchmark key and no rate limit, once its API answers."""
    import httpx

    env = {**os.environ, "RAG_API_KEY": KEY, "RAG_API_REQUESTS_PER_MINUTE": "0"}
    command = [sys.executable, str(REPO / "app.py"), "--port", str(port), "--index-dir", str(index)]
    server = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"app.py ended with {server.returncode}")
        try:
            response = httpx.get(
                f"http://127.0.0.1:{port}/v1/models", headers={"Authorization": f"Bearer {KEY}"}
            )
            if response.status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise RuntimeError("app.py did not start")


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile (0-1) of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def overhead(base: str, requests: int) -> dict[str, str]:
    """Non-streamed completions one at a time: the reply texts by question; prints the figures."""
    import httpx

    walls, asks, overheads = [], [], []
    texts: dict[str, str] = {}
    with httpx.Client(headers={"Authorization": f"Bearer {KEY}"}, timeout=120) as client:
        for n in range(requests + len(QUESTIONS)):  # the first round warms caches up, uncounted
            question = QUESTIONS[n % len(QUESTIONS)]
            body = {"model": "extractive", "messages": [{"role": "user", "content": question}]}
            started = time.perf_counter()
            response = client.post(f"{base}/chat/completions", json=body)
            wall = time.perf_counter() - started
            response.raise_for_status()
            texts[question] = response.json()["choices"][0]["message"]["content"]
            ask = float(response.headers["server-timing"].split("dur=")[1]) / 1000
            if n >= len(QUESTIONS):
                walls.append(wall)
                asks.append(ask)
                overheads.append(wall - ask)
    ms = 1000
    print(f"overhead over ask, {requests} non-streamed completions one at a time (ms):")
    print(
        f"  endpoint wall p50 {statistics.median(walls) * ms:.1f}, p95 {percentile(walls, 0.95) * ms:.1f}; "
        f"ask inside p50 {statistics.median(asks) * ms:.1f}, p95 {percentile(asks, 0.95) * ms:.1f}"
    )
    print(
        f"  overhead p50 {statistics.median(overheads) * ms:.2f}, "
        f"p95 {percentile(overheads, 0.95) * ms:.2f}, max {max(overheads) * ms:.2f} (target p50 <= 10 ms)"
    )
    return texts


def load(base: str, clients: int, seconds: float, expected: dict[str, str]) -> None:
    """``clients`` threads streaming completions for ``seconds``; prints requests, errors, latency."""
    from openai import OpenAI

    deadline = time.monotonic() + seconds
    lock = threading.Lock()
    latencies: list[float] = []
    errors: list[str] = []

    def client_loop(number: int) -> None:
        client = OpenAI(base_url=base, api_key=KEY, max_retries=0, timeout=120)
        n = number
        while time.monotonic() < deadline:
            question = QUESTIONS[n % len(QUESTIONS)]
            n += 1
            started = time.perf_counter()
            try:
                stream = client.chat.completions.create(
                    model="extractive", messages=[{"role": "user", "content": question}], stream=True
                )
                chunks = list(stream)
                text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
                problem = ""
                if not chunks or chunks[-1].choices[0].finish_reason != "stop":
                    problem = "no finish_reason 'stop'"
                elif text != expected[question]:
                    problem = "text differs from the non-streamed reply"
            except Exception as err:
                problem = f"{type(err).__name__}: {err}"
            with lock:
                (errors.append(problem) if problem else latencies.append(time.perf_counter() - started))

    threads = [threading.Thread(target=client_loop, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done = len(latencies) + len(errors)
    print(f"load: {clients} concurrent streaming clients for {seconds:.0f} s:")
    print(
        f"  {done} streams, {len(errors)} errors (target 0), {done / seconds:.1f} streams/s; latency p50 "
        f"{statistics.median(latencies) * 1000:.0f} ms, p95 {percentile(latencies, 0.95) * 1000:.0f} ms"
        if latencies
        else f"  {done} streams, {len(errors)} errors"
    )
    for problem in sorted(set(errors))[:5]:
        print(f"  error: {problem} (x{errors.count(problem)})")


def main() -> int:
    """Run both measurements against a freshly started ``app.py``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the load run (default 60)")
    parser.add_argument("--clients", type=int, default=8, help="concurrent streaming clients (default 8)")
    parser.add_argument("--requests", type=int, default=100, help="completions timed for the overhead")
    parser.add_argument("--index-dir", help="an index to copy (default: one built from seeds/)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="api-overhead-") as folder:
        index = index_copy(args.index_dir, Path(folder))
        port = free_port()
        server = start(index, port)
        try:
            base = f"http://127.0.0.1:{port}/v1"
            expected = overhead(base, args.requests)
            load(base, args.clients, args.seconds, expected)
        finally:
            server.terminate()
            server.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
