"""The report as CSV (streamed), XLSX (one sheet per section) and PDF (tables and charts).

CSV: one file; each section starts with a row `# section,<key>,<title>`, then its header and
rows, then an empty row. The last section, `jobs`, lists every job of the requests submitted
in the period (the row-level records behind the figures), streamed from the database.
XLSX: the same sections, one sheet each (`jobs`, `jobs 2`, ... past a sheet's row limit),
written with XlsxWriter's constant_memory mode so memory stays flat however many rows.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from flask_babel import gettext as _

from app.exports import safe_cell
from app.extensions import db
from app.reports import charts, streaming
from app.reports import queries as q
from app.reports.model import Report, Table

if TYPE_CHECKING:
    from fpdf import FPDF

Progress = Callable[[int], None]
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
XLSX_MAX_ROWS = 1_048_576
#: Rows of a section written to the CSV text at a time (a detail section can have many).
SECTION_BATCH = 5_000
#: A Unicode font for the PDF when the system has one; the core Helvetica otherwise.
PDF_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
)


def _cell(value: Any) -> Any:
    return safe_cell(value) if isinstance(value, str) else value


def _noop(_n: int) -> None:
    return None


@dataclass
class Records:
    """An export's row-level records, already running (streaming.Started)."""

    started: streaming.Started
    lines: bool  # each row is the record's line of CSV, rendered by the database

    def close(self) -> None:
        self.started.close()


def start_records(scope: q.Scope, fmt: str) -> Records | None:
    """Set the row-level records of an export in `fmt` running now (see streaming.Started),
    before the report's figures are counted; None for a format without them (PDF).

    CSV on SQLite reads each record as its line of CSV, rendered by the database
    (queries.export_lines); otherwise the rows (queries.export_rows), every value already text
    or a number.
    """
    if fmt == "pdf":
        return None
    lines = fmt == "csv" and db.session.connection().dialect.name == "sqlite"
    stmt = q.export_lines(scope) if lines else q.export_rows(scope)
    return Records(streaming.Started(stmt), lines)


def _records(scope: q.Scope, fmt: str, records: Records | None) -> Records:
    started = records or start_records(scope, fmt)
    assert started is not None  # noqa: S101 (CSV and XLSX always have records)
    return started


