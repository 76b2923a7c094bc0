"""Helpers for SMS tests: departments, signed Twilio webhooks, a recording HTTP client."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from flask import Flask
from flask.testing import FlaskClient
from twilio.http import HttpClient
from twilio.http.response import Response
from twilio.request_validator import RequestValidator
from werkzeug.datastructures import MultiDict

from app.auth.models import Department
from app.extensions import db

TOKEN = "test-auth-token-0123456789abcdef"
ACCOUNT = "AC" + "0" * 32
CITY_NUMBER = "+17045550100"
RESIDENT = "+17045550142"
SERVICE_SLUGS = ("water", "housing", "solid-waste", "police", "311", "community-relations")
_sids = itertools.count(1)


def new_sid() -> str:
    """A fresh Twilio-shaped MessageSid."""
    return f"SM{next(_sids):032x}"


def seed_departments(app: Flask) -> dict[str, int]:
    """Every department the SMS menu maps to; ids by slug."""
    with app.app_context():
        have = {d.slug: d.id for d in db.session.scalars(db.select(Department))}
        for slug in SERVICE_SLUGS:
            if slug not in have:
                dept = Department(slug=slug, name=slug.title())
                db.session.add(dept)
                db.session.flush()
                have[slug] = dept.id
        db.session.commit()
    return have


def signature(url: str, form: Any, token: str = TOKEN) -> str:
    """X-Twilio-Signature for a POST of `form` to `url`, as Twilio computes it."""
    return str(RequestValidator(token).compute_signature(url, form))


def inbound_form(body: str, sender: str = RESIDENT, sid: str | None = None) -> dict[str, str]:
    """The fields Twilio posts for an incoming text."""
    return {
        "MessageSid": sid or new_sid(),
        "SmsSid": sid or "",
        "AccountSid": ACCOUNT,
        "From": sender,
        "To": CITY_NUMBER,
        "Body": body,
        "NumMedia": "0",
    }


def post_signed(
    client: FlaskClient,
    path: str,
    form: dict[str, str] | MultiDict[str, str],
    url: str | None = None,
    headers: dict[str, str] | None = None,
) -> Any:
    """POST a form with a valid signature over `url` (default: the test client's address)."""
    data = MultiDict(form)
    signed = signature(url or f"http://localhost{path}", data)
    return client.post(
        path,
        data=urlencode(list(data.items(multi=True))),
        content_type="application/x-www-form-urlencoded",
        headers={"X-Twilio-Signature": signed, **(headers or {})},
    )


def text(client: FlaskClient, body: str, sender: str = RESIDENT, sid: str | None = None) -> Any:
    """The resident texts `body`; returns the webhook response."""
    return post_signed(client, "/sms/inbound", inbound_form(body, sender, sid))


def reply_of(response: Any) -> str:
    """The text of the TwiML reply ('' for none)."""
    import xml.etree.ElementTree as ET  # noqa: S405 (our own TwiML)

    root = ET.fromstring(response.data)  # noqa: S314
    message = root.find("Message")
    return "" if message is None else (message.text or "")


@dataclass
class RecordingHttpClient(HttpClient):
    """A twilio HttpClient that records each request and answers from a list (no network)."""

    answers: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        import logging

        super().__init__(logging.getLogger("tests.twilio"), is_async=False)

    def request(self, method: str, uri: str, params=None, data=None, headers=None, auth=None,
                timeout=None, allow_redirects=False) -> Response:  # fmt: skip
        self.requests.append({"method": method, "uri": uri, "data": dict(data or {}), "auth": auth})
        status, body = self.answers.pop(0) if self.answers else (201, default_message(data))
        return Response(status, json.dumps(body))


def default_message(data: dict[str, Any] | None, status: str = "queued") -> dict[str, Any]:
    """What Twilio answers to a Messages create."""
    data = data or {}
    return {
        "sid": new_sid(),
        "account_sid": ACCOUNT,
        "to": data.get("To"),
        "from": data.get("From"),
        "body": data.get("Body"),
        "status": status,
        "num_segments": "1",
    }


def twilio_error(status: int, code: int) -> tuple[int, dict[str, Any]]:
    """A Twilio REST error answer."""
    return status, {"code": code, "message": "error", "more_info": "", "status": status}


def bodies(messages: Iterable[Any]) -> list[str]:
    return [m.body for m in messages]
