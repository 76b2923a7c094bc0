"""Twilio's webhooks over HTTP: signatures, TwiML replies, a whole conversation, bad input."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select
from werkzeug.datastructures import MultiDict

from app.audit import AuditEvent
from app.extensions import db
from app.requests.models import Channel, InterpretationMode, LanguageMethod, Request, RequestKind
from app.sms.models import MessageStatus, SmsConversation, SmsMessage, Step
from tests.support.sms import (
    RESIDENT,
    TOKEN,
    inbound_form,
    new_sid,
    post_signed,
    reply_of,
    signature,
    text,
)


def counts(app) -> dict[str, int]:
    with app.app_context():
        return {
            name: db.session.scalar(select(func.count()).select_from(model)) or 0
            for name, model in (
                ("messages", SmsMessage),
                ("conversations", SmsConversation),
                ("requests", Request),
                ("audit", AuditEvent),
            )
        }


def test_a_resident_books_an_interpreter_in_spanish(sms, sms_app):
    first = text(sms, "necesito un intérprete")
    assert first.status_code == 200
    assert first.mimetype == "application/xml"
    assert reply_of(first).startswith("¿Con qué necesita ayuda?\n1 Agua\n")
    assert reply_of(first).endswith("¿Emergencia? Llame al 911.")
    assert "911" in reply_of(text(sms, "1"))  # water -> when?
    done = reply_of(text(sms, "1"))  # now
    with sms_app.app_context():
        req = db.session.scalars(select(Request)).one()
        assert req.number in done
        assert req.kind == RequestKind.INTERPRETATION
        assert req.channel == Channel.SMS
        assert req.mode == InterpretationMode.PHONE
        assert req.department.slug == "water"
        assert req.language_method == LanguageMethod.DETECTION
        assert [j.language for j in req.jobs] == ["es"]
        assert req.resident_phone == RESIDENT
        actions = set(db.session.scalars(select(AuditEvent.action)))
        assert {"request.submitted", "job.created"} <= actions
        conv = db.session.scalars(select(SmsConversation)).one()
        assert conv.step == Step.DONE and conv.latest_request_id == req.id


def test_missing_or_bad_signature_is_refused_and_changes_nothing(sms, sms_app):
    form = inbound_form("hola")
    assert sms.post("/sms/inbound", data=form).status_code == 403
    bad = sms.post("/sms/inbound", data=form, headers={"X-Twilio-Signature": "AAAA"})
    assert bad.status_code == 403
    wrong_token = signature("http://localhost/sms/inbound", form, token="another-token")
    assert (
        sms.post("/sms/inbound", data=form, headers={"X-Twilio-Signature": wrong_token}).status_code
        == 403
    )
    tampered = dict(form, Body="STOP")
    sig = signature("http://localhost/sms/inbound", form)
    assert (
        sms.post("/sms/inbound", data=tampered, headers={"X-Twilio-Signature": sig}).status_code
        == 403
    )
    assert (
        sms.post("/sms/status", data={"MessageSid": "SMx", "MessageStatus": "failed"}).status_code
        == 403
    )
    assert counts(sms_app) == {"messages": 0, "conversations": 0, "requests": 0, "audit": 0}


def test_without_an_auth_token_every_webhook_is_refused(sms, sms_app, monkeypatch):
    monkeypatch.setitem(sms_app.config, "TWILIO_AUTH_TOKEN", "")
    assert text(sms, "hola").status_code == 403
    assert counts(sms_app)["messages"] == 0


def test_repeated_form_keys_are_part_of_the_signature(sms, sms_app):
    form: MultiDict[str, str] = MultiDict(inbound_form("hola"))
    form.add("MediaUrl0", "https://example.com/a.jpg")
    form.add("MediaUrl0", "https://example.com/b.jpg")
    assert post_signed(sms, "/sms/inbound", form).status_code == 200
    # A signature over to_dict(), which keeps one value per key, does not match the real form.
    again: MultiDict[str, str] = MultiDict(form)
    again["MessageSid"] = new_sid()
    dropped = signature("http://localhost/sms/inbound", again.to_dict())
    resp = sms.post("/sms/inbound", data=again, headers={"X-Twilio-Signature": dropped})
    assert resp.status_code == 403
    assert counts(sms_app)["messages"] == 1


def test_signature_over_the_public_base_url(sms, sms_app, monkeypatch):
    monkeypatch.setitem(sms_app.config, "PUBLIC_BASE_URL", "https://la.city.example/")
    form = inbound_form("hola")
    public = "https://la.city.example/sms/inbound"
    assert post_signed(sms, "/sms/inbound", form, url=public).status_code == 200
    local = inbound_form("hola")
    assert post_signed(sms, "/sms/inbound", local).status_code == 403


def test_behind_a_proxy_the_forwarded_address_is_what_is_checked(tmp_path, app):
    from flask_migrate import upgrade

    from app import create_app

    def build(trust: int) -> Any:
        proxied = create_app(
            {
                "TESTING": True,
                "INSTANCE_PATH": str(tmp_path / str(trust)),
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / f'proxy{trust}.db'}",
                "SECRET_KEY": "x",
                "QUEUE_IMMEDIATE": True,
                "TWILIO_AUTH_TOKEN": TOKEN,
                "PROXY_FIX_X_PROTO": trust,
                "PROXY_FIX_X_HOST": trust,
            }
        )
        with proxied.app_context():
            upgrade()
        return proxied

    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "la.city.example"}
    public = "https://la.city.example/sms/inbound"
    trusted = build(1).test_client()
    resp = post_signed(trusted, "/sms/inbound", inbound_form("hola"), url=public, headers=forwarded)
    assert resp.status_code == 200
    untrusted = build(0).test_client()
    resp = post_signed(
        untrusted, "/sms/inbound", inbound_form("hola"), url=public, headers=forwarded
    )
    assert resp.status_code == 403


def test_a_retried_webhook_makes_one_message_and_the_same_reply(sms, sms_app):
    sid = new_sid()
    first = text(sms, "hola", sid=sid)
    again = text(sms, "hola", sid=sid)
    assert first.status_code == again.status_code == 200
    assert reply_of(first) and reply_of(again) == reply_of(first)
    assert counts(sms_app)["messages"] == 1


def test_status_callback_records_delivery(sms, sms_app):
    with sms_app.app_context():
        conv = SmsConversation(phone_hash="h" * 64, phone=RESIDENT, language="es")
        db.session.add(conv)
        db.session.flush()
        db.session.add(
            SmsMessage(
                conversation_id=conv.id,
                direction="outbound",
                sid="SMdelivered",
                body="x",
                status=MessageStatus.SENT,
            )
        )
        db.session.commit()
    form = {"MessageSid": "SMdelivered", "MessageStatus": "delivered", "AccountSid": "AC1"}
    assert post_signed(sms, "/sms/status", form).status_code == 204
    late = {"MessageSid": "SMdelivered", "MessageStatus": "sent", "AccountSid": "AC1"}
    assert post_signed(sms, "/sms/status", late).status_code == 204
    unknown = {"MessageSid": "SMnobody", "MessageStatus": "failed", "AccountSid": "AC1"}
    assert post_signed(sms, "/sms/status", unknown).status_code == 204
    with sms_app.app_context():
        msg = db.session.scalars(select(SmsMessage)).one()
        assert msg.status == MessageStatus.DELIVERED


@pytest.mark.parametrize(
    ("body", "expect"),
    [
        ("", "Reply 1-11:"),
        ("😀🙏😀", "Reply 1-11:"),
        ("hola 你好 привет", "Reply 1-11:"),
        ("0", "Reply 1-11:"),
        ("12", "Reply 1-11:"),
        ("necesito ayuda con el agua de mi casa " * 42, "¿Con qué necesita ayuda?"),
    ],
)
def test_odd_first_texts_get_the_menu_or_the_next_question(sms, sms_app, body, expect):
    resp = text(sms, body[:1600])
    assert resp.status_code == 200
    assert reply_of(resp).startswith(expect)
    with sms_app.app_context():
        stored = db.session.scalars(select(SmsMessage)).one()
        assert stored.body == body[:1600]  # kept whole


def test_an_answer_out_of_range_asks_for_a_number_in_range(sms):
    text(sms, "español")
    assert reply_of(text(sms, "7")).startswith("Responda con un número del 1 al 6.")
    assert reply_of(text(sms, "agua")).startswith("Responda con un número del 1 al 6.")


def test_a_number_that_sent_stop_gets_nothing(sms, sms_app):
    text(sms, "hola")
    assert "START" in reply_of(text(sms, "STOP"))
    for body in ("hola", "1", "HELP", "STATUS", "STOP"):
        resp = text(sms, body)
        assert resp.status_code == 200 and reply_of(resp) == ""
    assert counts(sms_app)["messages"] == 7


def test_a_flood_is_throttled_with_one_polite_reply(sms, sms_app, monkeypatch):
    monkeypatch.setitem(sms_app.config, "SMS_RATE_LIMIT", "5 per minute")
    answers = [reply_of(text(sms, f"hola {n}")) for n in range(12)]
    assert all(answers[:5])
    assert answers[5].startswith("You sent many texts") or answers[5].startswith("Envió")
    assert answers[6:] == [""] * 6
    assert counts(sms_app)["messages"] == 12


def test_an_unknown_sender_address_is_stored_without_a_reply(sms, sms_app):
    resp = text(sms, "hola", sender="CITYALERT")
    assert resp.status_code == 200 and reply_of(resp) == ""
    assert counts(sms_app)["messages"] == 1


def test_a_form_without_sid_or_sender_is_a_bad_request(sms, sms_app):
    form = inbound_form("hola")
    del form["From"]
    assert post_signed(sms, "/sms/inbound", form).status_code == 400
    assert counts(sms_app)["messages"] == 0


def test_outbox_is_for_admins_with_numbers_masked(sms, sms_app, as_user):
    text(sms, "hola")
    admin = as_user("admin")
    page = admin.get("/sms/outbox")
    assert page.status_code == 200
    assert "hola" in page.text and "¿Con qué necesita ayuda?" in page.text
    assert "+1 ••• 0142" in page.text and "5550142" not in page.text
    for who in ("staff_housing", "coordinator", "compliance", "vendor"):
        assert as_user(who).get("/sms/outbox").status_code == 403
    assert sms_app.test_client().get("/sms/outbox").status_code == 302  # sign in first


def test_outbox_pages(sms, sms_app, as_user, monkeypatch):
    monkeypatch.setitem(sms_app.config, "PAGE_SIZE", 2)
    for n in range(5):
        text(sms, f"hola {n}", sender=f"+1704555{n:04d}")
    admin = as_user("admin")
    first = admin.get("/sms/outbox")
    assert "Page 1 of 3" in first.text and 'rel="next"' in first.text
    last = admin.get("/sms/outbox?page=3")
    assert "hola 0" in last.text and 'rel="next"' not in last.text


def test_request_page_shows_the_residents_number_masked(sms, sms_app, as_user):
    for body in ("hola", "1", "1"):
        text(sms, body)
    with sms_app.app_context():
        req = db.session.scalars(select(Request)).one()
        req_id = req.id
    page = as_user("coordinator").get(f"/requests/{req_id}")
    assert page.status_code == 200
    assert "+1 ••• 0142" in page.text and "5550142" not in page.text
