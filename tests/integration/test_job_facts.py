"""The report facts on jobs follow the real state machine and services, on the real database."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import insert, select

from app.auth.actor import Actor
from app.auth.models import Role
from app.extensions import db
from app.policy import get_policy
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
from app.requests.services import insert_submission, request_values
from app.requests.states import cancel_request_and_jobs, move_job
from app.vendors.models import Delivery, DeliveryFormat, ReviewOutcome, Vendor

ACTOR = Actor(label="tester", role=Role.COORDINATOR, department_id=None)
TO_COMPLETED = [
    JobStatus.READY,
    JobStatus.OFFERED,
    JobStatus.IN_PROGRESS,
    JobStatus.DELIVERED,
    JobStatus.COMPLETED,
]
# 23:30 in New York on 2026-03-16 is already 03:30 on 2026-03-17 in UTC.
LATE_EVENING = datetime(2026, 3, 17, 3, 30, tzinfo=UTC)
DUE, LANGS = date(2026, 12, 1), ("es", "vi")


@pytest.fixture()
def req(ctx, city):
    r = Request(
        kind=RequestKind.TRANSLATION,
        channel=Channel.API,
        status=RequestStatus.SUBMITTED,
        department_id=city["water"],
        title="t",
        policy_version="x",
        created_at=LATE_EVENING,
    )
    r.jobs = [
        Job(language=c, status=JobStatus.NEW, due_date=DUE, policy_due_date=DUE) for c in LANGS
    ]
    db.session.add(r)
    db.session.commit()
    return r


def _complete(job: Job) -> None:
    for target in TO_COMPLETED:
        move_job(db.session, job, target, ACTOR)
    db.session.commit()


def _reloaded(job: Job) -> Job:
    db.session.expire_all()
    found = db.session.get(Job, job.id)
    assert found is not None
    return found


def test_new_jobs_copy_the_request_and_its_local_submission_day(req, city):
    job = _reloaded(req.jobs[0])
    assert (job.department_id, job.kind, job.channel) == (
        city["water"],
        RequestKind.TRANSLATION,
        Channel.API,
    )
    assert job.submitted_on == date(2026, 3, 16)  # the city's day, not UTC's
    assert (job.completed_on, job.closed_on, job.turnaround_business_days) == (None, None, None)


def test_completion_records_the_day_and_the_business_days(req):
    _complete(req.jobs[0])
    job = _reloaded(req.jobs[0])
    zone = get_policy().calendar.timezone
    done = local_day(job.completed_at, zone)
    assert job.completed_on == done and job.closed_on == done
    assert job.turnaround_business_days == get_policy().calendar.business_days_between(
        date(2026, 3, 16), done
    )


def test_reopening_clears_the_completion_and_completing_again_records_it(req):
    _complete(req.jobs[0])
    move_job(db.session, req.jobs[0], JobStatus.IN_PROGRESS, ACTOR, "client asked again")
    db.session.commit()
    job = _reloaded(req.jobs[0])
    assert job.completed_at is not None  # the old timestamp stays; the job is open again
    assert (job.completed_on, job.closed_on, job.turnaround_business_days) == (None, None, None)
    move_job(db.session, job, JobStatus.DELIVERED, ACTOR)
    move_job(db.session, job, JobStatus.COMPLETED, ACTOR)
    db.session.commit()
    job = _reloaded(job)
    assert job.completed_on == local_day(job.completed_at, get_policy().calendar.timezone)
    assert job.turnaround_business_days is not None


def test_cancellation_closes_without_a_completion(req):
    cancel_request_and_jobs(db.session, req, ACTOR, "duplicate")
    db.session.commit()
    for job in (_reloaded(j) for j in req.jobs):
        assert job.closed_on == local_day(job.cancelled_at, get_policy().calendar.timezone)
        assert (job.completed_on, job.turnaround_business_days) == (None, None)


def test_a_delivery_copies_its_jobs_department_and_language(req, city):
    vendor = Vendor(name="Acme")
    doc = Document(
        sha256="1" * 64,
        original_name="d.docx",
        media_type="x",
        extension="docx",
        size_bytes=1,
        word_count=1,
    )
    db.session.add_all([vendor, doc])
    db.session.flush()
    job = req.jobs[1]
    db.session.add(
        Delivery(
            job_id=job.id,
            vendor_id=vendor.id,
            number=1,
            format=DeliveryFormat.DOCUMENT,
            document_id=doc.id,
            due_date=date(2026, 12, 1),
            on_time=True,
            glossary_passed=True,
            outcome=ReviewOutcome.PENDING,
        )
    )
    db.session.commit()
    delivery = db.session.scalars(select(Delivery)).one()
    assert (delivery.department_id, delivery.language) == (city["water"], "vi")


def test_jobs_inserted_by_insert_submission_carry_their_facts(ctx, city):
    """The SMS path inserts requests and jobs with Core statements (insert_submission)."""
    staff = Actor(label="staff", role=Role.STAFF, department_id=city["housing"])
    values = request_values(staff, Channel.SMS, RequestKind.INTERPRETATION, "call", "")
    due = date(2026, 12, 1)
    job = {"language": "es", "status": JobStatus.NEW, "due_date": due, "policy_due_date": due}
    request_id, _number = insert_submission(staff, values, [job])
    db.session.commit()
    found = db.session.scalars(select(Job).where(Job.request_id == request_id)).one()
    created = db.session.get(Request, request_id)
    assert created is not None
    assert (found.department_id, found.kind, found.channel) == (
        city["housing"],
        RequestKind.INTERPRETATION,
        Channel.SMS,
    )
    assert found.submitted_on == local_day(created.created_at, get_policy().calendar.timezone)


def test_jobs_inserted_without_their_facts_get_them_at_commit(req):
    """Any other Core INSERT of a job, without the facts, is completed before the commit."""
    due = date(2026, 12, 1)
    row = {
        "request_id": req.id,
        "language": "fr",
        "status": JobStatus.NEW,
        "due_date": due,
        "policy_due_date": due,
    }
    db.session.execute(insert(Job.__table__), row)
    db.session.commit()
    found = db.session.scalars(select(Job).where(Job.language == "fr")).one()
    assert (found.department_id, found.kind, found.channel) == (
        req.department_id,
        req.kind,
        req.channel,
    )
    assert found.submitted_on == local_day(req.created_at, get_policy().calendar.timezone)
