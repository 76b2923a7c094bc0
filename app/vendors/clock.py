"""The vendor's clock: contracted due dates in business days, paused on the requester."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from app.policy import Policy
from app.requests.models import Job, RequestKind
from app.vendors.models import Service, VendorService


def service_for(job: Job) -> Service:
    """The vendor service a job needs: translation, or the interpretation's mode."""
    req = job.request
    if req.kind == RequestKind.TRANSLATION:
        return Service.TRANSLATION
    assert req.mode is not None  # noqa: S101 (interpretation requests always have a mode)
    return Service(req.mode.value)


def job_words(job: Job) -> int:
    """Words to translate (0 for interpreting)."""
    doc = job.request.document
    return doc.word_count if doc is not None else 0


def contract_days(terms: VendorService, words: int, policy: Policy, rush: bool = False) -> int:
    """Business days the contract gives for `words` (the policy's days when it names none)."""
    if rush and terms.rush_days:
        return terms.rush_days
    if not terms.turnaround_days:
        return policy.translation_days("", words)
    blocks = max(1, math.ceil(words / max(1, terms.words_per_block)))
    return terms.turnaround_days * blocks


def vendor_due_date(
    job: Job, terms: VendorService, policy: Policy, start: date, rush: bool = False
) -> date:
    """The vendor's due date for a job started (or restarted) on `start`.

    Interpreting is due on the appointment's day; a translation by the contract's days, or its
    rush days when `rush` (see needs_rush), whichever is sooner.
    """
    req = job.request
    if req.kind == RequestKind.INTERPRETATION:
        assert req.starts_at is not None  # noqa: S101 (interpretation requests always have one)
        return req.starts_at.astimezone(policy.calendar.timezone).date()
    normal = policy.calendar.add_business_days(start, contract_days(terms, job_words(job), policy))
    if rush:
        rushed = policy.calendar.add_business_days(
            start, contract_days(terms, job_words(job), policy, rush=True)
        )
        return min(normal, rushed)
    return normal


def needs_rush(job: Job, terms: VendorService, policy: Policy, start: date) -> bool:
    """Whether the contract's normal term would miss the job's due date (a rush applies)."""
    if job.request.kind != RequestKind.TRANSLATION or not terms.rush_days:
        return False
    normal = policy.calendar.add_business_days(start, contract_days(terms, job_words(job), policy))
    return normal > job.due_date


def paused_days(policy: Policy, since: date, today: date) -> int:
    """Business days a job waited on the requester, from `since` up to `today`."""
    return policy.calendar.business_days_between(since, today)


def extend(policy: Policy, due: date, days: int) -> date:
    """A due date pushed back by `days` business days (a pause of 0 days changes nothing)."""
    return policy.calendar.add_business_days(due, days) if days > 0 else due


def remind_on(policy: Policy, due: date) -> date:
    """The day the vendor is reminded: the set number of business days before the due date."""
    day, left = due, policy.reminder_days_before
    while left > 0:
        day -= timedelta(days=1)
        if policy.calendar.is_business_day(day):
            left -= 1
    return day


def offer_expiry(policy: Policy, now: datetime) -> datetime:
    """When an offer made `now` lapses."""
    return now.astimezone(UTC) + timedelta(hours=policy.offer_expiry_hours)


def estimate_cost(
    terms: VendorService, words: int, minutes: int, rush: bool = False
) -> Decimal | None:
    """The cost by the contract's rates: per word, or per minute/hour; never under its minimum."""
    amount: Decimal | None = None
    if terms.service == Service.TRANSLATION:
        if terms.rate_per_word is not None:
            amount = terms.rate_per_word * words
            if rush and terms.rush_surcharge_percent:
                amount = amount * (100 + terms.rush_surcharge_percent) / 100
    elif terms.rate_per_minute is not None:
        amount = terms.rate_per_minute * minutes
    elif terms.rate_per_hour is not None:
        amount = terms.rate_per_hour * Decimal(minutes) / 60
    if amount is None:
        return None
    amount = max(amount, terms.minimum_charge or Decimal(0))
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
