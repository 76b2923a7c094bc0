# ruff: noqa: S603  (runs this project's CLI and sqlite3 with fixed arguments)
"""Compliance report exports at scale, against the sqlite3 command line's dump of the same rows.

    .venv/bin/python scripts/bench/report_export.py [--requests 1000000] [--small 100000]

For --small and --requests requests (demo data from scripts/make_demo_data.py, about 3 jobs
each, kept in --workdir between runs; /tmp/report-bench by default) it times, side by side in
one run:
  * `flask report export --format csv|xlsx` for the largest department and for all, each in
    its own child process, recording its peak memory (ru_maxrss from wait4);
  * `sqlite3 -csv DB "SELECT ..."`: the same row-level records (queries.export_rows, the
    export's own SQL for them; on SQLite the CSV export reads the same rows already rendered
    as lines of CSV by queries.export_lines, started before the report's figures are counted);
  * the report page for the largest department (GET /reports, warm, best of two) over three
    periods ending on the demo data's last day: the page's default length (the policy's
    history_days, 90), one year, and the whole two-year span.
Targets: CSV within 3x the sqlite3 dump; peak memory under 300 MB and flat (within 25%) from
--small to --requests; the page under 2 s at --requests over the default period and over one
year (the whole span is printed for context, with no target). Ends with `name: value unit`
lines and exits 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess  # noqa: S404 (runs this project's CLI and sqlite3 with fixed arguments)
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
PY = sys.executable
FLASK = str(Path(PY).with_name("flask"))
FROM, TO = "2024-12-01", "2026-11-30"  # the whole span make_demo_data generates
LARGEST = "housing"


def run_child(
    cmd: list[str], env: dict[str, str], stdout: int | None = None
) -> tuple[float, float]:
    """Wall seconds and peak memory (MB) of a child process."""
    began = time.perf_counter()
    proc = subprocess.Popen(
        cmd,
        env=env,
        stdout=stdout or subprocess.DEVNULL,  # noqa: S603
        stderr=subprocess.DEVNULL,
    )
    _pid, status, usage = os.wait4(proc.pid, 0)
    took = time.perf_counter() - began
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}")
    return took, usage.ru_maxrss / 1024


def database(workdir: Path, n: int) -> Path:
    path = workdir / f"demo-{n}.db"
    if not (workdir / f"demo-{n}.done").exists():
        path.unlink(missing_ok=True)
        subprocess.run(
            [
                PY,
                str(ROOT / "scripts" / "make_demo_data.py"),
                "--requests",
                str(n),  # noqa: S603
                "--database-url",
                f"sqlite:///{path}",
            ],
            check=True,
        )
        (workdir / f"demo-{n}.done").touch()
    return path


def export_sql(db_path: Path, slug: str | None) -> str:
    """The export's own row-level SQL with its parameters inlined, for the sqlite3 CLI."""
    from sqlalchemy import select

    from app import create_app
    from app.auth.models import Department
    from app.extensions import db
    from app.policy import get_policy
    from app.reports.queries import export_rows, make_scope

    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}", "SECRET_KEY": "b"})
    with app.app_context():
        dept = (
            db.session.scalar(select(Department.id).where(Department.slug == slug))
            if slug
            else None
        )
        scope = make_scope(dept, date.fromisoformat(FROM), date.fromisoformat(TO), get_policy())
        stmt = export_rows(scope)
        return str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))


def periods() -> dict[str, tuple[str, str]]:
    """The page's periods: (first day, last day) by name, all ending on the data's last day."""
    from app.policy import load_policy

    end = date.fromisoformat(TO)
    default = load_policy(str(ROOT / "app" / "policy.toml")).history_days
    return {
        "default_period": ((end - timedelta(days=default)).isoformat(), TO),
        "one_year": ((end - timedelta(days=364)).isoformat(), TO),
        "whole_span": (FROM, TO),
    }


#: The periods the 2 s page target applies to.
PAGE_TARGETS = ("default_period", "one_year")


