"""SMS services: take a resident's text, answer it, book the request; queue updates.

Each public function owns its transaction, except notify_resident(), which joins the caller's.
"""

from __future__ import annotations

import fcntl
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import phonenumbers
from flask import current_app
from flask_sqlalchemy.pagination import Pagination
from limits import parse as parse_limit
from sqlalchemy import bindparam, select, text, update
from sqlalchemy.orm import selectinload

from app.audit import AnySession, record_event, utcnow
from app.auth.actor import SYSTEM, Actor
from app.auth.models import Department, Role
from app.crypto import phone_hash
from app.extensions import db
from app.languages import BY_CODE
from app.policy import get_policy
from app.requests.models import (
    Channel,
    InterpretationMode,
    JobStatus,
    Request,
    RequestKind,
)
from app.requests.services import enqueue_submitted, insert_submission, request_values
from app.sms import replies
from app.sms.commands import Command, keyword_of
from app.sms.conversation import CHANGEABLE, Callback, ConversationState, advance
from app.sms.models import Direction, MessageStatus, SmsConversation, SmsMessage, Step
from app.sms.outbound import queue_text

#: Length of the interpreter call a text request books.
CALL_MINUTES = 30
#: A call booked for "now" or "today" counts as already due; this much later is "a time".
SOON = timedelta(minutes=10)
WINDOW_NOTES = {"now": "Call back: now", "today": "Call back: later today"}
NOTIFY_EVENTS = ("interpreter_assigned", "time_changed")


@dataclass(frozen=True)
class Received:
    """What became of an inbound text: the reply to give (None: none), and any new request."""

    reply: str | None
    duplicate: bool = False
    request_id: int | None = None


def to_e164(raw: str) -> str | None:
    """The sender as an E.164 number, or None for a short code or an unusable address."""
    try:
        parsed = phonenumbers.parse(raw, "US")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


_CONVERSATIONS = SmsConversation.__table__
_MESSAGES = SmsMessage.__table__

#: The conversation, created if new, with this text counted in its rate-limit window. Written
#: once as text, the same on SQLite and PostgreSQL: a dialect's insert().on_conflict_...() is
#: not cacheable, and compiling it again on every text was most of the webhook's time. It
#: returns the columns a text reads, as a ConversationState (no ORM object to build and flush).
_STATE_COLUMNS = [_CONVERSATIONS.c[f.name] for f in fields(ConversationState)]
_UPSERT_CONVERSATION = (
    text(
        "INSERT INTO sms_conversations (phone_hash, phone, step, opted_out, "
        "window_started_at, window_count, created_at, updated_at) "
        "VALUES (:phone_hash, :phone, :step, :opted_out, :now, 1, :now, :now) "
        "ON CONFLICT (phone_hash) DO UPDATE SET "
        # Both read the row as it was: a new window starts, or this text is counted in it.
        "window_count = CASE WHEN sms_conversations.window_started_at IS NULL "
        "OR sms_conversations.window_started_at < :since THEN 1 "
        "ELSE sms_conversations.window_count + 1 END, "
        "window_started_at = CASE WHEN sms_conversations.window_started_at IS NULL "
        "OR sms_conversations.window_started_at < :since THEN :now "
        "ELSE sms_conversations.window_started_at END "
        "RETURNING " + ", ".join(c.name for c in _STATE_COLUMNS)
    )
    .bindparams(
        bindparam("phone_hash", type_=_CONVERSATIONS.c.phone_hash.type),
        bindparam("phone", type_=_CONVERSATIONS.c.phone.type),  # encrypted on the way in
        bindparam("step", type_=_CONVERSATIONS.c.step.type),
        bindparam("opted_out", type_=_CONVERSATIONS.c.opted_out.type),
        bindparam("now", type_=_CONVERSATIONS.c.created_at.type),
        bindparam("since", type_=_CONVERSATIONS.c.window_started_at.type),
    )
    .columns(*_STATE_COLUMNS)
)

#: What a text changed in its conversation, written back in one statement.
_SAVE_CONVERSATION = (
    update(_CONVERSATIONS)
    .where(_CONVERSATIONS.c.id == bindparam("conversation_id"))
    .values({name: bindparam(name) for name in (*CHANGEABLE, "updated_at")})
)

