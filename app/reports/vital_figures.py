"""Vital documents coverage: each vital request against the priority languages."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import and_, func, select

from app.extensions import db
from app.languages import PRIORITY_CODES, display_name
from app.reports import queries as q
from app.reports import sqlexpr, streaming
from app.reports.figures import pct, percent_chart
from app.reports.model import INT, PERCENT, Bar, Cell, Table
from app.requests.models import Job, Request


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
    # grouped by an expression: in the order of the department's index, SQLite would walk it
    # (every request of the period) instead of the vital requests' own
    department = sqlexpr.scanned(scope.dialect, Request.department_id)
    docs_stmt = (
        select(department, func.count(Request.id))
        .where(q.vital_requests(scope))
        .group_by(department)
    )
    docs = {dept: int(n) for dept, n in db.session.execute(docs_stmt)}
    return by_dept, docs


def department_vital(vital: VitalCounts, department_id: int | None) -> VitalCounts:
    """The citywide vital_counts() narrowed to one department (None: all of them)."""
    if department_id is None:
        return vital
    by_dept, docs = vital
    languages = by_dept.get(department_id)
    return ({department_id: languages} if languages else {}), (
        {department_id: docs[department_id]} if department_id in docs else {}
    )


def vital_tables(scope: q.Scope, details: bool, vital: VitalCounts) -> list[Table]:
    """Each vital document against the priority languages: translated and reviewed or not."""
    by_dept, per_dept_docs = vital
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
    summary.chart = percent_chart(
        _("Vital documents translated and reviewed"),
        [Bar(r[0].text, r[5].value or 0.0) for r in summary.rows[:-1]],
        target,
    )
    return [summary, _vital_matrix(scope, details)]


def _vital_matrix(scope: q.Scope, details: bool) -> Table:
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
    # One pass: each vital request (from its own index) with its priority-language jobs, in
    # id order by a sort of those few rows, not a walk of every request.
    request_id = sqlexpr.scanned(scope.dialect, Request.id)
    language = sqlexpr.scanned(scope.dialect, Job.language)
    stmt = (
        select(
            Request.id, Request.number, Request.title, Job.language, func.max(q.vital_state(scope))
        )
        .select_from(Request)
        .outerjoin(Job, and_(Job.request_id == Request.id, language.in_(PRIORITY_CODES)))
        .where(q.vital_requests(scope))
        .group_by(request_id, Job.language)
        .order_by(request_id)
    )

    def matrix_rows() -> Iterator[list[Cell]]:
        current: list[Any] | None = None
        found: dict[str, int] = {}
        for rid, number, title, language, state in streaming.rows(stmt):
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
