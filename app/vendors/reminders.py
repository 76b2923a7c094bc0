"""The periodic clock: lapse old offers, auto-assign, remind vendors, escalate overdue jobs."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.audit import record_event, utcnow
from app.auth.models import Role, User
from app.extensions import db
from app.notify import NoticeFailed, send_notice
from app.policy import get_policy
from app.requests.models import Job, JobStatus
from app.vendors import clock
from app.vendors.models import Reminder, ReminderKind, Vendor
from app.vendors.routing import ROUTER, auto_assign, expire_offers

log = logging.getLogger(__name__)

#: Jobs the vendor is working on: the ones a due-date reminder is about.
WORKING = (JobStatus.IN_PROGRESS,)
#: Jobs that can be late: anything not handed in, finished or cancelled.
LATE_CAN_BE = (
    JobStatus.NEW,
    JobStatus.READY,
    JobStatus.OFFERED,
    JobStatus.IN_PROGRESS,
    JobStatus.ON_HOLD,
)


@dataclass(frozen=True)
class ClockRun:
    """What one run of the clock did."""

    expired: int
    offered: int
    reminded: int
    escalated: int


def _vendor_addresses(vendor: Vendor) -> list[str]:
    users = db.session.scalars(
        select(User.email).where(User.vendor_id == vendor.id, User.active.is_(True))
    ).all()
    return [vendor.contact_email, *users]


def _coordinator_addresses() -> list[str]:
    return list(
        db.session.scalars(
            select(User.email).where(User.role == Role.COORDINATOR, User.active.is_(True))
        )
    )


def _send_once(job: Job, kind: ReminderKind, due: date, to: list[str], subject: str) -> bool:
    """Claim the reminder's row, send it, and keep the row only if it went; True when sent.

    The unique key (job, kind, due date) makes a second worker's claim fail, so each reminder
    goes once; a failed send is rolled back and tried again on the next run.
    """
    body = (
        f"{subject}\n\nRequest {job.request.number}, language {job.language}, "
        f"due {due.isoformat()}.\n"
    )
    try:
        with db.session.begin_nested():
            db.session.add(
                Reminder(job_id=job.id, kind=kind, due_date=due, recipients=", ".join(sorted(to)))
            )
            db.session.flush()
            send_notice(to, subject, body)
            record_event(
                db.session,
                actor=ROUTER,
                action=f"reminder.{kind.value}",
                entity_type="job",
                entity_id=job.id,
                request_id=job.request_id,
                after={"language": job.language, "due_date": due.isoformat()},
            )
    except IntegrityError:
        return False  # sent before, or by another worker just now
    except NoticeFailed as exc:
        log.warning("reminder for job %s not sent, will retry: %s", job.id, exc)
        return False
    db.session.commit()
    return True


def send_reminders(now: datetime | None = None) -> tuple[int, int]:
    """Remind vendors of due dates coming up, and tell the coordinator of late jobs."""
    policy = get_policy()
    now = now or utcnow()
    today = now.astimezone(policy.calendar.timezone).date()
    reminded = escalated = 0
    working = db.session.scalars(
        select(Job).where(Job.status.in_(WORKING), Job.vendor_due_date.is_not(None))
    ).all()
    for job in working:
        assert job.vendor_due_date is not None and job.vendor is not None  # noqa: S101
        if clock.remind_on(policy, job.vendor_due_date) <= today <= job.vendor_due_date:
            subject = f"Reminder: {job.request.number} ({job.language}) is due soon"
            reminded += _send_once(
                job,
                ReminderKind.DUE_SOON,
                job.vendor_due_date,
                _vendor_addresses(job.vendor),
                subject,
            )
    late = db.session.scalars(select(Job).where(Job.status.in_(LATE_CAN_BE))).all()
    for job in late:
        due = job.vendor_due_date or job.due_date
        if job.status == JobStatus.ON_HOLD or due >= today:
            continue
        subject = f"Overdue: {job.request.number} ({job.language}) was due {due.isoformat()}"
        escalated += _send_once(job, ReminderKind.OVERDUE, due, _coordinator_addresses(), subject)
    return reminded, escalated


def run_clock(now: datetime | None = None) -> ClockRun:
    """Everything the clock does, in order; safe to run twice or in two workers at once."""
    expired = expire_offers(now)
    offered = auto_assign(now)
    reminded, escalated = send_reminders(now)
    return ClockRun(expired=expired, offered=offered, reminded=reminded, escalated=escalated)
