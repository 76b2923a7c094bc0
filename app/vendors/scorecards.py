"""Vendor scorecards: per vendor and language, how many jobs, how punctual, how good, how costly."""

from __future__ import annotations

import csv
import io
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.exports import safe_cell
from app.extensions import db
from app.policy import Policy, get_policy
from app.requests.models import Job, JobStatus, Request
from app.vendors.models import Delivery, ReviewOutcome, Vendor


def percentile(values: Sequence[float], pct: float) -> float | None:
    """The nearest-rank percentile (50 = median) of `values`, None when there are none."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass
class Scorecard:
    """One vendor in one language over a period."""

    vendor_id: int
    vendor: str
    language: str
    jobs: int = 0
    on_time: int = 0
    turnaround: list[float] = field(default_factory=list)  # business days, per job
    checked: int = 0  # reviewed deliveries
    passed: int = 0  # of which passed the glossary check
    words: int = 0
    minutes: int = 0
    cost: Decimal = Decimal(0)

    @property
    def on_time_percent(self) -> float | None:
        return 100 * self.on_time / self.jobs if self.jobs else None

    @property
    def median_days(self) -> float | None:
        return percentile(self.turnaround, 50)

    @property
    def p90_days(self) -> float | None:
        return percentile(self.turnaround, 90)

    @property
    def pass_percent(self) -> float | None:
        return 100 * self.passed / self.checked if self.checked else None


def _local(policy: Policy, moment: datetime) -> date:
    return moment.astimezone(policy.calendar.timezone).date()


def period_bounds(policy: Policy, start: date, end: date) -> tuple[datetime, datetime]:
    """The UTC instants that open and close a period of city-local days, `end` included."""
    tz = policy.calendar.timezone
    opens = datetime.combine(start, time.min, tzinfo=tz).astimezone(UTC)
    closes = datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz).astimezone(UTC)
    return opens, closes


def scorecards(start: date, end: date) -> list[Scorecard]:
    """Scorecards of jobs completed between `start` and `end` (city-local days, inclusive)."""
    policy = get_policy()
    opens, closes = period_bounds(policy, start, end)
    jobs = db.session.scalars(
        select(Job)
        .where(
            Job.status == JobStatus.COMPLETED,
            Job.vendor_id.is_not(None),
            Job.completed_at >= opens,
            Job.completed_at < closes,
        )
        .options(selectinload(Job.vendor), selectinload(Job.request).selectinload(Request.document))
    ).all()
    cards: dict[tuple[int, str], Scorecard] = {}
    for job in jobs:
        assert job.vendor is not None  # noqa: S101 (filtered above)
        key = (job.vendor.id, job.language)
        card = cards.setdefault(key, Scorecard(job.vendor.id, job.vendor.name, job.language))
        card.jobs += 1
        card.on_time += bool(job.on_time)
        if job.assigned_at and job.delivered_at:
            card.turnaround.append(
                policy.calendar.business_days_between(
                    _local(policy, job.assigned_at), _local(policy, job.delivered_at)
                )
            )
        if job.request.document is not None:
            card.words += job.request.document.word_count
        card.minutes += job.minutes_billed or 0
        card.cost += job.cost or Decimal(0)
    reviewed: dict[tuple[int, str], list[bool]] = defaultdict(list)
    rows = db.session.execute(
        select(Delivery.vendor_id, Job.language, Delivery.glossary_passed)
        .join(Job, Job.id == Delivery.job_id)
        .where(
            Delivery.outcome != ReviewOutcome.PENDING,
            Delivery.reviewed_at >= opens,
            Delivery.reviewed_at < closes,
        )
    )
    for vendor_id, language, passed in rows:
        reviewed[(vendor_id, language)].append(bool(passed))
    names: dict[int, str] = {
        vid: name for vid, name in db.session.execute(select(Vendor.id, Vendor.name))
    }
    for (vendor_id, language), results in reviewed.items():
        card = cards.setdefault(
            (vendor_id, language), Scorecard(vendor_id, names.get(vendor_id, "?"), language)
        )
        card.checked, card.passed = len(results), sum(results)
    return sorted(cards.values(), key=lambda c: (c.vendor.lower(), c.language))


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.1f}"


CSV_HEADER = [
    "vendor",
    "language",
    "jobs",
    "on_time_percent",
    "median_turnaround_business_days",
    "p90_turnaround_business_days",
    "glossary_checked",
    "glossary_pass_percent",
    "words",
    "minutes",
    "cost",
]


def scorecards_csv(cards: Sequence[Scorecard]) -> str:
    """The scorecards as CSV, one row per vendor and language."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for c in cards:
        writer.writerow(
            [
                safe_cell(c.vendor),
                c.language,
                c.jobs,
                _fmt(c.on_time_percent),
                _fmt(c.median_days),
                _fmt(c.p90_days),
                c.checked,
                _fmt(c.pass_percent),
                c.words,
                c.minutes,
                f"{c.cost:.2f}",
            ]
        )
    return out.getvalue()


def default_period(policy: Policy | None = None) -> tuple[date, date]:
    """The last 90 days up to today, the window the ranking also uses."""
    policy = policy or get_policy()
    today = policy.calendar.today()
    return today - timedelta(days=policy.history_days), today
