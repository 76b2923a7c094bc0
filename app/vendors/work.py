"""A job's life with its vendor: answer the offer, ask the requester, deliver, review, interpret."""

from __future__ import annotations

import math
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select

from app.audit import record_event, utcnow
from app.auth.actor import Actor
from app.auth.models import Role
from app.extensions import db
from app.glossary.services import check_text
from app.mt.documents import DocumentUnreadable, SourceDocument, open_document
from app.mt.pipeline import remember
from app.policy import get_policy
from app.requests import documents
from app.requests.models import Document, Job, JobStatus, RequestKind
from app.requests.states import IllegalTransition, move_job
from app.validation import ValidationFailed
from app.vendors import clock
from app.vendors.models import Delivery, DeliveryFormat, OfferStatus, ReviewOutcome, VendorService
from app.vendors.registry import NotAllowed, terms_for
from app.vendors.routing import JobNotFound, close_offer, pending_offer
from app.vendors.xliff import XliffRejected, import_xliff

XLIFF_EXTENSIONS = (".xlf", ".xliff")
REVIEWERS = frozenset({Role.STAFF, Role.COORDINATOR, Role.ADMIN})


def job_ref(job: Job) -> str:
    """The job's reference in files that go out and come back: request number and language."""
    return f"{job.request.number}/{job.language}"


def visible_job(actor: Actor, job_id: int) -> Job:
    """A job this actor may see: its vendor's, its department's, or any for citywide roles."""
    job = db.session.get(Job, job_id)
    if job is None:
        raise JobNotFound(job_id)
    if actor.role == Role.VENDOR:
        if actor.vendor_id is None or job.vendor_id != actor.vendor_id:
            raise JobNotFound(job_id)
    elif not actor.can_see_department(job.request.department_id):
        raise JobNotFound(job_id)
    return job


def vendor_jobs(actor: Actor, page: int, per_page: int, status: str | None = None) -> Pagination:
    """The vendor's own jobs, offers first, then by due date."""
    if actor.role != Role.VENDOR or actor.vendor_id is None:
        raise NotAllowed("only a vendor's users have a job list")
    stmt = select(Job).where(Job.vendor_id == actor.vendor_id)
    if status:
        stmt = stmt.where(Job.status == JobStatus(status))
    stmt = stmt.order_by(
        (Job.status != JobStatus.OFFERED), func.coalesce(Job.vendor_due_date, Job.due_date), Job.id
    )
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def _own_job(actor: Actor, job_id: int) -> Job:
    if actor.role != Role.VENDOR:
        raise NotAllowed("only the vendor holding the job may do this")
    return visible_job(actor, job_id)


def _terms(job: Job) -> VendorService:
    assert job.vendor_id is not None  # noqa: S101 (a job with an offer has a vendor)
    terms = terms_for(job.vendor_id, job.language, clock.service_for(job))
    if terms is None:
        raise ValidationFailed(
            {"job": _("The vendor's contract no longer covers this language and service.")}
        )
    return terms


def _event(actor: Actor, job: Job, action: str, **after: Any) -> None:
    record_event(
        db.session,
        actor=actor,
        action=action,
        entity_type="job",
        entity_id=job.id,
        request_id=job.request_id,
        after={"language": job.language, **after},
    )


def _notify_resident(job: Job, event: str) -> None:
    """Tell a resident who asked by SMS that their request moved (a no-op for other channels)."""
    from app.sms.services import notify_resident

    notify_resident(db.session, job.request, event)


