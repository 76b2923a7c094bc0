"""Translated labels for statuses, kinds, channels and audit actions."""

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
}


def label(mapping: dict[str, object], key: str) -> str:
    """The translated label for a key, or the key itself when none is known."""
    return str(mapping.get(key, key))
