"""Resident phone numbers at rest: encrypted with a key from configuration, found by a keyed hash.

The key is FLASK_PHONE_ENCRYPTION_KEY (any string; several, comma-separated, to rotate: the first
encrypts, every one decrypts). Unset, it is derived from the instance's SECRET_KEY, so a fresh
`scripts/run` works with no setup. Lookups use an HMAC of the number under a key derived from the
first secret, never the number itself.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from typing import Any

import phonenumbers
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import Flask, current_app
from sqlalchemy import String
from sqlalchemy.types import TypeDecorator

log = logging.getLogger(__name__)

MASK = "•••"


def _derive(secret: str, purpose: bytes) -> bytes:
    """32 bytes for one purpose from a configured secret (HKDF-SHA256)."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"language-access", info=purpose)
    return hkdf.derive(secret.encode("utf-8"))


class PhoneCipher:
    """Encrypts, decrypts and hashes phone numbers with keys derived from configured secrets."""

    def __init__(self, secrets: list[str]) -> None:
        if not secrets or not all(secrets):
            raise ValueError("the phone encryption key is empty")
        self._fernet = MultiFernet(
            [Fernet(base64.urlsafe_b64encode(_derive(s, b"phone-encryption"))) for s in secrets]
        )
        self._hash_key = _derive(secrets[0], b"phone-lookup")

    def encrypt(self, plaintext: str) -> str:
        """A fresh token for the number (random IV: equal numbers give different tokens)."""
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        """The number inside a token; raises InvalidToken for a wrong key or a changed token."""
        return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")

    def lookup_hash(self, plaintext: str) -> str:
        """A stable keyed hash of the number, for finding rows without storing it in clear."""
        return hmac.new(self._hash_key, plaintext.encode("utf-8"), hashlib.sha256).hexdigest()


def init_crypto(app: Flask) -> None:
    """Build the app's phone cipher from PHONE_ENCRYPTION_KEY, else from SECRET_KEY."""
    configured = str(app.config.get("PHONE_ENCRYPTION_KEY") or "")
    secrets = [s.strip() for s in configured.split(",") if s.strip()]
    app.extensions["phone_cipher"] = PhoneCipher(secrets or [str(app.config["SECRET_KEY"])])


def phone_cipher() -> PhoneCipher:
    """The current app's phone cipher."""
    cipher: PhoneCipher = current_app.extensions["phone_cipher"]
    return cipher


def phone_hash(phone: str) -> str:
    """The keyed lookup hash of a phone number under the current app's key."""
    return phone_cipher().lookup_hash(phone)


def phone_ref(phone: str) -> str:
    """A short handle for logs: the first characters of the keyed hash, never the number."""
    return phone_hash(phone)[:10]


def mask_phone(phone: str | None) -> str:
    """The number with all but its country code and last four digits hidden: +1 ••• 0142."""
    if not phone:
        return ""
    digits = "".join(ch for ch in phone if ch.isdigit())
    last = digits[-4:] if len(digits) > 4 else ""
    try:
        country = phonenumbers.parse(phone).country_code if phone.startswith("+") else None
    except phonenumbers.NumberParseException:
        country = None
    return f"+{country} {MASK} {last}" if country else f"{MASK} {last}".strip()


class EncryptedString(TypeDecorator[str]):
    """A string stored encrypted (Fernet) and read back in clear through the ORM.

    Values are encrypted with the current app's key, so reads and writes need an app context.
    """

    impl = String
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Any) -> str | None:
        if value is None:
            return None
        return phone_cipher().encrypt(value)

    def process_result_value(self, value: str | None, dialect: Any) -> str | None:
        if value is None:
            return None
        try:
            return phone_cipher().decrypt(value)
        except (InvalidToken, ValueError):
            # A wrong or rotated-away key: hide the value rather than break every page.
            log.warning("an encrypted value could not be decrypted with the configured key")
            return None
