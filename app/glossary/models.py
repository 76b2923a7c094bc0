"""Terms, their per-language translations, and the glossary version the matcher cache keys on."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.audit import utcnow
from app.auth.models import Department, User
from app.extensions import UTCDateTime, db, value_enum


class PartOfSpeech(enum.StrEnum):
    NOUN = "noun"
    PROPER_NOUN = "proper_noun"
    VERB = "verb"
    ADJECTIVE = "adjective"
    PHRASE = "phrase"
    OTHER = "other"


class TranslationKind(enum.StrEnum):
    TRANSLATION = "translation"  # approved, or a proposed alternative
    FORBIDDEN = "forbidden"  # a variant that must not be used


class TranslationStatus(enum.StrEnum):
    PROPOSED = "proposed"
    APPROVED = "approved"
    REJECTED = "rejected"


class Term(db.Model):  # type: ignore[name-defined]
    """An English term the city translates one way (or never translates)."""

    __tablename__ = "glossary_terms"
    __table_args__ = (UniqueConstraint("source_key", "scope_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(200))
    source_key: Mapped[str] = mapped_column(String(200), index=True)  # casefolded, spaces folded
    scope_key: Mapped[str] = mapped_column(String(20))  # "*" citywide, else the department id
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), nullable=True)
    definition: Mapped[str] = mapped_column(Text, default="")
    part_of_speech: Mapped[PartOfSpeech] = mapped_column(value_enum(PartOfSpeech))
    case_sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    do_not_translate: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    department: Mapped[Department | None] = relationship()
    translations: Mapped[list[TermTranslation]] = relationship(
        back_populates="term", order_by="TermTranslation.id", cascade="all, delete-orphan"
    )


class TermTranslation(db.Model):  # type: ignore[name-defined]
    """One rendering of a term in one language: approved, an alternative, or forbidden."""

    __tablename__ = "glossary_translations"
    __table_args__ = (UniqueConstraint("term_id", "language", "kind", "text"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    term_id: Mapped[int] = mapped_column(ForeignKey("glossary_terms.id"), index=True)
    language: Mapped[str] = mapped_column(String(10), index=True)
    text: Mapped[str] = mapped_column(String(200))
    kind: Mapped[TranslationKind] = mapped_column(value_enum(TranslationKind))
    status: Mapped[TranslationStatus] = mapped_column(value_enum(TranslationStatus), index=True)
    note: Mapped[str] = mapped_column(Text, default="")
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    term: Mapped[Term] = relationship(back_populates="translations")
    proposed_by: Mapped[User | None] = relationship(foreign_keys=[proposed_by_id])


class GlossaryVersion(db.Model):  # type: ignore[name-defined]
    """One row whose number grows with every glossary change; compiled matchers key on it."""

    __tablename__ = "glossary_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=0)
