"""Requests, their per-language jobs, and uploaded documents."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.audit import utcnow
from app.auth.models import ApiToken, Department, User
from app.crypto import EncryptedString
from app.extensions import Money, UTCDateTime, db, value_enum

if TYPE_CHECKING:
    from app.vendors.models import Vendor


class RequestKind(enum.StrEnum):
    TRANSLATION = "translation"
    INTERPRETATION = "interpretation"


class Channel(enum.StrEnum):
    WEB = "web"
    SMS = "sms"
    API = "api"


class RequestStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class JobStatus(enum.StrEnum):
    NEW = "new"
    DRAFTING = "drafting"
    READY = "ready"
    OFFERED = "offered"
    IN_PROGRESS = "in_progress"
    ON_HOLD = "on_hold"
    DELIVERED = "delivered"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Audience(enum.StrEnum):
    PUBLIC = "public"
    RESIDENT = "resident"
    COMMUNITY = "community"
    INTERNAL = "internal"


class InterpretationMode(enum.StrEnum):
    IN_PERSON = "in_person"
    PHONE = "phone"
    VIDEO = "video"


class LanguageMethod(enum.StrEnum):
    """How a resident's language was identified (requests from text messages)."""

    MENU = "menu"
    KEYWORD = "keyword"
    DETECTION = "detection"


