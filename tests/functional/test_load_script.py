"""scripts/load.py end to end, briefly: mixed traffic, nothing lost or doubled, no leaks in logs."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> dict[str, str]:
    done = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "load.py"), "--duration", "4", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    figures = dict(line.split(": ", 1) for line in done.stdout.splitlines() if ": " in line)
    return figures


def _check(figures: dict[str, str]) -> None:
    for kind in ("form", "api", "sms"):
        assert int(figures[f"{kind}_requests"].split()[0]) > 0, kind
    for name in ("errors", "lost", "duplicated", "log_leaks"):
        assert figures[name] == "0 count", name


def test_mixed_load_loses_nothing_and_leaks_nothing():
    # The suite's database decides: the PostgreSQL pass loads a scratch PostgreSQL database.
    on_postgres = (os.environ.get("TEST_DATABASE_URL") or "").startswith("postgresql")
    figures = _run("--postgres") if on_postgres else _run()
    assert figures["database"] == ("postgresql" if on_postgres else "sqlite")
    _check(figures)
