"""The report facts on jobs follow the real state machine and services, on the real database."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import insert, select, text

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
from app.vendors.models import (
    Delivery,
    DeliveryFormat,
    Offer,
    OfferStatus,
    ReviewOutcome,
    Vendor,
)
from tests.integration.test_migrations import _fresh_app, _postgres_database

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


def _vendor_and_document() -> tuple[Vendor, Document]:
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
    return vendor, doc


def _delivery(job: Job, vendor: Vendor, doc: Document) -> Delivery:
    delivery = Delivery(
        job_id=job.id,
        vendor_id=vendor.id,
        number=1,
        format=DeliveryFormat.DOCUMENT,
        document_id=doc.id,
        due_date=DUE,
        on_time=True,
        glossary_passed=True,
        outcome=ReviewOutcome.PENDING,
    )
    db.session.add(delivery)
    db.session.commit()
    return delivery


def test_a_delivery_copies_its_jobs_department_and_language(req, city):
    _delivery(req.jobs[1], *_vendor_and_document())
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


# --- facts of a job's offers and deliveries (LINK_FACTS) ---------------------------------------


def _offer(job: Job, vendor: Vendor) -> Offer:
    offer = Offer(
        job_id=job.id,
        vendor_id=vendor.id,
        status=OfferStatus.PENDING,
        expires_at=LATE_EVENING + timedelta(days=2),
    )
    db.session.add(offer)
    db.session.commit()
    return offer


def _link_facts(job: Job) -> tuple[bool, int | None, bool]:
    found = _reloaded(job)
    return found.offer_accepted, found.assign_minutes, found.delivery_accepted


def test_an_accepted_offer_records_the_fill_and_the_minutes_to_the_first(req):
    vendor, _doc = _vendor_and_document()
    job = req.jobs[0]
    first, second = _offer(job, vendor), _offer(job, vendor)
    assert _link_facts(job) == (False, None, False)
    # accepted 90 minutes and 59.9 seconds after the submission: 90 whole minutes
    first.status, first.responded_at = (
        OfferStatus.ACCEPTED,
        LATE_EVENING + timedelta(minutes=90, seconds=59.9),
    )
    db.session.commit()
    assert _link_facts(job) == (True, 90, False)
    second.status, second.responded_at = OfferStatus.ACCEPTED, LATE_EVENING + timedelta(hours=5)
    db.session.commit()
    assert _link_facts(job) == (True, 90, False)  # the first acceptance counts
    first = db.session.get(Offer, first.id)
    first.status = OfferStatus.WITHDRAWN
    db.session.commit()
    assert _link_facts(job) == (True, 300, False)
    assert _link_facts(req.jobs[1]) == (False, None, False)  # the other job has no offer


def test_moving_the_submission_recounts_the_minutes_to_assign(req):
    vendor, _doc = _vendor_and_document()
    offer = _offer(req.jobs[0], vendor)
    offer.status, offer.responded_at = OfferStatus.ACCEPTED, LATE_EVENING + timedelta(hours=2)
    db.session.commit()
    found = db.session.get(Request, req.id)
    assert found is not None
    found.created_at = LATE_EVENING - timedelta(hours=1)
    db.session.commit()
    assert _link_facts(req.jobs[0])[1] == 180


def test_a_delivery_counts_while_the_department_has_accepted_it(req):
    job = req.jobs[1]
    delivery = _delivery(job, *_vendor_and_document())
    assert _link_facts(job) == (False, None, False)
    delivery.outcome = ReviewOutcome.ACCEPTED
    db.session.commit()
    assert _link_facts(job) == (False, None, True)
    delivery = db.session.get(Delivery, delivery.id)
    delivery.outcome = ReviewOutcome.RETURNED
    db.session.commit()
    assert _link_facts(job) == (False, None, False)


def test_reopening_and_cancelling_keep_the_offer_and_delivery_facts(req):
    """They are facts of the offers and deliveries; the report reads the status beside them."""
    vendor, _doc = _vendor_and_document()
    job = req.jobs[0]
    offer = _offer(job, vendor)
    offer.status, offer.responded_at = OfferStatus.ACCEPTED, LATE_EVENING + timedelta(hours=1)
    db.session.commit()
    _complete(job)
    move_job(db.session, job, JobStatus.IN_PROGRESS, ACTOR, "again")
    db.session.commit()
    assert _link_facts(job) == (True, 60, False)
    cancel_request_and_jobs(db.session, db.session.get(Request, req.id), ACTOR, "duplicate")
    db.session.commit()
    assert _link_facts(job) == (True, 60, False)
    assert _reloaded(job).status == JobStatus.CANCELLED


def _independent_link_facts(conn: Any) -> dict[int, tuple[bool, int | None, bool]]:
    """Each job's LINK_FACTS recomputed in Python from its offers and deliveries."""
    created = dict(conn.execute(text("SELECT id, created_at FROM requests")).all())
    jobs = conn.execute(text("SELECT id, request_id FROM jobs")).all()
    accepted: dict[int, list[datetime]] = {}
    for job_id, at in conn.execute(
        text("SELECT job_id, responded_at FROM offers WHERE status = 'accepted'")
    ):
        accepted.setdefault(job_id, []).append(_as_utc(at))
    reviewed = {
        j for (j,) in conn.execute(text("SELECT job_id FROM deliveries WHERE outcome = 'accepted'"))
    }
    facts = {}
    for job_id, request_id in jobs:
        times = accepted.get(job_id)
        wait = (
            (min(times) - _as_utc(created[request_id])) // timedelta(minutes=1) if times else None
        )
        facts[job_id] = (job_id in accepted, wait, job_id in reviewed)
    return facts


