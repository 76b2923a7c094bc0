"""Shared fixtures: an app on SQLite (or PostgreSQL via TEST_DATABASE_URL), migrated for real."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from werkzeug.security import generate_password_hash

from app import create_app
from app.extensions import db

PASSWORD = "correct horse battery staple"
_HASH = generate_password_hash(PASSWORD, method="scrypt")
CSRF_RE = re.compile(
    r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"'
)


def _database_url(tmp: Path) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    if os.environ.get("CI") == "true" and os.environ.get("TEST_REQUIRE_POSTGRES") == "1":
        pytest.fail("TEST_REQUIRE_POSTGRES=1 but TEST_DATABASE_URL is not set")
    return f"sqlite:///{tmp / 'test.db'}"


def _reset_postgres(app: Flask) -> None:
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))


ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session", autouse=True)
def _compiled_catalogs() -> None:
    """Compile the committed .po catalogs so every test sees the current translations."""
    from babel.messages.frontend import CommandLineInterface

    CommandLineInterface().run(["pybabel", "-q", "compile", "-d", str(ROOT / "translations")])


@pytest.fixture(scope="session")
def mt_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One MT folder per session: argostranslate reads its folders once per process."""
    return tmp_path_factory.mktemp("mt")


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory, mt_data_dir: Path) -> Iterator[Flask]:
    """One app per session; the schema comes from the real migrations."""
    from flask_migrate import upgrade

    tmp = tmp_path_factory.mktemp("instance")
    url = _database_url(tmp)
    application = create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp),
            "SQLALCHEMY_DATABASE_URI": url,
            "QUEUE_IMMEDIATE": True,
            "SECRET_KEY": "test-secret",
            "RATELIMIT_ENABLED": True,
            "LOGIN_RATE_LIMIT": "1000 per minute",
            "MT_DATA_DIR": str(mt_data_dir),
            # Nothing listens on the discard port: an --online install fails at once.
            "MT_ARGOS_INDEX_URL": "http://127.0.0.1:9/index.json",
            "MT_DOWNLOAD_TIMEOUT": 5,
        }
    )
    if url.startswith("postgresql"):
        _reset_postgres(application)
    with application.app_context():
        upgrade()
    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(autouse=True)
def _clean_tables(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every test starts from empty tables and an empty upload folder."""
    yield
    if "app" not in request.fixturenames:
        return
    app: Flask = request.getfixturevalue("app")
    with app.app_context():
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(db.metadata.sorted_tables):
                conn.execute(table.delete())
    uploads = Path(app.config["UPLOAD_FOLDER"])
    if uploads.exists():
        for f in sorted(uploads.rglob("*"), reverse=True):
            f.unlink() if f.is_file() else f.rmdir()


@pytest.fixture()
def ctx(app: Flask) -> Iterator[None]:
    """An app context for service-level tests."""
    with app.test_request_context():
        yield
        db.session.remove()


@pytest.fixture()
def city(app: Flask) -> dict[str, Any]:
    """Two departments and one user per role; ids by name."""
    from app.auth.models import Department, Role, User

    with app.app_context():
        housing = Department(slug="housing", name="Housing")
        water = Department(slug="water", name="Water")
        db.session.add_all([housing, water])
        db.session.flush()
        people = {
            "staff_housing": (Role.STAFF, housing.id),
            "staff_water": (Role.STAFF, water.id),
            "coordinator": (Role.COORDINATOR, None),
            "compliance": (Role.COMPLIANCE, None),
            "vendor": (Role.VENDOR, None),
            "admin": (Role.ADMIN, None),
        }
        ids: dict[str, Any] = {"housing": housing.id, "water": water.id}
        for key, (role, dept) in people.items():
            user = User(
                email=f"{key}@city.example",
                name=key.replace("_", " ").title(),
                password_hash=_HASH,
                role=role,
                department_id=dept,
            )
            db.session.add(user)
            db.session.flush()
            ids[key] = user.id
        db.session.commit()
    return ids


def csrf_from(html: str) -> str:
    """The CSRF token in a rendered form."""
    m = CSRF_RE.search(html)
    assert m, "no csrf_token in page"
    return m.group(1) or m.group(2)


def login(client: FlaskClient, who: str) -> None:
    """Sign in through the real login form."""
    page = client.get("/login")
    resp = client.post(
        "/login",
        data={
            "email": f"{who}@city.example",
            "password": PASSWORD,
            "csrf_token": csrf_from(page.text),
        },
    )
    assert resp.status_code == 302, resp.text


@pytest.fixture()
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture()
def as_user(app: Flask, city: dict[str, Any]) -> Any:
    """A factory: as_user('staff_housing') is a client signed in as that user."""

    def make(who: str) -> FlaskClient:
        c = app.test_client()
        login(c, who)
        return c

    return make
