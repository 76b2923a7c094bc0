"""Glossary pages: browse and search, term page with history, add, propose, decide, import, export,
and a check of a translation against the glossary."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import select

from app.auth.models import Department, Role
from app.auth.permissions import current_actor, roles_required
from app.extensions import db
from app.glossary import interchange, services
from app.glossary.forms import (
    CheckForm,
    DecisionForm,
    GlossaryFilterForm,
    ImportForm,
    ProposeForm,
    TermForm,
)
from app.glossary.models import TranslationKind, TranslationStatus
from app.languages import PRIORITY_CODES
from app.requests.routes import attach_errors
from app.validation import ValidationFailed
from app.web import page_number

bp = Blueprint("glossary", __name__, url_prefix="/glossary")

READERS = (Role.STAFF, Role.COORDINATOR, Role.VENDOR, Role.COMPLIANCE, Role.ADMIN)
PROPOSERS = (Role.STAFF, Role.COORDINATOR, Role.VENDOR, Role.ADMIN)
CURATORS = (Role.COORDINATOR, Role.ADMIN)


def _departments() -> list[tuple[str, str]]:
    return [
        (str(d.id), d.name)
        for d in db.session.scalars(select(Department).order_by(Department.name))
    ]


def _int_or_none(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@bp.route("/")
@roles_required(*READERS)
def index() -> Any:
    form = GlossaryFilterForm(_departments(), request.args)
    language = form.language.data if form.language.data in PRIORITY_CODES else None
    filters = services.TermFilters(
        q=form.q.data or "",
        department_id=_int_or_none(form.department.data),
        language=language,
        status=form.status.data or None,
    )
    page = page_number()
    per_page = current_app.config["PAGE_SIZE"]
    terms, total = services.search_terms(filters, page, per_page)
    pages = max((total + per_page - 1) // per_page, 1)
    return render_template(
        "glossary/index.html",
        form=form,
        terms=terms,
        total=total,
        page=page,
        pages=pages,
        language=language,
        can_curate=current_actor().role in CURATORS,
    )


@bp.route("/new", methods=["GET", "POST"])
@roles_required(*CURATORS)
def new() -> Any:
    form = TermForm(_departments())
    if form.validate_on_submit():
        data = services.TermInput(
            source=form.source.data or "",
            definition=form.definition.data or "",
            department_id=_int_or_none(form.department.data),
            part_of_speech=form.part_of_speech.data or "noun",
            case_sensitive=bool(form.case_sensitive.data),
            do_not_translate=bool(form.do_not_translate.data),
        )
        try:
            term = services.add_term(data, current_actor())
        except ValidationFailed as exc:
            attach_errors(form, exc.errors, {"department_id": "department"})
        else:
            flash(_("Term added."), "success")
            return redirect(url_for("glossary.term", term_id=term.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("glossary/new.html", form=form), status


@bp.route("/<int:term_id>")
@roles_required(*READERS)
def term(term_id: int) -> Any:
    try:
        item = services.get_term(term_id)
    except services.TermNotFound:
        abort(404)
    return _render_term(item, ProposeForm())


def _render_term(item: Any, propose_form: ProposeForm, status: int = 200) -> Any:
    actor = current_actor()
    by_language = {
        code: [t for t in item.translations if t.language == code] for code in PRIORITY_CODES
    }
    return render_template(
        "glossary/term.html",
        term=item,
        by_language=by_language,
        history=services.term_history(item),
        propose_form=propose_form,
        decision_form=DecisionForm(),
        can_propose=actor.role in PROPOSERS,
        can_curate=actor.role in CURATORS,
        Kind=TranslationKind,
        Status=TranslationStatus,
    ), status


@bp.route("/<int:term_id>/translations", methods=["POST"])
@roles_required(*PROPOSERS)
def propose(term_id: int) -> Any:
    form = ProposeForm()
    try:
        item = services.get_term(term_id)
    except services.TermNotFound:
        abort(404)
    if form.validate_on_submit():
        try:
            services.propose_translation(
                term_id,
                form.language.data or "",
                form.text.data or "",
                form.kind.data or "",
                form.note.data or "",
                current_actor(),
            )
        except ValidationFailed as exc:
            attach_errors(form, exc.errors, {})
        else:
            flash(_("Thank you. The translation was saved."), "success")
            return redirect(url_for("glossary.term", term_id=term_id))
    db.session.refresh(item)
    return _render_term(item, form, 422)


@bp.route("/translations/<int:translation_id>/<any(approve, reject):decision>", methods=["POST"])
@roles_required(*CURATORS)
def decide(translation_id: int, decision: str) -> Any:
    if not DecisionForm().validate_on_submit():
        abort(400)
    try:
        tr = services.decide_translation(translation_id, decision == "approve", current_actor())
    except services.TermNotFound:
        abort(404)
    flash(_("Approved.") if decision == "approve" else _("Rejected."), "success")
    return redirect(url_for("glossary.term", term_id=tr.term_id))


@bp.route("/import", methods=["GET", "POST"])
@roles_required(*CURATORS)
def import_file() -> Any:
    form = ImportForm()
    report, error = None, None
    if form.validate_on_submit():
        upload = form.file.data
        name = (getattr(upload, "filename", "") or "").lower()
        data = upload.read(interchange.MAX_IMPORT_BYTES + 1) if name else b""
        try:
            if not name:
                raise interchange.ImportRefused(_("Choose a CSV or TBX file."))
            if name.endswith(".tbx") or name.endswith(".xml"):
                entries, fmt = interchange.read_tbx(data), "tbx"
            elif name.endswith(".csv"):
                entries, fmt = interchange.read_csv(data), "csv"
            else:
                raise interchange.ImportRefused(_("Import takes a .csv or .tbx file."))
            report = interchange.import_entries(entries, current_actor(), fmt)
        except interchange.ImportRefused as exc:
            error = str(exc)
    status = 422 if error else 200
    return render_template("glossary/import.html", form=form, report=report, error=error), status


@bp.route("/export")
@roles_required(*READERS)
def export() -> Any:
    fmt = request.args.get("format", "csv")
    language = request.args.get("language") or None
    if language is not None and language not in PRIORITY_CODES:
        abort(404)
    suffix = f"-{language}" if language else ""
    if fmt == "tbx":
        body: str | bytes = interchange.export_tbx(language)
        mimetype, name = "application/x-tbx", f"glossary{suffix}.tbx"
    elif fmt == "csv":
        body = "\ufeff" + interchange.export_csv(language)  # BOM: spreadsheets read UTF-8
        mimetype, name = "text/csv; charset=utf-8", f"glossary{suffix}.csv"
    else:
        abort(404)
    return Response(
        body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@bp.route("/check", methods=["GET", "POST"])
@roles_required(*READERS)
def check() -> Any:
    form = CheckForm()
    findings = None
    if form.validate_on_submit():
        if form.language.data not in PRIORITY_CODES:
            form.language.errors = [_("Pick one of the city's languages.")]
        elif not (form.source.data or "").strip() or not (form.target.data or "").strip():
            form.target.errors = [_("Paste both the English text and the translation.")]
        else:
            findings = services.check_text(
                form.source.data or "", form.target.data or "", form.language.data or ""
            )
    status = 422 if form.errors else 200
    return render_template("glossary/check.html", form=form, findings=findings), status
