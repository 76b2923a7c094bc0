"""The request/job state machine on the real database."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.audit import AuditEvent, AuditTrailIsAppendOnly
from app.auth.actor import Actor
from app.auth.models import Role
from app.extensions import db
from app.requests.models import (
    Channel,
    Job,
    JobStatus,
    Request,
    RequestKind,
    RequestStatus,
)
from app.requests.states import IllegalTransition, cancel_request_and_jobs, move_job

ACTOR = Actor(label="tester", role=Role.COORDINATOR, department_id=None)


@pytest.fixture()
def req(ctx, city):
    r = Request(
        kind=RequestKind.TRANSLATION,
        channel=Channel.WEB,
        status=RequestStatus.SUBMITTED,
        department_id=city["housing"],
        title="t",
        policy_version="x",
    )
    for code in ("es", "vi"):
        r.jobs.append(
            Job(
                language=code,
                status=JobStatus.NEW,
                due_date=date(2026, 12, 1),
                policy_due_date=date(2026, 12, 1),
            )
        )
    db.session.add(r)
    db.session.commit()
    return r


def _actions(request_id):
    return list(
        db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.request_id == request_id)
            .order_by(AuditEvent.id)
        )
    )


def test_illegal_job_transition_raises_and_changes_nothing(req):
    job = req.jobs[0]
    with pytest.raises(IllegalTransition, match="cannot go from new to delivered"):
        move_job(db.session, job, JobStatus.DELIVERED, ACTOR)
    db.session.rollback()
    assert db.session.get(Job, job.id).status == JobStatus.NEW
    assert _actions(req.id) == []


def test_cancelled_job_cannot_come_back(req):
    job = req.jobs[0]
    move_job(db.session, job, JobStatus.CANCELLED, ACTOR, "duplicate")
    db.session.commit()
    with pytest.raises(IllegalTransition):
        move_job(db.session, job, JobStatus.READY, ACTOR)


def test_each_transition_writes_its_audit_event_in_the_same_commit(req):
    job = req.jobs[0]
    move_job(db.session, job, JobStatus.READY, ACTOR)
    move_job(db.session, job, JobStatus.OFFERED, ACTOR)
    db.session.commit()
    assert _actions(req.id) == ["job.ready", "job.offered", "request.in_progress"]
    assert db.session.get(Request, req.id).status == RequestStatus.IN_PROGRESS
    assert job.assigned_at is not None


def test_rollback_drops_both_change_and_event(req):
    move_job(db.session, req.jobs[0], JobStatus.READY, ACTOR)
    db.session.rollback()
    assert db.session.get(Job, req.jobs[0].id).status == JobStatus.NEW
    assert _actions(req.id) == []


def test_request_completes_when_its_last_open_job_completes(req):
    es, vi = req.jobs
    for target in (
        JobStatus.READY,
        JobStatus.OFFERED,
        JobStatus.IN_PROGRESS,
        JobStatus.DELIVERED,
        JobStatus.COMPLETED,
    ):
        move_job(db.session, es, target, ACTOR)
    move_job(db.session, vi, JobStatus.CANCELLED, ACTOR, "not needed")
    db.session.commit()
    assert req.status == RequestStatus.COMPLETED
    move_job(db.session, es, JobStatus.IN_PROGRESS, ACTOR, "reopened")
    db.session.commit()
    assert req.status == RequestStatus.IN_PROGRESS


def test_cancelling_a_request_cancels_open_jobs_with_the_reason(req):
    cancel_request_and_jobs(db.session, req, ACTOR, "event postponed")
    db.session.commit()
    assert req.status == RequestStatus.CANCELLED
    assert {j.status for j in req.jobs} == {JobStatus.CANCELLED}
    ev = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "request.cancelled"))
    assert ev.after["reason"] == "event postponed"
    with pytest.raises(IllegalTransition):
        cancel_request_and_jobs(db.session, req, ACTOR, "again")


def test_audit_events_cannot_be_edited_or_deleted(req):
    move_job(db.session, req.jobs[0], JobStatus.READY, ACTOR)
    db.session.commit()
    ev = db.session.scalar(select(AuditEvent))
    ev.action = "forged"
    with pytest.raises(AuditTrailIsAppendOnly):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.scalar(select(AuditEvent)))
    with pytest.raises(AuditTrailIsAppendOnly):
        db.session.commit()
