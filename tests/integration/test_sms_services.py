"""SMS services on the real database: conversations, requests, opt-out, floods, races, sending."""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, text
from twilio.rest import Client

from app.audit import AuditEvent, utcnow
from app.extensions import db
from app.requests.models import Channel, JobStatus, LanguageMethod, Request, RequestStatus
from app.sms import outbound, replies, services
from app.sms.models import Direction, MessageStatus, SmsConversation, SmsMessage, Step
from app.sms.senders import ConsoleSender, TwilioSender
from tests.support.sms import (
    ACCOUNT,
    CITY_NUMBER,
    RESIDENT,
    TOKEN,
    RecordingHttpClient,
    new_sid,
    seed_departments,
    twilio_error,
)

OTHER = "+17045550199"


@pytest.fixture()
def city_sms(app, monkeypatch):
    """Departments seeded, a generous rate limit, inside an app context."""
    seed_departments(app)
    monkeypatch.setitem(app.config, "SMS_RATE_LIMIT", "50 per minute")
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "")
    with app.test_request_context():
        yield app
        db.session.remove()


@pytest.fixture()
def twilio(app, monkeypatch) -> RecordingHttpClient:
    """The real twilio Client as the sender, its HTTP recorded and answered without network."""
    http = RecordingHttpClient()
    sender = TwilioSender(Client(ACCOUNT, TOKEN, http_client=http), CITY_NUMBER)
    monkeypatch.setitem(app.extensions, "sms_sender", sender)
    return http


def say(body: str, sender: str = RESIDENT, sid: str | None = None, **kw: Any):
    return services.receive_message(sid or new_sid(), sender, body, **kw)


def book(language_text: str = "2", sender: str = RESIDENT) -> Request:
    """A whole conversation: language, water, now; returns the request."""
    say(language_text, sender)
    say("1", sender)
    done = say("1", sender)
    assert done.request_id is not None
    return db.session.get_one(Request, done.request_id)


def conversation(phone: str = RESIDENT) -> SmsConversation:
    db.session.expire_all()
    return db.session.scalars(select(SmsConversation)).one()


def test_a_menu_number_picks_the_language_and_is_recorded(city_sms):
    assert "1 Español" in say("hi there").reply  # English: the menu
    req = book("2")  # Vietnamese
    assert req.language_method == LanguageMethod.MENU
    assert req.jobs[0].language == "vi"
    assert req.department.slug == "water"


def test_a_language_name_is_a_keyword(city_sms):
    req = book("русский")
    assert req.language_method == LanguageMethod.KEYWORD
    assert req.jobs[0].language == "ru"


def test_a_day_and_time_books_that_call(city_sms):
    say("xin chào")
    say("2")  # housing
    assert "1 " in say("3").reply  # another day: the days
    assert say("1").reply  # the first day offered: the times
    done = say("3")  # 13:00
    req = db.session.get_one(Request, done.request_id)
    local = req.starts_at.astimezone(replies.get_policy().calendar.timezone)
    assert (local.hour, local.minute) == (13, 0)
    assert local.date() > utcnow().date() - timedelta(days=1)
    assert req.department.slug == "housing"
    assert req.number in done.reply and "13:00" in done.reply
    assert req.notes.startswith("Call back: ")


def test_the_request_is_an_sms_phone_interpretation_with_audit_events(city_sms):
    req = book("hola")
    assert (req.channel, req.mode.value, req.kind.value) == (Channel.SMS, "phone", "interpretation")
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.request_id == req.id)).all()
    assert {"request.submitted", "job.created"} <= {e.action for e in events}
    assert all(RESIDENT not in str(e.after) for e in events)
    assert conversation().step == Step.DONE
    # Booked with Core statements: the same rows and events a web submission writes.
    job = req.jobs[0]
    assert req.number == f"LA-{req.created_at.year}-{req.id:06d}"
    assert req.status == RequestStatus.SUBMITTED and job.status == JobStatus.NEW
    assert req.policy_version and req.created_at and job.created_at and job.updated_at
    by_action = {e.action: e for e in events}
    submitted, created = by_action["request.submitted"], by_action["job.created"]
    assert submitted.after == {
        "number": req.number,
        "kind": "interpretation",
        "channel": "sms",
        "languages": ["es"],
        "vital": False,
    }
    assert (created.entity_type, created.entity_id) == ("job", job.id)
    assert created.after == {
        "language": "es",
        "status": "new",
        "due_date": job.due_date.isoformat(),
    }
    assert {e.actor_label for e in events} == {"sms"} and all(e.created_at for e in events)
    # ... and the report facts the unit of work would have given the job.
    zone = replies.get_policy().calendar.timezone
    assert (job.department_id, job.kind, job.channel) == (req.department_id, req.kind, req.channel)
    assert job.submitted_on == req.created_at.astimezone(zone).date()
    assert job.completed_on is None and job.closed_on is None


