"""The background queue: submitting a request runs the notify task, which logs no resident data."""

from __future__ import annotations

import logging

from flask import Flask
from huey import RedisHuey, SqliteHuey

from app import create_app
from tests.functional.helpers import interpretation_day


def test_submission_notifies_the_coordinator_without_pii(app, as_user, caplog):
    from tests.conftest import csrf_from

    client = as_user("staff_housing")
    page = client.get("/requests/new/interpretation")
    day = interpretation_day(app)
    with caplog.at_level(logging.INFO, logger="app.tasks"):
        resp = client.post(
            "/requests/new/interpretation",
            data={
                "csrf_token": csrf_from(page.text),
                "title": "Hearing",
                "language": "es",
                "mode": "in_person",
                "start_date": day.isoformat(),
                "start_time": "10:00",
                "duration_minutes": "60",
                "location": "City Hall",
                "resident_name": "Rosa Diaz",
                "resident_phone": "704-555-0123",
            },
        )
    assert resp.status_code == 302
    messages = [r.getMessage() for r in caplog.records if r.name == "app.tasks"]
    assert any("new interpretation request LA-" in m and "housing" in m for m in messages)
    assert not any("555" in m or "Rosa" in m for m in messages)


def test_task_for_a_missing_request_does_nothing(app):
    with app.app_context():
        app.extensions["queue_tasks"]["request_submitted"](999_999)  # must not raise


def test_default_queue_is_a_sqlite_file_in_the_instance(tmp_path):
    app: Flask = create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'a.db'}",
        }
    )
    huey = app.extensions["queue"]
    assert isinstance(huey, SqliteHuey)
    assert huey.storage.filename == str(tmp_path / "queue.db")


def test_redis_url_selects_the_redis_queue(tmp_path):
    app = create_app(
        {
            "INSTANCE_PATH": str(tmp_path),
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'a.db'}",
            "QUEUE_URL": "redis://127.0.0.1:6379/15",
        }
    )
    assert isinstance(app.extensions["queue"], RedisHuey)


def test_worker_runs_queued_task_from_the_sqlite_file(tmp_path, caplog):
    """Enqueue with one app, execute as the worker does (dequeue + execute) with another."""
    from flask_migrate import upgrade

    config = {
        "INSTANCE_PATH": str(tmp_path),
        "SECRET_KEY": "x",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'w.db'}",
    }
    web = create_app(config)
    with web.app_context():
        upgrade()
        web.extensions["queue_tasks"]["request_submitted"](42)
    worker = create_app(config)
    huey = worker.extensions["queue"]
    assert huey.pending_count() == 1
    task = huey.dequeue()
    assert task.name == "request_submitted" and task.args == (42,)
    huey.execute(task)
    assert huey.pending_count() == 0
