"""Request services: submit, cancel, list and read requests. Each owns its transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from flask import current_app
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select, bindparam, false, insert, select, update
from sqlalchemy.orm import selectinload

from app.audit import AuditEvent, insert_events, record_event, utcnow
from app.auth.actor import Actor
from app.extensions import db
from app.policy import get_policy
from app.requests import documents
from app.requests.facts import local_day
from app.requests.models import (
    Channel,
    Document,
    Job,
    JobStatus,
    Request,
    RequestKind,
    RequestStatus,
)
from app.requests.states import cancel_request_and_jobs
from app.requests.validation import (
    InterpretationInput,
    TranslationInput,
    check_interpretation,
    check_translation,
)


class RequestNotFound(LookupError):
    """No such request, or not one this actor may see (the two are not told apart)."""


class NotAllowed(PermissionError):
    """The actor may see the request but not do this to it."""


@dataclass(frozen=True)
class RequestFilters:
    """Filters for the request lists."""

    status: str | None = None
    language: str | None = None
    kind: str | None = None
    department_id: int | None = None


def request_number(created_at: datetime, request_id: int) -> str:
    """A request's reference, as residents and staff quote it: LA-2026-000123."""
    return f"LA-{created_at.year}-{request_id:06d}"


def request_values(
    actor: Actor, channel: Channel, kind: RequestKind, title: str, notes: str
) -> dict[str, Any]:
    """The columns every new request starts with, for the submitting actor."""
    if actor.department_id is None:
        raise NotAllowed("only a department's staff or API token can submit requests")
    return {
        "kind": kind,
        "channel": channel,
        "status": RequestStatus.SUBMITTED,
        "department_id": actor.department_id,
        "requester_id": actor.user_id,
        "api_token_id": actor.api_token_id,
        "title": title.strip(),
        "notes": notes.strip(),
        "policy_version": get_policy().version,
    }


def new_request(
    actor: Actor, channel: Channel, kind: RequestKind, title: str, notes: str
) -> Request:
    return Request(**request_values(actor, channel, kind, title, notes))


@dataclass(frozen=True)
class NewJob:
    """A job of a new request as its audit event records it."""

    id: int
    language: str
    status: JobStatus
    due_date: date


def submission_events(
    request_id: int, number: str, values: dict[str, Any], jobs: list[NewJob]
) -> list[dict[str, Any]]:
    """The audit events of a new request (record_event's keywords): the request, each job."""
    events: list[dict[str, Any]] = [
        {
            "action": "request.submitted",
            "entity_type": "request",
            "entity_id": request_id,
            "request_id": request_id,
            "after": {
                "number": number,
                "kind": values["kind"].value,
                "channel": values["channel"].value,
                "languages": [j.language for j in jobs],
                "vital": bool(values.get("vital")),
            },
        }
    ]
    for job in jobs:
        events.append(
            {
                "action": "job.created",
                "entity_type": "job",
                "entity_id": job.id,
                "request_id": request_id,
                "after": {
                    "language": job.language,
                    "status": job.status.value,
                    "due_date": job.due_date.isoformat(),
                },
            }
        )
    return events


def record_submission(req: Request, actor: Actor) -> None:
    """Number the request and write its audit events (after the flush gave ids)."""
    db.session.flush()
    req.number = request_number(req.created_at, req.id)
    jobs = [NewJob(j.id, j.language, j.status, j.due_date) for j in req.jobs]
    values = {"kind": req.kind, "channel": req.channel, "vital": req.vital}
    for event in submission_events(req.id, req.number, values, jobs):
        record_event(db.session, actor=actor, **event)


#: Written once: Core statements are compiled once and cached (no unit of work per call).
_INSERT_REQUEST = insert(Request.__table__).returning(Request.__table__.c.id)
_NUMBER_REQUEST = (
    update(Request.__table__)
    .where(Request.__table__.c.id == bindparam("request_id"))
    .values(number=bindparam("number"))
)
_INSERT_JOBS = insert(Job.__table__).returning(Job.__table__.c.id, sort_by_parameter_order=True)


def insert_submission(
    actor: Actor, values: dict[str, Any], jobs: list[dict[str, Any]]
) -> tuple[int, str]:
    """Insert a new request, its jobs and its audit events in four statements; (id, number).

    The same rows as new_request() + record_submission() make, without building ORM objects
    and their unit of work: for the SMS webhook, whose transaction holds SQLite's single write
    lock while it runs. The caller's transaction commits them.
    """
    now = utcnow()
    row = {**values, "created_at": now, "updated_at": now}
    request_id = int(db.session.execute(_INSERT_REQUEST, row).scalar_one())
    number = request_number(now, request_id)
    db.session.execute(_NUMBER_REQUEST, {"request_id": request_id, "number": number})
    # The report facts (app.requests.facts) a new job starts with, so no fix-up is needed later.
    facts = {
        "department_id": values["department_id"],
        "kind": values["kind"],
        "channel": values["channel"],
        "submitted_on": local_day(now, get_policy().calendar.timezone),
    }
    job_rows = [
        {**j, **facts, "request_id": request_id, "created_at": now, "updated_at": now} for j in jobs
    ]
    ids = db.session.execute(_INSERT_JOBS, job_rows).scalars().all()
    new_jobs = [
        NewJob(int(i), j["language"], j["status"], j["due_date"])
        for i, j in zip(ids, jobs, strict=True)
    ]
    insert_events(db.session, actor, submission_events(request_id, number, values, new_jobs))
    return request_id, number


