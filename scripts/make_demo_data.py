# ruff: noqa: S311, S608  (seeded demo data; table names come from this file)
"""Generate realistic demo data fast: departments, vendors, requests (~3 jobs each), deliveries.

    .venv/bin/python scripts/make_demo_data.py --requests 100000 [--database-url URL] [--seed 7]

The schema comes from the real migrations. Rows go in with the database driver's executemany in
batches of 50,000 (SQLite: one transaction; PostgreSQL: SQLAlchemy Core executemany). Requests
spread over the two years before --until (ids in order of submission); 70% translations to 1-5
languages (5% vital: every priority language), 30% interpretations; most jobs completed, some
late, cancelled or still open. SQLite: secondary indexes are dropped while loading and rebuilt
once at the end. No resident names or phone numbers are generated.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import sys
import time
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.languages import PRIORITY_CODES  # noqa: E402
from app.policy import BusinessCalendar  # noqa: E402
from app.requests.facts import business_ordinals, local_day  # noqa: E402

BATCH = 50_000
DEPARTMENTS = [
    ("housing", "Housing and Neighborhood Services", 30),
    ("water", "Charlotte Water", 14),
    ("transit", "CATS Transit", 12),
    ("police", "Police", 10),
    ("fire", "Fire", 6),
    ("planning", "Planning", 6),
    ("solid-waste", "Solid Waste", 6),
    ("311", "CharMeck 311", 6),
    ("parks", "Parks and Recreation", 4),
    ("aviation", "Aviation", 3),
    ("budget", "Budget", 2),
    ("hr", "Human Resources", 1),
]
TITLES = [
    "Water shut-off notice",
    "Rent relief flyer",
    "Bus route change",
    "Public hearing",
    "Trash pickup schedule",
    "Permit guide",
    "Safety notice",
    "Survey invitation",
]


def ts(moment: datetime) -> str:
    """A UTC timestamp as SQLAlchemy stores it on SQLite."""
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


def rows(n: int, until: date, seed: int, calendar: BusinessCalendar) -> Iterator[tuple[str, Any]]:
    """(table, row) pairs; ids are assigned here so the batches need no lookups.

    Jobs carry the report facts the app's session listener would set (app/requests/facts.py):
    the same local_day, business days from the same calendar's ordinals, and the facts of
    their offers and deliveries (an accepted offer a whole number of minutes after the
    submission, an accepted delivery) as link_facts_update would count them.
    """
    rng = random.Random(seed)
    start = datetime.combine(until - timedelta(days=730), datetime.min.time(), tzinfo=UTC)
    zone = calendar.timezone
    ordinal = business_ordinals(calendar, start.date() - timedelta(days=2), until)
    span = 730 * 86400
    weights = [w for *_, w in DEPARTMENTS]
    dept_ids = list(range(1, len(DEPARTMENTS) + 1))
    job_id = offer_id = delivery_id = 0
    now = datetime.combine(until, datetime.min.time(), tzinfo=UTC)
    # Submission times in id order, as the database assigns ids as requests come in.
    moments = sorted(rng.randrange(span) for _ in range(n))
    for rid, second in enumerate(moments, start=1):
        created = start + timedelta(seconds=second)
        dept = rng.choices(dept_ids, weights)[0]
        interp = rng.random() < 0.3
        vital = not interp and rng.random() < 0.05
        langs = (
            list(PRIORITY_CODES)
            if vital
            else rng.sample(PRIORITY_CODES, 1 if interp else rng.randint(1, 5))
        )
        kind = "interpretation" if interp else "translation"
        channel = (
            rng.choices(["web", "sms", "api"], [70, 10, 20])[0]
            if interp
            else (rng.choices(["web", "api"], [80, 20])[0])
        )
        method = rng.choice(["menu", "keyword", "detection"]) if channel == "sms" else None
        submitted_on = local_day(created, zone)
        title = rng.choice(TITLES)
        if rng.random() < 0.001:
            title = '=HYPERLINK("http://x.example")'  # exports must neutralise it
        yield (
            "requests",
            (
                rid,
                f"LA-{created.year}-{rid:07d}",
                kind,
                channel,
                "in_progress",
                dept,
                title,
                "",
                "en",
                int(vital),
                "2026.1",
                method,
                ts(created),
                ts(created),
            ),
        )
        for lang in langs:
            job_id += 1
            due = (created + timedelta(days=rng.choice([5, 7, 7, 9, 12]))).date()
            vendor = rng.randint(1, 20)
            roll = rng.random()
            took = timedelta(hours=rng.randint(24, 24 * 14))
            done_at = created + took
            if roll < 0.05:
                status, completed, cancelled = "cancelled", None, ts(created + took / 3)
            elif done_at < now and roll < 0.95:
                status, completed, cancelled = "completed", ts(done_at), None
            else:
                status, completed, cancelled = (
                    rng.choice(["in_progress", "offered", "ready"]),
                    None,
                    None,
                )
            completed_on = local_day(done_at, zone) if status == "completed" else None
            closed_on = completed_on or (
                local_day(created + took / 3, zone) if status == "cancelled" else None
            )
            turnaround = (
                max(0, ordinal[completed_on] - ordinal[submitted_on]) if completed_on else None
            )
            assigned = status not in ("ready", "cancelled")
            cost = rng.randint(30, 900) * 10_000 if status == "completed" else None
            minutes = rng.randint(15, 120) if interp and status == "completed" else None
            # interpretation: the assigned vendor accepted its offer; a completed translation
            # has an accepted delivery (below)
            offered = interp and assigned
            wait = rng.randint(10, 60 * 48) if offered else None
            reviewed_ok = not interp and status == "completed"
            yield (
                "jobs",
                (
                    job_id,
                    rid,
                    lang,
                    status,
                    due.isoformat(),
                    due.isoformat(),
                    vendor if assigned else None,
                    cost,
                    minutes,
                    ts(created),
                    ts(created),
                    completed,
                    cancelled,
                    dept,
                    kind,
                    channel,
                    _day(submitted_on),
                    _day(completed_on),
                    _day(closed_on),
                    turnaround,
                    int(offered),
                    wait,
                    int(reviewed_ok),
                ),
            )
            if wait is not None:
                offer_id += 1
                accepted = created + timedelta(minutes=wait)
                yield (
                    "offers",
                    (
                        offer_id,
                        job_id,
                        vendor,
                        "accepted",
                        0,
                        ts(created),
                        ts(accepted),
                        ts(accepted),
                        "",
                    ),
                )
            if reviewed_ok:
                reviewed = done_at - timedelta(hours=1)
                if rng.random() < 0.1:
                    delivery_id += 1
                    yield (
                        "deliveries",
                        _delivery(delivery_id, job_id, vendor, 1, reviewed, due, False, "returned")
                        + (dept, lang),
                    )
                delivery_id += 1
                yield (
                    "deliveries",
                    _delivery(
                        delivery_id,
                        job_id,
                        vendor,
                        2,
                        reviewed,
                        due,
                        rng.random() < 0.9,
                        "accepted",
                    )
                    + (dept, lang),
                )


def _day(day: date | None) -> str | None:
    return day.isoformat() if day else None


def _delivery(
    did: int,
    job: int,
    vendor: int,
    number: int,
    at: datetime,
    due: date,
    passed: bool,
    outcome: str,
) -> tuple[Any, ...]:
    return (
        did,
        job,
        vendor,
        number,
        "document",
        1,
        "{}",
        ts(at),
        due.isoformat(),
        int(at.date() <= due),
        "[]",
        int(passed),
        outcome,
        "",
        ts(at),
    )


COLUMNS = {
    "requests": "id, number, kind, channel, status, department_id, title, notes, source_language, "
    "vital, policy_version, language_method, created_at, updated_at",
    "jobs": "id, request_id, language, status, due_date, policy_due_date, vendor_id, cost, "
    "minutes_billed, created_at, updated_at, completed_at, cancelled_at, department_id, kind, "
    "channel, submitted_on, completed_on, closed_on, turnaround_business_days, offer_accepted, "
    "assign_minutes, delivery_accepted",
    "offers": "id, job_id, vendor_id, status, automatic, created_at, expires_at, responded_at, "
    "reason",
    "deliveries": "id, job_id, vendor_id, number, format, document_id, segments, delivered_at, "
    "due_date, on_time, findings, glossary_passed, outcome, review_comment, reviewed_at, "
    "department_id, language",
}


def fixed_rows(now: str) -> dict[str, tuple[str, list[tuple[Any, ...]]]]:
    return {
        "departments": (
            "id, slug, name",
            [(i, s, n) for i, (s, n, _w) in enumerate(DEPARTMENTS, start=1)],
        ),
        "vendors": (
            "id, name, contact_name, contact_email, contact_phone, contract_number, capacity, "
            "active, notes, created_at",
            [
                (
                    i,
                    f"Vendor {i:02d}" if i != 7 else "+Plus Language",
                    "",
                    "",
                    "",
                    "",
                    50,
                    1,
                    "",
                    now,
                )
                for i in range(1, 21)
            ],
        ),
        "documents": (
            "id, sha256, original_name, media_type, extension, size_bytes, word_count, created_at",
            [(1, "0" * 64, "demo.docx", "application/docx", "docx", 1, 800, now)],
        ),
    }


def insert_all(
    execute: Any, n: int, until: date, seed: int, calendar: BusinessCalendar
) -> dict[str, int]:
    counts: dict[str, int] = {}
    now = ts(datetime.now(UTC))
    for table, (cols, data) in fixed_rows(now).items():
        execute(table, cols, data)
        counts[table] = len(data)
    pending: dict[str, list[tuple[Any, ...]]] = {t: [] for t in COLUMNS}

    def flush() -> None:
        """Every table's pending rows, parents first (COLUMNS' order): PostgreSQL checks the
        foreign keys of each batch as it goes in."""
        for table, batch in pending.items():
            if batch:
                execute(table, COLUMNS[table], batch)
                counts[table] = counts.get(table, 0) + len(batch)
                batch.clear()

    for table, row in rows(n, until, seed, calendar):
        pending[table].append(row)
        if len(pending[table]) >= BATCH:
            flush()
    flush()
    return counts


def migrate(url: str) -> BusinessCalendar:
    """Bring the database to the models' schema; the app's policy calendar, for the facts."""
    from flask_migrate import upgrade

    from app import create_app
    from app.policy import get_policy

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "demo", "QUEUE_IMMEDIATE": True}
    )
    with app.app_context():
        upgrade()
        from app.extensions import db

        db.session.remove()
        db.engine.dispose()  # no connection left holding a lock on the file
        return get_policy().calendar


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--database-url", default=f"sqlite:///{ROOT / 'instance' / 'demo.db'}")
    parser.add_argument("--until", type=date.fromisoformat, default=date(2026, 11, 30))
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    began = time.perf_counter()
    calendar = migrate(args.database_url)
    if args.database_url.startswith("sqlite:///"):
        conn = sqlite3.connect(args.database_url.removeprefix("sqlite:///"))
        conn.execute("PRAGMA synchronous=OFF")
        conn.execute("PRAGMA journal_mode=MEMORY")
        conn.execute("PRAGMA cache_size=-262144")  # 256 MB of page cache while loading
        indexes = _drop_indexes(conn)

        def execute(table: str, cols: str, data: list[tuple[Any, ...]]) -> None:
            marks = ", ".join("?" * len(cols.split(",")))
            conn.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", data)  # noqa: S608

        counts = insert_all(execute, args.requests, args.until, args.seed, calendar)
        for create in indexes:  # built once over the loaded rows: far faster than row by row
            conn.execute(create)
        conn.commit()
        conn.execute("ANALYZE")
        conn.close()
    else:
        counts = _insert_with_sqlalchemy(args, calendar)
    took = time.perf_counter() - began
    print(", ".join(f"{t}: {c:,}" for t, c in counts.items()))
    print(f"generated in {took:.1f} s")
    return 0


def _drop_indexes(conn: sqlite3.Connection) -> list[str]:
    """Drop the loaded tables' secondary indexes; their CREATE statements, to rebuild after."""
    tables = ", ".join(f"'{t}'" for t in COLUMNS)
    found = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({tables})"
    ).fetchall()
    for name, _sql in found:
        conn.execute(f'DROP INDEX "{name}"')
    return [sql for _name, sql in found]


