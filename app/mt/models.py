"""Machine drafts (one per translation job) and the translation memory they reuse."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.audit import utcnow
from app.extensions import UTCDateTime, db, value_enum
from app.requests.models import Job


class DraftStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"  # the job goes on with humans; `reason` says why
    HUMAN_ONLY = "human_only"  # no model covers the language


class MTDraft(db.Model):  # type: ignore[name-defined]
    """The machine draft of one job: progress while it runs, then the draft file and its flags."""

    __tablename__ = "mt_drafts"

    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"), unique=True)
    language: Mapped[str] = mapped_column(String(10), index=True)
    status: Mapped[DraftStatus] = mapped_column(value_enum(DraftStatus), index=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    engine: Mapped[str] = mapped_column(String(40), default="")
    model_version: Mapped[str] = mapped_column(String(80), default="")
    segments_total: Mapped[int] = mapped_column(Integer, default=0)
    segments_done: Mapped[int] = mapped_column(Integer, default=0)
    memory_reused: Mapped[int] = mapped_column(Integer, default=0)
    flags: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # The draft's text per segment index (as strings: JSON keys), for the vendor's XLIFF.
    segment_targets: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    draft_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    draft_name: Mapped[str | None] = mapped_column(String(255), nullable=True)
    claimed_by: Mapped[str | None] = mapped_column(String(40), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)

    job: Mapped[Job] = relationship()


class MemoryEntry(db.Model):  # type: ignore[name-defined]
    """An approved translation of one segment, reused verbatim when the same segment recurs."""

    __tablename__ = "translation_memory"
    __table_args__ = (UniqueConstraint("language", "source_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    language: Mapped[str] = mapped_column(String(10))
    source_hash: Mapped[str] = mapped_column(String(64))
    source_text: Mapped[str] = mapped_column(Text)
    target_text: Mapped[str] = mapped_column(Text)
    job_id: Mapped[int | None] = mapped_column(ForeignKey("jobs.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
