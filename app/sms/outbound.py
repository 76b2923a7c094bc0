"""Outbound texts: queued in the caller's transaction, sent by the worker, delivery recorded.

A text is a row first (status queued); the send task is queued when that row commits, sends it
through the app's sender, and is retried by the queue on provider or network errors. Twilio's
status callback then moves it along (never backwards). Nothing is sent to a number that sent STOP.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import CursorResult, event, select, update
from sqlalchemy.orm import Session

from app.audit import AnySession, record_event, utcnow
from app.auth.actor import SYSTEM
from app.extensions import db
from app.sms.models import Direction, MessageStatus, SmsConversation, SmsMessage
from app.sms.segments import count_segments
from app.sms.senders import PermanentSendError

_SEND_AFTER_COMMIT = "sms_send_after_commit"
#: Twilio's delivery statuses in the order they happen; a late report never moves one back.
_STATUS_ORDER = {
    MessageStatus.QUEUED: 0,
    MessageStatus.SENDING: 1,
    MessageStatus.SENT: 2,
    MessageStatus.DELIVERED: 3,
    MessageStatus.UNDELIVERED: 3,
    MessageStatus.FAILED: 3,
}
_TWILIO_STATUSES = {
    "accepted": MessageStatus.QUEUED,
    "scheduled": MessageStatus.QUEUED,
    "queued": MessageStatus.QUEUED,
    "sending": MessageStatus.SENDING,
    "sent": MessageStatus.SENT,
    "delivered": MessageStatus.DELIVERED,
    "read": MessageStatus.DELIVERED,
    "undelivered": MessageStatus.UNDELIVERED,
    "failed": MessageStatus.FAILED,
    "canceled": MessageStatus.FAILED,
}
FINAL = frozenset({MessageStatus.DELIVERED, MessageStatus.UNDELIVERED, MessageStatus.FAILED})


def record_delivery(sid: str, status: str, error_code: str | None) -> bool:
    """Record Twilio's delivery report for an outbound text; False when the sid is unknown."""
    new = _TWILIO_STATUSES.get(status.lower())
    try:
        msg = db.session.scalar(
            select(SmsMessage).where(
                SmsMessage.sid == sid, SmsMessage.direction == Direction.OUTBOUND
            )
        )
        if msg is None or new is None:
            return msg is not None
        # Conditional, so two reports at once cannot move a status backwards: a late "sent"
        # after "delivered" changes nothing.
        earlier = [status for status, rank in _STATUS_ORDER.items() if rank < _STATUS_ORDER[new]]
        moved: CursorResult[Any] = db.session.execute(  # type: ignore[assignment]
            update(SmsMessage)
            .where(SmsMessage.id == msg.id, SmsMessage.status.in_(earlier))
            .values(status=new, error_code=error_code or None, status_updated_at=utcnow())
        )
        if moved.rowcount and new in FINAL and msg.request_id is not None:
            record_event(
                db.session,
                actor=SYSTEM,
                action=f"sms.{new.value}",
                entity_type="sms_message",
                entity_id=msg.id,
                request_id=msg.request_id,
                after={"status": new.value, "error_code": error_code or None},
            )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return True


def queue_text(
    session: AnySession,
    conv: SmsConversation,
    body: str,
    event_name: str,
    request_id: int | None = None,
) -> SmsMessage:
    """Add an outbound text to the session; it is handed to the worker when the session commits."""
    msg = SmsMessage(
        conversation_id=conv.id,
        direction=Direction.OUTBOUND,
        body=body,
        language=conv.language,
        status=MessageStatus.QUEUED,
        event=event_name,
        segments=count_segments(body).segments,
        request_id=request_id,
    )
    session.add(msg)
    session.flush()
    session.info.setdefault(_SEND_AFTER_COMMIT, []).append(msg.id)
    return msg


@event.listens_for(Session, "after_commit")
def _send_after_commit(session: Session) -> None:
    """Queue the send task for texts committed just now (a fresh session runs each one)."""
    ids = session.info.pop(_SEND_AFTER_COMMIT, None)
    if ids:
        from app.tasks import enqueue

        for message_id in ids:
            enqueue("send_sms", message_id)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_SEND_AFTER_COMMIT, None)


def send_text(message_id: int) -> None:
    """Send one queued outbound text (the send_sms task); safe to run twice.

    A text to a number that sent STOP is marked blocked, never sent. A provider refusal marks it
    failed; any other error leaves it queued and re-raises, so the queue retries it.
    """
    msg = db.session.get(SmsMessage, message_id)
    if msg is None or msg.direction != Direction.OUTBOUND:
        return
    if msg.sid or msg.status not in (MessageStatus.QUEUED, MessageStatus.SENDING):
        return  # handed to the provider already (a retry after success), failed or blocked
    conv = msg.conversation
    if conv.opted_out:
        msg.status = MessageStatus.BLOCKED
        db.session.commit()
        return
    sender = current_app.extensions["sms_sender"]
    msg.attempts += 1
    msg.status = MessageStatus.SENDING
    db.session.commit()
    base = str(current_app.config["PUBLIC_BASE_URL"]).rstrip("/")
    try:
        result = sender.send(conv.phone, msg.body, f"{base}/sms/status" if base else None)
    except PermanentSendError as exc:
        msg.status, msg.error_code = MessageStatus.FAILED, exc.code
        db.session.commit()
        return
    except Exception:
        msg.status = MessageStatus.QUEUED
        db.session.commit()
        raise
    msg.sid = result.sid
    msg.sender = sender.name
    msg.sent_at = utcnow()
    msg.status = _TWILIO_STATUSES.get(result.status, MessageStatus.QUEUED)
    db.session.commit()


#: Sends tried this many times (queue retries included) are given up as failed.
MAX_SEND_ATTEMPTS = 8
#: A queued text older than this has lost its task (a worker died); queue it again.
REQUEUE_AFTER = timedelta(minutes=2)


def requeue_stuck_texts(now: datetime | None = None) -> list[int]:
    """Outbound texts still queued long after they were written: the ids to send again."""
    now = now or utcnow()
    stuck = db.session.scalars(
        select(SmsMessage).where(
            SmsMessage.direction == Direction.OUTBOUND,
            SmsMessage.sid.is_(None),
            SmsMessage.status.in_([MessageStatus.QUEUED, MessageStatus.SENDING]),
            SmsMessage.created_at < now - REQUEUE_AFTER,
        )
    ).all()
    again = []
    for msg in stuck:
        if msg.attempts >= MAX_SEND_ATTEMPTS:
            msg.status, msg.error_code = MessageStatus.FAILED, "retries"
        else:
            again.append(msg.id)
    db.session.commit()
    return again