def respond_to_offer(job_id: int, actor: Actor, accept: bool, reason: str = "") -> Job:
    """The vendor accepts (its clock starts) or declines (the job goes back to the queue)."""
    job = _own_job(actor, job_id)
    offer = pending_offer(job)
    if offer is None or job.status != JobStatus.OFFERED:
        raise IllegalTransition("job", job.id, job.status.value, JobStatus.IN_PROGRESS.value)
    now = utcnow()
    if offer.expires_at <= now:
        close_offer(job, OfferStatus.EXPIRED, actor, "The vendor did not answer in time.")
        db.session.commit()
        raise ValidationFailed({"offer": _("This offer has expired.")})
    if not accept:
        reason = reason.strip()
        if not reason:
            raise ValidationFailed(
                {"reason": _("Say why you decline, so the job can be rerouted.")}
            )
        close_offer(job, OfferStatus.DECLINED, actor, reason[:500])
        db.session.commit()
        return job
    policy = get_policy()
    terms = _terms(job)
    today = policy.calendar.today()
    rush = clock.needs_rush(job, terms, policy, today)
    offer.status, offer.responded_at = OfferStatus.ACCEPTED, now
    job.vendor_due_date = clock.vendor_due_date(job, terms, policy, today, rush=rush)
    job.cost = clock.estimate_cost(
        terms, clock.job_words(job), job.request.duration_minutes or 0, rush=rush
    )
    move_job(db.session, job, JobStatus.IN_PROGRESS, actor)
    _event(
        actor,
        job,
        "offer.accepted",
        vendor_id=job.vendor_id,
        vendor_due_date=job.vendor_due_date.isoformat(),
        rush=rush,
    )
    db.session.commit()
    return job


def hold_job(job_id: int, actor: Actor, question: str) -> Job:
    """Stop the vendor's clock while the job waits on an answer from the requester."""
    job = visible_job(actor, job_id)
    if actor.role not in (Role.VENDOR, Role.COORDINATOR, Role.ADMIN):
        raise NotAllowed("only the vendor or the coordinator may pause a job")
    question = question.strip()
    if not question:
        raise ValidationFailed({"question": _("Write the question for the requester.")})
    move_job(db.session, job, JobStatus.ON_HOLD, actor, question[:1000])
    job.on_hold_since = get_policy().calendar.today()
    db.session.commit()
    return job


def resume_job(job_id: int, actor: Actor, answer: str = "") -> Job:
    """Restart the clock; the vendor's due date moves by the business days spent waiting."""
    job = visible_job(actor, job_id)
    if actor.role == Role.COMPLIANCE:
        raise NotAllowed("compliance is read-only")
    policy = get_policy()
    since = job.on_hold_since or policy.calendar.today()
    waited = clock.paused_days(policy, since, policy.calendar.today())
    move_job(db.session, job, JobStatus.IN_PROGRESS, actor, answer.strip()[:1000] or None)
    if job.vendor_due_date is not None:
        job.vendor_due_date = clock.extend(policy, job.vendor_due_date, waited)
    job.on_hold_since = None
    _event(
        actor,
        job,
        "job.clock_resumed",
        paused_business_days=waited,
        vendor_due_date=job.vendor_due_date.isoformat() if job.vendor_due_date else None,
    )
    db.session.commit()
    return job


def source_bytes(job: Job) -> bytes:
    """The job's source document, as stored."""
    doc = job.request.document
    if doc is None:
        raise ValidationFailed({"job": _("This job has no document.")})
    return documents.stored_path(current_app.config["UPLOAD_FOLDER"], doc.sha256).read_bytes()


def source_document(job: Job) -> SourceDocument:
    """The job's source, split into the segments deliveries are matched against."""
    assert job.request.document is not None  # noqa: S101 (checked by source_bytes)
    return open_document(source_bytes(job), job.request.document.extension)


def _pairs(
    source: SourceDocument, translated: dict[int, str] | None, delivered: SourceDocument | None
) -> tuple[list[tuple[int, str, str]], dict[str, str]]:
    """Source and target text side by side: per segment when they line up, else whole texts."""
    if translated is None and delivered is not None:
        if len(delivered.segments) == len(source.segments):
            lined_up = zip(source.segments, delivered.segments, strict=True)
            translated = {s.index: d.text for s, d in lined_up}
        else:
            whole_source = "\n".join(s.text for s in source.segments)
            whole_target = "\n".join(d.text for d in delivered.segments)
            return [(0, whole_source, whole_target)], {}
    assert translated is not None  # noqa: S101 (one of the two is always given)
    pairs = [(s.index, s.text, translated.get(s.index, "")) for s in source.segments]
    return pairs, {str(k): v for k, v in translated.items()}


def _findings(pairs: list[tuple[int, str, str]], job: Job) -> list[dict[str, Any]]:
    found = []
    for index, src, tgt in pairs:
        for f in check_text(src, tgt, job.language, job.request.department_id):
            found.append(
                {
                    "segment": index + 1,
                    "code": f.code,
                    "term": f.source_term,
                    "expected": f.expected,
                    "found": f.found,
                }
            )
    return found


