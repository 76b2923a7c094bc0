"""Error pages in the user's language, and JSON errors for the API."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError
from werkzeug.exceptions import HTTPException

from app.extensions import db
from app.languages import UI_LOCALES

log = logging.getLogger(__name__)

#: Seconds a client is told to wait when the database is briefly out of reach.
RETRY_AFTER = 5


def wants_json() -> bool:
    """API calls get JSON errors; browsers get pages."""
    return request.path.startswith("/api/")


def error_response(status: int, code: str, message: str, **extra: Any) -> Any:
    """One error, as JSON for the API or as a page for people."""
    if wants_json():
        body = {"error": code, "message": message, **extra}
        return jsonify(body), status
    return render_template("errors/error.html", status=status, message=message), status


def register_error_handlers(app: Flask) -> None:
    """Turn HTTP errors into clear messages."""

    @app.errorhandler(CSRFError)
    def csrf_error(exc: CSRFError) -> Any:
        return error_response(
            400,
            "csrf_failed",
            _("This form has expired or was changed. Go back, reload the page and try again."),
        )

    @app.errorhandler(413)
    def too_large(exc: HTTPException) -> Any:
        mb = app.config["MAX_UPLOAD_BYTES"] // (1024 * 1024)
        return error_response(
            413, "too_large", _("The upload is larger than the limit of %(mb)s MB.", mb=mb)
        )

    @app.errorhandler(404)
    def not_found(exc: HTTPException) -> Any:
        return error_response(404, "not_found", _("This page or record does not exist."))

    @app.errorhandler(403)
    def forbidden(exc: HTTPException) -> Any:
        return error_response(403, "forbidden", _("You do not have access to this."))

    @app.errorhandler(401)
    def unauthorized(exc: HTTPException) -> Any:
        return error_response(401, "unauthorized", _("Sign in first."))

    @app.errorhandler(429)
    def rate_limited(exc: HTTPException) -> Any:
        return error_response(
            429, "rate_limited", _("Too many tries. Wait a minute and try again.")
        )

    @app.errorhandler(405)
    def method_not_allowed(exc: HTTPException) -> Any:
        return error_response(405, "method_not_allowed", _("This action is not allowed here."))

    @app.errorhandler(DBAPIError)
    def database_unavailable(exc: DBAPIError) -> Any:
        """The database is out of reach (or dropped the connection): 503, try again shortly.

        Twilio treats the 503 as a failed webhook, so nothing a resident sent is lost. The
        session is rolled back, so nothing half-written stays behind. Only connection-level
        errors land here as 503; anything else is a bug and stays a 500.
        """
        with contextlib.suppress(DBAPIError):
            db.session.rollback()
        if not _is_connection_error(exc):
            log.exception("database error")
            return server_error(exc)
        log.warning("database unavailable: %s", type(exc.orig).__name__)
        # The locale selector may read the signed-in user from the database: choose it here.
        with force_locale(request.accept_languages.best_match(UI_LOCALES) or "en"):
            message = _("The service is busy or restarting. Please try again in a moment.")
            if wants_json() or request.path.startswith("/sms/"):
                response = jsonify({"error": "unavailable", "message": message})
            else:
                response = app.make_response(
                    render_template("errors/unavailable.html", message=message)
                )
        response.status_code = 503
        response.headers["Retry-After"] = str(RETRY_AFTER)
        return response

    @app.errorhandler(500)
    def server_error(exc: Exception) -> Any:
        return error_response(500, "server_error", _("Something went wrong on our side."))


def _is_connection_error(exc: DBAPIError) -> bool:
    """Whether the error means the database cannot be reached, rather than a bad statement."""
    if exc.connection_invalidated:
        return True
    from sqlalchemy.exc import InterfaceError, OperationalError

    if not isinstance(exc, OperationalError | InterfaceError):
        return False
    text = str(exc.orig).lower()
    return any(
        marker in text
        for marker in (
            "connection",
            "could not connect",
            "server closed",
            "terminating",
            "unable to open database",
            "database is locked",
            "disk i/o",
            "timeout",
        )
    )
