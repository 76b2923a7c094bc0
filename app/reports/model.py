"""The shape every report format renders: sections of tables whose cells may link to a list."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask_babel import format_currency, format_decimal

#: How a cell's number reads: a count, a percentage, days, hours or dollars.
INT, PERCENT, DAYS, HOURS, MONEY, TEXT = "int", "percent", "days", "hours", "money", "text"


@dataclass
class Cell:
    """One figure (or label), with the drill-down filters of the records behind it."""

    value: Any
    kind: str = TEXT
    drill: dict[str, str] | None = None

    @property
    def text(self) -> str:
        """The value as a person reads it, in the current locale."""
        v = self.value
        if v is None:
            return "–"
        if self.kind == PERCENT:
            return f"{format_decimal(v, '0.0')}%"
        if self.kind == MONEY:
            return str(format_currency(v, "USD"))
        if self.kind in (DAYS, HOURS):
            return str(format_decimal(v, "0.#"))
        if self.kind == INT:
            return str(format_decimal(v))
        if isinstance(v, date | datetime):
            return v.isoformat()
        return str(v)

    @property
    def raw(self) -> Any:
        """The value for a spreadsheet: numbers stay numbers, the rest is text."""
        v = self.value
        if isinstance(v, Decimal):
            return float(v)
        if isinstance(v, bool):
            return "yes" if v else "no"
        if isinstance(v, int | float) or v is None:
            return v
        if isinstance(v, date | datetime):
            return v.isoformat()
        return str(v)


@dataclass
class Bar:
    label: str
    value: float


@dataclass
class BarChart:
    """A horizontal bar chart: drawn as SVG on the page and as shapes in the PDF."""

    title: str
    bars: list[Bar]
    maximum: float
    unit: str = ""
    target: float | None = None
    target_label: str = ""


@dataclass
class Table:
    """One section of the report."""

    key: str  # stable, for sheet names and CSV section rows
    title: str
    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    note: str = ""
    chart: BarChart | None = None
    #: Row-level detail: in the CSV and XLSX, a drill-down list on the page, not in the PDF.
    detail: bool = False
    #: The drill-down of the whole section (detail sections link here on the page).
    drill: dict[str, str] | None = None
    #: Where a detail section's rows come from: read from the database as they are written,
    #: never all held at once (`rows` stays empty).
    source: Callable[[], Iterator[list[Cell]]] | None = None

    def iter_rows(self) -> Iterator[list[Cell]]:
        """The rows: the stored ones, or a detail section's streamed from its source."""
        return self.source() if self.source is not None else iter(self.rows)

    def raw_rows(self) -> Iterator[list[Any]]:
        for row in self.iter_rows():
            yield [c.raw for c in row]


@dataclass
class Report:
    """A department's (or the city's) compliance report for a period."""

    department: str  # the department's name, or "All departments"
    department_slug: str  # "" for all
    start: date
    end: date
    policy_version: str
    generated_at: datetime
    about: list[tuple[str, str]]  # (term, definition), stated on every format
    tables: list[Table]

    def section(self, key: str) -> Table:
        return next(t for t in self.tables if t.key == key)
