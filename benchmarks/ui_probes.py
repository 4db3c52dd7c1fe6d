"""Two probes of the served app (``app.py`` in a fresh process over a copy of a seeded index).

- upload: a 200 MB POST to Gradio's upload route without ``--auth``: HTTP status, seconds,
  the server's peak RSS, and the MB it left in Gradio's upload folder.
- login: with ``--auth``, 10 wrong passwords in a row: seconds each, and in all.

    python benchmarks/ui_probes.py [--code DIR]   # --code: another checkout
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def serve(code: Path, index: Path, port: int, *extra: str) -> subprocess.Popen:
    """``app.py`` of ``code`` on ``port``, once it answers."""
    env = {**os.environ, "PYTHONPATH": str(code), "GRADIO_TEMP_DIR": str(index.parent / "gradio")}
    env.setdefault("RAG_API_KEY", "probe-key")  # --auth serves the API at /v1 only with a key
    command = [sys.executable, str(code / "app.py"), "--port", str(port), "--index-dir", str(index), *extra]
    server = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return server
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("the app did not start")


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, float]:
    """HTTP status and seconds of one POST."""
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(
            urllib.request.Request(url, data=body, headers=headers), timeout=600
        ) as r:
            status = r.status
    except urllib.error.HTTPError as err:
        status = err.code
    except urllib.error.URLError:  # the server answered (413) and closed while the body was sent
        status = 0
    return status, time.perf_counter() - started


def peak_mb(pid: int) -> float:
    """The process's peak resident memory (VmHWM), MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def upload_probe(code: Path, index: Path, port: int) -> str:
    """A 200 MB file POSTed to the upload route of an app without --auth."""
    server = serve(code, index, port)
    try:
        head = b'--b\r\nContent-Disposition: form-data; name="files"; filename="big.txt"\r\n\r\n'
        body = head + b"x" * 200_000_000 + b"\r\n--b--\r\n"
        status, seconds = post(
            f"http://127.0.0.1:{port}/gradio_api/upload",
            body,
            {"Content-Type": "multipart/form-data; boundary=b"},
        )
        time.sleep(1)
        kept = sum(p.stat().st_size for p in (index.parent / "gradio").rglob("*") if p.is_file()) / 1e6
        shown = f"HTTP {status}" if status else "refused (connection closed before the body was sent)"
        peak = peak_mb(server.pid)
        return f"upload 200 MB: {shown} in {seconds:.1f} s, server peak {peak:,.0f} MB, {kept:,.0f} MB kept"
    finally:
        server.terminate()
        server.wait()


def login_probe(code: Path, index: Path, port: int) -> str:
    """10 wrong passwords in a row against an app with --auth."""
    server = serve(code, index, port, "--auth", "inspector:right-password")
    try:
        times = []
        for n in range(10):
            data = urllib.parse.urlencode({"username": "inspector", "password": f"guess{n}"}).encode()
            times.append(post(f"http://127.0.0.1:{port}/login", data, {})[1])
        shown = " ".join(f"{t:.2f}" for t in times)
        return f"login, 10 wrong passwords: {sum(times):.1f} s in all (each: {shown})"
    finally:
        server.terminate()
        server.wait()


def main() -> None:
    """Seed an index, then run both probes."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--code", default=str(REPO), help="checkout whose app.py and rag package to run")
    parser.add_argument("--port", type=int, default=7961)
    args = parser.parse_args()
    code = Path(args.code).resolve()
    with tempfile.TemporaryDirectory() as tmp:
        seeded = Path(tmp, "seeded")
        env = {**os.environ, "PYTHONPATH": str(code)}
        subprocess.run(
            [sys.executable, "-m", "rag", "--index-dir", str(seeded), "ingest", str(REPO / "seeds")],
            env=env,
            check=True,
            capture_output=True,
        )
        for name, probe in (("upload", upload_probe), ("login", login_probe)):
            index = Path(tmp, name, "index")
            shutil.copytree(seeded, index)
            print(probe(code, index, args.port))


if __name__ == "__main__":
    main()
