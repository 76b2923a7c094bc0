"""SMS services: take a resident's text, answer it, book the request; queue updates.

Each public function owns its transaction, except notify_resident(), which joins the caller's.
"""

from __future__ import annotations

import fcntl
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import phonenumbers
from flask import current_app
from flask_sqlalchemy.pagination import Pagination
from limits import parse as parse_limit
from sqlalchemy import bindparam, select, text
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
    Job,
    JobStatus,
    Request,
    RequestKind,
)
from app.requests.services import enqueue_submitted, new_request, record_submission
from app.sms import replies
from app.sms.commands import Command, keyword_of
from app.sms.conversation import Callback, advance
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
#: not cacheable, and compiling it again on every text was most of the webhook's time.
_UPSERT_CONVERSATION = (
    select(SmsConversation)
    .from_statement(
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
            "RETURNING id, phone_hash, phone, language, language_method, step, department_slug, "
            "callback_day, opted_out, opted_out_at, window_started_at, window_count, "
            "latest_request_id, created_at, updated_at"
        )
        .bindparams(
            bindparam("phone_hash", type_=_CONVERSATIONS.c.phone_hash.type),
            bindparam("phone", type_=_CONVERSATIONS.c.phone.type),  # encrypted on the way in
            bindparam("step", type_=_CONVERSATIONS.c.step.type),
            bindparam("opted_out", type_=_CONVERSATIONS.c.opted_out.type),
            bindparam("now", type_=_CONVERSATIONS.c.created_at.type),
            bindparam("since", type_=_CONVERSATIONS.c.window_started_at.type),
        )
        .columns(*_CONVERSATIONS.c)
    )
    .execution_options(populate_existing=True)
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


def _upsert_conversation(key: str, phone: str, now: datetime) -> SmsConversation:
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
    conv: SmsConversation = db.session.scalars(_UPSERT_CONVERSATION, params).one()
    return conv


def _insert_inbound(
    sid: str, conv: SmsConversation, body: str, handled: Handled, now: datetime
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
            handled = _handle(conv, body, phone, now)
            # The text is stored last, with its reply: a MessageSid seen before undoes it all.
            if _insert_inbound(sid, conv, body, handled, now) is None:
                db.session.rollback()  # Twilio retried: answer as the first time, change nothing
                previous = db.session.scalar(
                    select(SmsMessage.reply_body).where(SmsMessage.sid == sid)
                )
                return Received(previous, duplicate=True)
            # Read before the commit expires it (reading it after would query it again).
            request_id = handled.request.id if handled.request is not None else None
            db.session.commit()
        except BaseException:
            db.session.rollback()
            raise
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
    request: Request | None = None


def _handle(conv: SmsConversation, body: str, phone: str | None, now: datetime) -> Handled:
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
        latest = conv.latest_request
        number = latest.number if latest else None
        return Handled(replies.status(code, number, latest.status.value if latest else None))
    turn = advance(conv, body, now)
    if turn.callback is None:
        return Handled(turn.reply)
    reply, req = _submit_callback(conv, turn.callback, phone, now)
    return Handled(reply, request=req)


def _rate_limit() -> Any:
    return _parsed_limit(str(current_app.config["SMS_RATE_LIMIT"]))


@lru_cache(maxsize=8)
def _parsed_limit(setting: str) -> Any:
    return parse_limit(setting)


def _audit_conversation(conv: SmsConversation, action: str) -> None:
    record_event(
        db.session,
        actor=SYSTEM,
        action=action,
        entity_type="sms_conversation",
        entity_id=conv.id,
        request_id=conv.latest_request_id,
    )


def _department_id(slug: str | None) -> int | None:
    """The department a service maps to, else 311, else any (a partly seeded city).

    Only its id, without flushing first: the conversation's changes go with the request's.
    """
    with db.session.no_autoflush:
        for wanted in (slug, "311"):
            dept_id = db.session.scalar(select(Department.id).where(Department.slug == wanted))
            if dept_id is not None:
                return int(dept_id)
        found = db.session.scalar(select(Department.id).order_by(Department.id).limit(1))
    return None if found is None else int(found)


def _submit_callback(
    conv: SmsConversation, callback: Callback, phone: str, now: datetime
) -> tuple[str | None, Request | None]:
    """Create the interpretation request the resident asked for, with its audit events."""
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
    req = new_request(actor, Channel.SMS, RequestKind.INTERPRETATION, title, notes)
    req.mode = InterpretationMode.PHONE
    req.starts_at = callback.starts_at
    req.duration_minutes = CALL_MINUTES
    req.resident_phone = phone
    req.language_method = conv.language_method
    local_day = callback.starts_at.astimezone(tz).date()
    req.requested_due_date = req.policy_due_date = local_day
    req.jobs.append(
        Job(language=code, status=JobStatus.NEW, due_date=local_day, policy_due_date=local_day)
    )
    db.session.add(req)
    record_submission(req, actor)
    conv.latest_request_id = req.id
    conv.department_slug = None
    conv.callback_day = None
    assert req.number is not None  # noqa: S101 (numbered by record_submission)
    when = callback.starts_at if callback.window == "day" else None
    return replies.confirmation(code, req.number, callback.window, when), req


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
