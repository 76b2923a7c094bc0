"""Vendor pages: the registry, routing a job, the vendor portal, reviews and scorecards."""

from __future__ import annotations

from datetime import date
from io import BytesIO
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
    send_file,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import select

from app.auth.models import Role
from app.auth.permissions import current_actor, roles_required
from app.extensions import db
from app.glossary.interchange import export_csv
from app.glossary.services import get_matcher
from app.mt.models import DraftStatus, MTDraft
from app.policy import get_policy
from app.requests import documents
from app.requests.models import JobStatus, RequestKind
from app.requests.routes import attach_errors, form_status
from app.requests.states import IllegalTransition
from app.requests.validation import combine_local
from app.validation import ValidationFailed
from app.vendors import registry, routing, scorecards, work
from app.vendors.forms import (
    AssignForm,
    ConfirmForm,
    DeliverForm,
    HoldForm,
    InterpreterForm,
    InterpretingLogForm,
    RescheduleForm,
    RespondForm,
    ResumeForm,
    ReviewForm,
    ServiceForm,
    VendorForm,
    WithdrawForm,
)
from app.vendors.models import Delivery, Offer
from app.vendors.xliff import export_xliff, glossary_notes
from app.web import page_number

bp = Blueprint("vendors", __name__)

CURATORS = (Role.COORDINATOR, Role.ADMIN)
REGISTRY_VIEWERS = (*CURATORS, Role.COMPLIANCE)
JOB_VIEWERS = (Role.STAFF, Role.COORDINATOR, Role.COMPLIANCE, Role.ADMIN, Role.VENDOR)


def _vendor_input(form: VendorForm) -> registry.VendorInput:
    return registry.VendorInput(
        name=form.name.data or "",
        contact_name=form.contact_name.data or "",
        contact_email=form.contact_email.data or "",
        contact_phone=form.contact_phone.data or "",
        contract_number=form.contract_number.data or "",
        contract_start=form.contract_start.data,
        contract_end=form.contract_end.data,
        capacity=form.capacity.data,
        active=bool(form.active.data),
        notes=form.notes.data or "",
    )


@bp.route("/vendors")
@roles_required(*REGISTRY_VIEWERS)
def index() -> Any:
    language = request.args.get("language") or None
    pagination = registry.list_vendors(page_number(), current_app.config["PAGE_SIZE"], language)
    return render_template(
        "vendors/index.html",
        pagination=pagination,
        language=language,
        can_edit=current_actor().role in CURATORS,
    )


@bp.route("/vendors/new", methods=["GET", "POST"])
@roles_required(*CURATORS)
def new() -> Any:
    form = VendorForm()
    if form.validate_on_submit():
        try:
            vendor = registry.create_vendor(_vendor_input(form), current_actor())
        except ValidationFailed as exc:
            attach_errors(form, exc.errors, {})
        else:
            flash(_("The vendor was added."), "success")
            return redirect(url_for("vendors.detail", vendor_id=vendor.id))
    return render_template("vendors/edit.html", form=form, vendor=None), form_status(form)


@bp.route("/vendors/<int:vendor_id>", methods=["GET", "POST"])
@roles_required(*REGISTRY_VIEWERS)
def detail(vendor_id: int) -> Any:
    actor = current_actor()
    try:
        vendor = registry.get_vendor(vendor_id)
    except registry.VendorNotFound:
        abort(404)
    form = VendorForm(obj=vendor if request.method == "GET" else None)
    service_form = ServiceForm()
    if request.method == "POST":
        if actor.role not in CURATORS:
            abort(403)
        if form.validate_on_submit():
            try:
                registry.update_vendor(vendor_id, _vendor_input(form), actor)
            except ValidationFailed as exc:
                attach_errors(form, exc.errors, {})
            else:
                flash(_("The vendor was saved."), "success")
                return redirect(url_for("vendors.detail", vendor_id=vendor_id))
    return render_template(
        "vendors/detail.html",
        vendor=vendor,
        form=form,
        service_form=service_form,
        can_edit=actor.role in CURATORS,
    ), form_status(form)


@bp.route("/vendors/<int:vendor_id>/services", methods=["POST"])
@roles_required(*CURATORS)
def add_service(vendor_id: int) -> Any:
    form = ServiceForm()
    try:
        vendor = registry.get_vendor(vendor_id)
    except registry.VendorNotFound:
        abort(404)
    if form.validate_on_submit():
        data = registry.ServiceInput(
            **{name: form[name].data for name in _SERVICE_FIELDS},
        )
        try:
            registry.set_service(vendor_id, data, current_actor())
        except ValidationFailed as exc:
            attach_errors(form, exc.errors, {})
        else:
            flash(_("The service was saved."), "success")
            return redirect(url_for("vendors.detail", vendor_id=vendor_id))
    return render_template(
        "vendors/detail.html",
        vendor=vendor,
        form=VendorForm(obj=vendor),
        service_form=form,
        can_edit=True,
    ), 422


