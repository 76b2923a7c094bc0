"""Compliance reports: who may see which department, the period, the report, the drill-downs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import select

from app.auth.actor import Actor
from app.auth.models import CITYWIDE_ROLES, Department, Role
from app.extensions import db
from app.policy import get_policy
from app.reports import exporters
from app.reports import queries as q
from app.reports.assemble import build_report
from app.reports.model import Report
from app.vendors.scorecards import default_period

#: Who may read reports at all; staff only their own department's.
READERS = (Role.STAFF, Role.COORDINATOR, Role.COMPLIANCE, Role.ADMIN)
ALL = "all"


class NotVisible(LookupError):
    """No such department, or not one this user may see (shown as 404)."""


class BadPeriod(ValueError):
    """The dates cannot be read, or the period ends before it starts."""


@dataclass(frozen=True)
class Selection:
    """A department (None: all) and a period, as chosen and allowed."""

    department: Department | None
    start: date
    end: date

    @property
    def slug(self) -> str:
        return self.department.slug if self.department else ALL


def choose_department(actor: Actor, slug: str | None) -> Department | None:
    """The department a report is for; staff get their own and nothing else."""
    if actor.role not in CITYWIDE_ROLES:
        if actor.department_id is None:
            raise NotVisible(slug)
        own = db.session.get(Department, actor.department_id)
        if own is None or (slug and slug != own.slug):
            raise NotVisible(slug)
        return own
    if not slug or slug == ALL:
        return None
    found = db.session.scalar(select(Department).where(Department.slug == slug))
    if found is None:
        raise NotVisible(slug)
    return found


def parse_period(start: str | None, end: str | None) -> tuple[date, date]:
    """ISO dates, the default period (scorecards') where one is missing."""
    default_start, default_end = default_period()
    try:
        first = date.fromisoformat(start) if start else default_start
        last = date.fromisoformat(end) if end else default_end
    except ValueError as exc:
        raise BadPeriod(_("Enter dates as YYYY-MM-DD.")) from exc
    if last < first:
        raise BadPeriod(_("The period must end on or after the day it starts."))
    return first, last


def select_report(actor: Actor, slug: str | None, start: str | None, end: str | None) -> Selection:
    """Check the department and the dates a user asked for."""
    first, last = parse_period(start, end)
    return Selection(choose_department(actor, slug), first, last)


def scope_of(selection: Selection) -> q.Scope:
    dept = selection.department
    return q.make_scope(dept.id if dept else None, selection.start, selection.end, get_policy())


def compliance_report(selection: Selection, details: bool = True) -> tuple[Report, q.Scope]:
    """The report for a selection, and the scope its exports stream rows from.

    `details` adds the row-level sections (each open job, each vital document) the exports
    carry; the page links to their drill-down lists instead.
    """
    scope = scope_of(selection)
    return build_report(scope, selection.department, details), scope


def compliance_export(
    selection: Selection, fmt: str
) -> tuple[Report, q.Scope, exporters.Records | None]:
    """The report for an export in `fmt`, with its row-level records set running first, so
    that the database reads them while the figures are counted (exporters.start_records).
    The caller passes them to exporters.write_report or csv_chunks, which close them."""
    scope = scope_of(selection)
    records = exporters.start_records(scope, fmt)
    try:
        return build_report(scope, selection.department), scope, records
    except BaseException:
        if records is not None:
            records.close()
        raise


def drill_records(selection: Selection, drill: q.Drill, page: int, per_page: int) -> Any:
    """One page of the records behind a figure (jobs, or vital requests)."""
    scope = scope_of(selection)
    stmt = q.drill_vital(scope, drill) if drill.section == "vital" else q.drill_jobs(scope, drill)
    return db.paginate(stmt, page=page, per_page=per_page, max_per_page=200, error_out=False)


def departments() -> list[Department]:
    return list(db.session.scalars(select(Department).order_by(Department.name)))
