"""The database out of reach: a clear 503 with Retry-After, and nothing half-written left behind."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from app import create_app
from app.extensions import db
from tests.conftest import csrf_from
from tests.functional.helpers import NOTHING, stored_counts


@pytest.fixture()
def cut_off_app(tmp_path):
    """An app whose database server is not there at all (nothing listens on port 1)."""
    return create_app(
        {
            "TESTING": True,
            "INSTANCE_PATH": str(tmp_path),
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://postgres@127.0.0.1:1/test",
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 2}},
            "SECRET_KEY": "test",
            "QUEUE_IMMEDIATE": True,
        }
    )


def test_the_api_says_503_with_retry_after_when_the_database_is_down(cut_off_app):
    client = cut_off_app.test_client()
    resp = client.get("/api/v1/requests", headers={"Authorization": "Bearer whatever"})
    assert resp.status_code == 503
    assert resp.headers["Retry-After"] == "5"
    assert resp.json["error"] == "unavailable"


def test_sign_in_says_503_in_the_readers_language_when_the_database_is_down(cut_off_app):
    client = cut_off_app.test_client()
    token = csrf_from(client.get("/login").text)
    resp = client.post(
        "/login",
        data={"email": "a@city.example", "password": "x", "csrf_token": token},
        headers={"Accept-Language": "es"},
    )
    # The login limiter may ask for longer; never less than our 5 seconds.
    assert resp.status_code == 503 and int(resp.headers["Retry-After"]) >= 5
    assert 'lang="es"' in resp.text and 'role="alert"' in resp.text


@contextmanager
def connection_lost_on(app, statement_start: str) -> Iterator[None]:
    """Make the database connection drop when a statement starting with `statement_start` runs."""

    def drop(conn, cursor, statement, parameters, context, executemany):  # noqa: ARG001
        if statement.lstrip().upper().startswith(statement_start):
            raise OperationalError(statement, parameters, Exception("server closed the connection"))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", drop)
    try:
        yield
    finally:
        event.remove(engine, "before_cursor_execute", drop)


def test_a_connection_lost_mid_upload_leaves_no_row_and_no_file(app, as_user):
    client = as_user("staff_housing")

    def submit():
        page = client.get("/requests/new/translation")
        return client.post(
            "/requests/new/translation",
            data={
                "title": "Notice",
                "languages": ["es"],
                "audience": "public",
                "document": (io.BytesIO(b"Your water will be shut off on Monday."), "notice.txt"),
                "csrf_token": csrf_from(page.text),
            },
            content_type="multipart/form-data",
        )

    counts = stored_counts(app)
    with connection_lost_on(app, "INSERT INTO JOBS"):
        resp = submit()
    assert resp.status_code == 503 and resp.headers["Retry-After"] == "5"
    assert stored_counts(app) == counts == {**NOTHING}
    # Once the database is back, the same submission goes through.
    assert submit().status_code == 302
    assert stored_counts(app)["requests"] == 1


def test_other_database_errors_stay_server_errors(app, as_user):
    client = as_user("coordinator")

    def broken(conn, cursor, statement, parameters, context, executemany):  # noqa: ARG001
        if statement.lstrip().upper().startswith("SELECT") and "requests" in statement:
            raise OperationalError(statement, parameters, Exception("no such column: nope"))

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", broken)
    try:
        app.config["PROPAGATE_EXCEPTIONS"] = False
        resp = client.get("/")
    finally:
        app.config["PROPAGATE_EXCEPTIONS"] = None
        event.remove(engine, "before_cursor_execute", broken)
    assert resp.status_code == 500


def test_a_full_disk_during_upload_is_a_clear_error_and_leaves_no_partial_file(
    app, as_user, monkeypatch
):
    import errno
    import os

    from app.requests import documents

    def disk_full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    client = as_user("staff_housing")
    page = client.get("/requests/new/translation")
    monkeypatch.setattr(documents.os, "fsync", disk_full)  # the write fails as the disk fills
    resp = client.post(
        "/requests/new/translation",
        data={
            "title": "Notice",
            "languages": ["es"],
            "audience": "public",
            "document": (io.BytesIO(b"Your water will be shut off on Monday."), "notice.txt"),
            "csrf_token": csrf_from(page.text),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 507
    assert "The server has no room to store this file right now. Nothing was saved." in resp.text
    assert stored_counts(app) == {**NOTHING}
    uploads = app.config["UPLOAD_FOLDER"]
    leftovers = [name for _d, _s, files in os.walk(uploads) for name in files]
    assert leftovers == []  # not even a half-written temporary file