_SERVICE_FIELDS = (
    "language",
    "service",
    "rate_per_word",
    "rate_per_minute",
    "rate_per_hour",
    "minimum_charge",
    "turnaround_days",
    "words_per_block",
    "rush_days",
    "rush_surcharge_percent",
    "confirmation_hours",
    "minimum_notice_hours",
)


@bp.route("/vendors/<int:vendor_id>/services/<int:service_id>/delete", methods=["POST"])
@roles_required(*CURATORS)
def remove_service(vendor_id: int, service_id: int) -> Any:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        registry.remove_service(vendor_id, service_id, current_actor())
    except registry.VendorNotFound:
        abort(404)
    flash(_("The service was removed."), "success")
    return redirect(url_for("vendors.detail", vendor_id=vendor_id))


@bp.route("/vendors/scorecards")
@roles_required(*REGISTRY_VIEWERS)
def scorecard_page() -> Any:
    start, end = scorecards.default_period()
    try:
        start = date.fromisoformat(request.args.get("from") or start.isoformat())
        end = date.fromisoformat(request.args.get("to") or end.isoformat())
    except ValueError:
        flash(_("Dates must look like 2026-01-31."), "error")
    if end < start:
        start, end = end, start
    cards = scorecards.scorecards(start, end)
    if request.args.get("format") == "csv":
        return Response(
            scorecards.scorecards_csv(cards),
            mimetype="text/csv",
            headers={
                "Content-Disposition": f"attachment; filename=vendor-scorecards-{start}-{end}.csv"
            },
        )
    return render_template("vendors/scorecards.html", cards=cards, start=start, end=end)


# --- jobs -----------------------------------------------------------------------------------


def _job_or_404(job_id: int) -> Any:
    try:
        return work.visible_job(current_actor(), job_id)
    except routing.JobNotFound:
        abort(404)


@bp.route("/vendor")
@roles_required(Role.VENDOR)
def portal() -> Any:
    status = request.args.get("status") or None
    if status and status not in {s.value for s in JobStatus}:
        status = None
    try:
        pagination = work.vendor_jobs(
            current_actor(), page_number(), current_app.config["PAGE_SIZE"], status
        )
    except registry.NotAllowed:  # a vendor-role user not yet linked to a vendor
        abort(403)
    return render_template("vendors/portal.html", pagination=pagination, status=status)


@bp.route("/jobs/<int:job_id>")
@roles_required(*JOB_VIEWERS)
def job(job_id: int, forms: dict[str, Any] | None = None) -> Any:
    actor = current_actor()
    job = _job_or_404(job_id)
    forms = forms or {}
    assign = forms.get("assign") or AssignForm()
    ranked = (
        routing.candidates(job)
        if actor.role in CURATORS and job.status in routing.OFFERABLE
        else []
    )
    assign.vendor.choices = [(c.vendor.id, c.vendor.name) for c in ranked]
    draft = db.session.scalar(select(MTDraft).where(MTDraft.job_id == job.id))
    deliveries = db.session.scalars(
        select(Delivery).where(Delivery.job_id == job.id).order_by(Delivery.number.desc())
    ).all()
    offers = db.session.scalars(
        select(Offer).where(Offer.job_id == job.id).order_by(Offer.id.desc())
    ).all()
    is_vendor = actor.role == Role.VENDOR
    return render_template(
        "vendors/job.html",
        job=job,
        req=job.request,
        actor=actor,
        is_vendor=is_vendor,
        curator=actor.role in CURATORS,
        reviewer=actor.role in work.REVIEWERS,
        candidates=ranked,
        draft=draft if draft and draft.status == DraftStatus.DONE else None,
        deliveries=deliveries,
        offers=offers if not is_vendor else [o for o in offers if o.vendor_id == actor.vendor_id],
        assign_form=assign,
        respond_form=forms.get("respond") or RespondForm(),
        hold_form=forms.get("hold") or HoldForm(),
        resume_form=ResumeForm(),
        deliver_form=forms.get("deliver") or DeliverForm(),
        review_form=forms.get("review") or ReviewForm(),
        interpreter_form=forms.get("interpreter") or InterpreterForm(obj=job),
        log_form=forms.get("log") or InterpretingLogForm(),
        withdraw_form=WithdrawForm(),
        reschedule_form=forms.get("reschedule") or RescheduleForm(),
        translation=job.request.kind == RequestKind.TRANSLATION,
        revealed_phone=forms.get("revealed_phone"),
    ), (422 if set(forms) - {"revealed_phone"} else 200)


def _after(job_id: int, message: str) -> Any:
    flash(message, "success")
    return redirect(url_for("vendors.job", job_id=job_id))