def test_phone_numbers_are_encrypted_at_rest(city_sms):
    req = book("hola")
    raw_request = db.session.execute(
        text("SELECT resident_phone FROM requests WHERE id = :id"), {"id": req.id}
    ).scalar_one()
    raw_conversation = db.session.execute(
        text("SELECT phone, phone_hash FROM sms_conversations")
    ).one()
    for stored in (raw_request, *raw_conversation):
        assert "5550142" not in stored and "704" not in stored
    db.session.expire_all()
    assert db.session.get_one(Request, req.id).resident_phone == RESIDENT


def test_status_and_help(city_sms):
    assert "no request" in say("STATUS").reply
    assert "STOP" in say("HELP").reply
    req = book("hola")
    reply = say("status").reply
    assert req.number in reply and "buscando" in reply  # in Spanish: finding an interpreter
    assert "911" in reply


def test_after_stop_nothing_is_sent_until_start(city_sms, twilio):
    req = book("hola")
    stop = say("STOP")
    assert "START" in stop.reply
    assert say("hola").reply is None
    assert say("STATUS").reply is None
    assert say("STOP").reply is None  # one confirmation only
    assert services.notify_resident(db.session, req, "interpreter_assigned") is None
    # A text queued before the STOP is blocked by the sender, not sent.
    conv = conversation()
    queued = outbound.queue_text(db.session, conv, "x", "interpreter_assigned", req.id)
    db.session.commit()
    assert db.session.get_one(SmsMessage, queued.id).status == MessageStatus.BLOCKED
    assert twilio.requests == []
    ignored = db.session.scalars(
        select(SmsMessage).where(SmsMessage.status == MessageStatus.IGNORED)
    ).all()
    assert len(ignored) == 2  # stored, not lost
    started = say("START").reply
    assert started and "911" in started
    assert not conversation().opted_out
    assert say("STATUS").reply
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"sms.opted_out", "sms.opted_in"} <= actions


def test_a_flood_gets_one_polite_reply_then_silence_and_nothing_is_lost(city_sms, monkeypatch):
    monkeypatch.setitem(city_sms.config, "SMS_RATE_LIMIT", "3 per minute")
    now = utcnow()
    replies_seen = [say(f"msg {n}", now=now + timedelta(seconds=n)).reply for n in range(8)]
    assert all(replies_seen[:3])
    assert "wait" in replies_seen[3]
    assert replies_seen[4:] == [None] * 4
    stored = db.session.scalars(select(SmsMessage).where(SmsMessage.direction == Direction.INBOUND))
    statuses = [m.status for m in stored]
    assert len(statuses) == 8 and statuses.count(MessageStatus.THROTTLED) == 5
    assert say("STOP", now=now + timedelta(seconds=9)).reply  # STOP works in a flood
    later = say("hola", now=now + timedelta(minutes=5))
    assert later.reply is None  # stopped now


def test_another_number_is_not_slowed_by_a_flood(city_sms, monkeypatch):
    monkeypatch.setitem(city_sms.config, "SMS_RATE_LIMIT", "2 per minute")
    for _ in range(5):
        say("hola")
    assert say("hola", sender=OTHER).reply


