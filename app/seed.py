"""Demo data: the city's departments and one demo user per role."""

from __future__ import annotations

import secrets
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from app.auth.models import Department, Role, User
from app.auth.services import create_user
from app.extensions import db

DEPARTMENTS = (
    ("housing", "Housing & Neighborhood Services"),
    ("water", "Charlotte Water"),
    ("solid-waste", "Solid Waste Services"),
    ("police", "Police (non-emergency)"),
    ("311", "CharMeck 311"),
    ("community-relations", "Community Relations"),
    ("transportation", "Transportation"),
    ("planning", "Planning, Design & Development"),
)

DEMO_USERS = (
    ("staff.housing@city.example", "Hana Staff", Role.STAFF, "housing"),
    ("staff.water@city.example", "Walt Staff", Role.STAFF, "water"),
    ("coordinator@city.example", "Cora Coordinator", Role.COORDINATOR, None),
    ("vendor@city.example", "Vera Vendor", Role.VENDOR, None),
    ("compliance@city.example", "Colin Compliance", Role.COMPLIANCE, None),
    ("admin@city.example", "Ada Admin", Role.ADMIN, None),
)


def seed_departments() -> int:
    """Add the departments that are missing; return how many were added."""
    existing = set(db.session.scalars(select(Department.slug)))
    added = 0
    for slug, name in DEPARTMENTS:
        if slug not in existing:
            db.session.add(Department(slug=slug, name=name))
            added += 1
    db.session.commit()
    return added


DEMO_VENDOR = "Carolina Language Services (demo)"


def seed_demo_vendor() -> None:
    """A demo vendor under contract for every priority language and service, if missing."""
    from app.languages import PRIORITY_CODES
    from app.vendors.models import Service, Vendor, VendorService

    if db.session.scalar(select(Vendor.id).where(Vendor.name == DEMO_VENDOR)) is not None:
        return
    vendor = Vendor(
        name=DEMO_VENDOR,
        contact_email="jobs@carolina-language.example",
        contract_number="DEMO-1",
        capacity=50,
    )
    for code in PRIORITY_CODES:
        vendor.services.append(
            VendorService(
                language=code,
                service=Service.TRANSLATION,
                rate_per_word=Decimal("0.15"),
                minimum_charge=Decimal("35"),
                turnaround_days=3,
                rush_days=1,
                rush_surcharge_percent=50,
            )
        )
        for service in (Service.IN_PERSON, Service.PHONE, Service.VIDEO):
            vendor.services.append(
                VendorService(
                    language=code,
                    service=service,
                    rate_per_minute=Decimal("1.50"),
                    minimum_charge=Decimal("30"),
                    confirmation_hours=24,
                    minimum_notice_hours=24,
                )
            )
    db.session.add(vendor)
    db.session.commit()


def seed_demo_users() -> list[tuple[str, str, str]]:
    """Create missing demo users with random passwords; return (email, role, password) each."""
    seed_demo_vendor()
    created = []
    existing = set(db.session.scalars(select(User.email)))
    for email, name, role, dept in DEMO_USERS:
        if email in existing:
            continue
        password = secrets.token_urlsafe(12)
        vendor = DEMO_VENDOR if role == Role.VENDOR else None
        create_user(email, name, role, password, dept, vendor_name=vendor)
        created.append((email, role.value, password))
    return created


SEED_GLOSSARY = Path(__file__).parent / "glossary" / "seed_glossary.csv"


def seed_glossary() -> dict[str, int]:
    """Import the city's seed glossary (program, place and service names); safe to rerun."""
    from app.auth.actor import SYSTEM
    from app.glossary import interchange

    entries = interchange.read_csv(SEED_GLOSSARY.read_bytes())
    return interchange.import_entries(entries, SYSTEM, "csv").summary()
