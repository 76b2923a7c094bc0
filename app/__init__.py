"""The language-access request system: a Flask app built by create_app()."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from flask import Flask, has_request_context, request
from flask_login import current_user

from app.config import instance_path, load_config
from app.extensions import babel, csrf, db, limiter, login_manager, migrate
from app.languages import UI_LOCALES


def select_locale() -> str | None:
    """The user's saved preference, else the browser's Accept-Language, else English."""
    if not has_request_context():  # CLI and worker: the default locale
        return None
    if current_user and current_user.is_authenticated and current_user.locale in UI_LOCALES:
        return str(current_user.locale)
    return request.accept_languages.best_match(UI_LOCALES) or "en"


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app: config, extensions, blueprints, CLI, error handlers."""
    app = Flask(__name__, instance_path=instance_path(config), instance_relative_config=True)
    load_config(app, config)
    from app.web import BoundedIntConverter

    app.url_map.converters["int"] = BoundedIntConverter  # before any route is added
    logging.basicConfig(
        level=app.config["LOG_LEVEL"], format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )

    from app import models  # noqa: F401  (every model registered before migrations look)
    from app.crypto import init_crypto
    from app.policy import init_policy
    from app.requests.facts import init_facts
    from app.sms.senders import init_sms
    from app.tasks import init_queue

    db.init_app(app)
    _sqlite_pragmas(app)
    migrate.init_app(
        app, db, directory=str(Path(app.root_path).parent / "migrations"), render_as_batch=True
    )
    babel.init_app(app, locale_selector=select_locale)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    init_policy(app)
    init_facts(app)
    init_queue(app)
    init_crypto(app)
    init_sms(app)
    _proxy_fix(app)

    from app.api import glossary as _api_glossary  # noqa: F401  (adds routes to the API blueprint)
    from app.api.routes import bp as api_bp
    from app.auth.routes import bp as auth_bp
    from app.glossary.routes import bp as glossary_bp
    from app.mt.routes import bp as mt_bp
    from app.reports.routes import bp as reports_bp
    from app.requests.routes import bp as requests_bp
    from app.sms.routes import bp as sms_bp
    from app.vendors.routes import bp as vendors_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(requests_bp)
    app.register_blueprint(glossary_bp)
    app.register_blueprint(mt_bp)
    app.register_blueprint(vendors_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(api_bp)
    csrf.exempt(api_bp)  # the API authenticates with bearer tokens, not cookies
    app.register_blueprint(sms_bp)
    csrf.exempt(sms_bp)  # Twilio's webhooks are checked by their signature instead

    from app.cli import register_cli
    from app.errors import register_error_handlers
    from app.web import register_template_helpers

    register_cli(app)
    register_error_handlers(app)
    register_template_helpers(app)

    @app.after_request
    def security_headers(response: Any) -> Any:
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'",
        )
        return response

    return app


def _proxy_fix(app: Flask) -> None:
    """Trust X-Forwarded-* from the configured number of proxies (werkzeug's ProxyFix).

    Behind a TLS-terminating proxy request.url is the internal address, and every Twilio
    signature computed over the public one would fail without this.
    """
    counts = {
        key: int(app.config[f"PROXY_FIX_X_{key.upper()}"])
        for key in ("for", "proto", "host", "port", "prefix")
    }
    if any(counts.values()):
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app,
            x_for=counts["for"],
            x_proto=counts["proto"],
            x_host=counts["host"],
            x_port=counts["port"],
            x_prefix=counts["prefix"],
        )


def _sqlite_pragmas(app: Flask) -> None:
    """WAL and foreign keys on SQLite, so the web and the worker share the file safely."""
    from sqlalchemy import event

    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite"):
        return

    with app.app_context():
        engine = db.engine

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=5000")
        cur.close()


__all__ = ["create_app"]