def deliver(job_id: int, actor: Actor, filename: str, data: bytes) -> Delivery:
    """Take a vendor's translation (the source's format or XLIFF), check it, and hand it in.

    Raises ValidationFailed with a `file` message when the file does not fit the job; the job
    is then unchanged and nothing is stored.
    """
    job = _own_job(actor, job_id)
    if job.request.kind != RequestKind.TRANSLATION:
        raise NotAllowed("interpreting jobs are logged, not delivered as files")
    if job.status != JobStatus.IN_PROGRESS:
        raise IllegalTransition("job", job.id, job.status.value, JobStatus.DELIVERED.value)
    source_meta = job.request.document
    assert source_meta is not None  # noqa: S101 (translation requests always have one)
    max_bytes = current_app.config["MAX_UPLOAD_BYTES"]
    ext = Path(filename or "").suffix.lower()
    source = source_document(job)
    stem = Path(source_meta.original_name).stem
    if ext in XLIFF_EXTENSIONS:
        try:
            translated = import_xliff(
                data,
                job_ref=job_ref(job),
                source_language=job.request.source_language,
                target_language=job.language,
                segments=source.segments,
                max_bytes=max_bytes,
            )
        except XliffRejected as exc:
            raise ValidationFailed({"file": " ".join(exc.problems)}) from exc
        output = source.rebuild(translated, "", job.language)
        fmt, delivered = DeliveryFormat.XLIFF, None
    elif ext == source_meta.extension:
        try:
            inspected = documents.inspect_document(filename, data, max_bytes)
            delivered = open_document(data, ext)
        except (documents.DocumentRejected, DocumentUnreadable) as exc:
            raise ValidationFailed({"file": str(exc)}) from exc
        output, translated, fmt = inspected.data, None, DeliveryFormat.DOCUMENT
    else:
        raise ValidationFailed(
            {
                "file": _(
                    "Deliver a %(ext)s file like the source, or an XLIFF file (.xlf).",
                    ext=source_meta.extension,
                )
            }
        )
    pairs, segments = _pairs(source, translated, delivered)
    findings = _findings(pairs, job)
    inspected_out = documents.inspect_document(
        f"{stem}.{job.language}{source_meta.extension}", output, max(max_bytes, len(output))
    )
    folder = current_app.config["UPLOAD_FOLDER"]
    created = documents.store_bytes(folder, inspected_out)
    try:
        today = get_policy().calendar.today()
        due = job.vendor_due_date or job.due_date
        number = (db.session.scalar(select(func.count()).where(Delivery.job_id == job.id)) or 0) + 1
        delivery = Delivery(
            job=job,
            vendor_id=job.vendor_id,
            number=number,
            format=fmt,
            document=Document(
                sha256=inspected_out.sha256,
                original_name=inspected_out.original_name,
                media_type=inspected_out.media_type,
                extension=inspected_out.extension,
                size_bytes=len(output),
                word_count=inspected_out.word_count,
            ),
            segments=segments,
            delivered_by_id=actor.user_id,
            due_date=due,
            on_time=today <= due,
            findings=findings,
            glossary_passed=not findings,
            outcome=ReviewOutcome.PENDING,
        )
        db.session.add(delivery)
        move_job(db.session, job, JobStatus.DELIVERED, actor)
        _event(
            actor,
            job,
            "delivery.received",
            number=number,
            format=fmt.value,
            on_time=delivery.on_time,
            glossary_findings=len(findings),
        )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        if created:
            documents.remove_stored(folder, inspected_out.sha256)
        raise
    return delivery


def latest_delivery(job: Job) -> Delivery | None:
    """The job's most recent delivery."""
    return db.session.scalar(
        select(Delivery).where(Delivery.job_id == job.id).order_by(Delivery.number.desc())
    )


def _require_reviewer(actor: Actor) -> None:
    if actor.role not in REVIEWERS:
        raise NotAllowed("only the requester's department or the coordinator reviews deliveries")


