"""The background queue (Huey): a SQLite file by default, Redis when FLASK_QUEUE_URL says so."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Flask, current_app
from huey import Huey, RedisHuey, SqliteHuey, crontab
from sqlalchemy import select

from app.extensions import db

log = logging.getLogger(__name__)


def request_submitted(request_id: int) -> None:
    """Tell the coordinator a request arrived (console notifier; no resident data is logged)."""
    from app.requests.models import Request

    req = db.session.scalar(select(Request).where(Request.id == request_id))
    if req is None:  # deleted since: nothing to say, and safe to run twice
        return
    log.info(
        "new %s request %s from %s: %d job(s), languages %s",
        req.kind.value,
        req.number,
        req.department.slug,
        len(req.jobs),
        ",".join(j.language for j in req.jobs),
    )
    from app.mt.pipeline import plan_drafts

    for language in plan_drafts(request_id):
        enqueue("draft_language", language)
    enqueue("auto_assign")


def draft_language(language: str) -> None:
    """Draft every queued job of one language, in batches shared across jobs."""
    from app.mt.pipeline import draft_language as run

    count = run(language)
    if count:
        log.info("drafted %d job(s) into %s", count, language)
        enqueue("auto_assign")


def vendor_clock() -> None:
    """Lapse unanswered offers, auto-assign, remind vendors and escalate late jobs."""
    from app.vendors.reminders import run_clock

    result = run_clock()
    if any((result.expired, result.offered, result.reminded, result.escalated)):
        log.info(
            "vendor clock: %d offer(s) lapsed, %d offered, %d reminder(s), %d escalation(s)",
            result.expired,
            result.offered,
            result.reminded,
            result.escalated,
        )


def auto_assign() -> None:
    """Offer ready jobs in auto-assigned languages to their best vendor."""
    from app.vendors.routing import auto_assign as run

    run()


def recover_drafts() -> None:
    """Re-queue drafts left running by a worker that died, or whose task was lost."""
    from app.mt.pipeline import recover_drafts as run

    for language in run():
        enqueue("draft_language", language)


def send_sms(message_id: int) -> None:
    """Send one queued text to a resident (retried by the queue when the provider fails)."""
    from app.sms.outbound import send_text

    send_text(message_id)


def requeue_sms() -> None:
    """Queue again texts whose send task was lost; give up on those tried too often."""
    from app.sms.outbound import requeue_stuck_texts

    for message_id in requeue_stuck_texts():
        enqueue("send_sms", message_id)


#: Task functions by name. They take ids, open their own session, and are safe to run twice.
TASKS: dict[str, Callable[..., Any]] = {
    "request_submitted": request_submitted,
    "draft_language": draft_language,
    "auto_assign": auto_assign,
    "send_sms": send_sms,
}
#: Periodic tasks: name -> (crontab, function).
PERIODIC: dict[str, tuple[Any, Callable[..., Any]]] = {
    "recover_drafts": (crontab(minute="*"), recover_drafts),
    "vendor_clock": (crontab(minute="*/5"), vendor_clock),
    "requeue_sms": (crontab(minute="*/5"), requeue_sms),
}


def _in_app_context(app: Flask, fn: Callable[..., Any]) -> Callable[..., Any]:
    def run(*args: Any, **kwargs: Any) -> Any:
        with app.app_context():
            try:
                return fn(*args, **kwargs)
            finally:
                db.session.remove()

    run.__name__ = fn.__name__
    run.__doc__ = fn.__doc__
    return run


def init_queue(app: Flask) -> None:
    """Create the app's Huey instance and register the tasks on it."""
    url = app.config["QUEUE_URL"]
    immediate = bool(app.config["QUEUE_IMMEDIATE"])
    huey: Huey
    if url.startswith(("redis://", "rediss://", "unix://")):
        huey = RedisHuey("language-access", url=url, immediate=immediate)
    elif url:
        raise ValueError(f"FLASK_QUEUE_URL must be empty or a redis:// URL, not {url!r}")
    else:
        huey = SqliteHuey(
            "language-access",
            filename=str(Path(app.instance_path) / "queue.db"),
            immediate=immediate,
        )
    tasks = {
        name: huey.task(name=name, retries=3, retry_delay=10)(_in_app_context(app, fn))
        for name, fn in TASKS.items()
    }
    for name, (schedule, fn) in PERIODIC.items():
        tasks[name] = huey.periodic_task(schedule, name=name)(_in_app_context(app, fn))
    app.extensions["queue"] = huey
    app.extensions["queue_tasks"] = tasks


def enqueue(name: str, *args: Any) -> None:
    """Queue a task by name for the worker."""
    current_app.extensions["queue_tasks"][name](*args)