def csv_record_chunks(records: Records) -> Iterator[tuple[str, int]]:
    """CSV records as text, a batch at a time, with how many records each: the database's
    lines as they are, or the rows written by the csv module (the same text)."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    for batch in records.started.batches():
        if records.lines:
            yield "".join([line for (line,) in batch]), len(batch)
            continue
        writer.writerows(batch)  # guarded and rendered by the database
        yield buf.getvalue(), len(batch)
        buf.seek(0)
        buf.truncate()


def csv_chunks(
    report: Report,
    scope: q.Scope,
    progress: Progress = _noop,
    records: Records | None = None,
) -> Iterator[str]:
    """The report as CSV text, a chunk at a time (for a streamed response or a file);
    `records`: the row-level records already started (start_records), if they were."""
    records = _records(scope, "csv", records)
    try:
        yield from _csv_text(report, records, progress)
    finally:
        records.close()


def _csv_text(report: Report, records: Records, progress: Progress) -> Iterator[str]:
    buf = io.StringIO()
    writer = csv.writer(buf)

    def flush() -> str:
        text = buf.getvalue()
        buf.seek(0)
        buf.truncate()
        return text

    writer.writerow(["# section", "about", _("About this report")])
    writer.writerow([_("Department"), _cell(report.department)])
    for term, definition in report.about:
        writer.writerow([_cell(term), _cell(definition)])
    writer.writerow([])
    for table in report.tables:
        writer.writerow(["# section", table.key, _cell(table.title)])
        writer.writerow([_cell(c) for c in table.columns])
        rows = table.raw_rows()  # a detail section streams many: written a batch at a time
        while batch := list(islice(rows, SECTION_BATCH)):
            writer.writerows([_cell(v) for v in row] for row in batch)
            yield flush()
        writer.writerow([])
        yield flush()
    writer.writerow(["# section", "jobs", _("Every job of the requests submitted in the period")])
    writer.writerow(q.EXPORT_COLUMNS)
    yield flush()
    for text, count in csv_record_chunks(records):
        yield text
        progress(count)


def write_csv(
    report: Report,
    scope: q.Scope,
    out: IO[str],
    progress: Progress = _noop,
    records: Records | None = None,
) -> None:
    for chunk in csv_chunks(report, scope, progress, records):
        out.write(chunk)


def _sheet_rows(ws: Any, start: int, rows: Any) -> int:
    r = start
    for row in rows:
        for c, value in enumerate(row):
            if value is None:
                continue
            if isinstance(value, str):
                ws.write_string(r, c, safe_cell(value))  # never a formula
            else:
                ws.write_number(r, c, value)
        r += 1
    return r


def write_xlsx(
    report: Report,
    scope: q.Scope,
    out: IO[bytes] | str | Path,
    progress: Progress = _noop,
    records: Records | None = None,
) -> None:
    """One sheet per section; formulas never: strings are always written as strings."""
    records = _records(scope, "xlsx", records)
    try:
        _write_xlsx(report, records, out, progress)
    finally:
        records.close()


def _write_xlsx(
    report: Report, records: Records, out: IO[bytes] | str | Path, progress: Progress
) -> None:
    from xlsxwriter import Workbook  # imported by the formats that use it: a quicker CSV start

    book = Workbook(
        out,
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    bold = book.add_format({"bold": True})
    about = book.add_worksheet("about")
    about.write_string(0, 0, safe_cell(report.department), bold)
    _sheet_rows(about, 1, [list(pair) for pair in report.about])
    for table in report.tables:
        ws = book.add_worksheet(table.key[:31])
        ws.write_string(0, 0, safe_cell(table.title), bold)
        for c, name in enumerate(table.columns):
            ws.write_string(1, c, safe_cell(name), bold)
        _sheet_rows(ws, 2, table.raw_rows())
    sheet, row, count = None, XLSX_MAX_ROWS, 0
    for batch in records.started.batches():
        for record in batch:
            if row >= XLSX_MAX_ROWS:
                count += 1
                sheet = book.add_worksheet("jobs" if count == 1 else f"jobs {count}")
                for c, name in enumerate(q.EXPORT_COLUMNS):
                    sheet.write_string(0, c, name, bold)
                row = 1
            row = _sheet_rows(sheet, row, (record,))
        progress(len(batch))
    if sheet is None:
        sheet = book.add_worksheet("jobs")
        for c, name in enumerate(q.EXPORT_COLUMNS):
            sheet.write_string(0, c, name, bold)
    book.close()


def _pdf_font(pdf: FPDF) -> tuple[str, bool]:
    for path in PDF_FONTS:
        if Path(path).exists():
            pdf.add_font("report", "", path)
            return "report", True
    return "helvetica", False


def write_pdf(report: Report, out: IO[bytes], progress: Progress = _noop) -> None:
    """The summary sections as tables, with their charts drawn as shapes."""
    from fpdf import FPDF

    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_auto_page_break(True, margin=12)
    family, unicode = _pdf_font(pdf)

    def text(value: str) -> str:
        return value if unicode else value.encode("latin-1", "replace").decode("latin-1")

    pdf.add_page()
    pdf.set_font(family, size=15)
    _para(pdf, 8, text(_("Language access compliance report: %(dept)s", dept=report.department)))
    pdf.set_font(family, size=9)
    for term, definition in report.about:
        _para(pdf, 5, text(f"{term}: {definition}"))
    for table in report.tables:
        if table.detail:
            continue
        pdf.ln(4)
        pdf.set_font(family, size=12)
        _para(pdf, 7, text(table.title))
        pdf.set_font(family, size=8)
        if table.note:
            _para(pdf, 4, text(table.note))
        if table.chart is not None and table.chart.bars:
            _pdf_chart(pdf, table, text)
        _pdf_table(pdf, table, text)
        progress(1)
    pdf.ln(3)
    _para(
        pdf,
        5,
        text(_("Each open job and each vital document is listed in the CSV and XLSX exports.")),
    )
    out.write(bytes(pdf.output()))


def _para(pdf: FPDF, height: float, value: str) -> None:
    """A paragraph across the page; the next one starts on the left margin below it."""
    from fpdf import XPos, YPos

    pdf.multi_cell(0, height, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _pdf_chart(pdf: FPDF, table: Table, text: Callable[[str], str]) -> None:
    chart = table.chart
    assert chart is not None  # noqa: S101 (checked by the caller)
    scale = 0.4  # chart drawing units to millimetres
    bar_h = 4.0
    if pdf.get_y() + len(chart.bars) * (bar_h + 1.5) + 10 > pdf.h - 15:
        pdf.add_page()
    top = pdf.get_y() + 1
    left = pdf.l_margin
    label_w = charts.LABEL_W * scale
    pdf.set_fill_color(29, 95, 168)
    for i, bar in enumerate(chart.bars):
        y = top + i * (bar_h + 1.5)
        pdf.set_xy(left, y)
        pdf.cell(label_w - 2, bar_h, text(bar.label), align="R")
        width = charts.bar_width(chart, bar.value) * scale
        if width > 0:
            pdf.rect(left + label_w, y, width, bar_h, style="F")
        pdf.set_xy(left + label_w + width + 1, y)
        pdf.cell(20, bar_h, f"{bar.value:.1f}{chart.unit}" if chart.unit else f"{bar.value:g}")
    bottom = top + len(chart.bars) * (bar_h + 1.5)
    if chart.target is not None:
        x = left + label_w + charts.bar_width(chart, chart.target) * scale
        pdf.set_draw_color(179, 38, 30)
        pdf.line(x, top - 1, x, bottom)
        pdf.set_xy(x - 15, bottom)
        pdf.cell(30, 4, text(chart.target_label), align="C")
        bottom += 4
    pdf.set_xy(left, bottom + 2)


def _pdf_table(pdf: FPDF, table: Table, text: Callable[[str], str]) -> None:
    from fpdf.fonts import FontFace

    with pdf.table(
        headings_style=FontFace(emphasis=None, fill_color=(225, 230, 238)),
        line_height=4.5,
        text_align="LEFT",
    ) as grid:
        head = grid.row()
        for name in table.columns:
            head.cell(text(name))
        for row in table.rows:
            line = grid.row()
            for cell in row:
                line.cell(text(cell.text))


def write_report(
    report: Report,
    scope: q.Scope,
    fmt: str,
    out: IO[Any],
    progress: Progress = _noop,
    records: Records | None = None,
) -> None:
    """Write the report in `fmt` (csv, xlsx, pdf) to an open file; `records`: its row-level
    records if already started (start_records)."""
    if fmt == "csv":
        write_csv(report, scope, out, progress, records)
    elif fmt == "xlsx":
        write_xlsx(report, scope, out, progress, records)
    else:
        write_pdf(report, out, progress)
