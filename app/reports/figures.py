"""The report's figures, aggregated in SQL; Python only shapes the (small) grouped results.

This module: demand, punctuality and open work, plus the shared helpers (vital documents:
vital_figures.py; the vendors' side: work_figures.py).
"""

from __future__ import annotations

import math
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import Any, NamedTuple

from flask_babel import gettext as _
from sqlalchemy import case, func, select
from sqlalchemy.sql.elements import ColumnElement

from app import labels
from app.auth.models import Department
from app.extensions import db
from app.languages import display_name
from app.reports import queries as q
from app.reports import sqlexpr, streaming
from app.reports.model import DAYS, INT, PERCENT, Bar, BarChart, Cell, Table
from app.requests.models import Job, JobStatus, Request
from app.vendors.models import Vendor


def pct(part: int, whole: int) -> float | None:
    return 100 * part / whole if whole else None


def percent_chart(title: str, bars: list[Bar], target: float) -> BarChart:
    """Percentages (0 to 100) with the policy's target drawn across them."""
    label = _("Target %(target)s%%", target=format(target, "g"))
    return BarChart(title, bars, 100.0, "%", target, label)


def grouped_percentile(counts: Iterable[tuple[float, int]], pct_: float) -> float | None:
    """scorecards.percentile() (nearest rank) of grouped (value, how many), never expanded."""
    ordered = sorted((float(v), int(n)) for v, n in counts if n)
    total = sum(n for _v, n in ordered)
    if not total:
        return None
    rank = max(1, math.ceil(pct_ / 100 * total))
    seen = 0
    for value, n in ordered:
        seen += n
        if seen >= rank:
            return value
    return ordered[-1][0]


def count_if(cond: ColumnElement[bool]) -> Any:
    return func.sum(case((cond, 1), else_=0))


def grouped(scope: q.Scope, key: Any, where: list[ColumnElement[bool]], *cols: Any) -> list[Any]:
    stmt = select(key.label("k"), *cols).where(q.in_department(scope), *where).group_by(key)
    return list(db.session.execute(stmt))


def vendor_names() -> dict[int, str]:
    return {vid: name for vid, name in db.session.execute(select(Vendor.id, Vendor.name))}


def vendor_key(vendor_id: int | None) -> str:
    return str(vendor_id) if vendor_id is not None else q.NO_VENDOR


def requests_table(scope: q.Scope) -> Table:
    """Requests by language x kind x channel (a request counts once per target language).

    Grouped department by department in the order of the index that leads with the grouping
    (no sort; the period only filters), the departments' groups added up here.
    """
    keys = (Job.department_id, Job.kind, Job.language, Job.channel)
    submitted = sqlexpr.scanned(scope.dialect, Job.submitted_on)
    stmt = (
        select(*keys, func.count(Job.id))
        .where(q.in_department(scope), submitted.between(scope.start, scope.end))
        .group_by(*keys)
    )
    counts: dict[tuple[str, str, str], int] = defaultdict(int)
    for _dept, kind, language, channel, n in streaming.converted(stmt):
        counts[(language, kind, channel)] += n
    table = Table(
        "requests",
        _("Requests by language, kind and channel"),
        [_("Language"), _("Kind"), _("Channel"), _("Requests")],
        note=_("A request counts once for each language it asks for."),
    )
    per_language: dict[str, int] = defaultdict(int)
    for (language, kind, channel), n in sorted(counts.items()):
        drill = {"section": "requests", "language": language, "kind": kind, "channel": channel}
        table.rows.append(
            [
                Cell(display_name(language)),
                Cell(labels.label(labels.KIND_LABELS, kind)),
                Cell(labels.label(labels.CHANNEL_LABELS, channel)),
                Cell(n, INT, drill),
            ]
        )
        per_language[language] += n
    total = sum(per_language.values())
    table.rows.append(
        [Cell(_("All")), Cell(""), Cell(""), Cell(total, INT, {"section": "requests"})]
    )
    table.chart = BarChart(
        _("Requests per language"),
        [Bar(display_name(k), v) for k, v in sorted(per_language.items())],
        max(per_language.values(), default=0),
    )
    return table


