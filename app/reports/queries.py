"""Which jobs and requests each report figure counts: one set of conditions per section.

The aggregates (figures.py) and the drill-down lists (routes.py) build their queries from the
same functions here, so a figure and the list behind it always agree. Jobs are counted by their
report facts (app/requests/facts.py: the request's department, kind and channel on the job, and
city-local days), each condition one range of an index on jobs that leads with department_id.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    Select,
    and_,
    case,
    exists,
    false,
    func,
    literal,
    not_,
    null,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy.orm import aliased, selectinload
from sqlalchemy.sql.elements import ColumnElement

from app.auth.models import Department
from app.extensions import db
from app.languages import PRIORITY_CODES
from app.policy import ComplianceRules, Policy
from app.reports import sqlexpr
from app.requests.models import Job, JobStatus, Request, RequestKind, RequestStatus
from app.vendors.models import Delivery, ReviewOutcome, Vendor
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
    #: Every department's id: citywide figures read each department's range of an index.
    departments: tuple[int, ...] = ()

    @property
    def rules(self) -> ComplianceRules:
        return self.policy.compliance

    def citywide(self) -> Scope:
        """The same period for every department (the roll-up)."""
        return replace(self, department_id=None)


def make_scope(department_id: int | None, start: date, end: date, policy: Policy) -> Scope:
    """A report scope; the period's UTC bounds come from vendors.scorecards.period_bounds."""
    opens, closes = period_bounds(policy, start, end)
    departments = tuple(db.session.scalars(select(Department.id).order_by(Department.id)))
    dialect = db.engine.dialect.name
    return Scope(department_id, start, end, opens, closes, policy, dialect, departments)


def in_department(scope: Scope) -> ColumnElement[bool]:
    """Jobs of the scope's department, or of every department when citywide.

    Citywide lists the departments rather than leaving the condition out: every index on the
    facts leads with department_id, and the list makes each department one range of it.
    """
    return of_department(scope, Job.department_id)


def of_department(scope: Scope, column: Any) -> ColumnElement[bool]:
    """A department_id fact (of jobs or deliveries) in the scope (see in_department)."""
    if scope.department_id is None:
        return column.in_(scope.departments)
    return column == scope.department_id


def submitted_in(scope: Scope) -> ColumnElement[bool]:
    """Jobs of the requests submitted in the period."""
    return Job.submitted_on.between(scope.start, scope.end)


def request_in_department(scope: Scope) -> ColumnElement[bool]:
    """Requests of the scope's department (the sections that count requests, not jobs)."""
    if scope.department_id is None:
        return true()
    return Request.department_id == scope.department_id


def request_submitted_in(scope: Scope) -> ColumnElement[bool]:
    """Requests submitted in the period (the same days as submitted_in, by the timestamp)."""
    return and_(Request.created_at >= scope.opens, Request.created_at < scope.closes)


def completed_in(scope: Scope, completed_on: Any = Job.completed_on) -> ColumnElement[bool]:
    """Jobs whose (last) completion falls in the period; a reopened job counts by its last.

    completed_on is set only while the job's status is completed; the IS NOT NULL keeps the
    condition true or false, never unknown, so its negation (late) counts open jobs too.
    (`completed_on`: the column, or sqlexpr.scanned of it where it must only filter.)
    """
    return and_(completed_on.is_not(None), completed_on.between(scope.start, scope.end))


def open_parts(scope: Scope) -> list[ColumnElement[bool]]:
    """open_at_end() as two disjoint conditions, each one range of an index on closed_on:
    still open (closed_on is NULL), and closed after the period's end. (The submission day
    only filters: walking its index would visit every job submitted before the end.)"""
    submitted = sqlexpr.scanned(scope.dialect, Job.submitted_on) <= scope.end
    return [and_(Job.closed_on.is_(None), submitted), and_(Job.closed_on > scope.end, submitted)]


def open_at_end(scope: Scope) -> ColumnElement[bool]:
    """Jobs submitted before the period ended and neither completed nor cancelled by then."""
    return or_(*open_parts(scope))


def overdue_parts(scope: Scope) -> list[ColumnElement[bool]]:
    """Open at the period's end with the due date already behind it (as open_parts)."""
    return [and_(part, Job.due_date < scope.end) for part in open_parts(scope)]


def measured_kind(scope: Scope) -> ColumnElement[bool]:
    """Jobs of the kinds the policy holds to the on-time target (a filter: the kind is most
    jobs, so no index should be walked by it)."""
    kind = sqlexpr.scanned(scope.dialect, Job.kind)
    return kind.in_([RequestKind(k) for k in scope.rules.measured_kinds])