#: The inbound text with its reply; no row back when its MessageSid is stored already.
_INSERT_INBOUND = text(
    "INSERT INTO sms_messages (conversation_id, direction, sid, body, language, status, "
    "reply_body, segments, attempts, created_at) VALUES (:conversation_id, :direction, :sid, "
    ":body, :language, :status, :reply_body, 0, 0, :created_at) "
    "ON CONFLICT (sid) DO NOTHING RETURNING id"
).bindparams(
    *(
        bindparam(name, type_=_MESSAGES.c[name].type)
        for name in (
            "conversation_id",
            "direction",
            "sid",
            "body",
            "language",
            "status",
            "reply_body",
            "created_at",
        )
    )
)


def _upsert_conversation(key: str, phone: str, now: datetime) -> ConversationState:
    """The conversation, created if new, with this text counted in its rate-limit window.

    A write first: it takes the lock that serialises texts from one number (PostgreSQL: the
    row; SQLite: the database), so the count and the steps that follow cannot race.
    """
    params = {
        "phone_hash": key,
        "phone": phone,
        "step": Step.LANGUAGE,
        "opted_out": False,
        "now": now,
        "since": now - timedelta(seconds=_rate_limit().get_expiry()),
    }
    row = db.session.execute(_UPSERT_CONVERSATION, params).one()
    return ConversationState(*row)


def _save_conversation(conv: ConversationState, before: dict[str, Any]) -> None:
    """Write back what the text changed, if anything (the time of the change with it)."""
    after = conv.changeable()
    if after != before:
        params = {**after, "updated_at": utcnow(), "conversation_id": conv.id}
        db.session.execute(_SAVE_CONVERSATION, params)


def _insert_inbound(
    sid: str, conv: ConversationState, body: str, handled: Handled, now: datetime
) -> int | None:
    """Store the text with its reply; None when this MessageSid is stored already."""
    params = {
        "conversation_id": conv.id,
        "direction": Direction.INBOUND,
        "sid": sid,
        "body": body,
        "language": conv.language,
        "status": handled.status,
        "reply_body": handled.reply,
        "created_at": now,
    }
    found: int | None = db.session.execute(_INSERT_INBOUND, params).scalar_one_or_none()
    return found


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def receive_message(sid: str, sender: str, body: str, now: datetime | None = None) -> Received:
    """Store a resident's text once per MessageSid, move their conversation on, and answer."""
    now = now or utcnow()
    # Control characters (a NUL cannot even be stored in PostgreSQL) carry nothing to read.
    body = _CONTROL.sub("", body)
    phone = to_e164(sender)
    key = phone_hash(phone or sender.strip())
    with _one_writer():
        try:
            conv = _upsert_conversation(key, phone or sender.strip(), now)
            before = conv.changeable()
            handled = _handle(conv, body, phone, now)
            # The text is stored last, with its reply: a MessageSid seen before undoes it all.
            if _insert_inbound(sid, conv, body, handled, now) is None:
                db.session.rollback()  # Twilio retried: answer as the first time, change nothing
                previous = db.session.scalar(
                    select(SmsMessage.reply_body).where(SmsMessage.sid == sid)
                )
                return Received(previous, duplicate=True)
            _save_conversation(conv, before)
            request_id = handled.request_id
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
    _checkpoint()
    if request_id is not None:
        # The queue is a SQLite file too by default: the same handover between workers.
        with _one_writer("queue", when=not current_app.config["QUEUE_URL"]):
            enqueue_submitted(request_id)
        return Received(handled.reply, request_id=request_id)
    return Received(handled.reply)


@contextmanager
def _one_writer(name: str = "database", when: bool = True) -> Iterator[None]:
    """On SQLite, wait for the database's single writer on an OS lock, not in SQLite's busy loop.

    SQLite lets one transaction write at a time. A text's transaction writes first thing (the
    upsert), so a second worker's text would fail BUSY there and SQLite's busy handler would
    retry after sleeping 1, 2, 5, 10, 15, 20, 25... ms: the lock sits free while the waiter
    sleeps, and under load one worker can wait tens of ms behind the other. A blocking flock on
    a file beside the database hands the turn over as soon as the holder commits. PostgreSQL
    locks the conversation's row instead, and needs none of this.
    """
    path = _writer_lock_path(db.engine.url.get_backend_name(), db.engine.url.database, name)
    if path is None or not when:
        yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # and with it the lock


