"""Which jobs and requests each report figure counts: one set of conditions per section.

The aggregates (figures.py) and the drill-down lists (routes.py) build their queries from the
same functions here, so a figure and the list behind it always agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Date,
    Integer,
    Select,
    and_,
    case,
    column,
    exists,
    false,
    func,
    not_,
    or_,
    select,
    true,
    values,
)
from sqlalchemy.orm import aliased, selectinload
from sqlalchemy.sql.elements import ColumnElement

from app.auth.models import Department
from app.extensions import db
from app.languages import PRIORITY_CODES
from app.policy import ComplianceRules, Policy
from app.reports import sqlexpr
from app.requests.models import Job, JobStatus, Request, RequestKind, RequestStatus
from app.vendors.models import Delivery, Offer, OfferStatus, ReviewOutcome, Vendor
from app.vendors.scorecards import period_bounds

#: Drill-down sections and the states each accepts.
SECTIONS: dict[str, frozenset[str]] = {
    "requests": frozenset(),
    "ontime": frozenset({"on_time", "late", "completed"}),
    "open": frozenset({"overdue"}),
    "vital": frozenset({"done", "requested", "missing"}),
    "interpretation": frozenset({"filled", "unfilled", "cancelled"}),
    "method": frozenset(),
    "glossary": frozenset({"passed", "failed"}),
    "cost": frozenset(),
}
NO_VENDOR = "none"
NOT_RECORDED = "none"


@dataclass(frozen=True)
class Scope:
    """One report: a department (or all) over city-local days `start`..`end`, inclusive."""

    department_id: int | None
    start: date
    end: date
    opens: datetime
    closes: datetime
    policy: Policy
    dialect: str

    @property
    def rules(self) -> ComplianceRules:
        return self.policy.compliance

    @property
    def years(self) -> tuple[int, int]:
        """Years whose calendar the SQL carries: a few back for old open jobs, one ahead."""
        return self.start.year - 3, self.end.year + 1

    def local_date(self, column: Any) -> ColumnElement[date]:
        return sqlexpr.local_date(
            self.dialect, column, self.policy.calendar.timezone.key, self.years
        )


def make_scope(department_id: int | None, start: date, end: date, policy: Policy) -> Scope:
    """A report scope; the period's UTC bounds come from vendors.scorecards.period_bounds."""
    opens, closes = period_bounds(policy, start, end)
    return Scope(department_id, start, end, opens, closes, policy, db.engine.dialect.name)


def in_department(scope: Scope) -> ColumnElement[bool]:
    if scope.department_id is None:
        return true()
    return Request.department_id == scope.department_id


def submitted_in(scope: Scope) -> ColumnElement[bool]:
    """Requests submitted in the period."""
    return and_(Request.created_at >= scope.opens, Request.created_at < scope.closes)


def completed_in(scope: Scope) -> ColumnElement[bool]:
    """Jobs whose (last) completion falls in the period; a reopened job counts by its last."""
    completed_at = sqlexpr.scanned(scope.dialect, Job.completed_at)
    return and_(
        Job.status == JobStatus.COMPLETED,
        completed_at >= scope.opens,
        completed_at < scope.closes,
    )


def open_at_end(scope: Scope) -> ColumnElement[bool]:
    """Jobs submitted before the period ended and neither completed nor cancelled by then."""
    return and_(
        Request.created_at < scope.closes,
        not_(and_(Job.status == JobStatus.COMPLETED, Job.completed_at < scope.closes)),
        not_(and_(Job.status == JobStatus.CANCELLED, Job.cancelled_at < scope.closes)),
    )


def overdue_at_end(scope: Scope) -> ColumnElement[bool]:
    """Open at the period's end with the due date already behind it."""
    return and_(open_at_end(scope), Job.due_date < scope.end)


def measured(scope: Scope) -> ColumnElement[bool]:
    """Jobs held to the on-time target: the policy's kinds, completed in the period, and
    (when the policy says so) those open past their due date at its end."""
    kinds = [RequestKind(k) for k in scope.rules.measured_kinds]
    counted = completed_in(scope)
    if scope.rules.open_past_due_is_late:
        counted = or_(counted, overdue_at_end(scope))
    return and_(Request.kind.in_(kinds), counted)