def measured_parts(scope: Scope) -> list[ColumnElement[bool]]:
    """measured() as disjoint conditions, each read from one index: completed in the period;
    and (when the policy says so) open past the due date at its end."""
    parts = [and_(measured_kind(scope), completed_in(scope))]
    if scope.rules.open_past_due_is_late:
        parts += [and_(measured_kind(scope), part) for part in overdue_parts(scope)]
    return parts


def measured(scope: Scope) -> ColumnElement[bool]:
    """Jobs held to the on-time target: the policy's kinds, completed in the period, and
    (when the policy says so) those open past their due date at its end."""
    return or_(*measured_parts(scope))


def done_on_time() -> ColumnElement[bool]:
    """A completed job finished on or before its due date (city-local day)."""
    return Job.completed_on <= Job.due_date


def on_time(scope: Scope) -> ColumnElement[bool]:
    """Completed in the period on or before the job's due date (city-local day)."""
    return and_(completed_in(scope), done_on_time())


def turnaround(scope: Scope) -> Any:
    """A completed job's turnaround as the policy measures it: business days as recorded at
    completion, or calendar days between the two stored days."""
    if scope.rules.turnaround_days == "calendar":
        return sqlexpr.epoch_days(scope.dialect, Job.completed_on) - sqlexpr.epoch_days(
            scope.dialect, Job.submitted_on
        )
    return Job.turnaround_business_days


def completion_groups(scope: Scope) -> Select[Any] | CompoundSelect:
    """One pass over the jobs completed in the period and the open ones held to the target.

    Rows: (department_id, language, vendor_id, kind, done, days, jobs, on_time, minutes, cost).
    done 1: completed in the period (every kind, for cost), with days its turnaround and
    on_time how many met the due date; done 0: measured kinds open past the due date at the
    end (when the policy counts them late). Completions are read department by department in
    the order of an index that leads with the grouping, so SQLite groups without sorting; the
    period only filters (the `+` of sqlexpr.scanned keeps the period's own index out of it).
    """
    keys = (Job.department_id, Job.kind, Job.language, Job.vendor_id)
    days = turnaround(scope)
    done = (
        select(
            *keys,
            literal(1).label("done"),
            days.label("days"),
            func.count(Job.id).label("jobs"),
            func.sum(case((done_on_time(), 1), else_=0)).label("on_time"),
            func.coalesce(func.sum(Job.minutes_billed), 0).label("minutes"),
            func.sum(Job.cost).label("cost"),
        )
        .where(
            in_department(scope),
            completed_in(scope, sqlexpr.scanned(scope.dialect, Job.completed_on)),
        )
        .group_by(*keys, days)
    )
    parts = [done]
    for part in measured_parts(scope)[1:]:  # the open past due, if counted: nothing billed
        parts.append(
            select(
                *keys,
                literal(0),
                null(),
                func.count(Job.id),
                literal(0),
                literal(0),
                null(),
            )
            .where(in_department(scope), part)
            # The kind as an expression: grouped in index order, the completions' index would
            # be walked whole instead of the open jobs' range of closed_on.
            .group_by(Job.department_id, sqlexpr.scanned(scope.dialect, Job.kind), *keys[2:])
        )
    return union_all(*parts)


def age_days(scope: Scope) -> ColumnElement[int]:
    """Calendar days from submission to the period's last day."""
    end = (scope.end - sqlexpr.EPOCH).days
    return end - sqlexpr.epoch_days(scope.dialect, Job.submitted_on)


def accepted_delivery(job: Any = Job) -> ColumnElement[bool]:
    """The job (the model or an alias of it) has a delivery the department accepted (its
    delivery_accepted fact)."""
    return job.delivery_accepted.is_(True)


def vital_requests(scope: Scope) -> ColumnElement[bool]:
    """The scope's vital translation requests submitted in the period and not cancelled.

    Read from the vital requests' own index (vital, then the submission time), the
    department and kind only filtering: SQLite's statistics cannot tell that vital requests
    are few, and would walk every request of the period by department or kind instead.
    """
    department, kind = (
        sqlexpr.scanned(scope.dialect, c) for c in (Request.department_id, Request.kind)
    )
    return and_(
        of_department(scope, department),
        Request.vital.is_(True),
        kind == RequestKind.TRANSLATION,
        Request.status != RequestStatus.CANCELLED,
        request_submitted_in(scope),
    )


