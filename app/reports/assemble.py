"""The citywide roll-up, the summary, the definitions, and the whole report put together."""

from __future__ import annotations

from datetime import UTC, datetime

from flask_babel import gettext as _
from sqlalchemy import func, literal, select

from app import labels
from app.auth.models import Department
from app.extensions import db
from app.languages import PRIORITY_CODES
from app.reports import queries as q
from app.reports.figures import (
    Completions,
    completion_groups,
    count_if,
    grouped,
    ontime_tables,
    open_tables,
    pct,
    percent_chart,
    requests_table,
)
from app.reports.model import INT, PERCENT, Bar, Cell, Report, Table
from app.reports.vital_figures import VitalCounts, department_vital, vital_counts, vital_tables
from app.reports.work_figures import cost_table, glossary_table, interpretation_tables
from app.requests.models import Job


def rollup_table(scope: q.Scope, groups: list[Completions], vital: VitalCounts) -> Table:
    """Every department ranked by on-time rate, then vital coverage (both highest first).

    `groups` (the report's completion_groups()) holds every department's figures when the
    report is citywide; `vital` (vital_counts() of the citywide scope) always does.
    """
    city = scope.citywide()
    ontime: dict[int, tuple[int, int]] = {}
    if scope.department_id is None:
        for row in groups:
            if row.measured:
                measured, on_time = ontime.get(row.department_id, (0, 0))
                ontime[row.department_id] = (measured + row.jobs, on_time + row.on_time)
    else:
        completed, *still_open = q.measured_parts(city)  # each one index range, summed here
        parts = [(completed, count_if(q.done_on_time()))]
        parts += [(part, literal(0)) for part in still_open]  # open: never on time
        for part, counted_on_time in parts:
            for dept, n, n_on_time in grouped(
                city, Job.department_id, [part], func.count(Job.id), counted_on_time
            ):
                measured, on_time = ontime.get(dept, (0, 0))
                ontime[dept] = (measured + n, on_time + (n_on_time or 0))
    by_dept, docs = vital
    done = {
        dept: sum(states.get(2, 0) for states in languages.values())
        for dept, languages in by_dept.items()
    }
    ranked = []
    for dept_id, slug, name in db.session.execute(
        select(Department.id, Department.slug, Department.name)
    ):
        measured, on_time = ontime.get(dept_id, (0, 0))
        coverage = pct(done.get(dept_id, 0) or 0, docs.get(dept_id, 0) * len(PRIORITY_CODES))
        ranked.append((slug, name, measured, pct(on_time, measured), coverage))
    ranked.sort(
        key=lambda r: (
            -(r[3] if r[3] is not None else -1),
            -(r[4] if r[4] is not None else -1),
            r[1].lower(),
        )
    )
    rules = scope.rules
    table = Table(
        "rollup",
        _("Citywide: departments ranked by compliance"),
        [
            _("Rank"),
            _("Department"),
            _("Jobs measured"),
            _("On-time rate"),
            _("Vital coverage"),
            _("Meets targets"),
        ],
        note=_("Ranked by on-time rate, then by vital documents coverage."),
    )
    for rank, (slug, name, measured, rate, coverage) in enumerate(ranked, start=1):
        meets = (rate is None or rate >= rules.on_time_target_percent) and (
            coverage is None or coverage >= rules.vital_target_percent
        )
        base = {"section": "ontime", "department": slug}
        table.rows.append(
            [
                Cell(rank, INT),
                Cell(name),
                Cell(measured, INT, base),
                Cell(rate, PERCENT, base),
                Cell(coverage, PERCENT, {"section": "vital", "department": slug}),
                Cell(_("yes") if meets else _("no")),
            ]
        )
    table.chart = percent_chart(
        _("On-time rate by department"),
        [Bar(r[1].text, r[3].value or 0.0) for r in table.rows],
        rules.on_time_target_percent,
    )
    return table


def summary_table(tables: dict[str, Table], scope: q.Scope) -> Table:
    """The headline figures, each the total row of its section."""

    def total(key: str, col: int) -> Cell:
        return tables[key].rows[-1][col]

    rules = scope.rules
    table = Table("summary", _("Summary"), [_("Figure"), _("Value"), _("Target")])
    table.rows = [
        [
            Cell(_("On-time rate")),
            total("ontime_language", 4),
            Cell(rules.on_time_target_percent, PERCENT),
        ],
        [
            Cell(_("Vital documents coverage")),
            total("vital", 5),
            Cell(rules.vital_target_percent, PERCENT),
        ],
        [Cell(_("Median turnaround (days)")), total("ontime_language", 7), Cell(None)],
        [Cell(_("Open jobs at the end of the period")), total("open", 1), Cell(None)],
        [Cell(_("Overdue jobs at the end of the period")), total("open", 2), Cell(None)],
        [Cell(_("Interpretation fill rate")), total("interpretation", 4), Cell(None)],
        [Cell(_("Glossary check pass rate")), total("glossary", 4), Cell(None)],
        [Cell(_("Cost")), total("cost", 4), Cell(None)],
    ]
    return table


def about(scope: q.Scope) -> list[tuple[str, str]]:
    """The definitions the figures use, stated in every format."""
    rules = scope.rules
    days = _("business days") if rules.turnaround_days == "business" else _("calendar days")
    kinds = ", ".join(labels.label(labels.KIND_LABELS, k) for k in rules.measured_kinds)
    late = (
        _("Jobs still open past their due date at the end of the period count as late.")
        if rules.open_past_due_is_late
        else ""
    )
    return [
        (_("Policy version"), scope.policy.version),
        (
            _("Period"),
            f"{scope.start.isoformat()} – {scope.end.isoformat()} "
            f"({scope.policy.calendar.timezone.key})",
        ),
        (
            _("Turnaround"),
            _(
                "%(days)s from the request's submission to the job's completion. It is counted "
                "once, when the job is completed, by the holiday calendar in force that day; a "
                "later change to the calendar does not recount it.",
                days=days,
            ),
        ),
        (
            _("On time"),
            " ".join(
                filter(
                    None,
                    [
                        _(
                            "A job (%(kinds)s) completed in the period on or before its due date.",
                            kinds=kinds,
                        ),
                        late,
                    ],
                )
            ),
        ),
        (_("Privacy"), _("Reports never contain residents' names or phone numbers.")),
    ]


def build_report(scope: q.Scope, department: Department | None, details: bool = True) -> Report:
    """Every section of the report; `details` fills the row-level sections (exports only)."""
    groups = completion_groups(scope)
    vital = vital_counts(scope.citywide())  # every department's: the roll-up's too
    tables: list[Table] = [
        requests_table(scope),
        *ontime_tables(scope, groups),
        *open_tables(scope, details),
        *vital_tables(scope, details, department_vital(vital, scope.department_id)),
        *interpretation_tables(scope),
        glossary_table(scope),
        cost_table(scope, groups),
        rollup_table(scope, groups, vital),
    ]
    by_key = {t.key: t for t in tables}
    return Report(
        department=department.name if department else _("All departments"),
        department_slug=department.slug if department else "",
        start=scope.start,
        end=scope.end,
        policy_version=scope.policy.version,
        generated_at=datetime.now(UTC),
        about=about(scope),
        tables=[summary_table(by_key, scope), *tables],
    )
