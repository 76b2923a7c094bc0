"""User and token services."""

from __future__ import annotations

import secrets

from sqlalchemy import select

from app.audit import record_event, utcnow
from app.auth.actor import SYSTEM, Actor
from app.auth.models import ApiToken, Department, Role, User
from app.extensions import db
from app.languages import UI_LOCALES


class UnknownDepartment(LookupError):
    """No department has that slug."""


def authenticate(email: str, password: str) -> User | None:
    """The active user with this email and password, or None."""
    user = db.session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None or not user.active or not user.check_password(password):
        return None
    return user


def set_locale(user: User, locale: str | None) -> None:
    """Save the user's UI language (None: follow the browser)."""
    if locale and locale not in UI_LOCALES:
        raise ValueError(f"unknown locale {locale}")
    before = user.locale
    user.locale = locale or None
    record_event(
        db.session,
        actor=Actor.for_user(user),
        action="user.locale",
        entity_type="user",
        entity_id=user.id,
        before={"locale": before},
        after={"locale": user.locale},
    )
    db.session.commit()


def department_by_slug(slug: str) -> Department:
    """The department with this slug, or UnknownDepartment."""
    dept = db.session.scalar(select(Department).where(Department.slug == slug))
    if dept is None:
        raise UnknownDepartment(slug)
    return dept


def create_user(
    email: str,
    name: str,
    role: Role,
    password: str,
    department_slug: str | None = None,
    actor: Actor = SYSTEM,
    vendor_name: str | None = None,
) -> User:
    """Create a user; staff must belong to a department, vendor users to a vendor."""
    from app.vendors.models import Vendor

    dept = department_by_slug(department_slug) if department_slug else None
    if role == Role.STAFF and dept is None:
        raise ValueError("staff users need a department")
    vendor_id = None
    if role == Role.VENDOR:
        vendor_id = db.session.scalar(select(Vendor.id).where(Vendor.name == (vendor_name or "")))
        if vendor_id is None:
            raise ValueError("vendor users need an existing vendor (its exact name)")
    user = User(
        email=email.strip().lower(), name=name, role=role, department=dept, vendor_id=vendor_id
    )
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record_event(
        db.session,
        actor=actor,
        action="user.created",
        entity_type="user",
        entity_id=user.id,
        after={
            "email": user.email,
            "role": role.value,
            "department": department_slug,
            "vendor_id": vendor_id,
        },
    )
    db.session.commit()
    return user


def issue_api_token(department_slug: str, name: str, actor: Actor = SYSTEM) -> tuple[ApiToken, str]:
    """Create a department API token; the secret is returned once and only its hash is kept."""
    dept = department_by_slug(department_slug)
    secret = "la_" + secrets.token_urlsafe(32)
    token = ApiToken(department=dept, name=name, token_hash=ApiToken.hash_token(secret))
    db.session.add(token)
    db.session.flush()
    record_event(
        db.session,
        actor=actor,
        action="api_token.created",
        entity_type="api_token",
        entity_id=token.id,
        after={"department": dept.slug, "name": name},
    )
    db.session.commit()
    return token, secret


def revoke_api_token(token_id: int, actor: Actor = SYSTEM) -> None:
    """Revoke a token; calls with it fail from now on."""
    token = db.session.get(ApiToken, token_id)
    if token is None:
        raise LookupError(token_id)
    token.revoked_at = utcnow()
    record_event(
        db.session,
        actor=actor,
        action="api_token.revoked",
        entity_type="api_token",
        entity_id=token.id,
        after={"name": token.name},
    )
    db.session.commit()


def token_for_secret(secret: str) -> ApiToken | None:
    """The live token with this secret, or None."""
    token = db.session.scalar(
        select(ApiToken).where(ApiToken.token_hash == ApiToken.hash_token(secret))
    )
    if token is None or token.revoked_at is not None:
        return None
    return token