def on_time(scope: Scope) -> ColumnElement[bool]:
    """Completed in the period on or before the job's due date (city-local day)."""
    return and_(completed_in(scope), scope.local_date(Job.completed_at) <= Job.due_date)


def turnaround_pairs(scope: Scope, key: Any, where: list[ColumnElement[bool]]) -> Select[Any]:
    """(key, submitted day, completed day, jobs): completed jobs grouped by their local days.

    The grouped pairs are few (days x days, not jobs); figures.py turns each pair into
    business days with the policy calendar once, instead of per job.
    """
    submitted = scope.local_date(Request.created_at).label("submitted")
    completed = scope.local_date(Job.completed_at).label("completed")
    return (
        select(key.label("k"), submitted, completed, func.count(Job.id))
        .select_from(Job)
        .join(Request, Request.id == Job.request_id)
        .where(*where)
        .group_by(key, "submitted", "completed")
    )


def completion_groups(scope: Scope, ordinals: dict[date, int] | None) -> Select[Any]:
    """One pass over the jobs held to the on-time target and those completed in the period.

    Rows: (department, language, vendor, measured, state, days, jobs, minutes, cost).
    measured: 1 for a job the on-time figures count (measured()); state 2: on time,
    1: completed in the period but late, 0: neither (counted late while still open);
    days: the turnaround of a measured job completed in the period, from the business-day
    `ordinals` of its local submission and completion days (calendar days when None).
    """
    submitted = scope.local_date(Request.created_at)
    completed = scope.local_date(Job.completed_at)
    done = completed_in(scope)
    held = measured(scope)
    stmt = select().select_from(Job).join(Request, Request.id == Job.request_id)
    days: ColumnElement[Any]
    if ordinals is None:
        days = sqlexpr.epoch_days(scope.dialect, completed) - sqlexpr.epoch_days(
            scope.dialect, submitted
        )
    else:
        calendar = (
            values(column("day", Date), column("ord", Integer), name="business_days")
            .data(sorted(ordinals.items()))
            .cte("business_days")
        )
        sub, comp = calendar.alias("sub_day"), calendar.alias("comp_day")
        stmt = stmt.outerjoin(sub, and_(done, sub.c.day == submitted)).outerjoin(
            comp, and_(done, comp.c.day == completed)
        )
        days = comp.c.ord - sub.c.ord
    flag = case((held, 1), else_=0).label("measured")
    state = case((on_time(scope), 2), (done, 1), else_=0).label("state")
    turnaround = case((and_(held, done), days)).label("days")
    return (
        stmt.add_columns(
            Request.department_id,
            Job.language,
            Job.vendor_id,
            flag,
            state,
            turnaround,
            func.count(Job.id),
            func.coalesce(func.sum(Job.minutes_billed), 0),
            func.sum(Job.cost),
        )
        .where(in_department(scope), or_(held, done))
        # Expressions first: no index gives this order, so none is walked for it.
        .group_by("measured", "state", "days", Request.department_id, Job.language, Job.vendor_id)
    )


def age_days(scope: Scope) -> ColumnElement[int]:
    """Calendar days from submission to the period's last day."""
    end = (scope.end - sqlexpr.EPOCH).days
    return end - sqlexpr.epoch_days(scope.dialect, scope.local_date(Request.created_at))


def accepted_delivery() -> ColumnElement[bool]:
    return exists().where(Delivery.job_id == Job.id, Delivery.outcome == ReviewOutcome.ACCEPTED)


def vital_requests(scope: Scope) -> ColumnElement[bool]:
    """Vital translation requests submitted in the period and not cancelled."""
    return and_(
        Request.vital.is_(True),
        Request.kind == RequestKind.TRANSLATION,
        Request.status != RequestStatus.CANCELLED,
        submitted_in(scope),
    )


