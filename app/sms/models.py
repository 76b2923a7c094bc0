"""Text-message conversations with residents, and every message in and out."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.audit import utcnow
from app.crypto import EncryptedString
from app.extensions import UTCDateTime, db, value_enum
from app.requests.models import LanguageMethod, Request


class Step(enum.StrEnum):
    """Where a conversation is: what the next message from the resident answers."""

    LANGUAGE = "language"
    DEPARTMENT = "department"
    WINDOW = "window"
    DAY = "day"
    TIME = "time"
    DONE = "done"


class Direction(enum.StrEnum):
    INBOUND = "inbound"
    OUTBOUND = "outbound"


class MessageStatus(enum.StrEnum):
    """Inbound: how the message was handled. Outbound: Twilio's delivery status, as it reports."""

    RECEIVED = "received"
    THROTTLED = "throttled"
    IGNORED = "ignored"  # from a number that sent STOP, or one that cannot be answered
    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    DELIVERED = "delivered"
    UNDELIVERED = "undelivered"
    FAILED = "failed"
    BLOCKED = "blocked"  # never sent: the resident had opted out


class SmsConversation(db.Model):  # type: ignore[name-defined]
    """One resident's phone number and where their conversation with the city stands."""

    __tablename__ = "sms_conversations"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone_hash: Mapped[str] = mapped_column(String(64), unique=True)  # keyed HMAC of E.164
    phone: Mapped[str] = mapped_column(EncryptedString(255))  # encrypted; PII
    language: Mapped[str | None] = mapped_column(String(10), nullable=True)
    language_method: Mapped[LanguageMethod | None] = mapped_column(
        value_enum(LanguageMethod), nullable=True
    )
    step: Mapped[Step] = mapped_column(value_enum(Step), default=Step.LANGUAGE)
    department_slug: Mapped[str | None] = mapped_column(String(60), nullable=True)
    callback_day: Mapped[date | None] = mapped_column(Date, nullable=True)
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Rate limit: when this number's current window began, and its texts in it so far.
    window_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    window_count: Mapped[int] = mapped_column(Integer, default=0)
    latest_request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    latest_request: Mapped[Request | None] = relationship()


class SmsMessage(db.Model):  # type: ignore[name-defined]
    """A text received from or sent to a resident; inbound ones keep the reply they were given."""

    __tablename__ = "sms_messages"
    __table_args__ = (
        Index("ix_sms_messages_conversation_created", "conversation_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("sms_conversations.id"))
    direction: Mapped[Direction] = mapped_column(value_enum(Direction))
    # Twilio's MessageSid: unique, so a retried webhook cannot make a second row.
    sid: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    body: Mapped[str] = mapped_column(Text, default="")
    language: Mapped[str | None] = mapped_column(String(10), nullable=True)
    status: Mapped[MessageStatus] = mapped_column(value_enum(MessageStatus), index=True)
    reply_body: Mapped[str | None] = mapped_column(Text, nullable=True)  # inbound: TwiML reply
    event: Mapped[str | None] = mapped_column(String(40), nullable=True)  # outbound: why sent
    sender: Mapped[str | None] = mapped_column(String(20), nullable=True)  # console or twilio
    segments: Mapped[int] = mapped_column(Integer, default=0)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    error_code: Mapped[str | None] = mapped_column(String(20), nullable=True)
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("requests.id"), nullable=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    status_updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    conversation: Mapped[SmsConversation] = relationship()
    request: Mapped[Request | None] = relationship()
