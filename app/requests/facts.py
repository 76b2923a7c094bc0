"""Per-job report facts, derived from the job and its request at every flush.

The compliance report counts jobs by their department, kind and channel (the request's, which
never change), by city-local days (submitted, completed, closed) and by turnaround in business
days. Storing these on the job lets the report read one index range per figure instead of
joining requests and converting every timestamp in SQL. One session listener derives them from
the job's own state whoever changed it (the state machine in states.py, the services that create
jobs, a test or a script), so they cannot drift from status, completed_at and cancelled_at;
jobs inserted with a Core INSERT (no unit of work) get theirs before the transaction commits.
A delivery copies its job's department and language the same way.

Turnaround is counted once, when the job completes, by the policy calendar then in force; like
the job's cost, it is not recounted when the calendar changes later.

Facts of a job's offers and deliveries (LINK_FACTS: a vendor accepted an offer, the minutes to
the first acceptance, the department accepted a delivery) are recounted in SQL by
link_facts_update(), the same statement the migration's backfill runs, after every flush that
added or changed an offer or a delivery (or moved a request's submission time).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays
from flask import Flask
from sqlalchemy import (
    Connection,
    Engine,
    Insert,
    Update,
    and_,
    event,
    exists,
    func,
    inspect,
    select,
    union,
    update,
)
from sqlalchemy.orm import Session, joinedload

from app.audit import utcnow
from app.policy import BusinessCalendar, Policy, get_policy
from app.reports.sqlexpr import minutes_between
from app.requests.models import Job, JobStatus, Request
from app.vendors.models import Delivery, Offer, OfferStatus, ReviewOutcome

#: Request attributes a job copies or counts from.
REQUEST_FACTS = ("department_id", "kind", "channel", "created_at")
#: The facts on jobs, as columns.
JOB_FACTS = (
    "department_id",
    "kind",
    "channel",
    "submitted_on",
    "completed_on",
    "closed_on",
    "turnaround_business_days",
)
#: The facts on jobs recounted from their offers and deliveries (link_facts_update).
LINK_FACTS = ("offer_accepted", "assign_minutes", "delivery_accepted")
#: Set on a connection's info when it inserted jobs outside the unit of work.
_INSERTED = "report_facts_jobs_inserted"
#: The session's info key: ids of jobs whose LINK_FACTS the flush in progress may change.
_LINKED = "report_facts_linked_jobs"


def local_day(moment: datetime | None, zone: ZoneInfo) -> date | None:
    """The city-local day of a UTC instant (a naive one is taken as UTC, as stored)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone).date()


def business_ordinals(calendar: BusinessCalendar, first: date, last: date) -> dict[date, int]:
    """Per day from `first` to `last`, the business days after `first` up to it.

    The difference of two days' ordinals is BusinessCalendar.business_days_between of them,
    with each year's holidays looked up once: for filling many jobs at a time.
    """
    years: dict[int, Any] = {}
    ordinal, running, day = {}, 0, first
    while day <= last:
        if day != first and day.weekday() < 5 and day not in calendar.city_holidays:
            if day.year not in years:
                years[day.year] = holidays.country_holidays(
                    calendar.country, subdiv=calendar.subdivision, years=day.year
                )
            running += day not in years[day.year]
        ordinal[day] = running
        day += timedelta(days=1)
    return ordinal


def closed_at(job: Job) -> datetime | None:
    """When the job left the open states, by its current status (a reopened job is open)."""
    if job.status == JobStatus.COMPLETED:
        return job.completed_at
    if job.status == JobStatus.CANCELLED:
        return job.cancelled_at
    return None


def refresh_job_facts(job: Job, req: Request, policy: Policy) -> None:
    """Set the job's report facts from its state and its request's."""
    zone = policy.calendar.timezone
    job.department_id = req.department_id
    job.kind = req.kind
    job.channel = req.channel
    job.submitted_on = local_day(req.created_at, zone)
    completed = local_day(job.completed_at, zone) if job.status == JobStatus.COMPLETED else None
    if completed is None:
        job.turnaround_business_days = None
    elif completed != job.completed_on or job.turnaround_business_days is None:
        assert job.submitted_on is not None
        job.turnaround_business_days = policy.calendar.business_days_between(
            job.submitted_on, completed
        )
    job.completed_on = completed
    job.closed_on = local_day(closed_at(job), zone)