class Completions(NamedTuple):
    """A group of jobs completed in the period (done) or open past due (not done)."""

    department_id: int
    language: str
    vendor_id: int | None
    measured: bool  # of a kind held to the on-time target
    done: bool
    days: int | None  # turnaround, for completions
    jobs: int
    on_time: int
    minutes: int
    cost: Decimal | None


def completion_groups(scope: q.Scope) -> list[Completions]:
    """queries.completion_groups' rows: on-time figures, turnaround and cost from one pass."""
    kinds = set(scope.rules.measured_kinds)
    return [  # tens of thousands of groups at a million requests: one string per language
        Completions(
            r.department_id,
            sys.intern(r.language),
            r.vendor_id,
            r.kind in kinds,
            bool(r.done),
            r.days,
            r.jobs,
            int(r.on_time or 0),
            int(r.minutes or 0),
            r.cost,
        )
        for r in streaming.converted(q.completion_groups(scope))
    ]


def _ontime_table(
    scope: q.Scope,
    groups: list[Completions],
    column: str,
    name: Callable[[Any], str],
    drill_key: str,
    title: str,
    first: str,
) -> Table:
    """On-time rate and turnaround grouped by language or vendor, with a total row."""
    counts: dict[Any, list[int]] = {}
    by_key: dict[Any, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    everything: dict[int, int] = defaultdict(int)
    for row in groups:
        if not row.measured:
            continue
        k, days, n = getattr(row, column), row.days, row.jobs
        tally = counts.setdefault(k, [0, 0])
        tally[0] += n
        tally[1] += row.on_time
        if row.done:
            if days is None:
                raise LookupError(f"no turnaround for a job of {k!r}")  # outside the calendar
            by_key[k][days] += n
            everything[days] += n
    target = scope.rules.on_time_target_percent
    table = Table(
        key=f"ontime_{drill_key}",
        title=title,
        columns=[
            first,
            _("Jobs measured"),
            _("On time"),
            _("Late"),
            _("On-time rate"),
            _("Target"),
            _("Meets target"),
            _("Median turnaround (days)"),
            _("90th percentile (days)"),
        ],
    )
    totals = [0, 0]
    for k in sorted(counts, key=lambda key: name(key).lower()):
        measured, on_time = counts[k]
        totals[0] += measured
        totals[1] += on_time
        table.rows.append(
            _ontime_row(
                name(k),
                {drill_key: _drill_value(drill_key, k)},
                measured,
                on_time,
                list(by_key[k].items()),
                target,
            )
        )
    table.rows.append(
        _ontime_row(_("All"), {}, totals[0], totals[1], list(everything.items()), target)
    )
    table.chart = percent_chart(
        _("On-time rate"), [Bar(r[0].text, r[4].value or 0.0) for r in table.rows[:-1]], target
    )
    return table


def _drill_value(drill_key: str, k: Any) -> str:
    return vendor_key(k) if drill_key == "vendor" else str(k)


def _ontime_row(
    label: str,
    filters: dict[str, str],
    measured: int,
    on_time: int,
    pairs: list[tuple[int, int]],
    target: float,
) -> list[Cell]:
    base = {"section": "ontime", **filters}
    rate = pct(on_time, measured)
    return [
        Cell(label),
        Cell(measured, INT, base),
        Cell(on_time, INT, {**base, "state": "on_time"}),
        Cell(measured - on_time, INT, {**base, "state": "late"}),
        Cell(rate, PERCENT, base),
        Cell(target, PERCENT),
        Cell(None if rate is None else (_("yes") if rate >= target else _("no"))),
        Cell(grouped_percentile(pairs, 50), DAYS, {**base, "state": "completed"}),
        Cell(grouped_percentile(pairs, 90), DAYS, {**base, "state": "completed"}),
    ]


def ontime_tables(scope: q.Scope, groups: list[Completions]) -> list[Table]:
    """On time by language and by vendor, from completion_groups()."""
    names = vendor_names()
    return [
        _ontime_table(
            scope,
            groups,
            "language",
            display_name,
            "language",
            _("On time, by language"),
            _("Language"),
        ),
        _ontime_table(
            scope,
            groups,
            "vendor_id",
            lambda v: names.get(v, _("No vendor")) if v is not None else _("No vendor"),
            "vendor",
            _("On time, by vendor"),
            _("Vendor"),
        ),
    ]


def open_tables(scope: q.Scope, details: bool = True) -> list[Table]:
    """Open and overdue jobs at the end of the period: by language, and each one with its age."""
    age = q.age_days(scope).label("age")
    overdue = case((Job.due_date < scope.end, 1), else_=0).label("overdue")
    by_lang: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
    # the language as an expression: grouped in the order of its own index, that index would
    # be walked whole instead of the open jobs' range of closed_on
    language_ = sqlexpr.scanned(scope.dialect, Job.language)
    for part in q.open_parts(scope):  # each one index range; a language's groups add up
        stmt = (
            select(language_, age, overdue, func.count(Job.id))
            .where(q.in_department(scope), part)
            .group_by(language_, age, overdue)
        )
        for language, days, late, n in streaming.converted(stmt):
            by_lang[language].append((days, late, n))
    summary = Table(
        "open",
        _("Open and overdue jobs at the end of the period"),
        [_("Language"), _("Open"), _("Overdue"), _("Median age (days)"), _("Oldest (days)")],
        note=_("Age: calendar days from submission to the last day of the period."),
    )
    for language in sorted(by_lang, key=display_name):
        summary.rows.append(
            _open_row(display_name(language), {"language": language}, by_lang[language])
        )
    everything = [g for groups in by_lang.values() for g in groups]
    summary.rows.append(_open_row(_("All"), {}, everything))
    detail = Table(
        "open_jobs",
        _("Each open job at the end of the period"),
        [
            _("Request"),
            _("Department"),
            _("Language"),
            _("Status"),
            _("Due"),
            _("Age (days)"),
            _("Overdue"),
        ],
        detail=True,
        drill={"section": "open"},
    )
    if not details:
        return [summary, detail]
    list_stmt = (  # values as text and numbers: the rows need no conversion (streaming.rows)
        select(
            Request.number,
            Department.slug,
            Job.language,
            sqlexpr.as_text(Job.status),
            sqlexpr.as_text(Job.due_date),
            q.age_days(scope),
            overdue,
        )
        .select_from(Job)
        .join(Request, Request.id == Job.request_id)
        .join(Department, Department.id == Request.department_id)
        .where(q.in_department(scope), q.open_at_end(scope))
        .order_by(Request.created_at, Job.id)
    )
    status_names = {s: labels.label(labels.STATUS_LABELS, s) for s in JobStatus}
    words = {True: _("yes"), False: _("no")}

    def open_rows() -> Iterator[list[Cell]]:
        for number, dept, language, status, due, days, late in streaming.rows(list_stmt):
            yield [
                Cell(number),
                Cell(dept),
                Cell(language),
                Cell(status_names.get(status) or labels.label(labels.STATUS_LABELS, status)),
                Cell(due),
                Cell(days, INT),
                Cell(words[bool(late)]),
            ]

    detail.source = open_rows
    return [summary, detail]


def _open_row(
    label: str, filters: dict[str, str], groups: list[tuple[int, int, int]]
) -> list[Cell]:
    base = {"section": "open", **filters}
    ages = [(days, n) for days, _late, n in groups]
    return [
        Cell(label),
        Cell(sum(n for *_x, n in groups), INT, base),
        Cell(sum(n for _d, late, n in groups if late), INT, {**base, "state": "overdue"}),
        Cell(grouped_percentile(ages, 50), DAYS, base),
        Cell(max((float(d) for d, n in ages if n), default=None), DAYS, base),
    ]