def accept_delivery(job_id: int, actor: Actor) -> Job:
    """Accept what the vendor delivered: the job completes and its segments go to memory."""
    _require_reviewer(actor)
    job = visible_job(actor, job_id)
    if job.status != JobStatus.DELIVERED:
        raise IllegalTransition("job", job.id, job.status.value, JobStatus.COMPLETED.value)
    now = utcnow()
    if job.request.kind == RequestKind.TRANSLATION:
        delivery = latest_delivery(job)
        assert delivery is not None  # noqa: S101 (a delivered translation has a delivery)
        delivery.outcome, delivery.reviewed_at = ReviewOutcome.ACCEPTED, now
        delivery.reviewed_by_id = actor.user_id
        job.on_time = delivery.on_time
        texts = {s.index: s.text for s in source_document(job).segments}
        for key, target in delivery.segments.items():
            if int(key) in texts and target.strip():
                remember(job.language, texts[int(key)], target, job.id)
    else:
        job.on_time = interpreting_on_time(job)
    move_job(db.session, job, JobStatus.COMPLETED, actor)
    db.session.commit()
    return job


def return_delivery(job_id: int, actor: Actor, comment: str) -> Job:
    """Send the delivery back with comments; the vendor's clock restarts by the contract."""
    _require_reviewer(actor)
    job = visible_job(actor, job_id)
    comment = comment.strip()
    if not comment:
        raise ValidationFailed({"comment": _("Say what the vendor must change.")})
    if job.status != JobStatus.DELIVERED:
        raise IllegalTransition("job", job.id, job.status.value, JobStatus.IN_PROGRESS.value)
    policy = get_policy()
    if job.request.kind == RequestKind.TRANSLATION:
        delivery = latest_delivery(job)
        assert delivery is not None  # noqa: S101 (a delivered translation has a delivery)
        delivery.outcome, delivery.reviewed_at = ReviewOutcome.RETURNED, utcnow()
        delivery.reviewed_by_id, delivery.review_comment = actor.user_id, comment[:2000]
        job.vendor_due_date = clock.vendor_due_date(
            job, _terms(job), policy, policy.calendar.today()
        )
    move_job(db.session, job, JobStatus.IN_PROGRESS, actor, comment[:1000])
    _event(
        actor,
        job,
        "delivery.returned",
        vendor_due_date=job.vendor_due_date.isoformat() if job.vendor_due_date else None,
    )
    db.session.commit()
    return job


def confirm_interpreter(job_id: int, actor: Actor, interpreter: str) -> Job:
    """The vendor names the interpreter (name or ID) who will do the appointment."""
    job = _own_job(actor, job_id)
    if job.request.kind != RequestKind.INTERPRETATION:
        raise NotAllowed("only interpreting jobs have an interpreter")
    if job.status != JobStatus.IN_PROGRESS:
        raise IllegalTransition("job", job.id, job.status.value, "interpreter_confirmed")
    interpreter = " ".join(interpreter.split())
    if not interpreter:
        raise ValidationFailed({"interpreter": _("Enter the interpreter's name or ID.")})
    if len(interpreter) > 200:
        raise ValidationFailed({"interpreter": _("Use at most %(num)s characters.", num=200)})
    job.interpreter, job.interpreter_confirmed_at = interpreter, utcnow()
    _event(actor, job, "job.interpreter_confirmed", interpreter=interpreter)
    _notify_resident(job, "interpreter_assigned")
    db.session.commit()
    return job


def check_interpreting_log(
    job: Job, start: datetime | None, end: datetime | None, minutes: int | None
) -> dict[str, str]:
    """The problems with a logged appointment (times aware, in any zone)."""
    errors: dict[str, str] = {}
    if start is None:
        errors["actual_start"] = _("Enter when the interpreting started.")
    if end is None:
        errors["actual_end"] = _("Enter when the interpreting ended.")
    if start is None or end is None:
        return errors
    if end <= start:
        errors["actual_end"] = _("The end time must be after the start time.")
    elif end - start > timedelta(hours=12):
        errors["actual_end"] = _("An appointment cannot be longer than 12 hours.")
    if start > utcnow() + timedelta(minutes=5):
        errors["actual_start"] = _("The start time cannot be in the future.")
    if minutes is not None and not 1 <= minutes <= 720:
        errors["minutes_billed"] = _(
            "Enter a whole number from %(low)s to %(high)s.", low=1, high=720
        )
    return errors


