"""JSON API v1 for city systems (311, case systems): create, list and read requests."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from flask import Blueprint, g, jsonify, request, url_for
from flask_babel import gettext as _

from app.api.openapi import openapi_document
from app.api.serialize import parse_interpretation, parse_translation, request_json
from app.audit import utcnow
from app.auth.actor import Actor
from app.auth.services import token_for_secret
from app.errors import error_response
from app.extensions import db
from app.languages import PRIORITY_CODES
from app.requests import services
from app.requests.documents import DocumentRejected, StorageFull
from app.requests.models import Channel, RequestKind, RequestStatus
from app.requests.validation import ValidationFailed
from app.web import MAX_PAGE

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@bp.before_request
def authenticate_token() -> Any:
    if request.endpoint == "api.openapi":
        return None
    header = request.headers.get("Authorization", "")
    scheme, _sep, secret = header.partition(" ")
    token = token_for_secret(secret.strip()) if scheme.lower() == "bearer" and secret else None
    if token is None:
        response, status = error_response(
            401, "unauthorized", _("A valid API token is required (Authorization: Bearer ...).")
        )
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
        return response, status
    token.last_used_at = utcnow()
    db.session.commit()
    g.actor = Actor.for_token(token)
    return None


@bp.route("/openapi.json")
def openapi() -> Any:
    return jsonify(openapi_document())


@bp.route("/requests", methods=["POST"])
def create_request() -> Any:
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return error_response(400, "invalid_json", _("The body must be a JSON object."))
    kind = payload.get("kind")
    try:
        if kind == RequestKind.TRANSLATION.value:
            req = services.submit_translation_request(
                parse_translation(payload), g.actor, Channel.API
            )
        elif kind == RequestKind.INTERPRETATION.value:
            req = services.submit_interpretation_request(
                parse_interpretation(payload), g.actor, Channel.API
            )
        else:
            raise ValidationFailed({"kind": _("Must be translation or interpretation.")})
    except ValidationFailed as exc:
        return error_response(
            422, "validation_failed", _("Some fields are wrong."), fields=exc.errors
        )
    except StorageFull as exc:
        return error_response(507, "storage_full", str(exc))
    except DocumentRejected as exc:
        return error_response(422, "validation_failed", str(exc), fields={"document": str(exc)})
    response = jsonify(request_json(req))
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_request", number=req.number)
    return response


def choice_arg(
    name: str, allowed: Iterable[str], message: str, errors: dict[str, str]
) -> str | None:
    """An optional query argument that must be one of `allowed`; records `message` if not."""
    value = request.args.get(name) or None
    if value is not None and value not in set(allowed):
        errors[name] = message
    return value


def page_args(errors: dict[str, str]) -> tuple[int, int]:
    """The page and per_page query arguments, checked (1.., 1..100)."""
    page = request.args.get("page", 1, type=int)
    per_page = request.args.get("per_page", 25, type=int)
    if not 1 <= page <= MAX_PAGE:
        errors["page"] = _("Must be between 1 and %(max)s.", max=MAX_PAGE)
    if not 1 <= per_page <= 100:
        errors["per_page"] = _("Must be between 1 and 100.")
    return page, per_page


@bp.route("/requests", methods=["GET"])
def list_requests() -> Any:
    errors: dict[str, str] = {}
    status = choice_arg("status", (s.value for s in RequestStatus), _("Unknown status."), errors)
    language = choice_arg("language", PRIORITY_CODES, _("Unknown language."), errors)
    kind = choice_arg("kind", (k.value for k in RequestKind), _("Unknown type."), errors)
    page, per_page = page_args(errors)
    if errors:
        return error_response(422, "validation_failed", _("Some fields are wrong."), fields=errors)
    filters = services.RequestFilters(status=status, language=language, kind=kind)
    pagination = services.list_requests(g.actor, filters, page, per_page)
    return jsonify(
        items=[request_json(r) for r in pagination.items],
        page=pagination.page,
        per_page=pagination.per_page,
        total=pagination.total,
        pages=pagination.pages,
    )


@bp.route("/requests/<string:number>", methods=["GET"])
def get_request(number: str) -> Any:
    try:
        req = services.get_request_by_number(g.actor, number)
    except services.RequestNotFound:
        return error_response(404, "not_found", _("No request with this number."))
    return jsonify(request_json(req))
