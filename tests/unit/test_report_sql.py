"""The report's SQL building blocks agree with the Python they replace (calendar, guard)."""

from __future__ import annotations

import csv
import io
import random
import sqlite3
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Date, create_engine, literal, literal_column, select, text, type_coerce

from app.exports import safe_cell
from app.policy import load_policy
from app.reports import sqlexpr
from app.reports.charts import chart_svg
from app.reports.model import Bar, BarChart

POLICY = load_policy("app/policy.toml")
YEARS = (2024, 2027)


def test_business_ordinals_match_the_policy_calendar() -> None:
    from app.requests.facts import business_ordinals

    days = [date(2025, 1, 1) + timedelta(days=i) for i in range(0, 700, 3)]
    ordinal = business_ordinals(POLICY.calendar, days[0], days[-1])

    def count(a: date, b: date) -> int:
        return ordinal[b] - ordinal[a]

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


def test_local_date_in_sqlite_at_every_quarter_hour_around_the_changes() -> None:
    """The time-of-day shortcut and the offset look-up together give zoneinfo's day."""
    engine = create_engine("sqlite://")
    ny = ZoneInfo("America/New_York")
    days = [date(2025, 3, 9), date(2025, 11, 2), date(2026, 3, 8), date(2026, 11, 1)]
    days += [date(2026, 1, 15), date(2026, 7, 4), date(2024, 12, 31)]
    moments = [
        datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(minutes=15 * i)
        for day in days
        for i in range(-8, 104)
    ]
    expr = sqlexpr.local_date("sqlite", literal_column("moment"), "America/New_York", YEARS)
    with engine.connect() as conn:
        conn.execute(text("CREATE TEMP TABLE moments (moment TEXT)"))
        conn.execute(
            text("INSERT INTO moments VALUES (:m)"),
            [{"m": m.strftime("%Y-%m-%d %H:%M:%S.%f")} for m in moments],
        )
        stmt = select(type_coerce(expr, Date)).select_from(text("moments")).order_by(text("rowid"))
        got = conn.execute(stmt).scalars().all()
    assert got == [m.astimezone(ny).date() for m in moments]


def test_grouped_percentile_equals_the_nearest_rank_of_the_values() -> None:
    from app.reports.figures import grouped_percentile
    from app.vendors.scorecards import percentile

    rng = random.Random(7)
    for _ in range(200):
        groups = [(rng.randint(0, 20), rng.randint(0, 4)) for _ in range(rng.randint(0, 8))]
        values = [float(v) for v, n in groups for _ in range(n)]
        for pct in (50, 90, 10, 100):
            assert grouped_percentile(groups, pct) == percentile(values, pct), (groups, pct)


def test_guarded_text_in_sql_equals_safe_cell() -> None:
    conn = sqlite3.connect(":memory:")
    engine = create_engine("sqlite://", creator=lambda: conn)
    values = ["=1+1", "+Plus", "-5", "@SUM(A1)", "\tx", "\rx", "plain", "'=already", ""]
    with engine.connect() as c:
        for value in values:
            got = c.scalar(select(sqlexpr.guarded_text(literal(value))))
            assert got == safe_cell(value), value


def test_csv_lines_in_sql_equal_the_csv_module() -> None:
    """export_lines' rendering: the same text csv.writer makes of the same values."""
    values: list[object] = ["a,b", 'say "hi"', "two\nlines", "cr\rhere", "plain", "", None]
    values += ["'=guarded", "ünïcode, ok", 0, 45, 12.5, 100.0, 0.07, 1234567.89, None]
    row = [literal(v) if v is not None else literal(None) for v in values]
    conn = sqlite3.connect(":memory:")
    engine = create_engine("sqlite://", creator=lambda: conn)
    fields = [sqlexpr.csv_field(v, isinstance(values[i], str)) for i, v in enumerate(row)]
    with engine.connect() as c:
        line = c.scalar(select(sqlexpr.csv_line(fields)))
        floats = c.scalar(select(sqlexpr.csv_line([sqlexpr.csv_field(v, False) for v in row[-6:]])))
    buf = io.StringIO()
    csv.writer(buf).writerow(values)
    assert line == buf.getvalue()
    buf = io.StringIO()
    csv.writer(buf).writerow(values[-6:])
    assert floats == buf.getvalue()


def test_minutes_between_floors_whole_minutes() -> None:
    engine = create_engine("sqlite://")
    start = datetime(2026, 3, 17, 3, 30, tzinfo=UTC)
    with engine.connect() as conn:
        for after in (0, 59.999, 60, 5400.5, 86400 * 3 + 59.9):
            end = start + timedelta(seconds=after)
            stored = [literal(m.strftime("%Y-%m-%d %H:%M:%S.%f")) for m in (start, end)]
            got = conn.scalar(select(sqlexpr.minutes_between("sqlite", *stored)))
            assert got == (end - start) // timedelta(minutes=1), after


def test_chart_svg_escapes_labels_and_has_a_text_alternative() -> None:
    svg = str(chart_svg(BarChart("On <time>", [Bar("<b>", 50.0)], 100.0, "%", 95.0, "T"), "c1"))
    assert "<b>" not in svg and "&lt;b&gt;" in svg
    assert 'role="img"' in svg and "<title" in svg and "<desc" in svg
    assert "style=" not in svg
