"""Migrations take an empty database to exactly the models' schema."""

from __future__ import annotations

import os
from contextlib import contextmanager

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, text

from app import create_app
from app.extensions import db


def _fresh_app(url, tmp_path):
    return create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "SQLALCHEMY_DATABASE_URI": url,
            "QUEUE_IMMEDIATE": True,
            "SECRET_KEY": "x",
        }
    )


def _check_round_trip(app):
    with app.app_context():
        upgrade()
        tables = set(inspect(db.engine).get_table_names())
        assert {
            "departments",
            "users",
            "api_tokens",
            "requests",
            "jobs",
            "documents",
            "audit_events",
        } <= tables
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        assert diff == [], f"models and migrations differ: {diff}"
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        db.engine.dispose()


def test_sqlite_empty_database_upgrades_to_the_models(tmp_path):
    _check_round_trip(_fresh_app(f"sqlite:///{tmp_path / 'fresh.db'}", tmp_path))


def test_postgres_empty_database_upgrades_to_the_models(tmp_path):
    with _postgres_database("la_migration_check") as url:
        _check_round_trip(_fresh_app(url, tmp_path))


@contextmanager
def _postgres_database(name):
    """A fresh PostgreSQL database for one test (skipped without TEST_POSTGRES_ADMIN_URL)."""
    base = os.environ.get("TEST_POSTGRES_ADMIN_URL")
    if not base:
        if os.environ.get("CI") == "true":
            pytest.fail("CI needs TEST_POSTGRES_ADMIN_URL for the PostgreSQL migration test")
        pytest.skip("TEST_POSTGRES_ADMIN_URL not set (set it to run against PostgreSQL)")
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        yield admin.url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


# --- the report facts' backfill (8d0ffee00002) gives what the live path sets -------------------


def _utc(*args):
    from datetime import UTC, datetime

    return datetime(*args, tzinfo=UTC)


# (status, submitted, completed_at, cancelled_at): late evenings (the next day in UTC), a
# holiday, both daylight-saving changes, a reopened job (completed_at kept, status open).
FACT_CASES = [
    ("completed", _utc(2026, 3, 17, 3, 30), _utc(2026, 3, 24, 3, 59), None),
    ("completed", _utc(2026, 3, 30, 14), _utc(2026, 4, 3, 15), None),  # Good Friday
    ("completed", _utc(2025, 3, 7, 16), _utc(2025, 3, 10, 3, 30), None),  # over the DST start
    ("completed", _utc(2025, 10, 31, 16), _utc(2025, 11, 3, 4, 30), None),  # over the DST end
    ("cancelled", _utc(2026, 1, 5, 15), None, _utc(2026, 1, 6, 4, 59)),
    ("in_progress", _utc(2026, 2, 2, 15), _utc(2026, 2, 4, 15), None),  # reopened
    ("new", _utc(2026, 11, 30, 23), None, None),
]


def _seed_before_facts(app):
    """Rows as the app wrote them before the facts existed (schema at 7c0ffee00001)."""
    from datetime import date

    from app.requests.models import Job, Request
    from app.vendors.models import Delivery

    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text("INSERT INTO departments (id, slug, name) VALUES (3, 'water', 'W')"))
        conn.execute(
            text(
                "INSERT INTO vendors (id, name, contact_name, contact_email, "
                "contact_phone, contract_number, capacity, active, notes, created_at) "
                "VALUES (1, 'V', '', '', '', '', 5, true, '', '2026-01-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO documents (id, sha256, original_name, media_type, "
                "extension, size_bytes, word_count, created_at) VALUES "
                "(1, 'x', 'd', 'x', 'txt', 1, 1, '2026-01-01')"
            )
        )
        for n, (status, submitted, completed, cancelled) in enumerate(FACT_CASES, start=1):
            conn.execute(
                Request.__table__.insert(),
                {
                    "id": n,
                    "kind": "interpretation" if n % 2 else "translation",
                    "channel": "sms" if n % 3 else "web",
                    "status": "in_progress",
                    "department_id": 3,
                    "title": "t",
                    "policy_version": "x",
                    "created_at": submitted,
                },
            )
            conn.execute(
                Job.__table__.insert(),
                {
                    "id": n,
                    "request_id": n,
                    "language": "es",
                    "status": status,
                    "due_date": date(2026, 12, 1),
                    "policy_due_date": date(2026, 12, 1),
                    "completed_at": completed,
                    "cancelled_at": cancelled,
                },
            )
        conn.execute(
            Delivery.__table__.insert(),
            {
                "job_id": 1,
                "vendor_id": 1,
                "number": 1,
                "format": "document",
                "document_id": 1,
                "due_date": date(2026, 12, 1),
                "on_time": True,
                "glossary_passed": True,
                "outcome": "accepted",
            },
        )


def _check_backfill(app):
    from sqlalchemy import select

    from app.policy import get_policy
    from app.requests.facts import JOB_FACTS, refresh_job_facts
    from app.requests.models import Channel, Job, JobStatus, Request, RequestKind
    from app.vendors.models import Delivery

    with app.app_context():
        upgrade(revision="7c0ffee00001")
    _seed_before_facts(app)
    with app.app_context():
        upgrade()
        jobs = {j.id: j for j in db.session.scalars(select(Job))}
        for n, (status, submitted, completed, cancelled) in enumerate(FACT_CASES, start=1):
            live = Job(status=JobStatus(status), completed_at=completed, cancelled_at=cancelled)
            refresh_job_facts(
                live,
                Request(
                    department_id=3,
                    kind=RequestKind("interpretation" if n % 2 else "translation"),
                    channel=Channel("sms" if n % 3 else "web"),
                    created_at=submitted,
                ),
                get_policy(),
            )
            expected = {c: getattr(live, c) for c in JOB_FACTS}
            assert {c: getattr(jobs[n], c) for c in JOB_FACTS} == expected, FACT_CASES[n - 1]
        delivery = db.session.scalars(select(Delivery)).one()
        assert (delivery.department_id, delivery.language) == (3, "es")
        db.session.remove()
        db.engine.dispose()


def test_sqlite_backfill_of_report_facts_matches_the_live_path(tmp_path):
    _check_backfill(_fresh_app(f"sqlite:///{tmp_path / 'facts.db'}", tmp_path))


def test_postgres_backfill_of_report_facts_matches_the_live_path(tmp_path):
    with _postgres_database("la_facts_backfill_check") as url:
        _check_backfill(_fresh_app(url, tmp_path))
