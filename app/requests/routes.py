"""Staff request pages: the queue, the two request forms, the detail page with its timeline."""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select
from wtforms import Field

from app import labels
from app.auth.models import Department, Role
from app.auth.permissions import current_actor, roles_required
from app.extensions import db
from app.languages import PRIORITY_CODES, display_name
from app.mt.pipeline import drafts_for
from app.requests import services
from app.requests.documents import DocumentRejected, StorageFull, stored_path
from app.requests.forms import (
    CancelForm,
    FilterForm,
    InterpretationRequestForm,
    TranslationRequestForm,
)
from app.requests.models import Channel, RequestKind, RequestStatus
from app.requests.states import IllegalTransition
from app.requests.validation import (
    InterpretationInput,
    TranslationInput,
    ValidationFailed,
    combine_local,
)
from app.web import choices, page_number

bp = Blueprint("requests", __name__)

VIEWERS = (Role.STAFF, Role.COORDINATOR, Role.COMPLIANCE, Role.ADMIN)


def attach_errors(form: Any, errors: dict[str, str], aliases: dict[str, str]) -> None:
    """Show service errors beside the fields they belong to."""
    for key, message in errors.items():
        field: Field | None = getattr(form, aliases.get(key, key), None)
        if field is None:
            form.form_errors.append(message)
        else:
            field.errors = [*field.errors, message] if isinstance(field.errors, list) else [message]


@bp.route("/")
@roles_required(*VIEWERS, Role.VENDOR)
def index() -> Any:
    actor = current_actor()
    if actor.role == Role.VENDOR:  # vendors work from their own job list
        return redirect(url_for("vendors.portal"))
    form = FilterForm(request.args)
    any_ = ("", _("Any"))
    form.status.choices = choices(
        [any_, *((s.value, labels.label(labels.STATUS_LABELS, s.value)) for s in RequestStatus)]
    )
    form.language.choices = choices([any_, *((c, display_name(c)) for c in PRIORITY_CODES)])
    form.kind.choices = choices(
        [any_, *((k.value, labels.label(labels.KIND_LABELS, k.value)) for k in RequestKind)]
    )
    departments = db.session.scalars(select(Department).order_by(Department.name))
    form.department.choices = choices([("", _("All")), *((str(d.id), d.name) for d in departments)])
    filters = services.RequestFilters(
        status=form.status.data or None,
        language=form.language.data or None,
        kind=form.kind.data or None,
        department_id=int(form.department.data) if (form.department.data or "").isdigit() else None,
    )
    page = page_number()
    pagination = services.list_requests(actor, filters, page, current_app.config["PAGE_SIZE"])
    return render_template(
        "requests/index.html",
        pagination=pagination,
        form=form,
        citywide=actor.citywide,
        can_submit=actor.role == Role.STAFF,
    )


@bp.route("/requests/new/translation", methods=["GET", "POST"])
@roles_required(Role.STAFF)
def new_translation() -> Any:
    form = TranslationRequestForm()
    if request.method == "GET":
        form.languages.data = []
    if form.validate_on_submit():
        upload = form.document.data
        file_name = getattr(upload, "filename", None) or None
        file_data = None
        if file_name:
            file_data = upload.read(current_app.config["MAX_UPLOAD_BYTES"] + 1)
        data = TranslationInput(
            title=form.title.data or "",
            languages=form.languages.data or [],
            vital=bool(form.vital.data),
            audience=form.audience.data or None,
            due_date=form.due_date.data,
            notes=form.notes.data or "",
            file_name=file_name,
            file_data=file_data,
            text=form.text.data or None,
        )
        try:
            req = services.submit_translation_request(data, current_actor(), Channel.WEB)
        except ValidationFailed as exc:
            attach_errors(form, exc.errors, {})
        except DocumentRejected as exc:
            attach_errors(form, {"document": str(exc)}, {})
            if isinstance(exc, StorageFull):
                return render_template("requests/new_translation.html", form=form), 507
        else:
            return redirect(url_for("requests.detail", request_id=req.id, submitted=1))
    return render_template("requests/new_translation.html", form=form), form_status(form)


@bp.route("/requests/new/interpretation", methods=["GET", "POST"])
@roles_required(Role.STAFF)
def new_interpretation() -> Any:
    form = InterpretationRequestForm()
    if form.validate_on_submit():
        data = InterpretationInput(
            title=form.title.data or "",
            language=form.language.data or "",
            mode=form.mode.data or "",
            starts_at=combine_local(form.start_date.data, form.start_time.data),
            duration_minutes=form.duration_minutes.data,
            location=form.location.data or "",
            resident_name=form.resident_name.data or "",
            resident_phone=form.resident_phone.data or "",
            notes=form.notes.data or "",
        )
        try:
            req = services.submit_interpretation_request(data, current_actor(), Channel.WEB)
        except ValidationFailed as exc:
            attach_errors(form, exc.errors, {"starts_at": "start_date"})
        else:
            return redirect(url_for("requests.detail", request_id=req.id, submitted=1))
    return render_template("requests/new_interpretation.html", form=form), form_status(form)


def form_status(form: Any) -> int:
    """422 when a submitted form has errors, so tests and tools can tell."""
    return 422 if request.method == "POST" and (form.errors or form.form_errors) else 200


@bp.route("/requests/<int:request_id>")
@roles_required(*VIEWERS)
def detail(request_id: int) -> Any:
    actor = current_actor()
    try:
        req = services.get_request(actor, request_id)
    except services.RequestNotFound:
        abort(404)
    return render_template(
        "requests/detail.html",
        req=req,
        timeline=services.request_timeline(req),
        drafts=drafts_for(req),
        submitted=request.args.get("submitted") == "1",
        cancel_form=CancelForm(),
        can_cancel=actor.role != Role.COMPLIANCE
        and req.status in (RequestStatus.SUBMITTED, RequestStatus.IN_PROGRESS),
    )


@bp.route("/requests/<int:request_id>/cancel", methods=["POST"])
@roles_required(Role.STAFF, Role.COORDINATOR, Role.ADMIN)
def cancel(request_id: int) -> Any:
    form = CancelForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        services.cancel_request(request_id, current_actor(), form.reason.data or "")
    except services.RequestNotFound:
        abort(404)
    except IllegalTransition:
        flash(_("This request can no longer be cancelled."), "error")
    else:
        flash(_("The request was cancelled."), "success")
    return redirect(url_for("requests.detail", request_id=request_id))


@bp.route("/requests/<int:request_id>/document")
@login_required
@roles_required(*VIEWERS)
def document(request_id: int) -> Any:
    try:
        req = services.get_request(current_actor(), request_id)
    except services.RequestNotFound:
        abort(404)
    if req.document is None:
        abort(404)
    path = stored_path(current_app.config["UPLOAD_FOLDER"], req.document.sha256)
    return send_file(
        path,
        mimetype=req.document.media_type,
        as_attachment=True,
        download_name=req.document.original_name,
    )
