"""Translated labels for statuses, kinds, channels, audit actions and glossary findings."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

STATUS_LABELS = {
    "submitted": _l("Submitted"),
    "in_progress": _l("In progress"),
    "completed": _l("Completed"),
    "cancelled": _l("Cancelled"),
    "new": _l("New"),
    "drafting": _l("Machine draft in progress"),
    "ready": _l("Ready for a vendor"),
    "offered": _l("Offered to a vendor"),
    "on_hold": _l("Waiting on requester"),
    "delivered": _l("Delivered"),
    "proposed": _l("Proposed"),
    "approved": _l("Approved"),
    "rejected": _l("Rejected"),
}
KIND_LABELS = {"translation": _l("Translation"), "interpretation": _l("Interpretation")}
SERVICE_LABELS = {
    "translation": _l("Document translation"),
    "in_person": _l("In-person interpreting"),
    "phone": _l("Phone interpreting"),
    "video": _l("Video interpreting"),
}
#: Text messages: direction, and how each was handled or delivered.
SMS_LABELS = {
    "inbound": _l("From resident"),
    "outbound": _l("To resident"),
    "received": _l("Received"),
    "throttled": _l("Too many texts: not answered"),
    "ignored": _l("Ignored"),
    "queued": _l("Queued"),
    "sending": _l("Sending"),
    "sent": _l("Sent"),
    "delivered": _l("Delivered"),
    "undelivered": _l("Not delivered"),
    "failed": _l("Failed"),
    "blocked": _l("Not sent: resident sent STOP"),
}
#: The system's own actors in the audit trail (people appear by their e-mail address).
ACTOR_LABELS = {
    "worker": _l("Machine translation worker"),
    "router": _l("Automatic routing"),
    "system": _l("System"),
    "cli": _l("Command line"),
    "sms": _l("Text message service"),
}
CHANNEL_LABELS = {"web": _l("Web form"), "sms": _l("Text message"), "api": _l("API")}
ACTION_LABELS = {
    "request.submitted": _l("Request submitted"),
    "request.in_progress": _l("Work started"),
    "request.completed": _l("Request completed"),
    "request.cancelled": _l("Request cancelled"),
    "job.created": _l("Job created"),
    "job.drafting": _l("Machine draft started"),
    "job.ready": _l("Ready for a vendor"),
    "job.offered": _l("Offered to a vendor"),
    "job.in_progress": _l("Vendor working"),
    "job.on_hold": _l("Waiting on requester"),
    "job.delivered": _l("Delivered"),
    "job.completed": _l("Job completed"),
    "job.cancelled": _l("Job cancelled"),
    "sms.opted_out": _l("Resident stopped text messages"),
    "sms.opted_in": _l("Resident turned text messages back on"),
    "sms.notification_queued": _l("Text message to the resident queued"),
    "sms.delivered": _l("Text message delivered"),
    "sms.undelivered": _l("Text message not delivered"),
    "sms.failed": _l("Text message failed"),
    "term.created": _l("Term added"),
    "term.updated": _l("Term changed"),
    "term.translation_proposed": _l("Translation proposed"),
    "term.translation_approved": _l("Translation approved"),
    "term.translation_rejected": _l("Translation rejected"),
    "term.translation_demoted": _l("No longer the approved translation"),
    "offer.made": _l("Offered to a vendor"),
    "offer.accepted": _l("Vendor accepted"),
    "offer.declined": _l("Vendor declined"),
    "offer.expired": _l("Offer expired"),
    "offer.withdrawn": _l("Offer withdrawn"),
    "delivery.received": _l("Translation delivered"),
    "delivery.returned": _l("Returned to the vendor"),
    "job.interpreter_confirmed": _l("Interpreter confirmed"),
    "job.interpreting_logged": _l("Interpreting logged"),
    "job.clock_resumed": _l("Clock restarted"),
    "job.rescheduled": _l("Appointment time changed"),
    "job.phone_revealed": _l("Resident's number shown"),
    "reminder.due_soon": _l("Vendor reminded"),
    "reminder.overdue": _l("Late job escalated"),
    "vendor.created": _l("Vendor added"),
    "vendor.updated": _l("Vendor changed"),
    "vendor.service_added": _l("Service added"),
    "vendor.service_changed": _l("Service changed"),
    "vendor.service_removed": _l("Service removed"),
}
OUTCOME_LABELS = {
    "added": _l("Added"),
    "updated": _l("Updated"),
    "unchanged": _l("Unchanged"),
    "rejected": _l("Rejected"),
    "pending": _l("Waiting for an answer"),
    "accepted": _l("Accepted"),
    "declined": _l("Declined"),
    "expired": _l("Expired"),
    "withdrawn": _l("Withdrawn"),
    "returned": _l("Returned with comments"),
}
DRAFT_LABELS = {
    "queued": _l("Machine draft waiting"),
    "running": _l("Machine draft in progress"),
    "done": _l("Machine draft ready"),
    "failed": _l("No machine draft"),
    "human_only": _l("Human translation only"),
}
#: Why a job got no machine draft, keyed by the reason the pipeline stores (plain English).
REASON_LABELS = {
    "Machine draft ready": _l("Machine draft ready"),
    "No machine translation model covers this language.": _l(
        "No machine translation model covers this language."
    ),
    "The Word document is password-protected": _l("The Word document is password-protected."),
    "The Word document is damaged": _l("The Word document is damaged."),
    "The file is not a Word document": _l("The file is not a Word document."),
    "The file is an old Word document (.doc), not .docx": _l(
        "The file is an old Word document (.doc), not .docx."
    ),
    "The Word document is too large once unpacked": _l(
        "The Word document is too large once unpacked."
    ),
    "The file is not valid UTF-8 text": _l("The file is not valid UTF-8 text."),
    "The document has no text to translate": _l("The document has no text to translate."),
    "The document has more segments than the limit for machine drafts.": _l(
        "The document has more segments than the limit for machine drafts."
    ),
    "The stored document cannot be read.": _l("The stored document cannot be read."),
    "The machine translation engine failed.": _l("The machine translation engine failed."),
    "Drafting stopped three times; left to humans.": _l(
        "Drafting stopped three times; left to humans."
    ),
    "The vendor did not answer in time.": _l("The vendor did not answer in time."),
    "The coordinator withdrew the offer.": _l("The coordinator withdrew the offer."),
}
FLAG_LABELS = {
    "number": _l("A number differs"),
    "date": _l("A date differs"),
    "url": _l("A web link differs"),
    "email": _l("An e-mail address differs"),
    "phone": _l("A phone number differs"),
    "protected_term": _l("A glossary term was lost in machine translation"),
    # Glossary findings on a draft reuse the glossary check's own wording.
    "approved_missing": _l("The approved translation is missing"),
    "forbidden_used": _l("A forbidden variant is used"),
    "dnt_altered": _l("A name that must not be translated was changed"),
}
FINDING_LABELS = {
    "approved_missing": _l("The approved translation is missing"),
    "forbidden_used": _l("A forbidden variant is used"),
    "dnt_altered": _l("A name that must not be translated was changed"),
}


def label(mapping: dict[str, object], key: object) -> str:
    """The translated label for a key, or the key itself when none is known."""
    return str(mapping.get(str(key), key))
