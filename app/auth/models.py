"""Departments, users with roles, and per-department API tokens."""

from __future__ import annotations

import enum
import hashlib
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from app.audit import utcnow
from app.extensions import UTCDateTime, db, value_enum


class Role(enum.StrEnum):
    """What a user may do."""

    STAFF = "staff"
    COORDINATOR = "coordinator"
    VENDOR = "vendor"
    COMPLIANCE = "compliance"
    ADMIN = "admin"


#: Roles that see every department's requests.
CITYWIDE_ROLES = frozenset({Role.COORDINATOR, Role.COMPLIANCE, Role.ADMIN})


class Department(db.Model):  # type: ignore[name-defined]
    """A city department that must give residents language access."""

    __tablename__ = "departments"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(200))


class User(UserMixin, db.Model):  # type: ignore[name-defined]
    """A person who signs in: staff, coordinator, vendor, compliance officer or admin."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(value_enum(Role))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), nullable=True)
    vendor_id: Mapped[int | None] = mapped_column(ForeignKey("vendors.id"), nullable=True)
    locale: Mapped[str | None] = mapped_column(String(10), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    department: Mapped[Department | None] = relationship()

    @property
    def is_active(self) -> bool:
        """Flask-Login refuses sign-in to deactivated users."""
        return self.active

    def set_password(self, password: str) -> None:
        """Store a salted scrypt hash of the password."""
        self.password_hash = generate_password_hash(password, method="scrypt")

    def check_password(self, password: str) -> bool:
        """Whether the password matches the stored hash."""
        return check_password_hash(self.password_hash, password)


class ApiToken(db.Model):  # type: ignore[name-defined]
    """A bearer token for one department's city system (311, a case system); only its hash kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    name: Mapped[str] = mapped_column(String(120))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    department: Mapped[Department] = relationship()

    @staticmethod
    def hash_token(token: str) -> str:
        """The stored form of a token (tokens are random, so a fast hash is enough)."""
        return hashlib.sha256(token.encode()).hexdigest()
