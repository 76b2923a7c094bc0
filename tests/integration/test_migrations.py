"""Migrations take an empty database to exactly the models' schema."""

from __future__ import annotations

import os

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
    base = os.environ.get("TEST_POSTGRES_ADMIN_URL")
    if not base:
        if os.environ.get("CI") == "true":
            pytest.fail("CI needs TEST_POSTGRES_ADMIN_URL for the PostgreSQL migration test")
        pytest.skip("TEST_POSTGRES_ADMIN_URL not set (set it to run against PostgreSQL)")
    name = "la_migration_check"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {name}"))
        conn.execute(text(f"CREATE DATABASE {name}"))
    try:
        url = admin.url.set(database=name).render_as_string(hide_password=False)
        _check_round_trip(_fresh_app(url, tmp_path))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()
