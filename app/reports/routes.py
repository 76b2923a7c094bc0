"""Report pages: the report, its exports, and the records behind each figure. Read-only."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.auth.models import CITYWIDE_ROLES
from app.auth.permissions import current_actor, roles_required
from app.reports import exporters, services
from app.reports import queries as q
from app.reports.charts import chart_svg
from app.web import page_number

bp = Blueprint("reports", __name__, url_prefix="/reports")

#: Names of drill-down sections and states, for the records page's heading.
SECTION_LABELS = {
    "requests": _l("Requests by language, kind and channel"),
    "ontime": _l("On time"),
    "open": _l("Open jobs at the end of the period"),
    "vital": _l("Vital documents coverage"),
    "interpretation": _l("Interpretation"),
    "method": _l("How the resident's language was identified"),
    "glossary": _l("Glossary check of reviewed deliveries"),
    "cost": _l("Cost by language and vendor"),
    "on_time": _l("On time"),
    "late": _l("Late"),
    "completed": _l("Completed"),
    "overdue": _l("Overdue"),
    "done": _l("Translated and human-reviewed"),
    "requested": _l("Requested, not done"),
    "missing": _l("Not requested"),
    "filled": _l("Filled"),
    "unfilled": _l("Not filled"),
    "cancelled": _l("Cancelled"),
    "passed": _l("Passed"),
    "failed": _l("Failed"),
}


def _selection() -> services.Selection:
    """The department and period asked for; 404 for a department the user may not see."""
    try:
        return services.select_report(
            current_actor(),
            request.args.get("department"),
            request.args.get("from"),
            request.args.get("to"),
        )
    except services.NotVisible:
        abort(404)


def _linker(selection: services.Selection) -> Any:
    """A template helper: the drill-down URL of a figure, or None where there is none to see."""
    citywide = current_user.role in CITYWIDE_ROLES

    def link(drill: dict[str, str] | None) -> str | None:
        if not drill:
            return None
        params = dict(drill)
        dept = params.pop("department", selection.slug)
        if not citywide and dept != selection.slug:
            return None
        values: dict[str, Any] = {
            "department": dept,
            "from": selection.start.isoformat(),
            "to": selection.end.isoformat(),
            **params,
        }
        return url_for("reports.records", **values)

    return link


@bp.route("")
@roles_required(*services.READERS)
def index() -> Any:
    """The report for a department (or all) and a period, with charts and export links."""
    error = None
    try:
        selection = _selection()
    except services.BadPeriod as exc:
        error = str(exc)
        selection = services.select_report(
            current_actor(), request.args.get("department"), None, None
        )
    report, _scope = services.compliance_report(selection, details=False)
    return render_template(
        "reports/index.html",
        report=report,
        selection=selection,
        error=error,
        link=_linker(selection),
        chart_svg=chart_svg,
        citywide=current_user.role in CITYWIDE_ROLES,
        departments=services.departments(),
        period={"from": selection.start.isoformat(), "to": selection.end.isoformat()},
    ), (400 if error else 200)


@bp.route("/export.<fmt>")
@roles_required(*services.READERS)
def export(fmt: str) -> Any:
    """Download the report: CSV streams as it is written, XLSX and PDF once built."""
    if fmt not in exporters.FORMATS:
        abort(404)
    try:
        selection = _selection()
    except services.BadPeriod:
        abort(400)
    report, scope, records = services.compliance_export(selection, fmt)
    name = f"compliance-{selection.slug}-{selection.start}-{selection.end}.{fmt}"
    if fmt == "csv":
        chunks = exporters.csv_chunks(report, scope, records=records)
        body = (chunk.encode() for chunk in chunks)
        response = Response(stream_with_context(body), mimetype=exporters.FORMATS["csv"])
        response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
    fd, path = tempfile.mkstemp(suffix=f".{fmt}", dir=current_app.instance_path)
    try:
        with os.fdopen(fd, "wb") as out:
            exporters.write_report(report, scope, fmt, out, records=records)
    except BaseException:
        os.unlink(path)
        raise
    response = Response(_sent_once(path), mimetype=exporters.FORMATS[fmt])
    response.headers["Content-Length"] = str(os.path.getsize(path))
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def _sent_once(path: str) -> Iterator[bytes]:
    """The file's bytes a megabyte at a time; the file is removed once sent (or abandoned)."""
    try:
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                yield chunk
    finally:
        os.unlink(path)


@bp.route("/records")
@roles_required(*services.READERS)
def records() -> Any:
    """The requests and jobs behind one figure, a page at a time, filters kept in the URL."""
    try:
        selection = _selection()
    except services.BadPeriod:
        abort(400)
    drill = q.Drill.from_args(request.args)
    if drill is None:
        abort(404)
    page = page_number()
    pagination = services.drill_records(
        selection, drill, page, int(current_app.config["PAGE_SIZE"])
    )
    return render_template(
        "reports/records.html",
        pagination=pagination,
        drill=drill,
        selection=selection,
        section_label=lambda key: str(SECTION_LABELS.get(key, key)),
        period={"from": selection.start.isoformat(), "to": selection.end.isoformat()},
    )
