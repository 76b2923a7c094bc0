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
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import IO, Any

from flask_babel import gettext as _
from fpdf import FPDF, XPos, YPos
from fpdf.fonts import FontFace
from xlsxwriter import Workbook

from app.exports import safe_cell
from app.extensions import db
from app.reports import charts
from app.reports import queries as q
from app.reports.model import Report, Table

Progress = Callable[[int], None]
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}
BATCH = 20_000
XLSX_MAX_ROWS = 1_048_576
#: A Unicode font for the PDF when the system has one; the core Helvetica otherwise.
PDF_FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
)


def _cell(value: Any) -> Any:
    return safe_cell(value) if isinstance(value, str) else value


def _noop(_n: int) -> None:
    return None


def job_batches(scope: q.Scope) -> Iterator[Sequence[Any]]:
    """The row-level records in batches, streamed (a server-side cursor on PostgreSQL)."""
    stmt = q.export_rows(scope)
    conn = db.session.connection()
    if conn.dialect.name == "sqlite":
        # The driver's own tuples, straight to the CSV writer: no per-row work in SQLAlchemy.
        # Every value is already text or a number (export_rows renders them in SQL).
        sql = str(stmt.compile(conn, compile_kwargs={"literal_binds": True}))
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(sql)
            while batch := cursor.fetchmany(BATCH):
                yield batch
        finally:
            cursor.close()
        return
    result = conn.execute(stmt.execution_options(yield_per=BATCH))  # a server-side cursor
    yield from result.partitions()


def csv_chunks(report: Report, scope: q.Scope, progress: Progress = _noop) -> Iterator[str]:
    """The report as CSV text, a chunk at a time (for a streamed response or a file)."""
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
        writer.writerows([_cell(v) for v in row] for row in table.raw_rows())
        writer.writerow([])
        yield flush()
    writer.writerow(["# section", "jobs", _("Every job of the requests submitted in the period")])
    writer.writerow(q.EXPORT_COLUMNS)
    yield flush()
    for batch in job_batches(scope):
        writer.writerows(batch)  # guarded and rendered by the database
        progress(len(batch))
        yield flush()


def write_csv(report: Report, scope: q.Scope, out: IO[str], progress: Progress = _noop) -> None:
    for chunk in csv_chunks(report, scope, progress):
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
    report: Report, scope: q.Scope, out: IO[bytes] | str | Path, progress: Progress = _noop
) -> None:
    """One sheet per section; formulas never: strings are always written as strings."""
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
    for batch in job_batches(scope):
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
    report: Report, scope: q.Scope, fmt: str, out: IO[Any], progress: Progress = _noop
) -> None:
    """Write the report in `fmt` (csv, xlsx, pdf) to an open file."""
    if fmt == "csv":
        write_csv(report, scope, out, progress)
    elif fmt == "xlsx":
        write_xlsx(report, scope, out, progress)
    else:
        write_pdf(report, out, progress)