def page_seconds(db_path: Path) -> dict[str, float]:
    """Warm seconds (best of two) of the largest department's report page, per period."""
    from app import create_app
    from app.auth import services as auth_services
    from app.auth.models import Role
    from app.extensions import db

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}",
            "SECRET_KEY": "b",
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
        }
    )
    with app.app_context():
        from sqlalchemy import select

        from app.auth.models import User

        if db.session.scalar(select(User.id).where(User.email == "bench@city.example")) is None:
            auth_services.create_user(
                "bench@city.example", "Bench", Role.COMPLIANCE, "bench-pass-123", None
            )
        db.session.remove()
    client = app.test_client()
    client.post("/login", data={"email": "bench@city.example", "password": "bench-pass-123"})
    seconds = {}
    for name, (first, last) in periods().items():
        url = f"/reports?department={LARGEST}&from={first}&to={last}"
        best = float("inf")
        for _ in range(2):
            began = time.perf_counter()
            resp = client.get(url)
            best = min(best, time.perf_counter() - began)
            assert resp.status_code == 200, resp.status_code
        seconds[name] = best
    return seconds


def measure(n: int, workdir: Path, figures: dict[str, tuple[float, str]]) -> None:
    db_path = database(workdir, n)
    env = {
        **os.environ,
        "FLASK_APP": "app",
        "FLASK_SQLALCHEMY_DATABASE_URI": f"sqlite:///{db_path}",
        "FLASK_SECRET_KEY": "bench",
    }
    tag = f"{n // 1000}k"
    for who, args in ((LARGEST, ["--department", LARGEST]), ("all", ["--all"])):
        out = workdir / f"dump-{who}.csv"
        with open(out, "wb") as fh:
            sql = export_sql(db_path, None if who == "all" else LARGEST)
            took, _mem = run_child(["sqlite3", "-csv", str(db_path), sql], env, stdout=fh.fileno())
        figures[f"sqlite3_dump_{who}_{tag}"] = (took, "s")
        for fmt in ("csv", "xlsx"):
            target = workdir / f"export-{who}.{fmt}"
            took, mem = run_child(
                [
                    FLASK,
                    "report",
                    "export",
                    *args,
                    "--from",
                    FROM,
                    "--to",
                    TO,
                    "--format",
                    fmt,
                    "-o",
                    str(target),
                ],
                env,
            )
            figures[f"{fmt}_export_{who}_{tag}"] = (took, "s")
            figures[f"{fmt}_peak_memory_{who}_{tag}"] = (mem, "MB")
            print(f"{n:,} {who} {fmt}: {took:.1f} s, {mem:.0f} MB", flush=True)
        figures[f"csv_vs_sqlite3_{who}_{tag}"] = (
            figures[f"csv_export_{who}_{tag}"][0] / figures[f"sqlite3_dump_{who}_{tag}"][0],
            "x",
        )
    for period, took in page_seconds(db_path).items():
        figures[f"page_{LARGEST}_{period}_{tag}"] = (took, "s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=1_000_000)
    parser.add_argument("--small", type=int, default=100_000)
    parser.add_argument(
        "--workdir", type=Path, default=Path(tempfile.gettempdir()) / "report-bench"
    )
    args = parser.parse_args(argv)
    if shutil.which("sqlite3") is None:
        raise SystemExit("the sqlite3 command-line tool is needed for the baseline")
    args.workdir.mkdir(parents=True, exist_ok=True)
    figures: dict[str, tuple[float, str]] = {}
    sizes = sorted({min(args.small, args.requests), args.requests})
    for n in sizes:
        measure(n, args.workdir, figures)
    big, small = (f"{s // 1000}k" for s in (sizes[-1], sizes[0]))
    misses = []
    for who in (LARGEST, "all"):
        if figures[f"csv_vs_sqlite3_{who}_{big}"][0] > 3:
            misses.append(f"csv {who} over 3x sqlite3")
        for fmt in ("csv", "xlsx"):
            peak, low = (
                figures[f"{fmt}_peak_memory_{who}_{big}"][0],
                figures[f"{fmt}_peak_memory_{who}_{small}"][0],
            )
            if peak > 300 or peak > low * 1.25:
                misses.append(f"{fmt} {who} memory {low:.0f} -> {peak:.0f} MB")
    for period in PAGE_TARGETS:
        if figures[f"page_{LARGEST}_{period}_{big}"][0] > 2:
            misses.append(f"page over 2 s ({period})")
    for name, (value, unit) in figures.items():
        print(f"{name}: {value:.2f} {unit}")
    for miss in misses:
        print(f"MISSED: {miss}")
    return 1 if misses else 0


if __name__ == "__main__":
    raise SystemExit(main())