def _checkpoint() -> None:
    """On SQLite, copy what this text wrote from the write-ahead log into the database now.

    SQLite does it by itself once the log passes 1,000 pages, in whichever commit crosses the
    line: a ~20 ms pause taken inside the writer's lock, so every text queued behind it waited
    too. A checkpoint of the last text's few pages here, after the lock is released, keeps the
    log short; a PASSIVE one never waits (another worker checkpointing, or a reader still on
    the log, and it does what it can or nothing).
    """
    if _writer_lock_path(db.engine.url.get_backend_name(), db.engine.url.database, "database"):
        with db.engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)").close()


@lru_cache(maxsize=8)
def _writer_lock_path(backend: str, database: str | None, name: str) -> str | None:
    if backend != "sqlite" or not database or database.startswith((":memory:", "file:")):
        return None
    return f"{database}.sms-{name}-writer.lock"


@dataclass(frozen=True)
class Handled:
    """The reply to a text (None: none), how it was handled, and the request it completed."""

    reply: str | None
    status: MessageStatus = MessageStatus.RECEIVED
    request_id: int | None = None


def _handle(conv: ConversationState, body: str, phone: str | None, now: datetime) -> Handled:
    """Move the conversation on one text; what to answer."""
    if phone is None:  # a short code or an address nobody can call back
        return Handled(None, MessageStatus.IGNORED)
    keyword = keyword_of(body)
    command = keyword.command if keyword else None
    code = conv.language or (keyword.language if keyword else None)
    if command == Command.STOP:  # honoured even in a flood
        if conv.opted_out:
            return Handled(None)
        conv.opted_out, conv.opted_out_at = True, now
        _audit_conversation(conv, "sms.opted_out")
        return Handled(replies.stopped(code))
    if command == Command.START and conv.opted_out:
        conv.opted_out, conv.opted_out_at = False, None
        _audit_conversation(conv, "sms.opted_in")
        return Handled(replies.started(code))
    if conv.opted_out:
        return Handled(None, MessageStatus.IGNORED)
    allowed = _rate_limit().amount
    if conv.window_count > allowed:  # one polite reply in the window, then silence
        polite = replies.slow_down(code) if conv.window_count == allowed + 1 else None
        return Handled(polite, MessageStatus.THROTTLED)
    if command == Command.HELP:
        return Handled(replies.help_text(code))
    if command == Command.STATUS:
        latest = _latest_request(conv.latest_request_id)
        number, status = latest if latest else (None, None)
        return Handled(replies.status(code, number, status.value if status else None))
    turn = advance(conv, body, now)
    if turn.callback is None:
        return Handled(turn.reply)
    reply, request_id = _submit_callback(conv, turn.callback, phone, now)
    return Handled(reply, request_id=request_id)


_LATEST = select(Request.number, Request.status).where(Request.id == bindparam("request_id"))


def _latest_request(request_id: int | None) -> Any:
    """(number, status) of the resident's latest request, or None."""
    if request_id is None:
        return None
    return db.session.execute(_LATEST, {"request_id": request_id}).one_or_none()


def _rate_limit() -> Any:
    return _parsed_limit(str(current_app.config["SMS_RATE_LIMIT"]))


@lru_cache(maxsize=8)
def _parsed_limit(setting: str) -> Any:
    return parse_limit(setting)


def _audit_conversation(conv: ConversationState, action: str) -> None:
    record_event(
        db.session,
        actor=SYSTEM,
        action=action,
        entity_type="sms_conversation",
        entity_id=conv.id,
        request_id=conv.latest_request_id,
    )


_DEPARTMENTS = select(Department.id, Department.slug).order_by(Department.id)


def _department_id(slug: str | None) -> int | None:
    """The department a service maps to, else 311, else any (a partly seeded city).

    Only its id, in one query and without flushing first: the conversation's changes go with
    the request's.
    """
    with db.session.no_autoflush:
        found = dict(db.session.execute(_DEPARTMENTS).tuples().all())
    by_slug = {s: i for i, s in found.items()}
    for wanted in (slug, "311"):
        if wanted in by_slug:
            return int(by_slug[wanted])
    return next(iter(found), None)


