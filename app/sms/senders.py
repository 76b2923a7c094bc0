"""Outbound texts: Twilio's REST client when credentials are set, else a console sender.

The console sender sends nothing: the message row stays in the database, where admins read it on
the outbox page (/sms/outbox), and the log says only that a text went to a number's hash.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from typing import Any, Protocol

from flask import Flask
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from app.crypto import phone_ref

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SendResult:
    """What the provider said: its message id and first status."""

    sid: str
    status: str


class PermanentSendError(Exception):
    """The provider refused the message for good (bad number, opted out at the carrier...)."""

    def __init__(self, code: str) -> None:
        super().__init__(f"refused: {code}")
        self.code = code


class Sender(Protocol):
    """Sends one text; raises PermanentSendError, or anything else for a retry."""

    name: str

    def send(self, to: str, body: str, status_callback: str | None) -> SendResult: ...


class ConsoleSender:
    """Keeps texts in the outbox page instead of sending them (no Twilio account configured)."""

    name = "console"

    def send(self, to: str, body: str, status_callback: str | None) -> SendResult:
        """Pretend to send: log the number's hash and the length, never the number."""
        log.info("console sms to %s (%d characters): see /sms/outbox", phone_ref(to), len(body))
        return SendResult(sid=f"CONSOLE{uuid.uuid4().hex}", status="sent")


class TwilioSender:
    """Sends through Twilio's REST API (Messages resource)."""

    name = "twilio"

    def __init__(self, client: Client, from_number: str) -> None:
        self.client = client
        self.from_number = from_number

    def send(self, to: str, body: str, status_callback: str | None) -> SendResult:
        """Create the message at Twilio; 4xx answers (but 429) are permanent, the rest retried."""
        kwargs: dict[str, Any] = {"to": to, "from_": self.from_number, "body": body}
        if status_callback:
            kwargs["status_callback"] = status_callback
        try:
            message = self.client.messages.create(**kwargs)
        except TwilioRestException as exc:
            if 400 <= exc.status < 500 and exc.status != 429:
                raise PermanentSendError(str(exc.code or exc.status)) from None
            raise
        return SendResult(sid=str(message.sid), status=str(message.status or "queued"))


def build_sender(config: dict[str, Any], http_client: Any = None) -> Sender:
    """Twilio when the account SID and auth token are set, else the console sender."""
    sid, token = config["TWILIO_ACCOUNT_SID"], config["TWILIO_AUTH_TOKEN"]
    if not (sid and token):
        return ConsoleSender()
    if http_client is None:
        http_client = TwilioHttpClient(timeout=float(config["SMS_SEND_TIMEOUT"]))
    # The client logs request URLs and headers at INFO; numbers travel in the body, but keep it
    # quiet all the same: logs must never hold a resident's number.
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)
    return TwilioSender(Client(sid, token, http_client=http_client), config["TWILIO_PHONE_NUMBER"])


def init_sms(app: Flask) -> None:
    """Give the app its outbound sender (tests may replace app.extensions['sms_sender'])."""
    app.extensions["sms_sender"] = build_sender(app.config)