def test_two_identical_webhooks_at_once_make_one_message_and_one_reply(city_sms):
    app = city_sms
    sid = new_sid()
    barrier = threading.Barrier(2)
    results: list[Any] = []
    errors: list[BaseException] = []

    def deliver() -> None:
        with app.test_request_context():
            try:
                barrier.wait()
                results.append(services.receive_message(sid, RESIDENT, "hola"))
            except BaseException as exc:  # noqa: BLE001 (reported below)
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not errors, errors
    assert sorted(r.duplicate for r in results) == [False, True]
    first = next(r for r in results if not r.duplicate)
    again = next(r for r in results if r.duplicate)
    assert again.reply in (first.reply, None)
    assert db.session.scalar(select(db.func.count()).select_from(SmsMessage)) == 1
    assert db.session.scalar(select(db.func.count()).select_from(SmsConversation)) == 1


def test_out_of_range_answers_ask_again(city_sms):
    say("hola")
    assert "1 al 6" in say("9").reply
    assert "1 al 6" in say("😀").reply
    assert "1 al 6" in say("").reply
    assert conversation().step == Step.DEPARTMENT
    assert say("1").reply  # still works


def test_switching_language_midway(city_sms):
    say("hola")
    assert "Bạn cần giúp" in say("tiếng việt").reply
    assert conversation().language == "vi"


def test_a_short_code_or_bad_sender_is_stored_but_not_answered(city_sms):
    result = say("hola", sender="22395")
    assert result.reply is None
    msg = db.session.scalars(select(SmsMessage)).one()
    assert msg.status == MessageStatus.IGNORED


def test_a_city_without_departments_says_sorry(app, monkeypatch):
    with app.test_request_context():
        say("hola")
        say("1")
        result = say("1")
        assert result.request_id is None
        assert "311" in result.reply
        db.session.remove()


def test_a_stale_conversation_starts_again(city_sms):
    now = utcnow()
    say("hola", now=now)
    say("1", now=now)
    conv = conversation()
    conv.updated_at = now - timedelta(days=2)
    db.session.commit()
    assert "¿Con qué" in say("1", now=now).reply  # asked the service again


def test_notifications_go_through_the_twilio_client(city_sms, twilio, monkeypatch):
    monkeypatch.setitem(city_sms.config, "PUBLIC_BASE_URL", "https://la.city.example")
    req = book("hola")
    msg = services.notify_resident(db.session, req, "interpreter_assigned")
    assert msg is not None and twilio.requests == []  # nothing before the commit
    db.session.commit()
    assert len(twilio.requests) == 1
    sent = twilio.requests[0]
    assert sent["method"] == "POST"
    assert sent["uri"].endswith(f"/Accounts/{ACCOUNT}/Messages.json")
    assert sent["data"]["To"] == RESIDENT and sent["data"]["From"] == CITY_NUMBER
    assert sent["data"]["StatusCallback"] == "https://la.city.example/sms/status"
    assert req.number in sent["data"]["Body"] and "911" in sent["data"]["Body"]
    assert sent["auth"] == (ACCOUNT, TOKEN)
    db.session.expire_all()
    stored = db.session.get_one(SmsMessage, msg.id)
    assert stored.status == MessageStatus.QUEUED and stored.sid.startswith("SM")
    assert stored.sender == "twilio" and stored.attempts == 1
    assert "sms.notification_queued" in set(db.session.scalars(select(AuditEvent.action)))
    # Twilio's status callback moves it on and the final status is audited.
    assert outbound.record_delivery(stored.sid, "delivered", None)
    assert "sms.delivered" in set(db.session.scalars(select(AuditEvent.action)))


def test_a_rolled_back_notification_is_never_sent(city_sms, twilio):
    req = book("hola")
    services.notify_resident(db.session, req, "interpreter_assigned")
    db.session.rollback()
    db.session.commit()
    assert twilio.requests == []


def test_time_changed_names_the_new_time_in_the_residents_language(city_sms, twilio):
    req = book("hola")
    req.starts_at = datetime(2030, 3, 5, 15, 0, tzinfo=replies.get_policy().calendar.timezone)
    services.notify_resident(db.session, req, "time_changed")
    db.session.commit()
    body = twilio.requests[0]["data"]["Body"]
    assert "cambió la hora" in body and "15:00" in body and "mar" in body


