"""Vendors (language service providers): contracted services, offers, deliveries, reminders."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.audit import utcnow
from app.extensions import Money, UTCDateTime, db, value_enum
from app.requests.models import Document, Job


class Service(enum.StrEnum):
    """What a vendor is contracted to do in a language."""

    TRANSLATION = "translation"
    IN_PERSON = "in_person"
    PHONE = "phone"
    VIDEO = "video"


class OfferStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


class DeliveryFormat(enum.StrEnum):
    DOCUMENT = "document"  # a file in the source's own format (.docx, .html, .txt, .md)
    XLIFF = "xliff"


class ReviewOutcome(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    RETURNED = "returned"


class ReminderKind(enum.StrEnum):
    DUE_SOON = "due_soon"  # to the vendor, before the due date
    OVERDUE = "overdue"  # to the coordinator, after it


class Vendor(db.Model):  # type: ignore[name-defined]
    """A contracted language service provider."""

    __tablename__ = "vendors"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    contact_name: Mapped[str] = mapped_column(String(200), default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    contact_phone: Mapped[str] = mapped_column(String(20), default="")
    contract_number: Mapped[str] = mapped_column(String(60), default="")
    contract_start: Mapped[date | None] = mapped_column(Date, nullable=True)
    contract_end: Mapped[date | None] = mapped_column(Date, nullable=True)
    capacity: Mapped[int] = mapped_column(Integer, default=10)  # open jobs at once
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    services: Mapped[list[VendorService]] = relationship(
        back_populates="vendor",
        order_by="(VendorService.language, VendorService.service)",
        cascade="all, delete-orphan",
    )

    def under_contract(self, day: date) -> bool:
        """Whether the contract covers `day` (open-ended when a bound is missing)."""
        if self.contract_start and day < self.contract_start:
            return False
        return not (self.contract_end and day > self.contract_end)


class VendorService(db.Model):  # type: ignore[name-defined]
    """One service in one language, with its rates and contracted turnaround."""

    __tablename__ = "vendor_services"
    __table_args__ = (UniqueConstraint("vendor_id", "language", "service"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id"), index=True)
    language: Mapped[str] = mapped_column(String(10), index=True)
    service: Mapped[Service] = mapped_column(value_enum(Service))
    rate_per_word: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    rate_per_minute: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    rate_per_hour: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    minimum_charge: Mapped[Decimal] = mapped_column(Money, default=Decimal(0))
    # Translation: business days for each block of words (2,000 by default), and rush terms.
    turnaround_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    words_per_block: Mapped[int] = mapped_column(Integer, default=2000)
    rush_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    rush_surcharge_percent: Mapped[int] = mapped_column(Integer, default=0)
    # Interpreting: hours to confirm an interpreter, and the notice the vendor needs.
    confirmation_hours: Mapped[int | None] = mapped_column(Integer, nullable=True)
    minimum_notice_hours: Mapped[int | None] = mapped_column(Integer, nullable=True)

    vendor: Mapped[Vendor] = relationship(back_populates="services")


class Offer(db.Model):  # type: ignore[name-defined]
    """A job offered to a vendor: pending until accepted, declined, expired or withdrawn."""

    __tablename__ = "offers"
    # The compliance report's interpretation figures: a job's accepted offer, from the index.
    __table_args__ = (Index("ix_offers_job_id_status", "job_id", "status", "responded_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"), index=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id"), index=True)
    status: Mapped[OfferStatus] = mapped_column(value_enum(OfferStatus), index=True)
    automatic: Mapped[bool] = mapped_column(Boolean, default=False)
    offered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    reason: Mapped[str] = mapped_column(Text, default="")

    job: Mapped[Job] = relationship()
    vendor: Mapped[Vendor] = relationship()


class Delivery(db.Model):  # type: ignore[name-defined]
    """A vendor's delivered translation of a job, its glossary check, and the review."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("job_id", "number"),
        # the compliance report's glossary check: a department's deliveries reviewed in a period
        Index(
            "ix_deliveries_department_id_reviewed_at",
            "department_id",
            "reviewed_at",
            "outcome",
            "glossary_passed",
            "language",
        ),
        # vital coverage: whether a job has an accepted delivery, from the index alone
        Index("ix_deliveries_job_id_outcome", "job_id", "outcome"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"), index=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1 for the first delivery of the job
    format: Mapped[DeliveryFormat] = mapped_column(value_enum(DeliveryFormat))
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    # The translations per segment when they are known (XLIFF, or a document that lines up).
    segments: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    delivered_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    delivered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    due_date: Mapped[date] = mapped_column(Date)  # the vendor's due date when it was delivered
    on_time: Mapped[bool] = mapped_column(Boolean)
    findings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    glossary_passed: Mapped[bool] = mapped_column(Boolean)
    outcome: Mapped[ReviewOutcome] = mapped_column(value_enum(ReviewOutcome), index=True)
    review_comment: Mapped[str] = mapped_column(Text, default="")
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Report facts: the job's department and language (app/requests/facts.py sets them).
    department_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    language: Mapped[str | None] = mapped_column(String(10), nullable=True)

    job: Mapped[Job] = relationship()
    vendor: Mapped[Vendor] = relationship()
    document: Mapped[Document] = relationship()


class Reminder(db.Model):  # type: ignore[name-defined]
    """A reminder or escalation sent for a job's due date; the unique key makes each go once."""

    __tablename__ = "reminders"
    __table_args__ = (UniqueConstraint("job_id", "kind", "due_date"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"), index=True)
    kind: Mapped[ReminderKind] = mapped_column(value_enum(ReminderKind))
    due_date: Mapped[date] = mapped_column(Date)
    recipients: Mapped[str] = mapped_column(Text, default="")
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    job: Mapped[Job] = relationship()
