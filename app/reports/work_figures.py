"""Interpretation, the glossary check of deliveries, and cost: the vendors' side of the report."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.extensions import db
from app.languages import display_name
from app.reports import queries as q
from app.reports import sqlexpr
from app.reports.figures import (
    count_if,
    grouped,
    grouped_percentile,
    pct,
    vendor_key,
    vendor_names,
)
from app.reports.model import HOURS, INT, MONEY, PERCENT, Cell, Table
from app.requests.models import Job, JobStatus, Request
from app.vendors.models import Delivery


def interpretation_tables(scope: q.Scope) -> list[Table]:
    """Fill rate, time to assign, cancellations and minutes; how languages were identified."""
    cancelled = Job.status == JobStatus.CANCELLED
    rows = grouped(
        scope,
        Job.language,
        [q.interpretation_jobs(scope)],
        func.count(Job.id),
        count_if(cancelled),
        count_if((Job.status != JobStatus.CANCELLED) & q.filled()),
        func.coalesce(func.sum(Job.minutes_billed), 0),
    )
    acc = q.first_acceptance()
    minutes = sqlexpr.minutes_between(scope.dialect, Request.created_at, acc.c.accepted_at)
    wait = minutes.label("wait")
    dist = (
        select(Job.language, wait, func.count(Job.id))
        .join(Request, Request.id == Job.request_id)
        .join(acc, acc.c.job_id == Job.id)
        .where(q.in_department(scope), q.interpretation_jobs(scope))
        .group_by(Job.language, wait)
    )
    waits: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for language, m, n in db.session.execute(dist):
        waits[language].append((m, n))
    table = Table(
        "interpretation",
        _("Interpretation"),
        [
            _("Language"),
            _("Jobs"),
            _("Cancelled"),
            _("Filled"),
            _("Fill rate"),
            _("Median time to assign (hours)"),
            _("Minutes billed"),
        ],
        note=_(
            "Fill rate: jobs a vendor accepted, of those not cancelled. Time to assign: from the "
            "request's submission to the vendor's acceptance."
        ),
    )
    totals = [0, 0, 0, 0]
    for language, jobs, n_cancel, n_filled, mins in sorted(rows, key=lambda r: display_name(r[0])):
        vals = [jobs, n_cancel or 0, n_filled or 0, int(mins or 0)]
        totals = [a + b for a, b in zip(totals, vals, strict=True)]
        table.rows.append(
            _interp_row(display_name(language), {"language": language}, vals, waits[language])
        )
    everything = [p for pairs in waits.values() for p in pairs]
    table.rows.append(_interp_row(_("All"), {}, totals, everything))
    return [table, _method_table(scope)]


def _interp_row(
    label: str, filters: dict[str, str], vals: list[int], waits: list[tuple[int, int]]
) -> list[Cell]:
    jobs, n_cancel, n_filled, mins = vals
    base = {"section": "interpretation", **filters}
    median = grouped_percentile(waits, 50)
    return [
        Cell(label),
        Cell(jobs, INT, base),
        Cell(n_cancel, INT, {**base, "state": "cancelled"}),
        Cell(n_filled, INT, {**base, "state": "filled"}),
        Cell(pct(n_filled, jobs - n_cancel), PERCENT, base),
        Cell(None if median is None else round(median / 60, 1), HOURS, {**base, "state": "filled"}),
        Cell(mins, INT, base),
    ]


def _method_table(scope: q.Scope) -> Table:
    stmt = (
        select(Request.language_method, func.count(func.distinct(Request.id)))
        .join(Job, Job.request_id == Request.id)
        .where(q.in_department(scope), q.interpretation_jobs(scope))
        .group_by(Request.language_method)
    )
    names = {
        "menu": _("Language menu"),
        "keyword": _("Keyword"),
        "detection": _("Detected from the message"),
        None: _("Not recorded"),
    }
    table = Table(
        "language_method",
        _("How the resident's language was identified"),
        [_("Method"), _("Interpretation requests")],
    )
    for method, n in sorted(db.session.execute(stmt), key=lambda r: str(r[0] or "~")):
        key = method.value if method is not None else None
        table.rows.append(
            [
                Cell(names.get(key, str(key))),
                Cell(n, INT, {"section": "method", "method": key or q.NOT_RECORDED}),
            ]
        )
    return table


def glossary_table(scope: q.Scope) -> Table:
    """Glossary-check pass rate of the deliveries reviewed in the period."""
    stmt = (
        select(Job.language, func.count(Delivery.id), count_if(Delivery.glossary_passed.is_(True)))
        .select_from(Delivery)
        .join(Job, Job.id == Delivery.job_id)
        .join(Request, Request.id == Job.request_id)
        .where(q.in_department(scope), q.reviewed_in(scope))
        .group_by(Job.language)
    )
    table = Table(
        "glossary",
        _("Glossary check of reviewed deliveries"),
        [_("Language"), _("Deliveries reviewed"), _("Passed"), _("Failed"), _("Pass rate")],
    )
    totals = [0, 0]
    for language, n, passed in sorted(db.session.execute(stmt), key=lambda r: display_name(r[0])):
        totals = [totals[0] + n, totals[1] + (passed or 0)]
        table.rows.append(
            _glossary_row(display_name(language), {"language": language}, n, passed or 0)
        )
    table.rows.append(_glossary_row(_("All"), {}, *totals))
    return table


def _glossary_row(label: str, filters: dict[str, str], n: int, passed: int) -> list[Cell]:
    base = {"section": "glossary", **filters}
    return [
        Cell(label),
        Cell(n, INT, base),
        Cell(passed, INT, {**base, "state": "passed"}),
        Cell(n - passed, INT, {**base, "state": "failed"}),
        Cell(pct(passed, n), PERCENT, base),
    ]


def cost_table(scope: q.Scope) -> Table:
    """Cost of the jobs completed in the period, by language and vendor."""
    stmt = (
        select(
            Job.language,
            Job.vendor_id,
            func.count(Job.id),
            func.coalesce(func.sum(Job.minutes_billed), 0),
            func.sum(Job.cost),
        )
        .join(Request, Request.id == Job.request_id)
        .where(q.in_department(scope), q.completed_in(scope))
        .group_by(Job.language, Job.vendor_id)
    )
    names = vendor_names()
    table = Table(
        "cost",
        _("Cost by language and vendor"),
        [_("Language"), _("Vendor"), _("Jobs completed"), _("Minutes billed"), _("Cost")],
        note=_("Jobs completed in the period, at the cost recorded on each job."),
    )
    jobs_total, minutes_total, cost_total = 0, 0, Decimal(0)
    rows = sorted(db.session.execute(stmt), key=lambda r: (display_name(r[0]), names.get(r[1], "")))
    for language, vendor_id, n, mins, cost in rows:
        cost = cost or Decimal(0)
        jobs_total, minutes_total, cost_total = (
            jobs_total + n,
            minutes_total + int(mins),
            cost_total + cost,
        )
        base = {"section": "cost", "language": language, "vendor": vendor_key(vendor_id)}
        table.rows.append(
            [
                Cell(display_name(language)),
                Cell(names.get(vendor_id, _("No vendor")) if vendor_id else _("No vendor")),
                Cell(n, INT, base),
                Cell(int(mins), INT, base),
                Cell(cost, MONEY, base),
            ]
        )
    table.rows.append(
        [
            Cell(_("All")),
            Cell(""),
            Cell(jobs_total, INT, {"section": "cost"}),
            Cell(minutes_total, INT, {"section": "cost"}),
            Cell(cost_total, MONEY, {"section": "cost"}),
        ]
    )
    return table
