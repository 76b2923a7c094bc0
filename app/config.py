"""Configuration: the only module that reads the environment (through Flask's prefixed env)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from flask import Flask

#: Every setting, its default, and what it means. `.env.example` and the README list the same.
DEFAULTS: dict[str, Any] = {
    "SECRET_KEY": None,  # None: generated once into instance/secret_key
    "SQLALCHEMY_DATABASE_URI": None,  # None: SQLite file instance/language_access.db
    "UPLOAD_FOLDER": None,  # None: instance/uploads
    "MAX_UPLOAD_BYTES": 10 * 1024 * 1024,
    "QUEUE_URL": "",  # "" = SQLite file queue in instance/; redis://... = Redis queue
    "QUEUE_IMMEDIATE": False,  # run tasks inline (tests, one-off scripts)
    "RATELIMIT_STORAGE_URI": "memory://",
    "LOGIN_RATE_LIMIT": "10 per minute",
    "POLICY_FILE": None,  # None: the policy shipped in app/policy.toml
    "PAGE_SIZE": 25,
    "BABEL_DEFAULT_LOCALE": "en",
    "BABEL_DEFAULT_TIMEZONE": "America/New_York",
    "SESSION_COOKIE_SECURE": False,  # set true behind HTTPS
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_ENABLED": True,
    "LOG_LEVEL": "INFO",
    "MT_DATA_DIR": None,  # None: instance/mt (Argos packages, caches, CTranslate2 registrations)
    "MT_MAX_SEGMENTS": 5000,  # documents with more segments go to humans without a draft
    "MT_STALL_SECONDS": 300,  # a draft not advanced this long is taken back and redone
    "MT_ARGOS_INDEX_URL": "",  # "": argostranslate's own index; used only by --online installs
    "MT_DOWNLOAD_TIMEOUT": 60,  # seconds, for --online index and model downloads
    # Text messages (Twilio). No account SID/token: replies still work, outbound goes to the
    # console outbox, and webhooks are refused (no token to check signatures with).
    "TWILIO_ACCOUNT_SID": "",
    "TWILIO_AUTH_TOKEN": "",
    "TWILIO_PHONE_NUMBER": "",  # E.164 number outbound texts come from
    "PUBLIC_BASE_URL": "",  # address Twilio calls, e.g. https://la.city.example ("" = request.url)
    "SMS_RATE_LIMIT": "10 per minute",  # inbound texts per phone number before it is throttled
    "SMS_SEND_TIMEOUT": 10,  # seconds per Twilio REST call
    "PHONE_ENCRYPTION_KEY": "",  # "" = derived from SECRET_KEY; comma-separated to rotate
    # Trust X-Forwarded-* from this many proxies (werkzeug ProxyFix); 0 = header not trusted.
    "PROXY_FIX_X_FOR": 0,
    "PROXY_FIX_X_PROTO": 0,
    "PROXY_FIX_X_HOST": 0,
    "PROXY_FIX_X_PORT": 0,
    "PROXY_FIX_X_PREFIX": 0,
    "SMTP_HOST": "",  # "": notices (vendor reminders, escalations) go to the console log
    "SMTP_PORT": 587,
    "SMTP_USERNAME": "",
    "SMTP_PASSWORD": "",
    "SMTP_STARTTLS": True,
    "SMTP_TIMEOUT": 10,  # seconds
    "MAIL_FROM": "language-access@localhost",
}


def instance_path(overrides: dict[str, Any] | None = None) -> str | None:
    """The instance folder: INSTANCE_PATH given, else FLASK_INSTANCE_PATH, else Flask's default."""
    return (overrides or {}).get("INSTANCE_PATH") or os.environ.get("FLASK_INSTANCE_PATH") or None


def load_config(app: Flask, overrides: dict[str, Any] | None = None) -> None:
    """Fill app.config from the defaults, then FLASK_* variables, then explicit overrides."""
    app.config.from_mapping(DEFAULTS)
    app.config.from_prefixed_env()
    if overrides:
        app.config.update(overrides)
    instance = Path(app.instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    if not app.config["SQLALCHEMY_DATABASE_URI"]:
        app.config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{instance / 'language_access.db'}"
    if not app.config["UPLOAD_FOLDER"]:
        app.config["UPLOAD_FOLDER"] = str(instance / "uploads")
    if not app.config["MT_DATA_DIR"]:
        app.config["MT_DATA_DIR"] = str(instance / "mt")
    if not app.config["POLICY_FILE"]:
        app.config["POLICY_FILE"] = str(Path(app.root_path) / "policy.toml")
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = _instance_secret(instance / "secret_key")
    # Requests carry the upload plus a little form data; the exact file limit is checked per file.
    app.config["MAX_CONTENT_LENGTH"] = int(app.config["MAX_UPLOAD_BYTES"]) + 256 * 1024
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(Path(app.root_path).parent / "translations")
    app.config["RATELIMIT_HEADERS_ENABLED"] = True
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True}


def _instance_secret(path: Path) -> str:
    """Read the instance's secret key, creating it (mode 0600) on first use."""
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key
