"""The vendor registry: vendors and their services per language, kept by the coordinator."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import func, select

from app.audit import record_event
from app.auth.actor import Actor
from app.auth.models import Role
from app.extensions import db
from app.languages import PRIORITY_CODES
from app.validation import ValidationFailed
from app.vendors.models import Service, Vendor, VendorService

CURATORS = frozenset({Role.COORDINATOR, Role.ADMIN})


class VendorNotFound(LookupError):
    """No vendor with that id."""


class NotAllowed(PermissionError):
    """The actor may not change vendors or their jobs this way."""


def require_curator(actor: Actor) -> None:
    """Only the coordinator (and admins) keep the registry and route jobs."""
    if actor.role not in CURATORS:
        raise NotAllowed("only the coordinator may do this")


@dataclass
class VendorInput:
    """A vendor's details as a form or the CLI gives them (strings, checked here)."""

    name: str
    contact_name: str = ""
    contact_email: str = ""
    contact_phone: str = ""
    contract_number: str = ""
    contract_start: date | None = None
    contract_end: date | None = None
    capacity: int | None = 10
    active: bool = True
    notes: str = ""


@dataclass
class ServiceInput:
    """One contracted service in one language, with rates as typed (strings or numbers)."""

    language: str
    service: str
    rate_per_word: Any = None
    rate_per_minute: Any = None
    rate_per_hour: Any = None
    minimum_charge: Any = None
    turnaround_days: int | None = None
    words_per_block: int | None = 2000
    rush_days: int | None = None
    rush_surcharge_percent: int | None = 0
    confirmation_hours: int | None = None
    minimum_notice_hours: int | None = None
    errors: dict[str, str] = field(default_factory=dict)


def _money(value: Any, name: str, errors: dict[str, str]) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        amount = Decimal(str(value).strip().lstrip("$"))
    except InvalidOperation:
        errors[name] = _("Enter an amount in dollars, like 0.14 or 95.")
        return None
    if not amount.is_finite() or amount < 0 or amount > 100_000:
        errors[name] = _("Enter an amount between 0 and 100,000 dollars.")
        return None
    if amount != amount.quantize(Decimal("0.0001")):
        errors[name] = _("Use at most four decimal places.")
        return None
    return amount


def _count(value: int | None, name: str, low: int, high: int, errors: dict[str, str]) -> None:
    if value is not None and not low <= value <= high:
        errors[name] = _("Enter a whole number from %(low)s to %(high)s.", low=low, high=high)


def check_vendor(data: VendorInput, vendor_id: int | None = None) -> dict[str, str]:
    """The problems with a vendor's details, by field (empty when all is well)."""
    errors: dict[str, str] = {}
    name = data.name.strip()
    if not name:
        errors["name"] = _("Enter the vendor's name.")
    elif len(name) > 200:
        errors["name"] = _("Use at most %(num)s characters.", num=200)
    else:
        clash = db.session.scalar(
            select(Vendor.id).where(func.lower(Vendor.name) == name.lower(), Vendor.id != vendor_id)
        )
        if clash is not None:
            errors["name"] = _("A vendor with this name already exists.")
    if data.contact_email.strip():
        try:
            validate_email(data.contact_email.strip(), check_deliverability=False)
        except EmailNotValidError:
            errors["contact_email"] = _("Enter a valid e-mail address.")
    if data.contract_start and data.contract_end and data.contract_end < data.contract_start:
        errors["contract_end"] = _("The contract cannot end before it starts.")
    if data.capacity is None:
        errors["capacity"] = _("Enter how many jobs the vendor can hold at once.")
    _count(data.capacity, "capacity", 1, 10_000, errors)
    return errors


def _apply_vendor(vendor: Vendor, data: VendorInput) -> dict[str, Any]:
    values = {
        "name": data.name.strip(),
        "contact_name": data.contact_name.strip(),
        "contact_email": data.contact_email.strip(),
        "contact_phone": data.contact_phone.strip(),
        "contract_number": data.contract_number.strip(),
        "contract_start": data.contract_start,
        "contract_end": data.contract_end,
        "capacity": data.capacity,
        "active": data.active,
        "notes": data.notes.strip(),
    }
    changed: dict[str, Any] = {}
    for key, value in values.items():
        if getattr(vendor, key) != value:
            setattr(vendor, key, value)
            changed[key] = value.isoformat() if isinstance(value, date) else value
    return changed


def create_vendor(data: VendorInput, actor: Actor) -> Vendor:
    """Add a vendor to the registry, with its audit event."""
    require_curator(actor)
    errors = check_vendor(data)
    if errors:
        raise ValidationFailed(errors)
    vendor = Vendor()
    after = _apply_vendor(vendor, data)
    db.session.add(vendor)
    db.session.flush()
    record_event(
        db.session,
        actor=actor,
        action="vendor.created",
        entity_type="vendor",
        entity_id=vendor.id,
        after=after,
    )
    db.session.commit()
    return vendor


def update_vendor(vendor_id: int, data: VendorInput, actor: Actor) -> Vendor:
    """Change a vendor's details; records what changed."""
    require_curator(actor)
    vendor = get_vendor(vendor_id)
    errors = check_vendor(data, vendor_id)
    if errors:
        raise ValidationFailed(errors)
    before = {k: getattr(vendor, k) for k in ("name", "active", "capacity")}
    changed = _apply_vendor(vendor, data)
    if changed:
        record_event(
            db.session,
            actor=actor,
            action="vendor.updated",
            entity_type="vendor",
            entity_id=vendor.id,
            before=before,
            after=changed,
        )
    db.session.commit()
    return vendor


