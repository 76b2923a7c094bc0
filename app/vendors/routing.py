"""Routing jobs to vendors: ranked candidates, offers, expiry, and automatic assignment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.audit import record_event, utcnow
from app.auth.actor import Actor
from app.auth.models import Role
from app.extensions import db
from app.policy import Policy, get_policy
from app.requests.models import Job, JobStatus
from app.requests.states import IllegalTransition, move_job
from app.validation import ValidationFailed
from app.vendors import clock
from app.vendors.models import Offer, OfferStatus, Vendor, VendorService
from app.vendors.registry import require_curator

#: Jobs a vendor holds: they count against its capacity.
HELD_STATUSES = (JobStatus.OFFERED, JobStatus.IN_PROGRESS, JobStatus.ON_HOLD, JobStatus.DELIVERED)
#: Jobs that can be offered to a vendor.
OFFERABLE = (JobStatus.NEW, JobStatus.READY)
#: Who offers jobs automatically and lets lapsed offers go, in the audit trail.
ROUTER = Actor(label="router", role=Role.ADMIN, department_id=None)


class JobNotFound(LookupError):
    """No such job, or not one this actor may see."""


@dataclass(frozen=True)
class Candidate:
    """A vendor that covers a job's language and service, with what the ranking weighs."""

    vendor: Vendor
    terms: VendorService
    on_time_rate: float | None  # over the policy's history window; None: no finished jobs
    finished: int
    open_load: int
    estimated_cost: Decimal | None
    declined: bool  # declined or let lapse an offer of this very job

    @property
    def full(self) -> bool:
        """Whether the vendor already holds as many jobs as its capacity."""
        return self.open_load >= self.vendor.capacity

    def rank_key(self) -> tuple[bool, bool, float, float, Decimal, str]:
        """Best first: free capacity, not declined, on time, light load, cheap, then by name."""
        # Smoothed, so one job on time does not outrank a long steady record.
        smoothed = ((self.on_time_rate or 0) * self.finished + 1) / (self.finished + 2)
        load = self.open_load / max(1, self.vendor.capacity)
        cost = self.estimated_cost if self.estimated_cost is not None else Decimal("1e9")
        return (self.full, self.declined, -smoothed, load, cost, self.vendor.name.lower())


def on_time_rates(policy: Policy, now: datetime) -> dict[int, tuple[int, int]]:
    """Per vendor, (jobs finished on time, jobs finished) in the policy's history window."""
    since = now - timedelta(days=policy.history_days)
    rows = db.session.execute(
        select(Job.vendor_id, Job.on_time, func.count())
        .where(Job.completed_at >= since, Job.vendor_id.is_not(None), Job.on_time.is_not(None))
        .group_by(Job.vendor_id, Job.on_time)
    )
    rates: dict[int, tuple[int, int]] = {}
    for vendor_id, on_time, count in rows:
        good, total = rates.get(vendor_id, (0, 0))
        rates[vendor_id] = (good + (count if on_time else 0), total + count)
    return rates


def open_loads() -> dict[int, int]:
    """Per vendor, how many jobs it holds now."""
    rows = db.session.execute(
        select(Job.vendor_id, func.count())
        .where(Job.vendor_id.is_not(None), Job.status.in_(HELD_STATUSES))
        .group_by(Job.vendor_id)
    )
    return {vendor_id: count for vendor_id, count in rows}


def candidates(job: Job, now: datetime | None = None) -> list[Candidate]:
    """Active vendors under contract for the job's language and service, best first."""
    policy = get_policy()
    now = now or utcnow()
    today = now.astimezone(policy.calendar.timezone).date()
    service = clock.service_for(job)
    rows = db.session.execute(
        select(Vendor, VendorService)
        .join(VendorService, VendorService.vendor_id == Vendor.id)
        .where(
            Vendor.active.is_(True),
            VendorService.language == job.language,
            VendorService.service == service,
        )
    ).all()
    rates, loads = on_time_rates(policy, now), open_loads()
    refused = set(
        db.session.scalars(
            select(Offer.vendor_id).where(
                Offer.job_id == job.id,
                Offer.status.in_((OfferStatus.DECLINED, OfferStatus.EXPIRED)),
            )
        )
    )
    words, minutes = clock.job_words(job), job.request.duration_minutes or 0
    found = []
    for vendor, terms in rows:
        if not vendor.under_contract(today):
            continue
        good, total = rates.get(vendor.id, (0, 0))
        found.append(
            Candidate(
                vendor=vendor,
                terms=terms,
                on_time_rate=good / total if total else None,
                finished=total,
                open_load=loads.get(vendor.id, 0),
                estimated_cost=clock.estimate_cost(
                    terms, words, minutes, rush=clock.needs_rush(job, terms, policy, today)
                ),
                declined=vendor.id in refused,
            )
        )
    return sorted(found, key=Candidate.rank_key)