def test_a_server_error_is_retried_and_a_refusal_is_not(city_sms, twilio):
    req = book("hola")
    twilio.answers += [twilio_error(503, 20503)]
    msg = services.notify_resident(db.session, req, "interpreter_assigned")
    db.session.commit()  # the first try fails: left queued, the queue retries it later
    db.session.expire_all()
    waiting = db.session.get_one(SmsMessage, msg.id)
    assert (waiting.status, waiting.attempts, waiting.sid) == (MessageStatus.QUEUED, 1, None)
    outbound.send_text(msg.id)  # the retry
    db.session.expire_all()
    sent = db.session.get_one(SmsMessage, msg.id)
    assert len(twilio.requests) == 2 and sent.attempts == 2
    assert sent.sid and sent.status == MessageStatus.QUEUED  # queued at Twilio
    outbound.send_text(msg.id)  # running the task again sends nothing more
    assert len(twilio.requests) == 2
    twilio.answers += [twilio_error(400, 21211)]
    refused = services.notify_resident(db.session, req, "time_changed")
    db.session.commit()
    db.session.expire_all()
    refused = db.session.get_one(SmsMessage, refused.id)
    assert (refused.status, refused.error_code, refused.attempts) == (
        MessageStatus.FAILED,
        "21211",
        1,
    )


def test_the_send_task_is_registered_with_retries(app):
    assert app.extensions["queue_tasks"]["send_sms"].retries == 3


def test_stuck_texts_are_queued_again_then_given_up(city_sms):
    req = book("hola")
    conv = conversation()
    msg = SmsMessage(  # written ten minutes ago, its task lost with a dead worker
        conversation_id=conv.id,
        request_id=req.id,
        direction=Direction.OUTBOUND,
        body="x",
        status=MessageStatus.QUEUED,
        created_at=utcnow() - timedelta(minutes=10),
    )
    db.session.add(msg)
    db.session.commit()
    assert outbound.requeue_stuck_texts() == [msg.id]
    msg.attempts = outbound.MAX_SEND_ATTEMPTS
    db.session.commit()
    assert outbound.requeue_stuck_texts() == []
    assert db.session.get_one(SmsMessage, msg.id).status == MessageStatus.FAILED


def test_console_sender_by_default_logs_no_number(city_sms, caplog, monkeypatch):
    monkeypatch.setitem(city_sms.extensions, "sms_sender", ConsoleSender())
    caplog.set_level(logging.DEBUG)
    req = book("hola")
    msg = services.notify_resident(db.session, req, "interpreter_assigned")
    db.session.commit()
    db.session.expire_all()
    stored = db.session.get_one(SmsMessage, msg.id)
    assert stored.status == MessageStatus.SENT and stored.sender == "console"
    for record in caplog.records:
        assert "5550142" not in record.getMessage()


def test_no_notification_for_requests_that_did_not_come_by_text(city_sms):
    req = book("hola")
    req.channel = Channel.WEB
    assert services.notify_resident(db.session, req, "interpreter_assigned") is None
    with pytest.raises(ValueError):
        services.notify_resident(db.session, req, "party")


def test_delivery_reports_only_move_forward(city_sms, twilio):
    req = book("hola")
    msg = services.notify_resident(db.session, req, "interpreter_assigned")
    db.session.commit()
    sid = db.session.get_one(SmsMessage, msg.id).sid
    for status in ("sent", "undelivered", "sent", "queued", "delivered", "no-such-status"):
        assert outbound.record_delivery(sid, status, "30003" if status == "undelivered" else None)
    db.session.expire_all()
    final = db.session.get_one(SmsMessage, msg.id)
    assert (final.status, final.error_code) == (MessageStatus.UNDELIVERED, "30003")
    audited = db.session.scalars(
        select(AuditEvent.action).where(AuditEvent.action.like("sms.%delivered"))
    ).all()
    assert audited == ["sms.undelivered"]
    assert not outbound.record_delivery("SMunknown", "delivered", None)


def test_the_flood_window_passes(city_sms, monkeypatch):
    monkeypatch.setitem(city_sms.config, "SMS_RATE_LIMIT", "2 per minute")
    now = utcnow()
    for n in range(4):
        say("hola", now=now + timedelta(seconds=n))
    assert say("1", now=now + timedelta(minutes=2)).reply  # a new window: answered again