class Document(db.Model):  # type: ignore[name-defined]
    """An uploaded or pasted source document, its bytes stored once under its SHA-256."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    original_name: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    extension: Mapped[str] = mapped_column(String(10))
    size_bytes: Mapped[int] = mapped_column(Integer)
    word_count: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Request(db.Model):  # type: ignore[name-defined]
    """What a department asked for: a translation of one document, or an interpreter."""

    __tablename__ = "requests"
    # Compliance reports select a department's requests by submission time, and the vital
    # documents (a few percent of the requests) from their own index.
    __table_args__ = (
        Index("ix_requests_department_id_created_at", "department_id", "created_at"),
        # interpretation requests by how the resident's language was identified
        Index(
            "ix_requests_department_id_kind_created_at",
            "department_id",
            "kind",
            "created_at",
            "language_method",
        ),
        Index(
            "ix_requests_vital_created_at", "vital", "created_at", "department_id", "kind", "status"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(20), unique=True, nullable=True)
    kind: Mapped[RequestKind] = mapped_column(value_enum(RequestKind))
    channel: Mapped[Channel] = mapped_column(value_enum(Channel))
    status: Mapped[RequestStatus] = mapped_column(value_enum(RequestStatus), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    requester_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    api_token_id: Mapped[int | None] = mapped_column(ForeignKey("api_tokens.id"), nullable=True)
    title: Mapped[str] = mapped_column(String(200))
    notes: Mapped[str] = mapped_column(Text, default="")
    source_language: Mapped[str] = mapped_column(String(10), default="en")
    vital: Mapped[bool] = mapped_column(Boolean, default=False)
    audience: Mapped[Audience | None] = mapped_column(value_enum(Audience), nullable=True)
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), nullable=True)
    requested_due_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    policy_due_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    policy_version: Mapped[str] = mapped_column(String(40))
    # Interpretation only.
    mode: Mapped[InterpretationMode | None] = mapped_column(
        value_enum(InterpretationMode), nullable=True
    )
    starts_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    duration_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    location: Mapped[str | None] = mapped_column(String(500), nullable=True)
    resident_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    # E.164, encrypted at rest (app.crypto); PII: never logged, masked in the UI.
    resident_phone: Mapped[str | None] = mapped_column(EncryptedString(255), nullable=True)
    language_method: Mapped[LanguageMethod | None] = mapped_column(
        value_enum(LanguageMethod), nullable=True
    )  # SMS: how the resident's language was identified
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    department: Mapped[Department] = relationship()
    requester: Mapped[User | None] = relationship()
    api_token: Mapped[ApiToken | None] = relationship()
    document: Mapped[Document | None] = relationship()
    jobs: Mapped[list[Job]] = relationship(
        back_populates="request", order_by="Job.id", cascade="all, delete-orphan"
    )


class Job(db.Model):  # type: ignore[name-defined]
    """The work for one target language of a request."""

    __tablename__ = "jobs"
    # The compliance report's figures, each read from one index range per department
    # (queries.py; citywide figures list every department, so each index leads with it).
    __table_args__ = (
        # a department's completions grouped for on time, turnaround and cost: read in this
        # order, the groups need no sort (the period filters; see queries.completion_groups)
        Index(
            "ix_jobs_department_id_kind_language",
            "department_id",
            "kind",
            "language",
            "vendor_id",
            "turnaround_business_days",
            "completed_on",
            "due_date",
            "minutes_billed",
            "cost",
        ),
        # every department's completions in a period (the citywide roll-up's on-time rate)
        Index(
            "ix_jobs_department_id_completed_on",
            "department_id",
            "completed_on",
            "kind",
            "due_date",
        ),
        # a request's jobs by language (vital coverage reads them from the index alone)
        Index(
            "ix_jobs_request_id_language",
            "request_id",
            "language",
            "status",
            "completed_on",
            "delivery_accepted",
        ),
        # a department's jobs open at a period's end (closed_on NULL or after it)
        Index(
            "ix_jobs_department_id_closed_on",
            "department_id",
            "closed_on",
            "submitted_on",
            "due_date",
            "kind",
            "language",
            "vendor_id",
        ),
        # a department's jobs by submission day (drill-downs, the export's row count)
        Index(
            "ix_jobs_department_id_submitted_on",
            "department_id",
            "submitted_on",
            "kind",
            "channel",
            "language",
        ),
        # a department's jobs submitted in a period grouped by kind, language and channel
        # (requests by language, kind and channel; interpretation): read in this order the
        # groups need no sort, and the index alone answers (the period only filters)
        Index(
            "ix_jobs_department_id_kind_language_channel",
            "department_id",
            "kind",
            "language",
            "channel",
            "submitted_on",
            "status",
            "offer_accepted",
            "assign_minutes",
            "minutes_billed",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id"))
    language: Mapped[str] = mapped_column(String(10), index=True)
    status: Mapped[JobStatus] = mapped_column(value_enum(JobStatus), index=True)
    due_date: Mapped[date] = mapped_column(Date)
    policy_due_date: Mapped[date] = mapped_column(Date)
    vendor_id: Mapped[int | None] = mapped_column(
        ForeignKey("vendors.id"), nullable=True, index=True
    )
    # The vendor's clock: its contracted due date, and since when it waits on the requester.
    vendor_due_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    on_hold_since: Mapped[date | None] = mapped_column(Date, nullable=True)
    cost: Mapped[Decimal | None] = mapped_column(Money, nullable=True)
    # Interpreting: who was confirmed, and what actually happened.
    interpreter: Mapped[str | None] = mapped_column(String(200), nullable=True)
    interpreter_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    actual_start: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    actual_end: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    minutes_billed: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Set when the job completes: whether the vendor met its due date.
    on_time: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    completed_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, nullable=True, index=True
    )  # compliance reports select jobs completed in a period
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Report facts (app/requests/facts.py keeps them exact at every flush): copies of the
    # request's department, kind and channel, and the city-local days the compliance report
    # counts by, so its figures read indexes instead of joining requests and converting times.
    department_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    kind: Mapped[RequestKind | None] = mapped_column(value_enum(RequestKind), nullable=True)
    channel: Mapped[Channel | None] = mapped_column(value_enum(Channel), nullable=True)
    submitted_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    completed_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # only if completed
    closed_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # completed or cancelled
    # Business days from submitted_on to completed_on, by the calendar in force at completion.
    turnaround_business_days: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Facts of the job's offers and deliveries (app/requests/facts.py recounts them in the
    # flush that changes one): whether a vendor accepted an offer, the minutes from the
    # request's submission to the first acceptance, and whether the department accepted a
    # delivery.
    offer_accepted: Mapped[bool] = mapped_column(Boolean, server_default=false(), nullable=False)
    assign_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    delivery_accepted: Mapped[bool] = mapped_column(Boolean, server_default=false(), nullable=False)

    request: Mapped[Request] = relationship(back_populates="jobs")
    vendor: Mapped[Vendor | None] = relationship()