def _submit_callback(
    conv: ConversationState, callback: Callback, phone: str, now: datetime
) -> tuple[str | None, int | None]:
    """Create the interpretation request the resident asked for, with its audit events.

    With Core statements (insert_submission), not ORM objects: this runs while the text's
    transaction holds SQLite's single write lock, and the booking is the webhook's slowest step.
    """
    code = conv.language or "en"
    dept_id = _department_id(conv.department_slug)
    if dept_id is None:
        return replies.unavailable(code), None
    actor = Actor(label="sms", role=Role.STAFF, department_id=dept_id)
    tz = get_policy().calendar.timezone
    if callback.window == "day":
        notes = f"Call back: {callback.starts_at.astimezone(tz):%a %Y-%m-%d %H:%M}"
    else:
        notes = WINDOW_NOTES[callback.window]
    title = f"{BY_CODE[code].english_name} interpreter call-back (text message)"
    local_day = callback.starts_at.astimezone(tz).date()
    values = request_values(actor, Channel.SMS, RequestKind.INTERPRETATION, title, notes)
    values.update(
        mode=InterpretationMode.PHONE,
        starts_at=callback.starts_at,
        duration_minutes=CALL_MINUTES,
        resident_phone=phone,
        language_method=conv.language_method,
        requested_due_date=local_day,
        policy_due_date=local_day,
    )
    job = {
        "language": code,
        "status": JobStatus.NEW,
        "due_date": local_day,
        "policy_due_date": local_day,
    }
    request_id, number = insert_submission(actor, values, [job])
    conv.latest_request_id = request_id
    conv.department_slug = None
    conv.callback_day = None
    when = callback.starts_at if callback.window == "day" else None
    return replies.confirmation(code, number, callback.window, when), request_id


def notify_resident(session: AnySession, request: Request, event_name: str) -> SmsMessage | None:
    """Queue a text to the resident who asked by SMS, in their language, about their request.

    Call it from the vendor flow in the same transaction as the change it announces, after the
    change (request.starts_at already moved, for "time_changed"):

        move_job(db.session, job, JobStatus.OFFERED, actor)
        notify_resident(db.session, job.request, "interpreter_assigned")
        db.session.commit()

    event_name is "interpreter_assigned" or "time_changed". Adds the outbound message and its
    audit event to the session; the send task is queued when the session commits (nothing is
    sent if it rolls back), then retried on failure. A no-op (None) for requests that did not
    come by SMS, or whose resident sent STOP.
    """
    if event_name not in NOTIFY_EVENTS:
        raise ValueError(f"unknown SMS event {event_name!r}")
    if request.channel != Channel.SMS or not request.resident_phone or not request.number:
        return None
    conv = session.scalar(
        select(SmsConversation).where(
            SmsConversation.phone_hash == phone_hash(request.resident_phone)
        )
    )
    if conv is None or conv.opted_out:
        return None
    code = conv.language or (request.jobs[0].language if request.jobs else "en")
    if event_name == "time_changed" and request.starts_at is not None:
        body = replies.time_changed(code, request.number, request.starts_at)
    else:
        when = request.starts_at
        future = when is not None and when > utcnow() + SOON
        body = replies.interpreter_assigned(code, request.number, when if future else None)
    msg = queue_text(session, conv, body, event_name, request.id)
    record_event(
        session,
        actor=SYSTEM,
        action="sms.notification_queued",
        entity_type="sms_message",
        entity_id=msg.id,
        request_id=request.id,
        after={"event": event_name, "language": code},
    )
    return msg


def list_messages(page: int, per_page: int) -> Pagination:
    """One page of every text in and out, newest first (the admin outbox)."""
    stmt = (
        select(SmsMessage)
        .options(selectinload(SmsMessage.conversation), selectinload(SmsMessage.request))
        .order_by(SmsMessage.created_at.desc(), SmsMessage.id.desc())
    )
    return db.paginate(stmt, page=page, per_page=per_page, max_per_page=100, error_out=False)
