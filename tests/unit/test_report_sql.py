"""The report's SQL building blocks agree with the Python they replace (calendar, guard)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from sqlalchemy import Date, create_engine, literal, select, type_coerce

from app.exports import safe_cell
from app.policy import load_policy
from app.reports import sqlexpr
from app.reports.charts import chart_svg
from app.reports.model import Bar, BarChart

POLICY = load_policy("app/policy.toml")
YEARS = (2024, 2027)


def test_day_counter_matches_the_policy_calendar() -> None:
    from app.reports.figures import day_counter

    scope = SimpleNamespace(policy=POLICY, rules=POLICY.compliance)
    days = [date(2025, 1, 1) + timedelta(days=i) for i in range(0, 700, 3)]
    count = day_counter(scope, days)  # type: ignore[arg-type]
    for a, b in zip(days, days[5:], strict=False):
        assert count(a, b) == POLICY.calendar.business_days_between(a, b), (a, b)
    assert count(date(2026, 3, 30), date(2026, 4, 3)) == 3  # Good Friday is no business day


def test_local_date_in_sqlite_follows_daylight_saving() -> None:
    engine = create_engine("sqlite://")
    ny = ZoneInfo("America/New_York")
    moments = [
        datetime(2026, 3, 8, 6, 59, tzinfo=UTC),  # 01:59 EST
        datetime(2026, 3, 8, 7, 1, tzinfo=UTC),  # 03:01 EDT
        datetime(2026, 7, 1, 3, 30, tzinfo=UTC),  # 23:30 the day before, EDT
        datetime(2026, 12, 1, 4, 30, tzinfo=UTC),  # 23:30 the day before, EST
    ]
    with engine.connect() as conn:
        for moment in moments:
            stored = literal(moment.strftime("%Y-%m-%d %H:%M:%S.%f"))
            expr = sqlexpr.local_date("sqlite", stored, "America/New_York", YEARS)
            assert conn.scalar(select(type_coerce(expr, Date))) == moment.astimezone(ny).date()


def test_guarded_text_in_sql_equals_safe_cell() -> None:
    conn = sqlite3.connect(":memory:")
    engine = create_engine("sqlite://", creator=lambda: conn)
    values = ["=1+1", "+Plus", "-5", "@SUM(A1)", "\tx", "\rx", "plain", "'=already", ""]
    with engine.connect() as c:
        for value in values:
            got = c.scalar(select(sqlexpr.guarded_text(literal(value))))
            assert got == safe_cell(value), value


def test_chart_svg_escapes_labels_and_has_a_text_alternative() -> None:
    svg = str(chart_svg(BarChart("On <time>", [Bar("<b>", 50.0)], 100.0, "%", 95.0, "T"), "c1"))
    assert "<b>" not in svg and "&lt;b&gt;" in svg
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    assert "style=" not in svg
