"""The one state machine for requests and jobs; every transition writes its audit event."""

from __future__ import annotations

from typing import Any

from app.audit import AnySession, record_event, utcnow
from app.requests.models import Job, JobStatus, Request, RequestStatus

J, R = JobStatus, RequestStatus

JOB_TRANSITIONS: dict[JobStatus, frozenset[JobStatus]] = {
    J.NEW: frozenset({J.DRAFTING, J.READY, J.OFFERED, J.CANCELLED}),
    J.DRAFTING: frozenset({J.READY, J.CANCELLED}),
    J.READY: frozenset({J.OFFERED, J.CANCELLED}),
    J.OFFERED: frozenset({J.IN_PROGRESS, J.READY, J.CANCELLED}),
    J.IN_PROGRESS: frozenset({J.DELIVERED, J.ON_HOLD, J.CANCELLED}),
    J.ON_HOLD: frozenset({J.IN_PROGRESS, J.CANCELLED}),
    J.DELIVERED: frozenset({J.COMPLETED, J.IN_PROGRESS, J.CANCELLED}),
    J.COMPLETED: frozenset({J.IN_PROGRESS}),  # reopened
    J.CANCELLED: frozenset(),
}

REQUEST_TRANSITIONS: dict[RequestStatus, frozenset[RequestStatus]] = {
    R.SUBMITTED: frozenset({R.IN_PROGRESS, R.COMPLETED, R.CANCELLED}),
    R.IN_PROGRESS: frozenset({R.COMPLETED, R.CANCELLED}),
    R.COMPLETED: frozenset({R.IN_PROGRESS}),  # reopened
    R.CANCELLED: frozenset(),
}

OPEN_JOB_STATUSES = frozenset(JobStatus) - {J.COMPLETED, J.CANCELLED}
#: Once a job reaches one of these, a vendor is involved and the request is in progress.
WORKING_JOB_STATUSES = OPEN_JOB_STATUSES - {J.NEW, J.DRAFTING, J.READY}

_JOB_TIMESTAMPS = {
    J.OFFERED: "assigned_at",
    J.DELIVERED: "delivered_at",
    J.COMPLETED: "completed_at",
    J.CANCELLED: "cancelled_at",
}


class IllegalTransition(ValueError):
    """A request or job was asked to move to a status it cannot reach from where it is."""

    def __init__(self, entity: str, entity_id: int, current: str, target: str) -> None:
        super().__init__(f"{entity} {entity_id} cannot go from {current} to {target}")
        self.entity, self.current, self.target = entity, current, target


def move_job(
    session: AnySession, job: Job, target: JobStatus, actor: Any, reason: str | None = None
) -> None:
    """Move a job to `target`, record it, and bring its request's status along."""
    current = job.status
    if target not in JOB_TRANSITIONS[current]:
        raise IllegalTransition("job", job.id, current.value, target.value)
    job.status = target
    if target in _JOB_TIMESTAMPS:
        setattr(job, _JOB_TIMESTAMPS[target], utcnow())
    after: dict[str, Any] = {"status": target.value, "language": job.language}
    if reason:
        after["reason"] = reason
    record_event(
        session,
        actor=actor,
        action=f"job.{target.value}",
        entity_type="job",
        entity_id=job.id,
        request_id=job.request_id,
        before={"status": current.value},
        after=after,
    )
    _follow_jobs(session, job.request, actor)


def move_request(
    session: AnySession, req: Request, target: RequestStatus, actor: Any, reason: str | None = None
) -> None:
    """Move a request to `target` and record it."""
    current = req.status
    if target == current:
        return
    if target not in REQUEST_TRANSITIONS[current]:
        raise IllegalTransition("request", req.id, current.value, target.value)
    req.status = target
    after: dict[str, Any] = {"status": target.value}
    if reason:
        after["reason"] = reason
    record_event(
        session,
        actor=actor,
        action=f"request.{target.value}",
        entity_type="request",
        entity_id=req.id,
        request_id=req.id,
        before={"status": current.value},
        after=after,
    )


def cancel_request_and_jobs(session: AnySession, req: Request, actor: Any, reason: str) -> None:
    """Cancel a request and every job of it that is still open."""
    if RequestStatus.CANCELLED not in REQUEST_TRANSITIONS[req.status]:
        raise IllegalTransition("request", req.id, req.status.value, "cancelled")
    move_request(session, req, RequestStatus.CANCELLED, actor, reason)
    for job in req.jobs:
        if job.status in OPEN_JOB_STATUSES:
            move_job(session, job, JobStatus.CANCELLED, actor, reason)


def _follow_jobs(session: AnySession, req: Request, actor: Any) -> None:
    """Derive the request's status from its jobs after a job moved."""
    if req.status == RequestStatus.CANCELLED:
        return
    statuses = {j.status for j in req.jobs}
    if statuses == {J.CANCELLED}:
        move_request(session, req, RequestStatus.CANCELLED, actor)
    elif statuses <= {J.COMPLETED, J.CANCELLED} and J.COMPLETED in statuses:
        move_request(session, req, RequestStatus.COMPLETED, actor)
    elif statuses & WORKING_JOB_STATUSES or (
        req.status == RequestStatus.COMPLETED and statuses & OPEN_JOB_STATUSES
    ):
        move_request(session, req, RequestStatus.IN_PROGRESS, actor)
