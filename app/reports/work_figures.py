"""Interpretation, the glossary check of deliveries, and cost: the vendors' side of the report."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import case, func, select

from app.extensions import db
from app.languages import display_name
from app.reports import queries as q
from app.reports import streaming
from app.reports.figures import (
    Completions,
    count_if,
    grouped_percentile,
    pct,
    vendor_key,
    vendor_names,
)
from app.reports.model import HOURS, INT, MONEY, PERCENT, Cell, Table
from app.requests.models import Job, JobStatus, Request, RequestKind
from app.vendors.models import Delivery


def interpretation_tables(scope: q.Scope) -> list[Table]:
    """Fill rate, time to assign, cancellations and minutes; how languages were identified."""
    # One pass over the interpretation jobs' facts (the index by kind holds them all).
    cancelled = case((Job.status == JobStatus.CANCELLED, 1), else_=0).label("cancelled")
    filled = case(((Job.status != JobStatus.CANCELLED) & q.filled(), 1), else_=0).label("filled")
    stmt = (
        select(
            Job.language,
            cancelled,
            filled,
            Job.assign_minutes,
            func.count(Job.id),
            func.coalesce(func.sum(Job.minutes_billed), 0),
        )
        .where(q.in_department(scope), q.interpretation_jobs(scope))
        .group_by("cancelled", "filled", Job.assign_minutes, Job.language)
    )
    counts: dict[str, list[int]] = {}
    waits: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for language, was_cancelled, was_filled, m, n, mins in streaming.converted(stmt):
        tally = counts.setdefault(language, [0, 0, 0, 0])
        tally[0] += n
        tally[1] += n if was_cancelled else 0
        tally[2] += n if was_filled else 0
        tally[3] += int(mins or 0)
        if m is not None:
            waits[language].append((m, n))
    rows = [(language, t[0], t[1], t[2], t[3]) for language, t in counts.items()]
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
    """Interpretation requests by language method: those of the interpretation jobs counted
    above (the jobs carry their request's department, kind and submission day), read from the
    requests' index by kind."""
    has_job = select(Job.request_id).where(Job.request_id == Request.id).exists()
    stmt = (
        select(Request.language_method, func.count(Request.id))
        .where(
            q.of_department(scope, Request.department_id),
            Request.kind == RequestKind.INTERPRETATION,
            q.request_submitted_in(scope),
            has_job,
        )
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
        select(
            Delivery.language,
            func.count(Delivery.id),
            count_if(Delivery.glossary_passed.is_(True)),
        )
        .where(q.of_department(scope, Delivery.department_id), q.reviewed_in(scope))
        .group_by(Delivery.language)
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


def cost_table(scope: q.Scope, groups: list[Completions]) -> Table:
    """Cost of the jobs completed in the period, by language and vendor (completion_groups)."""
    sums: dict[tuple[str, int | None], list[Any]] = {}
    for row in groups:
        if not row.done:  # not completed in the period
            continue
        tally = sums.setdefault((row.language, row.vendor_id), [0, 0, Decimal(0)])
        tally[0] += row.jobs
        tally[1] += row.minutes
        tally[2] += row.cost or Decimal(0)
    names = vendor_names()
    table = Table(
        "cost",
        _("Cost by language and vendor"),
        [_("Language"), _("Vendor"), _("Jobs completed"), _("Minutes billed"), _("Cost")],
        note=_("Jobs completed in the period, at the cost recorded on each job."),
    )
    jobs_total, minutes_total, cost_total = 0, 0, Decimal(0)
    keys = sorted(sums, key=lambda k: (display_name(k[0]), names.get(k[1], "") if k[1] else ""))
    for language, vendor_id in keys:
        n, mins, cost = sums[(language, vendor_id)]
        jobs_total, minutes_total, cost_total = (
            jobs_total + n,
            minutes_total + mins,
            cost_total + cost,
        )
        base = {"section": "cost", "language": language, "vendor": vendor_key(vendor_id)}
        table.rows.append(
            [
                Cell(display_name(language)),
                Cell(names.get(vendor_id, _("No vendor")) if vendor_id else _("No vendor")),
                Cell(n, INT, base),
                Cell(mins, INT, base),
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
