"""Notices to staff and vendors: e-mail when SMTP is configured, else a line in the console log."""

from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Sequence
from email.message import EmailMessage

from flask import current_app

log = logging.getLogger(__name__)


class NoticeFailed(RuntimeError):
    """The notice could not be handed to the mail server; the caller may try again later."""


def send_notice(recipients: Sequence[str], subject: str, body: str) -> None:
    """Send one notice to every address in `recipients` (no resident data belongs in it)."""
    to = sorted({r.strip() for r in recipients if r and r.strip()})
    config = current_app.config
    if not config["SMTP_HOST"]:
        log.info("notice to %s: %s", ", ".join(to) or "(nobody)", subject)
        return
    if not to:
        return
    msg = EmailMessage()
    msg["From"] = config["MAIL_FROM"]
    msg["To"] = ", ".join(to)
    msg["Subject"] = subject
    msg.set_content(body)
    try:
        with smtplib.SMTP(
            config["SMTP_HOST"], int(config["SMTP_PORT"]), timeout=float(config["SMTP_TIMEOUT"])
        ) as smtp:
            if config["SMTP_STARTTLS"]:
                smtp.starttls(context=ssl.create_default_context())
            if config["SMTP_USERNAME"]:
                smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"])
            smtp.send_message(msg)
    except (OSError, smtplib.SMTPException) as exc:
        raise NoticeFailed(f"could not send {subject!r}: {exc}") from exc
