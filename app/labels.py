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
    "term.created": _l("Term added"),
    "term.updated": _l("Term changed"),
    "term.translation_proposed": _l("Translation proposed"),
    "term.translation_approved": _l("Translation approved"),
    "term.translation_rejected": _l("Translation rejected"),
    "term.translation_demoted": _l("No longer the approved translation"),
}
OUTCOME_LABELS = {
    "added": _l("Added"),
    "updated": _l("Updated"),
    "unchanged": _l("Unchanged"),
    "rejected": _l("Rejected"),
}
FINDING_LABELS = {
    "approved_missing": _l("The approved translation is missing"),
    "forbidden_used": _l("A forbidden variant is used"),
    "dnt_altered": _l("A name that must not be translated was changed"),
}


def label(mapping: dict[str, object], key: object) -> str:
    """The translated label for a key, or the key itself when none is known."""
    return str(mapping.get(str(key), key))
