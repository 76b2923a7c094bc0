"""SQL expressions the reports aggregate with, the same meaning on SQLite and PostgreSQL.

Dates are the city's local days: PostgreSQL converts with its time-zone database; SQLite has
none, so its expression carries the zone's UTC offsets for the years a report can touch, taken
from zoneinfo. The report itself reads the days stored on each job (app/requests/facts.py);
local_date fills them for existing rows (the 8d0ffee00002 migration).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Date,
    Float,
    Integer,
    Numeric,
    String,
    case,
    cast,
    func,
    literal,
    literal_column,
    type_coerce,
)
from sqlalchemy.sql import operators
from sqlalchemy.sql.elements import ColumnElement, UnaryExpression

from app.exports import FORMULA_START

EPOCH = date(1970, 1, 1)


@lru_cache(maxsize=32)
def utc_offsets(zone: str, first_year: int, last_year: int) -> tuple[tuple[datetime, int], ...]:
    """(UTC instant, offset in minutes from then on) for each change of offset in the years."""
    tz = ZoneInfo(zone)
    moment = datetime(first_year, 1, 1, tzinfo=UTC)
    stop = datetime(last_year + 1, 1, 1, tzinfo=UTC)
    current = _offset(moment, tz)
    changes = [(moment, current)]
    while moment < stop:
        moment += timedelta(hours=1)
        offset = _offset(moment, tz)
        if offset != current:
            changes.append((moment, offset))
            current = offset
    return tuple(changes)


def _offset(moment: datetime, tz: ZoneInfo) -> int:
    delta = moment.astimezone(tz).utcoffset()
    return int(delta.total_seconds() // 60) if delta else 0


def local_date(dialect: str, column: Any, zone: str, years: tuple[int, int]) -> ColumnElement[date]:
    """The city-local day of a UTC timestamp column."""
    if dialect == "postgresql":
        return cast(func.timezone(zone, column), Date)
    changes = utc_offsets(zone, *years)
    usual = max({o for _, o in changes}, key=lambda o: sum(1 for _, x in changes if x == o))
    whens = []
    for i, (since, offset) in enumerate(changes):
        if offset == usual:
            continue
        until = changes[i + 1][0] if i + 1 < len(changes) else None
        cond = column >= since if until is None else (column >= since) & (column < until)
        whens.append((cond, f"{offset:+d} minutes"))
    modifier: Any = case(*whens, else_=f"{usual:+d} minutes") if whens else f"{usual:+d} minutes"
    exact = func.date(column, modifier)
    fast = _same_day_shifts({o for _, o in changes})
    if not fast:
        return type_coerce(exact, Date)
    # Most times of day fall on the same local day whatever the offset: there the day comes
    # from the time of day alone, and only the rest look the offset up.
    clock = func.substr(column, 12, 5)  # "HH:MM" of SQLite's "YYYY-MM-DD HH:MM:SS.ffffff"
    shifted = {0: func.substr(column, 1, 10), -1: func.date(column, "-1 day")}
    shifted[1] = func.date(column, "+1 day")
    branches = [
        (
            (clock >= f"{lo // 60:02d}:{lo % 60:02d}") & (clock < f"{hi // 60:02d}:{hi % 60:02d}"),
            shifted[shift],
        )
        for lo, hi, shift in fast
    ]
    return type_coerce(case(*branches, else_=exact), Date)


def _same_day_shifts(offsets: set[int]) -> list[tuple[int, int, int]]:
    """(from, to, day shift): UTC times of day (minutes) where every offset gives that shift."""
    cuts = sorted({0, 1440, *((-o) % 1440 for o in offsets)})
    spans = []
    for lo, hi in zip(cuts, cuts[1:], strict=False):
        shifts = {(lo + o) // 1440 for o in offsets}
        if len(shifts) == 1 and lo < hi:
            spans.append((lo, hi, shifts.pop()))
    return sorted(spans, key=lambda s: s[0] - s[1])  # the widest first


def epoch_days(dialect: str, day: Any) -> ColumnElement[int]:
    """Days since 1970-01-01 of a date expression."""
    if dialect == "postgresql":
        return type_coerce(day - cast(literal(EPOCH.isoformat()), Date), Integer)
    return cast(func.julianday(day) - 2440587.5, Integer)


def minutes_between(dialect: str, start: Any, end: Any) -> ColumnElement[int]:
    """Whole minutes (floored) from one UTC timestamp to a later one.

    SQLite counts from the milliseconds between them (its date functions' resolution),
    rounded to a whole number first so that no floating-point error crosses a minute.
    """
    if dialect == "postgresql":
        return cast(func.floor(func.extract("epoch", end - start) / 60), Integer)
    millis = cast(func.round((func.julianday(end) - func.julianday(start)) * 86_400_000), Integer)
    return millis // 60_000


def scanned(dialect: str, column: Any) -> ColumnElement[Any]:
    """The column where SQLite should not walk an index by it (for a condition or a
    grouping): the condition only filters rows another index range already reads (a period
    read in an index's grouping order, jobs open at a period's end, a request's languages),
    and walking by it would visit far more entries, or in random order.
    (SQLite's unary `+`; other databases plan for themselves.)
    """
    if dialect != "sqlite":
        return column
    return UnaryExpression(column, operator=operators.custom_op("+"), type_=column.type)


def guarded_text(column: Any) -> ColumnElement[str]:
    """The column's text with app.exports.safe_cell's guard applied in SQL (bulk exports)."""
    first = func.substr(column, 1, 1)
    return case(
        (first.in_([literal(c) for c in FORMULA_START]), literal("'") + column), else_=column
    )


def as_text(column: Any) -> ColumnElement[str]:
    """A column rendered as text by the database (no per-row conversion in Python)."""
    return cast(column, String)


def money(column: Any) -> ColumnElement[float]:
    """A Money column (an integer of 1/10,000 dollars) as dollars, computed by the database."""
    dollars = cast(type_coerce(column, Integer), Numeric(20, 4)) / literal_column("10000.0")
    return type_coerce(func.round(dollars, 2), Float)


#: Characters that make the csv module quote a field (QUOTE_MINIMAL, its default dialect).
CSV_SPECIAL = '*[,"\r\n]*'
CSV_LINE_END = "\r\n"


def csv_field(column: Any, may_need_quotes: bool) -> ColumnElement[str]:
    """A value as the csv module writes it: NULL empty, quoted (inner quotes doubled) where it
    holds a delimiter, a quote or a line break; numbers as the database prints them."""
    if not may_need_quotes:
        return func.coalesce(column, literal(""))
    quoted = literal('"') + func.replace(column, literal('"'), literal('""')) + literal('"')
    return func.coalesce(
        case((column.op("GLOB")(literal(CSV_SPECIAL)), quoted), else_=column), literal("")
    )


def csv_line(fields: list[ColumnElement[str]]) -> ColumnElement[str]:
    """Fields joined into one CSV record, with the csv module's line ending (SQLite)."""
    line: Any = fields[0]
    for field in fields[1:]:
        line = line.op("||")(literal(",")).op("||")(field)
    return type_coerce(line.op("||")(literal(CSV_LINE_END)), String)