def vital_done(scope: Scope) -> ColumnElement[bool]:
    """A job translated and human-reviewed: completed by the period's end, delivery accepted.

    A machine draft alone never counts: drafts are not deliveries.
    """
    return and_(done_by_end(scope, Job), accepted_delivery())


def done_by_end(scope: Scope, job: Any) -> ColumnElement[bool]:
    """A job (the model or an alias of it) completed by the period's end."""
    return and_(job.status == JobStatus.COMPLETED, job.completed_on <= scope.end)


def vital_state(scope: Scope) -> ColumnElement[int]:
    """2 translated and reviewed, 1 requested but not done, 0 cancelled (per job)."""
    return case((vital_done(scope), 2), (Job.status != JobStatus.CANCELLED, 1), else_=0)


def interpretation_jobs(scope: Scope) -> ColumnElement[bool]:
    """Interpretation jobs submitted in the period: the department's range of them, the
    period only filtering (the index by kind holds the interpretation figures' facts)."""
    submitted = sqlexpr.scanned(scope.dialect, Job.submitted_on)
    return and_(Job.kind == RequestKind.INTERPRETATION, submitted.between(scope.start, scope.end))


def filled() -> ColumnElement[bool]:
    """The job got an offer a vendor accepted (its offer_accepted fact)."""
    return Job.offer_accepted.is_(True)


def reviewed_in(scope: Scope) -> ColumnElement[bool]:
    """Deliveries reviewed (accepted or returned) in the period."""
    return and_(
        Delivery.reviewed_at >= scope.opens,
        Delivery.reviewed_at < scope.closes,
        Delivery.outcome != ReviewOutcome.PENDING,
    )


def reviewed_jobs(scope: Scope) -> Select[Any]:
    """Ids of the scope's jobs with a delivery reviewed in the period (from the deliveries'
    own department fact: one index range, not a look-up per job of the department)."""
    return select(Delivery.job_id).where(
        of_department(scope, Delivery.department_id), reviewed_in(scope)
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
        "glossary": [Job.id.in_(reviewed_jobs(scope))],
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
    conds = [vital_requests(scope), *_common_filters(drill)]
    if drill.language:
        lang_job = aliased(Job)
        done = exists().where(
            lang_job.request_id == Request.id,
            lang_job.language == drill.language,
            done_by_end(scope, lang_job),
            accepted_delivery(lang_job),
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


def _export_columns() -> list[tuple[Any, bool]]:
    """The row-level records' columns (EXPORT_COLUMNS), each with whether its text can hold
    a character CSV must quote (free text and stored strings; enum values, dates, times and
    numbers never do)."""
    t = sqlexpr.as_text
    return [
        (Request.number, True),
        (Department.slug, True),
        (t(Request.kind), False),
        (t(Request.channel), False),
        (sqlexpr.guarded_text(Request.title), True),
        (t(Request.vital), False),
        (t(Request.created_at), False),
        (Job.language, True),
        (t(Job.status), False),
        (t(Job.due_date), False),
        (t(Job.completed_at), False),
        (sqlexpr.guarded_text(Vendor.name), True),
        (Job.minutes_billed, False),
        (sqlexpr.money(Job.cost), False),
    ]


def _export_select(scope: Scope, *columns: Any) -> Select[Any]:
    return (
        select(*columns)
        .select_from(Job)
        .join(Request, Request.id == Job.request_id)
        .join(Department, Department.id == Request.department_id)
        .outerjoin(Vendor, Vendor.id == Job.vendor_id)
        .where(request_in_department(scope), request_submitted_in(scope))
        .order_by(Request.id, Job.id)
    )


def export_rows(scope: Scope) -> Select[Any]:
    """Every job of the requests submitted in the period, as the database renders it.

    Text is guarded against formulas in SQL and values come out as text or numbers, so the
    rows go to the CSV writer without any per-row Python. Never a resident's name or phone.
    """
    return _export_select(scope, *(column for column, _quoted in _export_columns()))


def export_lines(scope: Scope) -> Select[Any]:
    """export_rows() with each record rendered by the database as one line of CSV, exactly as
    the csv module writes the row (a single string per row: the least work per row in Python)."""
    fields = [sqlexpr.csv_field(column, quoted) for column, quoted in _export_columns()]
    return _export_select(scope, sqlexpr.csv_line(fields))


def count_export_rows(scope: Scope) -> int:
    """How many rows export_rows() yields (for a progress bar), from the jobs' own facts."""
    stmt = select(func.count(Job.id)).where(in_department(scope), submitted_in(scope))
    return int(db.session.scalar(stmt) or 0)


__all__ = ["PRIORITY_CODES", "Drill", "Scope", "make_scope"]
