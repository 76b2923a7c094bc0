"""The audit trail: one append-only event per state change, written in the same transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, event, insert
from sqlalchemy.orm import Mapped, Session, mapped_column, scoped_session

from app.extensions import UTCDateTime, db

#: A plain session or Flask-SQLAlchemy's scoped db.session: services pass the latter.
AnySession = Session | scoped_session[Any]


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class AuditEvent(db.Model):  # type: ignore[name-defined]
    """Who did what, when, to which record, with the values before and after."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), nullable=True)
    actor_label: Mapped[str] = mapped_column(String(120))
    action: Mapped[str] = mapped_column(String(60), index=True)
    entity_type: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[int] = mapped_column(Integer)
    request_id: Mapped[int | None] = mapped_column(
        ForeignKey("requests.id"), nullable=True, index=True
    )
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class AuditTrailIsAppendOnly(RuntimeError):
    """Raised when code tries to change or delete an audit event."""


@event.listens_for(Session, "before_flush")
def _refuse_audit_changes(session: Session, flush_context: Any, instances: Any) -> None:
    for obj in list(session.dirty) + list(session.deleted):
        if isinstance(obj, AuditEvent):
            raise AuditTrailIsAppendOnly("audit events cannot be changed or deleted")


def audit_row(
    actor: Any,
    *,
    action: str,
    entity_type: str,
    entity_id: int,
    request_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An audit event's columns: who (`actor`'s user id and label) did what to which record."""
    return {
        "actor_user_id": getattr(actor, "user_id", None),
        "actor_label": getattr(actor, "label", "system"),
        "action": action,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "request_id": request_id,
        "before": before,
        "after": after,
    }


def record_event(session: AnySession, *, actor: Any, **event: Any) -> AuditEvent:
    """Add an audit event to the session; the caller's transaction commits it with the change.

    `event`: audit_row()'s keywords (action, entity_type, entity_id, request_id, before, after).
    """
    ev = AuditEvent(**audit_row(actor, **event))
    session.add(ev)
    return ev


_INSERT_EVENTS = insert(AuditEvent.__table__)


def insert_events(session: AnySession, actor: Any, events: list[dict[str, Any]]) -> None:
    """Write audit events in one statement, in the caller's transaction (no ORM objects).

    For hot paths that insert their own rows with Core statements; `events` as record_event's.
    """
    if events:
        session.execute(_INSERT_EVENTS, [audit_row(actor, **e) for e in events])