def log_interpreting(
    job_id: int, actor: Actor, start: datetime | None, end: datetime | None, minutes: int | None
) -> Job:
    """Record when the interpreting really happened and the minutes billed; hands the job in."""
    job = _own_job(actor, job_id)
    if job.request.kind != RequestKind.INTERPRETATION:
        raise NotAllowed("only interpreting jobs are logged")
    if job.status != JobStatus.IN_PROGRESS:
        raise IllegalTransition("job", job.id, job.status.value, JobStatus.DELIVERED.value)
    if not job.interpreter:
        raise ValidationFailed({"interpreter": _("Confirm the interpreter first.")})
    errors = check_interpreting_log(job, start, end, minutes)
    if errors:
        raise ValidationFailed(errors)
    assert start is not None and end is not None  # noqa: S101 (checked)
    billed = minutes or math.ceil((end - start).total_seconds() / 60)
    job.actual_start, job.actual_end, job.minutes_billed = start, end, billed
    job.cost = clock.estimate_cost(_terms(job), 0, billed)
    move_job(db.session, job, JobStatus.DELIVERED, actor)
    _event(actor, job, "job.interpreting_logged", minutes_billed=billed)
    db.session.commit()
    return job


def interpreting_on_time(job: Job) -> bool:
    """On time: the interpreter was confirmed within the contract's hours, before the start."""
    if job.interpreter_confirmed_at is None or job.assigned_at is None:
        return False
    deadline = job.request.starts_at
    terms = (
        terms_for(job.vendor_id, job.language, clock.service_for(job)) if job.vendor_id else None
    )
    if terms is not None and terms.confirmation_hours:
        by_contract = job.assigned_at + timedelta(hours=terms.confirmation_hours)
        deadline = min(deadline, by_contract) if deadline else by_contract
    return deadline is None or job.interpreter_confirmed_at <= deadline


def reschedule_interpreting(job_id: int, actor: Actor, starts_at: datetime | None) -> Job:
    """Move an interpreting appointment (coordinator): the vendor's due day follows, the resident
    who asked by text is told the new time."""
    from app.vendors.registry import require_curator

    require_curator(actor)
    job = visible_job(actor, job_id)
    req = job.request
    if req.kind != RequestKind.INTERPRETATION:
        raise NotAllowed("only interpreting appointments have a time")
    if job.status not in (JobStatus.NEW, JobStatus.READY, JobStatus.OFFERED, JobStatus.IN_PROGRESS):
        raise IllegalTransition("job", job.id, job.status.value, "rescheduled")
    if starts_at is None:
        raise ValidationFailed({"starts_at": _("Enter the new date and time.")})
    if starts_at <= utcnow():
        raise ValidationFailed({"starts_at": _("The new time must be in the future.")})
    before = req.starts_at
    req.starts_at = starts_at
    policy = get_policy()
    day = starts_at.astimezone(policy.calendar.timezone).date()
    job.due_date = day
    if job.vendor_due_date is not None:
        job.vendor_due_date = day
    _event(
        actor,
        job,
        "job.rescheduled",
        before=before.isoformat() if before else None,
        starts_at=starts_at.isoformat(),
    )
    _notify_resident(job, "time_changed")
    db.session.commit()
    return job


def reveal_resident_phone(job_id: int, actor: Actor) -> str:
    """The resident's number, for the interpreter who calls them back; each look is audited.

    Only the vendor holding an accepted interpreting job, or the coordinator, may see it.
    """
    job = visible_job(actor, job_id)
    req = job.request
    if actor.role not in (Role.VENDOR, Role.COORDINATOR, Role.ADMIN):
        raise NotAllowed("only the interpreter's vendor or the coordinator sees the number")
    if req.kind != RequestKind.INTERPRETATION or not req.resident_phone:
        raise NotAllowed("this job has no resident phone number")
    if actor.role == Role.VENDOR and job.status not in (JobStatus.IN_PROGRESS, JobStatus.ON_HOLD):
        raise NotAllowed("accept the job first")
    _event(actor, job, "job.phone_revealed")  # who looked, never the number itself
    db.session.commit()
    return req.resident_phone