def enqueue_submitted(request_id: int) -> None:
    from app.tasks import enqueue

    enqueue("request_submitted", request_id)


def submit_translation_request(data: TranslationInput, actor: Actor, channel: Channel) -> Request:
    """Check, store the document, create one job per language, and commit with audit events."""
    policy = get_policy()
    today = policy.calendar.today()
    languages = check_translation(data, policy, today)
    if data.file_name or data.file_data:
        inspected = documents.inspect_document(
            data.file_name or "", data.file_data or b"", current_app.config["MAX_UPLOAD_BYTES"]
        )
    else:
        inspected = documents.inspect_document(
            "pasted-text.txt",
            (data.text or "").encode("utf-8"),
            current_app.config["MAX_UPLOAD_BYTES"],
        )
    folder = current_app.config["UPLOAD_FOLDER"]
    created_file = documents.store_bytes(folder, inspected)
    try:
        doc = Document(
            sha256=inspected.sha256,
            original_name=inspected.original_name,
            media_type=inspected.media_type,
            extension=inspected.extension,
            size_bytes=len(inspected.data),
            word_count=inspected.word_count,
        )
        req = new_request(actor, channel, RequestKind.TRANSLATION, data.title, data.notes)
        req.vital = data.vital
        req.audience = data.audience or None  # type: ignore[assignment]
        req.document = doc
        req.requested_due_date = data.due_date
        for code in languages:
            policy_due = policy.translation_due(today, code, inspected.word_count)
            due = max(policy_due, data.due_date) if data.due_date else policy_due
            req.jobs.append(
                Job(language=code, status=JobStatus.NEW, due_date=due, policy_due_date=policy_due)
            )
        req.policy_due_date = max(j.policy_due_date for j in req.jobs)
        db.session.add(req)
        record_submission(req, actor)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        if created_file:
            documents.remove_stored(folder, inspected.sha256)
        raise
    enqueue_submitted(req.id)
    return req


def submit_interpretation_request(
    data: InterpretationInput, actor: Actor, channel: Channel
) -> Request:
    """Check and create an interpretation request with its one job, and commit with audit events."""
    policy = get_policy()
    tz = policy.calendar.timezone
    now_local = datetime.now(tz).replace(tzinfo=None)
    mode, phone = check_interpretation(data, policy, now_local)
    assert data.starts_at is not None and data.duration_minutes is not None  # noqa: S101 (checked)
    starts_at = data.starts_at.replace(tzinfo=tz)
    try:
        req = new_request(actor, channel, RequestKind.INTERPRETATION, data.title, data.notes)
        req.mode = mode
        req.starts_at = starts_at
        req.duration_minutes = data.duration_minutes
        req.location = data.location.strip() or None
        req.resident_name = data.resident_name.strip() or None
        req.resident_phone = phone
        req.requested_due_date = starts_at.date()
        req.policy_due_date = starts_at.date()
        req.jobs.append(
            Job(
                language=data.language,
                status=JobStatus.NEW,
                due_date=starts_at.date(),
                policy_due_date=starts_at.date(),
            )
        )
        db.session.add(req)
        record_submission(req, actor)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    enqueue_submitted(req.id)
    return req


def cancel_request(request_id: int, actor: Actor, reason: str) -> Request:
    """Cancel a request and its open jobs (its department's staff, or the coordinator)."""
    req = get_request(actor, request_id)
    if actor.role.value == "compliance":
        raise NotAllowed("the compliance role is read-only")
    try:
        cancel_request_and_jobs(db.session, req, actor, reason.strip())
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return req


def visible_requests(actor: Actor, filters: RequestFilters) -> Select[tuple[Request]]:
    """The requests this actor may see, filtered, newest first."""
    stmt = select(Request).options(selectinload(Request.jobs), selectinload(Request.department))
    if not actor.citywide:
        if actor.department_id is None:
            return stmt.where(false())  # vendors see jobs, not requests
        stmt = stmt.where(Request.department_id == actor.department_id)
    elif filters.department_id:
        stmt = stmt.where(Request.department_id == filters.department_id)
    if filters.status:
        stmt = stmt.where(Request.status == filters.status)
    if filters.kind:
        stmt = stmt.where(Request.kind == filters.kind)
    if filters.language:
        stmt = stmt.where(
            Request.id.in_(select(Job.request_id).where(Job.language == filters.language))
        )
    return stmt.order_by(Request.created_at.desc(), Request.id.desc())


def list_requests(actor: Actor, filters: RequestFilters, page: int, per_page: int) -> Pagination:
    """One page of the requests this actor may see."""
    return db.paginate(
        visible_requests(actor, filters),
        page=page,
        per_page=per_page,
        max_per_page=100,
        error_out=False,
    )


def get_request(actor: Actor, request_id: int) -> Request:
    """A request this actor may see, or RequestNotFound."""
    req = db.session.get(Request, request_id)
    if req is None or not actor.can_see_department(req.department_id):
        raise RequestNotFound(request_id)
    return req


def get_request_by_number(actor: Actor, number: str) -> Request:
    """A request by its public number (LA-2026-000123), or RequestNotFound."""
    req = db.session.scalar(select(Request).where(Request.number == number.upper()))
    if req is None or not actor.can_see_department(req.department_id):
        raise RequestNotFound(number)
    return req


def request_timeline(req: Request) -> list[AuditEvent]:
    """The request's audit events, oldest first."""
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.request_id == req.id)
            .order_by(AuditEvent.created_at, AuditEvent.id)
        )
    )