def vital_done(scope: Scope) -> ColumnElement[bool]:
    """A job translated and human-reviewed: completed by the period's end, delivery accepted.

    A machine draft alone never counts: drafts are not deliveries.
    """
    return and_(
        Job.status == JobStatus.COMPLETED, Job.completed_at < scope.closes, accepted_delivery()
    )


def vital_state(scope: Scope) -> ColumnElement[int]:
    """2 translated and reviewed, 1 requested but not done, 0 cancelled (per job)."""
    return case((vital_done(scope), 2), (Job.status != JobStatus.CANCELLED, 1), else_=0)


def interpretation_jobs(scope: Scope) -> ColumnElement[bool]:
    return and_(Request.kind == RequestKind.INTERPRETATION, submitted_in(scope))


def filled() -> ColumnElement[bool]:
    """The job got an offer a vendor accepted."""
    return exists().where(Offer.job_id == Job.id, Offer.status == OfferStatus.ACCEPTED)


def first_acceptance() -> Any:
    """Per job, when a vendor first accepted an offer (a subquery to join)."""
    return (
        select(Offer.job_id, func.min(Offer.responded_at).label("accepted_at"))
        .where(Offer.status == OfferStatus.ACCEPTED)
        .group_by(Offer.job_id)
        .subquery()
    )


def reviewed_in(scope: Scope) -> ColumnElement[bool]:
    """Deliveries reviewed (accepted or returned) in the period."""
    return and_(
        Delivery.outcome != ReviewOutcome.PENDING,
        Delivery.reviewed_at >= scope.opens,
        Delivery.reviewed_at < scope.closes,
    )


def jobs_with_requests() -> Select[Any]:
    return select(Job).join(Request, Request.id == Job.request_id)


# --- drill-down -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Drill:
    """What a figure's link asks for: a section and its filters (all optional)."""

    section: str
    state: str = ""
    language: str = ""
    kind: str = ""
    channel: str = ""
    vendor: str = ""
    method: str = ""

    @classmethod
    def from_args(cls, args: Any) -> Drill | None:
        """From a query string; None when the section or state is not one we know."""
        section = args.get("section", "")
        if section not in SECTIONS:
            return None
        state = args.get("state", "")
        if state and state not in SECTIONS[section]:
            return None
        fields = ("language", "kind", "channel", "vendor", "method")
        return cls(section, state, **{f: str(args.get(f, ""))[:40] for f in fields})

    def params(self) -> dict[str, str]:
        """The non-empty filters, for a URL."""
        return {k: v for k, v in self.__dict__.items() if v}


def _common_filters(drill: Drill) -> list[ColumnElement[bool]]:
    conds: list[ColumnElement[bool]] = []
    if drill.language and drill.section != "vital":
        conds.append(Job.language == drill.language)
    if drill.kind:
        conds.append(Request.kind == drill.kind)
    if drill.channel:
        conds.append(Request.channel == drill.channel)
    if drill.vendor == NO_VENDOR:
        conds.append(Job.vendor_id.is_(None))
    elif drill.vendor:
        conds.append(Job.vendor_id == (int(drill.vendor) if drill.vendor.isdigit() else -1))
    if drill.method == NOT_RECORDED:
        conds.append(Request.language_method.is_(None))
    elif drill.method:
        conds.append(Request.language_method == drill.method)
    return conds