def offer_job(job: Job, vendor_id: int, actor: Actor, automatic: bool = False) -> Offer:
    """Offer a job to a vendor that covers it; the job waits for the vendor's answer.

    The caller commits. Raises ValidationFailed when the vendor cannot take this job.
    """
    if not automatic:
        require_curator(actor)
    if job.status not in OFFERABLE:
        raise IllegalTransition("job", job.id, job.status.value, JobStatus.OFFERED.value)
    policy = get_policy()
    now = utcnow()
    match = next((c for c in candidates(job, now) if c.vendor.id == vendor_id), None)
    if match is None:
        vendor = db.session.get(Vendor, vendor_id)
        if vendor is None:
            raise ValidationFailed({"vendor": _("Choose a vendor from the list.")})
        raise ValidationFailed(
            {
                "vendor": _(
                    "%(vendor)s has no current contract for this language and service.",
                    vendor=vendor.name,
                )
            }
        )
    if match.full:
        raise ValidationFailed(
            {"vendor": _("%(vendor)s is at its capacity of open jobs.", vendor=match.vendor.name)}
        )
    offer = Offer(
        job=job,
        vendor=match.vendor,
        status=OfferStatus.PENDING,
        automatic=automatic,
        offered_by_id=actor.user_id,
        created_at=now,
        expires_at=clock.offer_expiry(policy, now),
    )
    db.session.add(offer)
    job.vendor_id = match.vendor.id
    move_job(db.session, job, JobStatus.OFFERED, actor)
    db.session.flush()
    record_event(
        db.session,
        actor=actor,
        action="offer.made",
        entity_type="job",
        entity_id=job.id,
        request_id=job.request_id,
        after={
            "vendor": match.vendor.name,
            "vendor_id": match.vendor.id,
            "automatic": automatic,
            "expires_at": offer.expires_at.isoformat(),
        },
    )
    return offer


def pending_offer(job: Job) -> Offer | None:
    """The job's offer still waiting for an answer, if any."""
    return db.session.scalar(
        select(Offer).where(Offer.job_id == job.id, Offer.status == OfferStatus.PENDING)
    )


def close_offer(job: Job, status: OfferStatus, actor: Actor, reason: str) -> None:
    """End the job's pending offer without acceptance; the job goes back to the queue."""
    offer = pending_offer(job)
    if offer is None:
        raise IllegalTransition("job", job.id, job.status.value, JobStatus.READY.value)
    offer.status, offer.responded_at, offer.reason = status, utcnow(), reason
    job.vendor_id = None
    move_job(db.session, job, JobStatus.READY, actor, reason)
    record_event(
        db.session,
        actor=actor,
        action=f"offer.{status.value}",
        entity_type="job",
        entity_id=job.id,
        request_id=job.request_id,
        after={"vendor": offer.vendor.name, "vendor_id": offer.vendor_id, "reason": reason},
    )


def expire_offers(now: datetime | None = None) -> int:
    """Send every lapsed offer's job back to the queue; returns how many lapsed."""
    now = now or utcnow()
    lapsed = db.session.scalars(
        select(Offer).where(Offer.status == OfferStatus.PENDING, Offer.expires_at <= now)
    ).all()
    for offer in lapsed:
        close_offer(offer.job, OfferStatus.EXPIRED, ROUTER, "The vendor did not answer in time.")
    db.session.commit()
    return len(lapsed)


def auto_assign(now: datetime | None = None) -> int:
    """Offer each waiting job in an auto-assigned language to its best vendor; returns how many."""
    policy = get_policy()
    languages = policy.auto_assign_languages
    if not languages:
        return 0
    waiting = db.session.scalars(
        select(Job)
        .where(Job.language.in_(languages), Job.status.in_(OFFERABLE))
        .order_by(Job.due_date, Job.id)
    ).all()
    offered = 0
    for job in waiting:
        best = next((c for c in candidates(job, now) if not c.full and not c.declined), None)
        if best is None:
            continue
        offer_job(job, best.vendor.id, ROUTER, automatic=True)
        db.session.commit()
        offered += 1
    return offered
