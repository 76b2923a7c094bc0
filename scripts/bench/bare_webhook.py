"""The baseline of scripts/bench/sms_webhook.py: the least a signed Twilio webhook can do.

Flask, twilio's RequestValidator over the whole form, one INSERT OR IGNORE of the text into a
SQLite table (write-ahead log, autocommit) and a one-message TwiML answer; no conversation, no
language detection, no ORM. The benchmark serves it with gunicorn exactly as it serves the app
(2 sync workers, same rate, same texts), so the ratio of the two p99s says how much the app adds
on the machine at hand, whatever that machine's own speed.

Settings come from the environment the benchmark sets: BARE_TWILIO_AUTH_TOKEN, BARE_PUBLIC_URL
(the address the signatures were computed over) and BARE_DATABASE (a SQLite file path).
"""

from __future__ import annotations

import os
import sqlite3

from flask import Flask, Response, request
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

app = Flask(__name__)
_validator = RequestValidator(os.environ.get("BARE_TWILIO_AUTH_TOKEN", ""))
_connection: sqlite3.Connection | None = None

SCHEMA = "CREATE TABLE IF NOT EXISTS texts (sid TEXT PRIMARY KEY, sender TEXT, body TEXT)"


def connection() -> sqlite3.Connection:
    """This worker's connection, opened on its first text."""
    global _connection
    if _connection is None:
        _connection = sqlite3.connect(os.environ["BARE_DATABASE"], timeout=5, isolation_level=None)
        _connection.execute("PRAGMA journal_mode=WAL")
    return _connection


def create_schema(path: str) -> None:
    """The one table, made before the workers start."""
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute(SCHEMA)


@app.post("/sms/inbound")
def inbound() -> Response:
    signature = request.headers.get("X-Twilio-Signature", "")
    if not _validator.validate(os.environ["BARE_PUBLIC_URL"], request.form, signature):
        return Response("invalid signature\n", status=403, mimetype="text/plain")
    stored = connection().execute(
        "INSERT OR IGNORE INTO texts VALUES (?, ?, ?)",
        (request.form["MessageSid"], request.form["From"], request.form.get("Body", "")),
    )
    answer = MessagingResponse()
    answer.message("Got it." if stored.rowcount else "Got it before.")
    return Response(str(answer), mimetype="application/xml")


@app.post("/sms/status")
def status() -> Response:
    """Unsigned: refused, as the app does (the benchmark's sign that the server is up)."""
    return Response(status=403)