def _changed(obj: Any, names: tuple[str, ...]) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _before_flush(session: Session, _context: Any, _instances: Any) -> None:
    """Bring the facts of every new or changed job (or changed request's jobs), and of every
    new delivery, up to date."""
    pending = [*session.new, *session.dirty]
    jobs: dict[int, Job] = {}
    for obj in pending:
        if isinstance(obj, Request):
            if obj.created_at is None:
                obj.created_at = utcnow()  # the column's default, taken now so jobs can count by it
            if obj in session.dirty and _changed(obj, REQUEST_FACTS):
                jobs.update((id(j), j) for j in obj.jobs)
        elif isinstance(obj, Job):
            jobs[id(obj)] = obj
    deliveries = [d for d in session.new if isinstance(d, Delivery)]
    with session.no_autoflush:
        if jobs:
            policy = get_policy()
            for job in jobs.values():
                req = job.request
                if req is None and job.request_id is not None:
                    req = session.get(Request, job.request_id)
                if req is not None:
                    refresh_job_facts(job, req, policy)
        for delivery in deliveries:  # after the jobs: a delivery copies its job's facts
            owner = delivery.job or session.get(Job, delivery.job_id)
            if owner is not None:
                delivery.department_id, delivery.language = owner.department_id, owner.language


def link_facts_update(dialect: str, job_ids: Any = None) -> Update:
    """An UPDATE setting LINK_FACTS of the jobs `job_ids` (ids, or a subquery of them; None:
    every job) from their offers and deliveries as stored now."""
    jobs = Job.__table__
    accepted = and_(Offer.job_id == jobs.c.id, Offer.status == OfferStatus.ACCEPTED)
    first = select(func.min(Offer.responded_at)).where(accepted).scalar_subquery()
    submitted = select(Request.created_at).where(Request.id == jobs.c.request_id)
    stmt = update(jobs).values(
        offer_accepted=exists().where(accepted),
        assign_minutes=minutes_between(dialect, submitted.scalar_subquery(), first),
        delivery_accepted=exists().where(
            Delivery.job_id == jobs.c.id, Delivery.outcome == ReviewOutcome.ACCEPTED
        ),
    )
    return stmt if job_ids is None else stmt.where(jobs.c.id.in_(job_ids))


def fill_link_facts(conn: Connection) -> None:
    """LINK_FACTS of every job with an offer or a delivery, set-based (the migration's
    backfill, the demo data); jobs without either keep the columns' defaults."""
    linked = union(select(Offer.job_id), select(Delivery.job_id))
    conn.execute(link_facts_update(conn.dialect.name, linked))


def _note_linked_jobs(session: Session, _context: Any) -> None:
    """After a flush wrote them: the jobs of every offer and delivery it added, changed or
    deleted, and of every request whose submission time it changed."""
    ids: set[int] = session.info.setdefault(_LINKED, set())
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Offer | Delivery):
            ids.update(i for i in (obj.job_id, *_old_values(obj, "job_id")) if i is not None)
        elif isinstance(obj, Request) and obj in session.dirty and _changed(obj, ("created_at",)):
            ids.update(j.id for j in obj.jobs if j.id is not None)


def _old_values(obj: Any, name: str) -> tuple[Any, ...]:
    return tuple(inspect(obj).attrs[name].history.deleted or ())


def _recount_linked_jobs(session: Session, _context: Any) -> None:
    """Recount LINK_FACTS of the noted jobs in SQL, and let their loaded objects reload them."""
    ids = session.info.pop(_LINKED, None)
    if not ids:
        return
    conn = session.connection()
    conn.execute(link_facts_update(conn.dialect.name, sorted(ids)))
    for job_id in ids:
        loaded = session.identity_map.get(session.identity_key(Job, job_id))
        if loaded is not None:
            session.expire(loaded, list(LINK_FACTS))


def _note_job_inserts(
    conn: Connection, clause: Any, multiparams: Any, params: Any, execution_options: Any
) -> None:
    """Mark a connection that inserted jobs without their facts (no department given).

    The unit of work's inserts carry them (the flush listener set them), and so do
    requests.services.insert_submission's, which the SMS webhook runs inside its write lock:
    neither needs the look-up before the commit.
    """
    if isinstance(clause, Insert) and clause.table is Job.__table__:
        rows = multiparams or [params or {}]
        if any(not isinstance(row, dict) or row.get("department_id") is None for row in rows):
            conn.info[_INSERTED] = True


def _fill_inserted_jobs(session: Session) -> None:
    """Before a commit: facts for jobs a Core INSERT made (requests.services.insert_submission).

    They are the only jobs without a department; the index on department_id finds them.
    """
    conn = session.connection()
    if not conn.info.pop(_INSERTED, False):
        return
    stmt = select(Job).where(Job.department_id.is_(None)).options(joinedload(Job.request))
    found = session.scalars(stmt).all()
    if found:
        policy = get_policy()
        for job in found:
            refresh_job_facts(job, job.request, policy)


def init_facts(app: Flask) -> None:
    """Listen to every session and engine (once per process, whatever the number of apps)."""
    for target, name, listener in (
        (Session, "before_flush", _before_flush),
        (Session, "before_commit", _fill_inserted_jobs),
        (Session, "after_flush", _note_linked_jobs),
        (Session, "after_flush_postexec", _recount_linked_jobs),
        (Engine, "before_execute", _note_job_inserts),
    ):
        if not event.contains(target, name, listener):
            event.listen(target, name, listener)