def _insert_with_sqlalchemy(args: argparse.Namespace, calendar: BusinessCalendar) -> dict[str, int]:
    from sqlalchemy import create_engine, text

    engine = create_engine(args.database_url)
    with engine.begin() as conn:

        def execute(table: str, cols: str, data: list[tuple[Any, ...]]) -> None:
            names = [c.strip() for c in cols.split(",")]
            stmt = text(
                f"INSERT INTO {table} ({cols}) VALUES ({', '.join(':' + c for c in names)})"
            )  # noqa: S608
            conn.execute(stmt, [_pg_row(dict(zip(names, r, strict=True))) for r in data])

        counts = insert_all(execute, args.requests, args.until, args.seed, calendar)
        for table in ("departments", "vendors", "documents", *COLUMNS):
            conn.execute(
                text(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT max(id) FROM {table}))"
                )
            )
        conn.execute(text("ANALYZE"))
    return counts


def _pg_row(row: dict[str, Any]) -> dict[str, Any]:
    """SQLite's 0/1 booleans as booleans, and timestamps marked UTC, for PostgreSQL."""
    for key in (
        "vital",
        "active",
        "automatic",
        "on_time",
        "glossary_passed",
        "offer_accepted",
        "delivery_accepted",
    ):
        if key in row:
            row[key] = bool(row[key])
    for key, value in row.items():
        if isinstance(value, str) and key.endswith(("_at", "_date")) and len(value) > 10:
            row[key] = value + "+00:00"
    return row


if __name__ == "__main__":
    raise SystemExit(main())
