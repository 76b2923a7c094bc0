"""The rules a request must meet, shared by the web form, the API and (later) SMS."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from urllib.parse import urlparse

import phonenumbers
from flask_babel import gettext as _

from app.languages import PRIORITY_CODES
from app.policy import Policy
from app.requests.models import Audience, InterpretationMode
from app.validation import ValidationFailed

__all__ = ["ValidationFailed", "TranslationInput", "InterpretationInput"]

MAX_TITLE = 200
MAX_NOTES = 5000
MAX_LOCATION = 500


@dataclass
class TranslationInput:
    """A translation request as submitted, before checks."""

    title: str
    languages: list[str]
    vital: bool = False
    audience: str | None = None
    due_date: date | None = None
    notes: str = ""
    file_name: str | None = None
    file_data: bytes | None = None
    text: str | None = None


@dataclass
class InterpretationInput:
    """An interpretation request as submitted, before checks."""

    title: str
    language: str
    mode: str
    starts_at: datetime | None  # naive = the city's local time
    duration_minutes: int | None
    location: str = ""
    resident_name: str = ""
    resident_phone: str = ""
    notes: str = ""
    errors: dict[str, str] = field(default_factory=dict)  # parse errors found by the caller


def _common(title: str, notes: str, errors: dict[str, str]) -> None:
    if not title.strip():
        errors["title"] = _("Give the request a short title.")
    elif len(title) > MAX_TITLE:
        errors["title"] = _("The title is too long (at most %(n)s characters).", n=MAX_TITLE)
    if len(notes) > MAX_NOTES:
        errors["notes"] = _("The notes are too long (at most %(n)s characters).", n=MAX_NOTES)


def check_translation(data: TranslationInput, policy: Policy, today: date) -> list[str]:
    """Check a translation request; return its target languages or raise ValidationFailed."""
    errors: dict[str, str] = {}
    _common(data.title, data.notes, errors)
    languages = list(dict.fromkeys(data.languages))
    unknown = [code for code in languages if code not in PRIORITY_CODES]
    if unknown:
        errors["languages"] = _("Unknown language: %(codes)s.", codes=", ".join(unknown))
    elif not languages:
        if data.vital:
            languages = list(PRIORITY_CODES)
        else:
            errors["languages"] = _("Pick at least one language.")
    if data.audience and data.audience not in {a.value for a in Audience}:
        errors["audience"] = _("Unknown audience.")
    has_file = bool(data.file_data) or bool(data.file_name)
    has_text = bool(data.text and data.text.strip())
    if has_file and has_text:
        errors["document"] = _("Upload a file or paste text, not both.")
    elif not has_file and not has_text:
        errors["document"] = _("Upload a document or paste the text to translate.")
    if data.due_date is not None:
        earliest = policy.translation_earliest(today)
        if data.due_date < today:
            errors["due_date"] = _("The due date is in the past.")
        elif data.due_date < earliest:
            errors["due_date"] = _(
                "The policy needs at least %(days)s business days. The earliest due date is "
                "%(date)s.",
                days=policy.translation_minimum_days,
                date=earliest.isoformat(),
            )
    if errors:
        raise ValidationFailed(errors)
    return languages


def check_interpretation(
    data: InterpretationInput, policy: Policy, now_local: datetime
) -> tuple[InterpretationMode, str | None]:
    """Check an interpretation request; return its mode and E.164 phone, or raise."""
    errors = dict(data.errors)
    _common(data.title, data.notes, errors)
    if data.language not in PRIORITY_CODES:
        errors["language"] = _("Pick one of the city's languages.")
    mode: InterpretationMode | None = None
    try:
        mode = InterpretationMode(data.mode)
    except ValueError:
        errors["mode"] = _("Pick in person, phone or video.")
    if data.starts_at is None:
        errors.setdefault("starts_at", _("Give the date and time of the appointment."))
    elif data.starts_at <= now_local:
        errors["starts_at"] = _("The appointment time is in the past.")
    elif mode is not None:
        earliest = policy.interpretation_earliest(now_local.date(), mode.value)
        if data.starts_at.date() < earliest:
            errors["starts_at"] = _(
                "The policy needs %(days)s business days of notice. The earliest date is %(date)s.",
                days=policy.interpretation_notice_days[mode.value],
                date=earliest.isoformat(),
            )
    dur = data.duration_minutes
    if dur is None:
        errors.setdefault("duration_minutes", _("Give the expected length in minutes."))
    elif not policy.interpretation_min_minutes <= dur <= policy.interpretation_max_minutes:
        errors["duration_minutes"] = _(
            "The length must be between %(lo)s and %(hi)s minutes.",
            lo=policy.interpretation_min_minutes,
            hi=policy.interpretation_max_minutes,
        )
    location = data.location.strip()
    if len(location) > MAX_LOCATION:
        errors["location"] = _("The address or link is too long.")
    elif mode == InterpretationMode.IN_PERSON and not location:
        errors["location"] = _("Give the address for an in-person appointment.")
    elif mode == InterpretationMode.VIDEO:
        url = urlparse(location)
        if url.scheme not in ("http", "https") or not url.netloc:
            errors["location"] = _("Give the meeting link (starting with https://) for video.")
    phone: str | None = None
    if data.resident_phone.strip():
        try:
            parsed = phonenumbers.parse(data.resident_phone, "US")
            if not phonenumbers.is_valid_number(parsed):
                raise phonenumbers.NumberParseException(1, "invalid")
            phone = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        except phonenumbers.NumberParseException:
            errors["resident_phone"] = _("This is not a valid phone number.")
    elif mode == InterpretationMode.PHONE and not location:
        errors["resident_phone"] = _(
            "For a phone appointment, give the resident's phone or a number to call."
        )
    if len(data.resident_name) > 200:
        errors["resident_name"] = _("The name is too long.")
    if errors or mode is None:
        raise ValidationFailed(errors)
    return mode, phone


def combine_local(day: date | None, at: time | None) -> datetime | None:
    """A naive local datetime from a date and a time field, or None when either is missing."""
    if day is None or at is None:
        return None
    return datetime.combine(day, at)
