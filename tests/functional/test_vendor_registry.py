"""The vendor registry through its pages: who may edit it, what it refuses, what it records."""

from __future__ import annotations

from sqlalchemy import func, select

from app.audit import AuditEvent
from app.extensions import db
from app.vendors.models import Vendor, VendorService
from tests.conftest import csrf_from

VENDOR_FORM = {
    "name": "Lingo Partners",
    "contact_name": "Ana Ruiz",
    "contact_email": "ana@lingo.example",
    "contact_phone": "704-555-0100",
    "contract_number": "CLT-2026-17",
    "contract_start": "2026-01-01",
    "contract_end": "2027-12-31",
    "capacity": "12",
    "active": "y",
    "notes": "",
}


def _counts(app):
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(Vendor)),
            db.session.scalar(select(func.count()).select_from(VendorService)),
            db.session.scalar(select(func.count()).select_from(AuditEvent)),
        )


def test_coordinator_adds_a_vendor_and_its_services(app, as_user):
    c = as_user("coordinator")
    page = c.get("/vendors/new")
    resp = c.post("/vendors/new", data={**VENDOR_FORM, "csrf_token": csrf_from(page.text)})
    assert resp.status_code == 302
    detail = c.get(resp.headers["Location"])
    assert "Lingo Partners" in detail.text and "CLT-2026-17" in detail.text
    token = csrf_from(detail.text)
    vendor_id = int(resp.headers["Location"].rsplit("/", 1)[1])
    added = c.post(
        f"/vendors/{vendor_id}/services",
        data={
            "csrf_token": token,
            "language": "vi",
            "service": "translation",
            "rate_per_word": "0.16",
            "minimum_charge": "40",
            "turnaround_days": "4",
            "words_per_block": "2000",
            "rush_days": "2",
            "rush_surcharge_percent": "30",
        },
    )
    assert added.status_code == 302
    phone = c.post(
        f"/vendors/{vendor_id}/services",
        data={
            "csrf_token": token,
            "language": "vi",
            "service": "phone",
            "rate_per_minute": "1.25",
            "confirmation_hours": "4",
            "minimum_notice_hours": "2",
        },
    )
    assert phone.status_code == 302
    page = c.get(f"/vendors/{vendor_id}")
    assert "$0.1600 a word" in page.text and "$1.2500 a minute" in page.text
    with app.app_context():
        vendor = db.session.get(Vendor, vendor_id)
        assert [(s.language, s.service.value) for s in vendor.services] == [
            ("vi", "phone"),
            ("vi", "translation"),
        ]
        actions = db.session.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.entity_type == "vendor")
            .order_by(AuditEvent.id)
        ).all()
        assert actions == ["vendor.created", "vendor.service_added", "vendor.service_added"]
    # The list and the language filter show it.
    assert "Lingo Partners" in c.get("/vendors?language=vi").text
    assert "Lingo Partners" not in c.get("/vendors?language=ar").text


def test_bad_vendor_details_are_refused_field_by_field_and_nothing_is_stored(app, as_user):
    c = as_user("coordinator")
    token = csrf_from(c.get("/vendors/new").text)
    c.post("/vendors/new", data={**VENDOR_FORM, "csrf_token": token})
    before = _counts(app)
    resp = c.post(
        "/vendors/new",
        data={
            **VENDOR_FORM,
            "name": "lingo partners",
            "contact_email": "not-an-address",
            "contract_end": "2025-12-31",
            "capacity": "0",
            "csrf_token": token,
        },
    )
    assert resp.status_code == 422
    for message in (
        "A vendor with this name already exists.",
        "Enter a valid e-mail address.",
        "The contract cannot end before it starts.",
        "Enter a whole number from 1 to 10000.",
    ):
        assert message in resp.text
    assert 'aria-invalid="true"' in resp.text
    assert _counts(app) == before


def test_a_service_without_its_terms_is_refused(app, as_user):
    c = as_user("coordinator")
    token = csrf_from(c.get("/vendors/new").text)
    loc = c.post("/vendors/new", data={**VENDOR_FORM, "csrf_token": token}).headers["Location"]
    vendor_id = int(loc.rsplit("/", 1)[1])
    before = _counts(app)
    resp = c.post(
        f"/vendors/{vendor_id}/services",
        data={
            "csrf_token": token,
            "language": "es",
            "service": "translation",
            "rate_per_word": "cheap",
            "rush_days": "9",
            "turnaround_days": "3",
        },
    )
    assert resp.status_code == 422
    assert "Enter an amount in dollars, like 0.14 or 95." in resp.text
    assert "A rush must be shorter than the normal turnaround." in resp.text
    interp = c.post(
        f"/vendors/{vendor_id}/services",
        data={"csrf_token": token, "language": "es", "service": "video"},
    )
    assert interp.status_code == 422
    assert "Enter a rate per minute or per hour." in interp.text
    assert "Enter how many hours the vendor has to confirm an interpreter." in interp.text
    assert _counts(app) == before


def test_only_the_coordinator_and_admin_change_the_registry(app, as_user):
    for who in ("staff_housing", "vendor"):
        assert as_user(who).get("/vendors").status_code == 403
    compliance = as_user("compliance")
    assert compliance.get("/vendors").status_code == 200
    assert compliance.get("/vendors/new").status_code == 403
    token = csrf_from(compliance.get("/vendors").text)  # the sign-out form's token
    assert (
        compliance.post("/vendors/new", data={**VENDOR_FORM, "csrf_token": token}).status_code
        == 403
    )
    assert _counts(app)[0] == 0
    admin = as_user("admin")
    page = admin.get("/vendors/new")
    assert (
        admin.post(
            "/vendors/new", data={**VENDOR_FORM, "csrf_token": csrf_from(page.text)}
        ).status_code
        == 302
    )


def test_vendor_forms_need_the_csrf_token(app, as_user):
    c = as_user("coordinator")
    assert c.post("/vendors/new", data=VENDOR_FORM).status_code == 400
    assert _counts(app)[0] == 0