def drill_jobs(scope: Scope, drill: Drill) -> Select[Any]:
    """The jobs behind a figure (every section but vital coverage), oldest request first."""
    section_conds: dict[str, list[ColumnElement[bool]]] = {
        "requests": [submitted_in(scope)],
        "ontime": [measured(scope)],
        "open": [open_at_end(scope)],
        "interpretation": [interpretation_jobs(scope)],
        "method": [interpretation_jobs(scope)],
        "glossary": [exists().where(Delivery.job_id == Job.id, reviewed_in(scope))],
        "cost": [completed_in(scope)],
    }
    state_conds: dict[str, ColumnElement[bool]] = {
        "on_time": on_time(scope),
        "late": not_(on_time(scope)),
        "completed": completed_in(scope),
        "overdue": Job.due_date < scope.end,
        "filled": and_(Job.status != JobStatus.CANCELLED, filled()),
        "unfilled": and_(Job.status != JobStatus.CANCELLED, not_(filled())),
        "cancelled": Job.status == JobStatus.CANCELLED,
        "passed": exists().where(
            Delivery.job_id == Job.id, reviewed_in(scope), Delivery.glossary_passed.is_(True)
        ),
        "failed": exists().where(
            Delivery.job_id == Job.id, reviewed_in(scope), Delivery.glossary_passed.is_(False)
        ),
    }
    conds = [in_department(scope), *section_conds[drill.section], *_common_filters(drill)]
    if drill.state:
        conds.append(state_conds[drill.state])
    return (
        jobs_with_requests()
        .where(*conds)
        .options(
            selectinload(Job.request).selectinload(Request.department),
            selectinload(Job.vendor),
        )
        .order_by(Request.created_at, Job.id)
    )


def drill_vital(scope: Scope, drill: Drill) -> Select[Any]:
    """The vital requests behind a coverage figure (one language, one state, or all)."""
    conds = [in_department(scope), vital_requests(scope), *_common_filters(drill)]
    if drill.language:
        lang_job = aliased(Job)
        done = exists().where(
            lang_job.request_id == Request.id,
            lang_job.language == drill.language,
            lang_job.status == JobStatus.COMPLETED,
            lang_job.completed_at < scope.closes,
            exists().where(
                Delivery.job_id == lang_job.id, Delivery.outcome == ReviewOutcome.ACCEPTED
            ),
        )
        asked = exists().where(
            lang_job.request_id == Request.id,
            lang_job.language == drill.language,
            lang_job.status != JobStatus.CANCELLED,
        )
        conds.append(
            {"done": done, "requested": and_(asked, not_(done)), "missing": not_(asked)}.get(
                drill.state, true()
            )
        )
    elif drill.state:
        conds.append(false())  # a state needs a language
    return (
        select(Request)
        .where(*conds)
        .options(selectinload(Request.department))
        .order_by(Request.created_at, Request.id)
    )


# --- row-level export --------------------------------------------------------------------------

EXPORT_COLUMNS = [
    "request_number",
    "department",
    "kind",
    "channel",
    "title",
    "vital",
    "submitted_utc",
    "language",
    "job_status",
    "due_date",
    "completed_utc",
    "vendor",
    "minutes_billed",
    "cost",
]


def export_rows(scope: Scope) -> Select[Any]:
    """Every job of the requests submitted in the period, as the database renders it.

    Text is guarded against formulas in SQL and values come out as text or numbers, so the
    rows go to the CSV writer without any per-row Python. Never a resident's name or phone.
    """
    t = sqlexpr.as_text
    return (
        select(
            Request.number,
            Department.slug,
            t(Request.kind),
            t(Request.channel),
            sqlexpr.guarded_text(Request.title),
            t(Request.vital),
            t(Request.created_at),
            Job.language,
            t(Job.status),
            t(Job.due_date),
            t(Job.completed_at),
            sqlexpr.guarded_text(Vendor.name),
            Job.minutes_billed,
            sqlexpr.money(Job.cost),
        )
        .select_from(Job)
        .join(Request, Request.id == Job.request_id)
        .join(Department, Department.id == Request.department_id)
        .outerjoin(Vendor, Vendor.id == Job.vendor_id)
        .where(in_department(scope), submitted_in(scope))
        .order_by(Request.id, Job.id)
    )


def count_export_rows(scope: Scope) -> int:
    """How many rows export_rows() yields (for a progress bar)."""
    stmt = (
        select(func.count(Job.id))
        .join(Request, Request.id == Job.request_id)
        .where(in_department(scope), submitted_in(scope))
    )
    return int(db.session.scalar(stmt) or 0)


__all__ = ["PRIORITY_CODES", "Drill", "Scope", "make_scope"]
