"""scripts/run as a person uses it: it serves the app and worker, and Ctrl-C stops both."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start(tmp_path: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    def as_a_terminal_would() -> None:
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # a terminal's job gets Ctrl-C
        os.setpgrp()

    env = {
        **os.environ,
        "FLASK_INSTANCE_PATH": str(tmp_path / "instance"),
        "FLASK_RUN_PORT": str(port),
        "WEB_CONCURRENCY": "1",
    }
    with log.open("wb") as out:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(
            [str(ROOT / "scripts" / "run")],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=as_a_terminal_would,
        )


def _wait_until_serving(port: int, proc: subprocess.Popen[bytes], limit: float) -> float:
    start = time.monotonic()
    while time.monotonic() - start < limit:
        assert proc.poll() is None, "scripts/run exited early"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2) as r:
                assert r.status == 200
                return time.monotonic() - start
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"not serving after {limit} s")


def _wait_for_line(log: Path, text: str, limit: float) -> bool:
    start = time.monotonic()
    while time.monotonic() - start < limit:
        if text in log.read_text():
            return True
        time.sleep(0.3)
    return False


def _ctrl_c(proc: subprocess.Popen[bytes]) -> None:
    os.killpg(proc.pid, signal.SIGINT)
    proc.wait(timeout=60)


def _alive(pattern: str) -> list[str]:
    pgrep = shutil.which("pgrep") or "/usr/bin/pgrep"
    out = subprocess.run([pgrep, "-af", pattern], capture_output=True, text=True).stdout
    return [line for line in out.splitlines() if "pgrep" not in line]


def test_run_serves_with_its_worker_and_ctrl_c_stops_both(tmp_path):
    port = _free_port()
    marker = f"127.0.0.1:{port}"
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    proc = _start(tmp_path, port, first_log)
    try:
        _wait_until_serving(port, proc, limit=600)
        text = first_log.read_text()
        assert "demo logins (shown only now" in text and "coordinator@city.example" in text
        # The worker runs beside the web server (it may finish starting a moment later).
        assert _wait_for_line(first_log, "Huey consumer started", limit=60)
    finally:
        _ctrl_c(proc)
    assert not _alive(marker), "a server outlived Ctrl-C"
    assert (tmp_path / "instance" / "language_access.db").exists()

    proc = _start(tmp_path, port, second_log)
    try:
        seconds = _wait_until_serving(port, proc, limit=120)
        assert seconds < 30, f"second start took {seconds:.1f} s"
        assert "already there" in second_log.read_text()  # logins are printed once only
    finally:
        _ctrl_c(proc)
    assert not _alive(marker)