def get_vendor(vendor_id: int) -> Vendor:
    """A vendor by id, or VendorNotFound."""
    vendor = db.session.get(Vendor, vendor_id)
    if vendor is None:
        raise VendorNotFound(vendor_id)
    return vendor


def list_vendors(page: int, per_page: int, language: str | None = None) -> Pagination:
    """Vendors by name, optionally only those with a service in `language`."""
    stmt = select(Vendor).order_by(Vendor.active.desc(), Vendor.name)
    if language:
        stmt = stmt.where(
            Vendor.id.in_(select(VendorService.vendor_id).where(VendorService.language == language))
        )
    return db.paginate(stmt, page=page, per_page=per_page, error_out=False)


def check_service(data: ServiceInput) -> tuple[dict[str, str], dict[str, Any]]:
    """The problems with a service's terms, and the cleaned values."""
    errors: dict[str, str] = {}
    if data.language not in PRIORITY_CODES:
        errors["language"] = _("Choose one of the city's languages.")
    try:
        service = Service(data.service)
    except ValueError:
        errors["service"] = _("Choose a service.")
        service = None
    clean: dict[str, Any] = {"language": data.language, "service": service}
    for name in ("rate_per_word", "rate_per_minute", "rate_per_hour", "minimum_charge"):
        clean[name] = _money(getattr(data, name), name, errors)
    clean["minimum_charge"] = clean["minimum_charge"] or Decimal(0)
    _count(data.turnaround_days, "turnaround_days", 1, 60, errors)
    _count(data.words_per_block, "words_per_block", 100, 100_000, errors)
    _count(data.rush_days, "rush_days", 1, 60, errors)
    _count(data.rush_surcharge_percent, "rush_surcharge_percent", 0, 500, errors)
    _count(data.confirmation_hours, "confirmation_hours", 1, 720, errors)
    _count(data.minimum_notice_hours, "minimum_notice_hours", 0, 720, errors)
    if service == Service.TRANSLATION:
        if clean["rate_per_word"] is None:
            errors.setdefault("rate_per_word", _("Enter the rate per word."))
        if not data.turnaround_days:
            errors["turnaround_days"] = _("Enter the contracted turnaround in business days.")
        if data.rush_days and data.turnaround_days and data.rush_days >= data.turnaround_days:
            errors["rush_days"] = _("A rush must be shorter than the normal turnaround.")
    elif service is not None:
        if clean["rate_per_minute"] is None and clean["rate_per_hour"] is None:
            errors.setdefault("rate_per_minute", _("Enter a rate per minute or per hour."))
        if not data.confirmation_hours:
            errors["confirmation_hours"] = _(
                "Enter how many hours the vendor has to confirm an interpreter."
            )
    for name in (
        "turnaround_days",
        "rush_days",
        "confirmation_hours",
        "minimum_notice_hours",
    ):
        clean[name] = getattr(data, name) or None
    clean["words_per_block"] = data.words_per_block or 2000
    clean["rush_surcharge_percent"] = data.rush_surcharge_percent or 0
    return errors, clean


def set_service(vendor_id: int, data: ServiceInput, actor: Actor) -> VendorService:
    """Add a service to a vendor, or replace its terms for the same language and service."""
    require_curator(actor)
    vendor = get_vendor(vendor_id)
    errors, clean = check_service(data)
    if errors:
        raise ValidationFailed(errors)
    terms = db.session.scalar(
        select(VendorService).where(
            VendorService.vendor_id == vendor.id,
            VendorService.language == clean["language"],
            VendorService.service == clean["service"],
        )
    )
    action = "vendor.service_changed"
    if terms is None:
        terms = VendorService(vendor=vendor)
        db.session.add(terms)
        action = "vendor.service_added"
    for key, value in clean.items():
        setattr(terms, key, value)
    record_event(
        db.session,
        actor=actor,
        action=action,
        entity_type="vendor",
        entity_id=vendor.id,
        after={k: (str(v) if isinstance(v, Decimal) else v) for k, v in clean.items()},
    )
    db.session.commit()
    return terms


def remove_service(vendor_id: int, service_id: int, actor: Actor) -> None:
    """Take a service off a vendor's contract (jobs already offered keep their vendor)."""
    require_curator(actor)
    terms = db.session.get(VendorService, service_id)
    if terms is None or terms.vendor_id != vendor_id:
        raise VendorNotFound(service_id)
    record_event(
        db.session,
        actor=actor,
        action="vendor.service_removed",
        entity_type="vendor",
        entity_id=vendor_id,
        before={"language": terms.language, "service": terms.service.value},
    )
    db.session.delete(terms)
    db.session.commit()


def terms_for(vendor_id: int, language: str, service: Service) -> VendorService | None:
    """A vendor's contracted terms for a language and service, if it has them."""
    return db.session.scalar(
        select(VendorService).where(
            VendorService.vendor_id == vendor_id,
            VendorService.language == language,
            VendorService.service == service,
        )
    )
