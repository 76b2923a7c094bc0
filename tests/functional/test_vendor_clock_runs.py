"""The periodic clock: reminders once, escalations once, e-mail over real SMTP, auto-assignment."""

from __future__ import annotations

import dataclasses
import logging
import socket
import threading
from datetime import UTC, datetime, time, timedelta

import pytest
import time_machine
from aiosmtpd.controller import Controller
from sqlalchemy import func, select

from app.audit import AuditEvent
from app.extensions import db
from app.policy import get_policy
from app.requests.models import JobStatus
from app.vendors.clock import remind_on
from app.vendors.models import Offer, Reminder, ReminderKind
from app.vendors.reminders import run_clock
from app.vendors.routing import ROUTER, offer_job
from app.vendors.work import respond_to_offer
from tests.functional import vendor_helpers as vh


def _working_job(app, city) -> int:
    """A translation job Lingo accepted today; its id."""
    from app.auth.actor import Actor
    from app.auth.models import User

    lingo = vh.add_vendor("Lingo")
    vh.link_vendor_user(city["vendor"], lingo)
    job_id = vh.translation_job(city["staff_housing"])
    offer_job(vh.job(job_id), lingo, ROUTER, automatic=True)
    db.session.commit()
    respond_to_offer(job_id, Actor.for_user(db.session.get(User, city["vendor"])), True)
    return job_id


def _noon(day) -> datetime:
    return datetime.combine(day, time(12), tzinfo=get_policy().calendar.timezone)


def _notices(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "app.notify"]


def test_the_vendor_is_reminded_once_and_the_coordinator_told_once_when_late(
    app, city, ctx, caplog
):
    caplog.set_level(logging.INFO, logger="app.notify")
    job_id = _working_job(app, city)
    due = vh.job(job_id).vendor_due_date
    policy = get_policy()
    remind_day = remind_on(policy, due)
    with time_machine.travel(_noon(remind_day) - timedelta(days=1)):
        assert run_clock().reminded == 0
    with time_machine.travel(_noon(remind_day)):
        first, second = run_clock(), run_clock()  # two worker runs
    assert (first.reminded, second.reminded) == (1, 0)
    sent = _notices(caplog)
    assert len(sent) == 1
    assert "vendor@city.example" in sent[0] and "office@lingo.example" in sent[0]
    with time_machine.travel(_noon(due + timedelta(days=1))):
        late = [run_clock() for _ in range(3)]
    assert [r.escalated for r in late] == [1, 0, 0]
    escalations = _notices(caplog)[1:]
    assert len(escalations) == 1 and "coordinator@city.example" in escalations[0]
    assert "Overdue" in escalations[0]
    kinds = db.session.scalars(select(Reminder.kind).order_by(Reminder.id)).all()
    assert kinds == [ReminderKind.DUE_SOON, ReminderKind.OVERDUE]
    events = db.session.scalars(
        select(AuditEvent.action)
        .where(AuditEvent.action.like("reminder.%"))
        .order_by(AuditEvent.id)
    ).all()
    assert events == ["reminder.due_soon", "reminder.overdue"]


def test_two_workers_racing_send_each_reminder_once(app, city, ctx, caplog):
    caplog.set_level(logging.INFO, logger="app.notify")
    job_id = _working_job(app, city)
    due = vh.job(job_id).vendor_due_date
    results: list[int] = []
    barrier = threading.Barrier(2)

    def worker() -> None:
        with app.app_context():
            barrier.wait()
            try:
                results.append(run_clock().reminded)
            finally:
                db.session.remove()

    with time_machine.travel(_noon(due)):
        threads = [threading.Thread(target=worker) for _ in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
    assert sorted(results) == [0, 1]
    assert db.session.scalar(select(func.count()).select_from(Reminder)) == 1
    assert len(_notices(caplog)) == 1


class _Inbox:
    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 OK"


class _FailingInbox(_Inbox):
    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        return "451 Try again later"


@pytest.fixture()
def smtp(app):
    inbox = _Inbox()
    with socket.socket() as probe:  # a free loopback port (aiosmtpd cannot take port 0)
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    saved = {k: app.config[k] for k in ("SMTP_HOST", "SMTP_PORT", "SMTP_STARTTLS")}
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, SMTP_STARTTLS=False)
    yield controller, inbox
    app.config.update(saved)
    controller.stop()


def test_reminders_go_by_email_when_smtp_is_configured(app, city, ctx, smtp):
    controller, inbox = smtp
    job_id = _working_job(app, city)
    due = vh.job(job_id).vendor_due_date
    controller.handler = failing = _FailingInbox()
    with time_machine.travel(_noon(due)):
        assert run_clock().reminded == 0  # the server refused: kept for the next run
    assert db.session.scalar(select(func.count()).select_from(Reminder)) == 0
    controller.handler = inbox
    with time_machine.travel(_noon(due)):
        assert run_clock().reminded == 1
        assert run_clock().reminded == 0
    assert failing.messages == []
    assert len(inbox.messages) == 1
    recipients, content = inbox.messages[0]
    assert sorted(recipients) == ["office@lingo.example", "vendor@city.example"]
    assert b"Subject: Reminder:" in content and vh.job(job_id).request.number.encode() in content


def test_paused_and_delivered_jobs_are_not_escalated(app, city, ctx, caplog):
    caplog.set_level(logging.INFO, logger="app.notify")
    job_id = _working_job(app, city)
    job = vh.job(job_id)
    due = job.vendor_due_date
    job.status = JobStatus.ON_HOLD
    db.session.commit()
    with time_machine.travel(_noon(due + timedelta(days=3))):
        assert run_clock().escalated == 0


def test_auto_assignment_offers_ready_jobs_to_the_best_vendor(app, city, ctx):
    policy = app.extensions["policy"]
    app.extensions["policy"] = dataclasses.replace(
        policy, auto_assign_languages=frozenset({vh.LANGUAGE})
    )
    try:
        cheap = vh.add_vendor("Cheap", rate="0.10")
        vh.add_vendor("Dear", rate="0.30")
        job_id = vh.translation_job(city["staff_housing"])  # the queue runs inline in tests
        job = vh.job(job_id)
        assert job.status == JobStatus.OFFERED and job.vendor_id == cheap
        offer = db.session.scalar(select(Offer).where(Offer.job_id == job_id))
        assert offer.automatic
        # Lapsed: the clock takes it back and offers it to the next vendor.
        with time_machine.travel(datetime.now(UTC) + timedelta(hours=25)):
            result = run_clock()
        assert (result.expired, result.offered) == (1, 1)
        assert vh.vendor_named("Dear").id == vh.job(job_id).vendor_id
    finally:
        app.extensions["policy"] = policy
