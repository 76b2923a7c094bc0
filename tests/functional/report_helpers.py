"""A known set of requests, jobs, offers and deliveries for the report tests, and plain sums.

Every figure the tests assert is recomputed here from the same plain list of jobs (SEED), with
the policy calendar's own business_days_between, never with the report's SQL.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from app.auth.models import Department
from app.extensions import db
from app.requests.models import (
    Channel,
    Document,
    InterpretationMode,
    Job,
    JobStatus,
    LanguageMethod,
    Request,
    RequestKind,
    RequestStatus,
)
from app.vendors.models import Delivery, DeliveryFormat, Offer, OfferStatus, ReviewOutcome, Vendor

NY = ZoneInfo("America/New_York")
START, END = date(2026, 3, 16), date(2026, 4, 10)  # Good Friday, 2026-04-03, is an NC holiday
RESIDENT_NAME = "Maria Residentova"
RESIDENT_PHONE = "+17045550199"
FORMULA_TITLE = '=HYPERLINK("http://evil.example","click")'


def local(y: int, m: int, d: int, hh: int = 10, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=NY).astimezone(UTC)


@dataclass
class J:
    """One job as the tests think of it."""

    key: str
    dept: str
    kind: str
    language: str
    submitted: datetime
    status: str
    due: date
    completed: datetime | None = None
    cancelled: datetime | None = None
    vendor: str | None = None
    cost: str | None = None
    minutes: int | None = None
    vital: bool = False
    channel: str = "web"
    method: str | None = None
    title: str = "Notice"
    accepted_at: datetime | None = None  # interpretation: when a vendor accepted
    deliveries: list[tuple[bool, str, datetime]] = field(default_factory=list)  # passed, outcome


SEED: list[J] = [
    J(
        "t1",
        "housing",
        "translation",
        "es",
        local(2026, 3, 16),
        "completed",
        date(2026, 3, 23),
        completed=local(2026, 3, 20, 15),
        vendor="Acme",
        cost="100.00",
        title=FORMULA_TITLE,
        deliveries=[(True, "accepted", local(2026, 3, 20, 14))],
    ),
    J(
        "t2",
        "housing",
        "translation",
        "es",
        local(2026, 3, 17, 9),
        "completed",
        date(2026, 3, 24),
        completed=local(2026, 3, 27, 16),
        vendor="Acme",
        cost="150.50",
        deliveries=[
            (False, "returned", local(2026, 3, 25)),
            (True, "accepted", local(2026, 3, 27)),
        ],
    ),
    # reopened: COMPLETED -> IN_PROGRESS -> COMPLETED; the last completion counts
    J(
        "t3",
        "housing",
        "translation",
        "vi",
        local(2026, 3, 18),
        "completed",
        date(2026, 3, 25),
        completed=local(2026, 3, 26, 12),
        vendor="+Plus",
        cost="80.00",
        deliveries=[(True, "accepted", local(2026, 3, 26, 11))],
    ),
    # completed on a holiday (Good Friday)
    J(
        "t4",
        "housing",
        "translation",
        "vi",
        local(2026, 3, 30),
        "completed",
        date(2026, 4, 6),
        completed=local(2026, 4, 3, 11),
        vendor="+Plus",
        cost="90.00",
        deliveries=[(True, "accepted", local(2026, 4, 3, 10))],
    ),
    J(
        "t5",
        "housing",
        "translation",
        "fr",
        local(2026, 3, 19),
        "cancelled",
        date(2026, 3, 26),
        cancelled=local(2026, 3, 20),
    ),
    J(
        "t6",
        "housing",
        "translation",
        "fr",
        local(2026, 3, 20),
        "in_progress",
        date(2026, 4, 1),
        vendor="Acme",
    ),
    J("t7", "housing", "translation", "fr", local(2026, 4, 8), "offered", date(2026, 4, 15)),
    # submitted before the period, completed in it at 23:30 local (the next day in UTC)
    J(
        "t8",
        "housing",
        "translation",
        "es",
        local(2026, 3, 10),
        "completed",
        date(2026, 3, 17),
        completed=local(2026, 3, 17, 23, 30),
        vendor="Acme",
        cost="50.00",
        channel="api",
    ),
    # submitted in the period, completed after it: open at the end, not yet due
    J(
        "t9",
        "housing",
        "translation",
        "es",
        local(2026, 4, 9),
        "completed",
        date(2026, 4, 14),
        completed=local(2026, 4, 11),
        vendor="Acme",
        cost="40.00",
    ),
    # completed before the period: in nothing but the roll-up's history
    J(
        "t10",
        "housing",
        "translation",
        "es",
        local(2026, 3, 2),
        "completed",
        date(2026, 3, 9),
        completed=local(2026, 3, 13),
        vendor="Acme",
        cost="30.00",
    ),
    J(
        "w1",
        "water",
        "translation",
        "es",
        local(2026, 3, 16),
        "completed",
        date(2026, 3, 20),
        completed=local(2026, 3, 18),
        vendor="Acme",
        cost="60.00",
    ),
    J(
        "w2",
        "water",
        "translation",
        "ar",
        local(2026, 3, 16),
        "in_progress",
        date(2026, 3, 20),
        vendor="Acme",
    ),
    # a vital document: es done; vi completed with no accepted delivery (a machine draft only);
    # fr requested; ar cancelled; the other languages never requested
    J(
        "v-es",
        "housing",
        "translation",
        "es",
        local(2026, 3, 16, 11),
        "completed",
        date(2026, 3, 23),
        completed=local(2026, 3, 19),
        vendor="Acme",
        cost="70.00",
        vital=True,
        title="Eviction rights notice",
        deliveries=[(True, "accepted", local(2026, 3, 19, 9))],
    ),
    J(
        "v-vi",
        "housing",
        "translation",
        "vi",
        local(2026, 3, 16, 11),
        "completed",
        date(2026, 3, 23),
        completed=local(2026, 3, 19),
        vital=True,
        title="Eviction rights notice",
    ),
    J(
        "v-fr",
        "housing",
        "translation",
        "fr",
        local(2026, 3, 16, 11),
        "in_progress",
        date(2026, 3, 23),
        vendor="Acme",
        vital=True,
        title="Eviction rights notice",
    ),
    J(
        "v-ar",
        "housing",
        "translation",
        "ar",
        local(2026, 3, 16, 11),
        "cancelled",
        date(2026, 3, 23),
        cancelled=local(2026, 3, 17),
        vital=True,
        title="Eviction rights notice",
    ),
    J(
        "i1",
        "housing",
        "interpretation",
        "es",
        local(2026, 3, 16, 9),
        "completed",
        date(2026, 3, 20),
        completed=local(2026, 3, 20, 16),
        vendor="Callers",
        cost="67.50",
        minutes=45,
        channel="sms",
        method="keyword",
        accepted_at=local(2026, 3, 16, 11, 30),
    ),
    J("i2", "housing", "interpretation", "vi", local(2026, 3, 17), "offered", date(2026, 3, 24)),
    J(
        "i3",
        "housing",
        "interpretation",
        "es",
        local(2026, 3, 17),
        "cancelled",
        date(2026, 3, 24),
        cancelled=local(2026, 3, 18),
    ),
    J(
        "i4",
        "housing",
        "interpretation",
        "es",
        local(2026, 3, 17),
        "in_progress",
        date(2026, 3, 19),
        vendor="Callers",
        channel="sms",
        method="menu",
        accepted_at=local(2026, 3, 18),
    ),
]


def seed(city: dict[str, Any]) -> dict[str, int]:
    """Insert SEED; returns vendor ids by name."""
    vendors = {n: Vendor(name=n) for n in ("Acme", "+Plus", "Callers")}
    db.session.add_all(vendors.values())
    doc = Document(
        sha256="0" * 64,
        original_name="d.docx",
        media_type="x",
        extension="docx",
        size_bytes=1,
        word_count=10,
    )
    db.session.add(doc)
    db.session.flush()
    requests: dict[tuple[str, str], Request] = {}
    for n, j in enumerate(SEED):
        group = (j.title, j.dept) if j.vital else (j.key, j.dept)
        req = requests.get(group)
        if req is None:
            req = Request(
                number=f"LA-2026-{n + 1:06d}",
                kind=RequestKind(j.kind),
                channel=Channel(j.channel),
                status=RequestStatus.IN_PROGRESS,
                department_id=city[j.dept],
                title=j.title,
                vital=j.vital,
                policy_version="2026.1",
                created_at=j.submitted,
                language_method=LanguageMethod(j.method) if j.method else None,
            )
            if j.kind == "interpretation":
                req.mode = InterpretationMode.PHONE
                req.starts_at = local(j.due.year, j.due.month, j.due.day, 14)
                req.duration_minutes = 30
                req.resident_name = RESIDENT_NAME
                req.resident_phone = RESIDENT_PHONE
            db.session.add(req)
            db.session.flush()
            requests[group] = req
        vendor = vendors[j.vendor] if j.vendor else None
        job = Job(
            request_id=req.id,
            language=j.language,
            status=JobStatus(j.status),
            due_date=j.due,
            policy_due_date=j.due,
            vendor_id=vendor.id if vendor else None,
            cost=Decimal(j.cost) if j.cost else None,
            minutes_billed=j.minutes,
            created_at=j.submitted,
            completed_at=j.completed,
            cancelled_at=j.cancelled,
        )
        db.session.add(job)
        db.session.flush()
        if j.accepted_at is not None and vendor is not None:
            db.session.add(
                Offer(
                    job_id=job.id,
                    vendor_id=vendor.id,
                    status=OfferStatus.ACCEPTED,
                    created_at=j.submitted,
                    expires_at=j.accepted_at,
                    responded_at=j.accepted_at,
                )
            )
        if j.key == "i2":
            db.session.add(
                Offer(
                    job_id=job.id,
                    vendor_id=vendors["Callers"].id,
                    status=OfferStatus.PENDING,
                    created_at=j.submitted,
                    expires_at=j.submitted,
                )
            )
        for number, (passed, outcome, reviewed) in enumerate(j.deliveries, start=1):
            assert vendor is not None
            db.session.add(
                Delivery(
                    job_id=job.id,
                    vendor_id=vendor.id,
                    number=number,
                    format=DeliveryFormat.DOCUMENT,
                    document_id=doc.id,
                    delivered_at=reviewed,
                    due_date=j.due,
                    on_time=True,
                    glossary_passed=passed,
                    outcome=ReviewOutcome(outcome),
                    reviewed_at=reviewed,
                )
            )
    db.session.commit()
    return {name: v.id for name, v in vendors.items()}


# --- the plain computations ----------------------------------------------------------------


def local_day(moment: datetime) -> date:
    return moment.astimezone(NY).date()


def in_period(moment: datetime | None) -> bool:
    return moment is not None and START <= local_day(moment) <= END


def open_at_end(j: J) -> bool:
    if local_day(j.submitted) > END:
        return False
    if j.status == "completed" and j.completed and local_day(j.completed) <= END:
        return False
    return not (j.status == "cancelled" and j.cancelled and local_day(j.cancelled) <= END)


def measured(j: J) -> bool:
    done = j.status == "completed" and in_period(j.completed)
    return j.kind == "translation" and (done or (open_at_end(j) and j.due < END))


def on_time(j: J) -> bool:
    return (
        j.status == "completed"
        and in_period(j.completed)
        and j.completed is not None
        and local_day(j.completed) <= j.due
    )


def nearest_rank(values: list[float], pct: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(pct / 100 * len(ordered))) - 1]


def dept_jobs(dept: str | None = "housing") -> list[J]:
    return [j for j in SEED if dept is None or j.dept == dept]


def row(table: Any, first: str) -> list[Any]:
    """The row whose first cell reads `first`."""
    for r in table.rows:
        if r[0].text == first:
            return r
    raise AssertionError(f"no row {first!r} in {table.key}: {[r[0].text for r in table.rows]}")


def department_id(slug: str) -> int:
    from sqlalchemy import select

    found = db.session.scalar(select(Department.id).where(Department.slug == slug))
    assert found is not None
    return found