def _act(
    job_id: int,
    form: Any,
    name: str,
    action: Any,
    done: str,
    aliases: dict[str, str] | None = None,
) -> Any:
    """Run one job action from a posted form: flash and redirect, or show the errors."""
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return job(job_id, {name: form})
    try:
        action()
    except (routing.JobNotFound, registry.VendorNotFound):
        abort(404)
    except registry.NotAllowed:
        abort(403)
    except IllegalTransition:
        flash(_("This job has moved on since the page was loaded. Nothing was changed."), "error")
        return redirect(url_for("vendors.job", job_id=job_id))
    except ValidationFailed as exc:
        db.session.rollback()
        attach_errors(form, exc.errors, aliases or {})
        return job(job_id, {name: form})
    return _after(job_id, done)


@bp.route("/jobs/<int:job_id>/offer", methods=["POST"])
@roles_required(*CURATORS)
def offer(job_id: int) -> Any:
    form = AssignForm()
    form.vendor.choices = []
    actor = current_actor()

    def run() -> None:
        target = _job_or_404(job_id)
        routing.offer_job(target, form.vendor.data or 0, actor)
        db.session.commit()

    return _act(job_id, form, "assign", run, _("The job was offered to the vendor."))


@bp.route("/jobs/<int:job_id>/withdraw", methods=["POST"])
@roles_required(*CURATORS)
def withdraw(job_id: int) -> Any:
    actor = current_actor()

    def run() -> None:
        target = _job_or_404(job_id)
        routing.close_offer(
            target, routing.OfferStatus.WITHDRAWN, actor, "The coordinator withdrew the offer."
        )
        db.session.commit()

    return _act(job_id, WithdrawForm(), "withdraw", run, _("The offer was withdrawn."))


@bp.route("/jobs/<int:job_id>/respond", methods=["POST"])
@roles_required(Role.VENDOR)
def respond(job_id: int) -> Any:
    form = RespondForm()
    accept = bool(form.accept.data)
    message = _("You accepted the job.") if accept else _("You declined the job.")
    result = _act(
        job_id,
        form,
        "respond",
        lambda: work.respond_to_offer(job_id, current_actor(), accept, form.reason.data or ""),
        message,
        {"offer": "reason"},
    )
    if not accept and getattr(result, "status_code", 0) == 302:
        # A declined job leaves the vendor's list: back to the portal.
        return redirect(url_for("vendors.portal"))
    return result


@bp.route("/jobs/<int:job_id>/hold", methods=["POST"])
@roles_required(Role.VENDOR, *CURATORS)
def hold(job_id: int) -> Any:
    form = HoldForm()
    return _act(
        job_id,
        form,
        "hold",
        lambda: work.hold_job(job_id, current_actor(), form.question.data or ""),
        _("The job is paused until the requester answers."),
    )


@bp.route("/jobs/<int:job_id>/resume", methods=["POST"])
@roles_required(Role.VENDOR, Role.STAFF, *CURATORS)
def resume(job_id: int) -> Any:
    form = ResumeForm()
    return _act(
        job_id,
        form,
        "resume",
        lambda: work.resume_job(job_id, current_actor(), form.answer.data or ""),
        _("The clock is running again."),
    )


@bp.route("/jobs/<int:job_id>/deliver", methods=["POST"])
@roles_required(Role.VENDOR)
def deliver(job_id: int) -> Any:
    form = DeliverForm()

    def run() -> None:
        upload = form.file.data
        if upload is None or not getattr(upload, "filename", ""):
            raise ValidationFailed({"file": _("Choose the file to deliver.")})
        work.deliver(job_id, current_actor(), upload.filename, upload.read())

    return _act(job_id, form, "deliver", run, _("Your delivery was received."))


@bp.route("/jobs/<int:job_id>/review", methods=["POST"])
@roles_required(*work.REVIEWERS)
def review(job_id: int) -> Any:
    form = ReviewForm()
    actor = current_actor()
    if form.send_back.data:
        return _act(
            job_id,
            form,
            "review",
            lambda: work.return_delivery(job_id, actor, form.comment.data or ""),
            _("The delivery was returned to the vendor."),
        )
    return _act(
        job_id,
        form,
        "review",
        lambda: work.accept_delivery(job_id, actor),
        _("The delivery was accepted and the job is complete."),
    )


@bp.route("/jobs/<int:job_id>/interpreter", methods=["POST"])
@roles_required(Role.VENDOR)
def interpreter(job_id: int) -> Any:
    form = InterpreterForm()
    return _act(
        job_id,
        form,
        "interpreter",
        lambda: work.confirm_interpreter(job_id, current_actor(), form.interpreter.data or ""),
        _("The interpreter is confirmed."),
    )


