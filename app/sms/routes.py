"""Twilio's webhooks (a resident's text, a delivery report) and the admins' outbox page."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import Blueprint, Response, current_app, render_template, request
from twilio.request_validator import (
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    get_signature_algorithm,
)
from twilio.twiml.messaging_response import MessagingResponse

from app.auth.models import Role
from app.auth.permissions import roles_required
from app.crypto import mask_phone
from app.labels import SMS_LABELS, label
from app.sms import outbound, services
from app.web import page_number

bp = Blueprint("sms", __name__, url_prefix="/sms")


def signed_url() -> str:
    """The address Twilio signed: PUBLIC_BASE_URL plus this path and query, else request.url."""
    base = str(current_app.config["PUBLIC_BASE_URL"]).rstrip("/")
    if not base:
        return request.url
    query = request.query_string.decode("latin-1")
    return f"{base}{request.path}" + (f"?{query}" if query else "")


def signature_is_valid() -> bool:
    """Whether X-Twilio-Signature matches the URL and the whole form (repeated keys included)."""
    token = str(current_app.config["TWILIO_AUTH_TOKEN"])
    signature = request.headers.get(SIGNATURE_HEADER, "")
    if not token or not signature:
        return False
    algorithm = get_signature_algorithm(request.headers.get(SIGNATURE_SETTINGS_HEADER))
    # request.form itself, a MultiDict: to_dict() would drop repeated keys and fail the check.
    return bool(RequestValidator(token).validate(signed_url(), request.form, signature, algorithm))


def _refused() -> Response:
    return Response("invalid signature\n", status=403, mimetype="text/plain")


def twiml(reply: str | None) -> Response:
    """A TwiML answer: one message, or an empty <Response/> to say nothing."""
    response = MessagingResponse()
    if reply:
        response.message(reply)
    return Response(str(response), mimetype="application/xml")


@bp.post("/inbound")
def inbound() -> Any:
    if not signature_is_valid():
        return _refused()
    sid = request.form.get("MessageSid") or request.form.get("SmsSid") or ""
    sender = request.form.get("From", "")
    if not sid or not sender:
        return Response("MessageSid and From are required\n", status=400, mimetype="text/plain")
    received = services.receive_message(sid[:64], sender, request.form.get("Body", ""))
    return twiml(received.reply)


@bp.post("/status")
def status() -> Any:
    if not signature_is_valid():
        return _refused()
    outbound.record_delivery(
        request.form.get("MessageSid", ""),
        request.form.get("MessageStatus") or request.form.get("SmsStatus") or "",
        request.form.get("ErrorCode") or None,
    )
    return Response(status=204)


@bp.get("/outbox")
@roles_required(Role.ADMIN)
def outbox() -> Any:
    page = page_number()
    pagination = services.list_messages(max(page, 1), int(current_app.config["PAGE_SIZE"]))
    return render_template(
        "sms/outbox.html", pagination=pagination, sms_label=partial(label, SMS_LABELS)
    )


@bp.app_template_filter("mask_phone")
def mask_phone_filter(phone: str | None) -> str:
    """Templates show a resident's number masked: +1 ••• 0142."""
    return mask_phone(phone)
