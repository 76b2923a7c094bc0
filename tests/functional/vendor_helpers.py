"""Shared setup for the vendor tests: vendors under contract, requests, a signed-in vendor."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import docx
from flask import Flask
from sqlalchemy import select

from app.auth.actor import Actor
from app.auth.models import Role, User
from app.extensions import db
from app.requests.models import Channel, Job, Request
from app.requests.services import submit_interpretation_request, submit_translation_request
from app.requests.validation import InterpretationInput, TranslationInput
from app.vendors.models import Service, Vendor, VendorService
from tests.conftest import _HASH

LANGUAGE = "zh"  # no test installs a model for it: jobs wait for vendors as READY


def add_vendor(
    name: str,
    language: str = LANGUAGE,
    services: tuple[Service, ...] = (Service.TRANSLATION, Service.PHONE),
    capacity: int = 10,
    rate: str = "0.14",
    user: str | None = None,
) -> int:
    """A vendor under contract for `language`, optionally with a signed-in user; its id."""
    vendor = Vendor(
        name=name,
        contact_email=f"office@{name.lower().replace(' ', '')}.example",
        contract_number=f"C-{name[:3].upper()}",
        contract_start=date(2026, 1, 1),
        contract_end=date(2030, 12, 31),
        capacity=capacity,
    )
    for service in services:
        if service == Service.TRANSLATION:
            vendor.services.append(
                VendorService(
                    language=language,
                    service=service,
                    rate_per_word=Decimal(rate),
                    minimum_charge=Decimal("25"),
                    turnaround_days=3,
                    rush_days=1,
                    rush_surcharge_percent=50,
                )
            )
        else:
            vendor.services.append(
                VendorService(
                    language=language,
                    service=service,
                    rate_per_minute=Decimal("1.50"),
                    minimum_charge=Decimal("30"),
                    confirmation_hours=24,
                )
            )
    db.session.add(vendor)
    db.session.flush()
    if user:
        db.session.add(
            User(
                email=f"{user}@city.example",
                name=user.title(),
                password_hash=_HASH,
                role=Role.VENDOR,
                vendor_id=vendor.id,
            )
        )
    db.session.commit()
    return vendor.id


def link_vendor_user(user_id: int, vendor_id: int) -> None:
    """Make the city fixture's vendor user work for `vendor_id`."""
    user = db.session.get(User, user_id)
    assert user is not None
    user.vendor_id = vendor_id
    db.session.commit()


def staff(user_id: int) -> Actor:
    user = db.session.get(User, user_id)
    assert user is not None
    return Actor.for_user(user)


def docx_bytes(*paragraphs: str) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def translation_job(user_id: int, **kw: Any) -> int:
    """Submit a translation request as staff; the id of its one job."""
    data = TranslationInput(
        title=kw.pop("title", "Water shut-off notice"),
        languages=[kw.pop("language", LANGUAGE)],
        **kw,
    )
    if data.file_data is None and data.text is None:
        data.text = "Your water will be shut off on Monday.\n\nCall 311 for help."
    req = submit_translation_request(data, staff(user_id), Channel.WEB)
    return req.jobs[0].id


def interpretation_job(user_id: int, starts: datetime, mode: str = "phone") -> int:
    """Submit a phone interpretation request as staff; the id of its job."""
    req = submit_interpretation_request(
        InterpretationInput(
            title="Housing inspection call",
            language=LANGUAGE,
            mode=mode,
            starts_at=starts.replace(tzinfo=None),
            duration_minutes=30,
            location="Call the resident through the city line, 704-555-0100",
        ),
        staff(user_id),
        Channel.WEB,
    )
    return req.jobs[0].id


def job(job_id: int) -> Job:
    db.session.expire_all()
    found = db.session.get(Job, job_id)
    assert found is not None
    return found


def request_of(job_id: int) -> Request:
    return job(job_id).request


def next_business_day(app: Flask, start: date, days: int = 1) -> date:
    from app.policy import get_policy

    return get_policy().calendar.add_business_days(start, days)


def vendor_named(name: str) -> Vendor:
    found = db.session.scalar(select(Vendor).where(Vendor.name == name))
    assert found is not None
    return found


ONE_DAY = timedelta(days=1)


def request_id_of(app: Flask, job_id: int) -> int:
    with app.app_context():
        return job(job_id).request_id
