"""A real server for tests: gunicorn on a spare loopback port, stopped when the test ends."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A TCP port nothing listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_serving(port: int, proc: subprocess.Popen[bytes], limit: float = 60) -> None:
    """Return once /login answers; fail if the process exits or the limit passes."""
    start = time.monotonic()
    while time.monotonic() - start < limit:
        if proc.poll() is not None:
            raise AssertionError(f"the server exited early with {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as r:
                if r.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"not serving after {limit} s")


@contextmanager
def gunicorn(env: dict[str, str], log: Path, workers: int = 1) -> Iterator[int]:
    """Serve create_app() with FLASK_* settings from `env`; yields the port."""
    port = free_port()
    binary = Path(sys.executable).parent / "gunicorn"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(binary), "--config", "python:app.serving",
             "--bind", f"127.0.0.1:{port}", "--workers", str(workers),
             "--threads", "4", "app:create_app()"],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        wait_until_serving(port, proc)
        yield port
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
