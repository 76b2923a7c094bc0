"""The report's figures, aggregated in SQL; Python only shapes the (small) grouped results.

This module: demand, punctuality, open work and vital documents, plus the shared helpers.
"""

from __future__ import annotations

import math
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
from app.languages import PRIORITY_CODES, display_name
from app.reports import queries as q
from app.reports import sqlexpr
from app.reports.model import DAYS, INT, PERCENT, Bar, BarChart, Cell, Table
from app.requests.models import Job, JobStatus, Request
from app.vendors.models import Vendor

#: Rows fetched at a time where a section streams its rows.
STREAM_BATCH = 20_000


def pct(part: int, whole: int) -> float | None:
    return 100 * part / whole if whole else None


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
    """Requests by language x kind x channel (a request counts once per target language)."""
    stmt = (
        select(Job.language, Job.kind, Job.channel, func.count(Job.id))
        .where(q.in_department(scope), q.submitted_in(scope))
        .group_by(Job.language, Job.kind, Job.channel)
        .order_by(Job.language, Job.kind, Job.channel)
    )
    table = Table(
        "requests",
        _("Requests by language, kind and channel"),
        [_("Language"), _("Kind"), _("Channel"), _("Requests")],
        note=_("A request counts once for each language it asks for."),
    )
    per_language: dict[str, int] = defaultdict(int)
    for language, kind, channel, n in db.session.execute(stmt):
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
    return [
        Completions(
            r.department_id,
            r.language,
            r.vendor_id,
            r.kind in kinds,
            bool(r.done),
            r.days,
            r.jobs,
            int(r.on_time or 0),
            int(r.minutes or 0),
            r.cost,
        )
        for r in db.session.execute(q.completion_groups(scope))
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
    table.chart = BarChart(
        _("On-time rate"),
        [Bar(r[0].text, r[4].value or 0.0) for r in table.rows[:-1]],
        100.0,
        "%",
        target,
        _("Target %(target)s%%", target=format(target, "g")),
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
    for part in q.open_parts(scope):  # each one index range; a language's groups add up
        stmt = (
            select(Job.language, age, overdue, func.count(Job.id))
            .where(q.in_department(scope), part)
            .group_by(Job.language, age, overdue)
        )
        for language, days, late, n in db.session.execute(stmt):
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
    list_stmt = (
        select(
            Request.number,
            Department.slug,
            Job.language,
            Job.status,
            Job.due_date,
            q.age_days(scope),
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
        for number, dept, language, status, due, days in streamed(list_stmt):
            yield [
                Cell(number),
                Cell(dept),
                Cell(language),
                Cell(status_names.get(status) or labels.label(labels.STATUS_LABELS, status)),
                Cell(due),
                Cell(days, INT),
                Cell(words[due < scope.end]),
            ]

    detail.source = open_rows
    return [summary, detail]


def streamed(stmt: Any) -> Iterator[Any]:
    """A query's rows a batch at a time (a server-side cursor on PostgreSQL), not all at once."""
    result = db.session.connection().execute(stmt.execution_options(yield_per=STREAM_BATCH))
    for part in result.partitions():
        yield from part


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


def vital_states(scope: q.Scope) -> Any:
    """Per vital request and priority language, the best state of its jobs (2, 1 or 0)."""
    return (
        select(
            Request.id.label("request_id"),
            Request.department_id.label("department_id"),
            Job.language.label("language"),
            func.max(q.vital_state(scope)).label("state"),
        )
        .join(Request, Request.id == Job.request_id)
        .where(
            q.request_in_department(scope),
            q.vital_requests(scope),
            # a filter on each request's few jobs, not eleven look-ups per request
            sqlexpr.scanned(scope.dialect, Job.language).in_(PRIORITY_CODES),
        )
        .group_by(Request.id, Request.department_id, Job.language)
        .subquery()
    )


#: Per department: per language, vital documents in each state (2, 1, 0); and documents.
VitalCounts = tuple[dict[int, dict[str, dict[int, int]]], dict[int, int]]


def vital_counts(scope: q.Scope) -> VitalCounts:
    """The vital-coverage counts of each department in the scope (the section and roll-up)."""
    states = vital_states(scope)
    by_dept: dict[int, dict[str, dict[int, int]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(int))
    )
    stmt = select(states.c.department_id, states.c.language, states.c.state, func.count()).group_by(
        states.c.department_id, states.c.language, states.c.state
    )
    for dept, language, state, n in db.session.execute(stmt):
        by_dept[dept][language][state] += n
    docs_stmt = (
        select(Request.department_id, func.count(Request.id))
        .where(q.request_in_department(scope), q.vital_requests(scope))
        .group_by(Request.department_id)
    )
    docs = {dept: int(n) for dept, n in db.session.execute(docs_stmt)}
    return by_dept, docs


def vital_tables(
    scope: q.Scope, details: bool = True, vital: VitalCounts | None = None
) -> list[Table]:
    """Each vital document against the priority languages: translated and reviewed or not."""
    by_dept, per_dept_docs = vital if vital is not None else vital_counts(scope)
    counts: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for languages in by_dept.values():
        for language, states in languages.items():
            for state, n in states.items():
                counts[language][state] += n
    docs = sum(per_dept_docs.values())
    target = scope.rules.vital_target_percent
    summary = Table(
        "vital",
        _("Vital documents coverage"),
        [
            _("Language"),
            _("Vital documents"),
            _("Translated and human-reviewed"),
            _("Requested, not done"),
            _("Not requested"),
            _("Coverage"),
        ],
        note=_(
            "Translated and human-reviewed: a job in the language completed with a delivery "
            "the department accepted. A machine draft alone never counts."
        ),
    )
    total_done = 0
    for language in PRIORITY_CODES:
        done, asked = counts[language][2], counts[language][1]
        total_done += done
        base = {"section": "vital", "language": language}
        summary.rows.append(
            [
                Cell(display_name(language)),
                Cell(docs, INT, {"section": "vital"}),
                Cell(done, INT, {**base, "state": "done"}),
                Cell(asked, INT, {**base, "state": "requested"}),
                Cell(docs - done - asked, INT, {**base, "state": "missing"}),
                Cell(pct(done, docs), PERCENT, base),
            ]
        )
    cells = docs * len(PRIORITY_CODES)
    summary.rows.append(
        [
            Cell(_("All")),
            Cell(docs, INT, {"section": "vital"}),
            Cell(total_done, INT),
            Cell(None),
            Cell(None),
            Cell(pct(total_done, cells), PERCENT),
        ]
    )
    summary.chart = BarChart(
        _("Vital documents translated and reviewed"),
        [Bar(r[0].text, r[5].value or 0.0) for r in summary.rows[:-1]],
        100.0,
        "%",
        target,
        _("Target %(target)s%%", target=format(target, "g")),
    )
    return [summary, _vital_matrix(scope, vital_states(scope), details)]


def _vital_matrix(scope: q.Scope, states: Any, details: bool) -> Table:
    words = {2: _("translated and reviewed"), 1: _("requested, not done")}
    matrix = Table(
        "vital_documents",
        _("Each vital document"),
        [_("Request"), _("Title"), *[display_name(c) for c in PRIORITY_CODES]],
        detail=True,
        drill={"section": "vital"},
    )
    if not details:
        return matrix
    stmt = (
        select(Request.id, Request.number, Request.title, states.c.language, states.c.state)
        .outerjoin(states, states.c.request_id == Request.id)
        .where(q.request_in_department(scope), q.vital_requests(scope))
        .order_by(Request.id)
    )

    def matrix_rows() -> Iterator[list[Cell]]:
        current: list[Any] | None = None
        found: dict[str, int] = {}
        for rid, number, title, language, state in streamed(stmt):
            if current is None or current[0] != rid:
                if current is not None:
                    yield _matrix_row(current, found, words)
                current, found = [rid, number, title], {}
            if language:
                found[language] = state
        if current is not None:
            yield _matrix_row(current, found, words)

    matrix.source = matrix_rows
    return matrix


def _matrix_row(doc: list[Any], found: dict[str, int], words: dict[int, str]) -> list[Cell]:
    missing = _("not requested")
    return [
        Cell(doc[1]),
        Cell(doc[2]),
        *[Cell(words.get(found.get(c, 0), missing)) for c in PRIORITY_CODES],
    ]