def _as_utc(value: Any) -> datetime:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _stored_link_facts(conn: Any) -> dict[int, tuple[bool, int | None, bool]]:
    rows = conn.execute(
        text("SELECT id, offer_accepted, assign_minutes, delivery_accepted FROM jobs")
    )
    return {i: (bool(o), m, bool(d)) for i, o, m, d in rows}


def _seed_before_link_facts(app: Flask) -> None:
    """Jobs with accepted, declined and no offers, and accepted, returned and no deliveries,
    written as the app did before these facts existed (schema at 8d0ffee00002)."""
    with app.app_context(), db.engine.begin() as conn:
        conn.execute(text("INSERT INTO departments (id, slug, name) VALUES (3, 'water', 'W')"))
        conn.execute(
            text(
                "INSERT INTO vendors (id, name, contact_name, contact_email, contact_phone, "
                "contract_number, capacity, active, notes, created_at) "
                "VALUES (1, 'V', '', '', '', '', 5, true, '', '2026-01-01')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO documents (id, sha256, original_name, media_type, extension, "
                "size_bytes, word_count, created_at) VALUES (1, 'x', 'd', 'x', 'txt', 1, 1, "
                "'2026-01-01')"
            )
        )
        submitted = LATE_EVENING
        conn.execute(
            insert(_table("requests")),
            [
                {
                    "id": n,
                    "kind": "interpretation",
                    "channel": "web",
                    "status": "in_progress",
                    "department_id": 3,
                    "title": "t",
                    "notes": "",
                    "source_language": "en",
                    "vital": False,
                    "policy_version": "x",
                    "created_at": submitted,
                    "updated_at": submitted,
                }
                for n in (1, 2, 3, 4)
            ],
        )
        conn.execute(
            insert(_table("jobs")),
            [
                {
                    "id": n,
                    "request_id": n,
                    "language": "es",
                    "status": "in_progress",
                    "due_date": DUE,
                    "policy_due_date": DUE,
                    "created_at": submitted,
                    "updated_at": submitted,
                }
                for n in (1, 2, 3, 4)
            ],
        )
        offers = [  # (job, status, responded after the submission)
            (1, "accepted", timedelta(minutes=42, seconds=30)),
            (1, "accepted", timedelta(hours=3)),
            (2, "declined", timedelta(minutes=5)),
            (3, "expired", None),
        ]
        conn.execute(
            insert(_table("offers")),
            [
                {
                    "job_id": job,
                    "vendor_id": 1,
                    "status": status,
                    "automatic": False,
                    "created_at": submitted,
                    "expires_at": submitted + timedelta(days=1),
                    "responded_at": submitted + after if after else None,
                    "reason": "",
                }
                for job, status, after in offers
            ],
        )
        conn.execute(
            insert(_table("deliveries")),
            [
                {
                    "job_id": job,
                    "vendor_id": 1,
                    "number": number,
                    "format": "document",
                    "document_id": 1,
                    "segments": "{}",
                    "delivered_at": submitted,
                    "due_date": DUE,
                    "on_time": True,
                    "findings": "[]",
                    "glossary_passed": True,
                    "outcome": outcome,
                    "review_comment": "",
                }
                for job, number, outcome in (
                    (2, 1, "returned"),
                    (2, 2, "accepted"),
                    (4, 1, "pending"),
                )
            ],
        )


def _table(name: str) -> Any:
    """A table as the database has it now (the models may be ahead of the revision)."""
    from sqlalchemy import MetaData, Table

    return Table(name, MetaData(), autoload_with=db.engine)


def _check_link_backfill(app: Flask) -> None:
    from flask_migrate import upgrade

    with app.app_context():
        upgrade(revision="8d0ffee00002")
    _seed_before_link_facts(app)
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            stored = _stored_link_facts(conn)
            assert stored == _independent_link_facts(conn)
        assert stored == {
            1: (True, 42, False),
            2: (False, None, True),
            3: (False, None, False),
            4: (False, None, False),
        }
        db.session.remove()
        db.engine.dispose()


def test_sqlite_backfill_of_offer_and_delivery_facts(tmp_path):
    _check_link_backfill(_fresh_app(f"sqlite:///{tmp_path / 'links.db'}", tmp_path))


def test_postgres_backfill_of_offer_and_delivery_facts(tmp_path):
    with _postgres_database("la_link_facts_check") as url:
        _check_link_backfill(_fresh_app(url, tmp_path))
