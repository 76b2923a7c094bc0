"""JSON shapes of API resources, and parsing of API input into the shared request inputs."""

from __future__ import annotations

import base64
import binascii
from datetime import date, datetime
from typing import Any

from flask_babel import gettext as _

from app.requests.models import Request
from app.requests.validation import InterpretationInput, TranslationInput, ValidationFailed


def request_json(req: Request) -> dict[str, Any]:
    """A request as the API shows it (no resident name or phone: PII stays in the app)."""
    body: dict[str, Any] = {
        "id": req.id,
        "number": req.number,
        "kind": req.kind.value,
        "channel": req.channel.value,
        "status": req.status.value,
        "department": req.department.slug,
        "title": req.title,
        "notes": req.notes,
        "vital": req.vital,
        "audience": req.audience.value if req.audience else None,
        "requested_due_date": req.requested_due_date.isoformat()
        if req.requested_due_date
        else None,
        "policy_due_date": req.policy_due_date.isoformat() if req.policy_due_date else None,
        "policy_version": req.policy_version,
        "created_at": req.created_at.isoformat(),
        "jobs": [
            {
                "id": j.id,
                "language": j.language,
                "status": j.status.value,
                "due_date": j.due_date.isoformat(),
                "policy_due_date": j.policy_due_date.isoformat(),
            }
            for j in req.jobs
        ],
    }
    if req.document is not None:
        body["document"] = {
            "name": req.document.original_name,
            "media_type": req.document.media_type,
            "size_bytes": req.document.size_bytes,
            "word_count": req.document.word_count,
        }
    if req.kind.value == "interpretation":
        body.update(
            mode=req.mode.value if req.mode else None,
            starts_at=req.starts_at.isoformat() if req.starts_at else None,
            duration_minutes=req.duration_minutes,
            location=req.location,
        )
    return body


def _str(payload: dict[str, Any], key: str, errors: dict[str, str]) -> str:
    value = payload.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        errors[key] = _("Must be text.")
        return ""
    return value


def _date(payload: dict[str, Any], key: str, errors: dict[str, str]) -> date | None:
    value = payload.get(key)
    if value in (None, ""):
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        errors[key] = _("Must be a date like 2026-12-31.")
        return None


def parse_translation(payload: dict[str, Any]) -> TranslationInput:
    """Turn an API body into a TranslationInput, or raise ValidationFailed on wrong types."""
    errors: dict[str, str] = {}
    languages = payload.get("languages", [])
    if not isinstance(languages, list) or not all(isinstance(x, str) for x in languages):
        errors["languages"] = _("Must be a list of language codes.")
        languages = []
    vital = payload.get("vital", False)
    if not isinstance(vital, bool):
        errors["vital"] = _("Must be true or false.")
    file_name, file_data = None, None
    document = payload.get("document")
    if document is not None:
        if not isinstance(document, dict) or not isinstance(document.get("filename"), str):
            errors["document"] = _("Must be an object with filename and content_base64.")
        else:
            file_name = document["filename"]
            try:
                file_data = base64.b64decode(str(document.get("content_base64", "")), validate=True)
            except (binascii.Error, ValueError):
                errors["document"] = _("content_base64 is not valid base64.")
    data = TranslationInput(
        title=_str(payload, "title", errors),
        languages=languages,
        vital=bool(vital),
        audience=_str(payload, "audience", errors) or None,
        due_date=_date(payload, "due_date", errors),
        notes=_str(payload, "notes", errors),
        file_name=file_name,
        file_data=file_data,
        text=_str(payload, "text", errors) or None,
    )
    if errors:
        raise ValidationFailed(errors)
    return data


def parse_interpretation(payload: dict[str, Any]) -> InterpretationInput:
    """Turn an API body into an InterpretationInput; type errors travel with it to the checks."""
    errors: dict[str, str] = {}
    starts_at = None
    raw = payload.get("starts_at")
    if raw not in (None, ""):
        try:
            starts_at = datetime.fromisoformat(str(raw))
        except ValueError:
            errors["starts_at"] = _("Must be a local date and time like 2026-12-31T14:30.")
        else:
            if starts_at.tzinfo is not None:
                errors["starts_at"] = _("Give the city's local time, without a time zone.")
                starts_at = None
    duration = payload.get("duration_minutes")
    if duration is not None and (isinstance(duration, bool) or not isinstance(duration, int)):
        errors["duration_minutes"] = _("Must be a whole number of minutes.")
        duration = None
    return InterpretationInput(
        title=_str(payload, "title", errors),
        language=_str(payload, "language", errors),
        mode=_str(payload, "mode", errors),
        starts_at=starts_at,
        duration_minutes=duration,
        location=_str(payload, "location", errors),
        resident_name=_str(payload, "resident_name", errors),
        resident_phone=_str(payload, "resident_phone", errors),
        notes=_str(payload, "notes", errors),
        errors=errors,
    )
