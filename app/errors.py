"""Error pages in the user's language, and JSON errors for the API."""

from __future__ import annotations

from typing import Any

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException


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

    @app.errorhandler(500)
    def server_error(exc: Exception) -> Any:
        return error_response(500, "server_error", _("Something went wrong on our side."))