@bp.route("/jobs/<int:job_id>/log", methods=["POST"])
@roles_required(Role.VENDOR)
def log_interpreting(job_id: int) -> Any:
    form = InterpretingLogForm()
    tz = get_policy().calendar.timezone

    def run() -> None:
        start = combine_local(form.start_date.data, form.start_time.data)
        end = combine_local(form.start_date.data, form.end_time.data)
        work.log_interpreting(
            job_id,
            current_actor(),
            start.replace(tzinfo=tz) if start else None,
            end.replace(tzinfo=tz) if end else None,
            form.minutes_billed.data,
        )

    # "interpreter" (none confirmed yet) belongs to no field of this form: shown at its top.
    aliases = {"actual_start": "start_time", "actual_end": "end_time", "interpreter": "_form"}
    return _act(job_id, form, "log", run, _("The interpreting was logged."), aliases)


@bp.route("/jobs/<int:job_id>/reschedule", methods=["POST"])
@roles_required(*CURATORS)
def reschedule(job_id: int) -> Any:
    form = RescheduleForm()
    tz = get_policy().calendar.timezone

    def run() -> None:
        starts = combine_local(form.start_date.data, form.start_time.data)
        work.reschedule_interpreting(
            job_id, current_actor(), starts.replace(tzinfo=tz) if starts else None
        )

    aliases = {"starts_at": "start_date"}
    return _act(job_id, form, "reschedule", run, _("The appointment time was changed."), aliases)


@bp.route("/jobs/<int:job_id>/phone", methods=["POST"])
@roles_required(Role.VENDOR, *CURATORS)
def reveal_phone(job_id: int) -> Any:
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        phone = work.reveal_resident_phone(job_id, current_actor())
    except routing.JobNotFound:
        abort(404)
    except registry.NotAllowed:
        abort(403)
    return job(job_id, {"revealed_phone": phone})


# --- downloads ------------------------------------------------------------------------------


def _stored(sha256: str) -> bytes:
    return documents.stored_path(current_app.config["UPLOAD_FOLDER"], sha256).read_bytes()


def _send(data: bytes, name: str, mimetype: str) -> Any:
    return send_file(BytesIO(data), mimetype=mimetype, as_attachment=True, download_name=name)


@bp.route("/jobs/<int:job_id>/source")
@roles_required(*JOB_VIEWERS)
def source(job_id: int) -> Any:
    job = _job_or_404(job_id)
    doc = job.request.document
    if doc is None:
        abort(404)
    return _send(work.source_bytes(job), doc.original_name, doc.media_type)


@bp.route("/jobs/<int:job_id>/draft")
@roles_required(*JOB_VIEWERS)
def draft(job_id: int) -> Any:
    job = _job_or_404(job_id)
    found = db.session.scalar(select(MTDraft).where(MTDraft.job_id == job.id))
    if found is None or found.status != DraftStatus.DONE or not found.draft_sha256:
        abort(404)
    doc = job.request.document
    assert doc is not None  # noqa: S101 (drafts exist only for documents)
    return _send(_stored(found.draft_sha256), found.draft_name or "draft", doc.media_type)


@bp.route("/jobs/<int:job_id>/glossary.csv")
@roles_required(*JOB_VIEWERS)
def glossary(job_id: int) -> Any:
    job = _job_or_404(job_id)
    data = export_csv(job.language).encode("utf-8-sig")
    return _send(data, f"glossary-{job.language}.csv", "text/csv")


@bp.route("/jobs/<int:job_id>/xliff")
@roles_required(*JOB_VIEWERS)
def xliff(job_id: int) -> Any:
    job = _job_or_404(job_id)
    doc = job.request.document
    if doc is None:
        abort(404)
    source = work.source_document(job)
    found = db.session.scalar(select(MTDraft).where(MTDraft.job_id == job.id))
    drafts = (
        {int(k): v for k, v in found.segment_targets.items()}
        if found is not None and found.status == DraftStatus.DONE
        else {}
    )
    notes = glossary_notes(source.segments, get_matcher(job.language, job.request.department_id))
    data = export_xliff(
        job_ref=work.job_ref(job),
        original=doc.original_name,
        source_language=job.request.source_language,
        target_language=job.language,
        segments=source.segments,
        drafts=drafts,
        notes=notes,
    )
    name = f"{job.request.number}-{job.language}.xlf"
    return _send(data, name, "application/x-xliff+xml")


@bp.route("/jobs/<int:job_id>/deliveries/<int:number>")
@roles_required(*JOB_VIEWERS)
def delivery_file(job_id: int, number: int) -> Any:
    job = _job_or_404(job_id)
    found = db.session.scalar(
        select(Delivery).where(Delivery.job_id == job.id, Delivery.number == number)
    )
    if found is None:
        abort(404)
    return _send(
        _stored(found.document.sha256), found.document.original_name, found.document.media_type
    )
