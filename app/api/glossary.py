"""JSON API v1 for the glossary: search, read one term, and check a translation."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_babel import gettext as _

from app.api.routes import bp, choice_arg, page_args
from app.errors import error_response
from app.glossary import services
from app.glossary.models import Term, TranslationKind, TranslationStatus
from app.languages import PRIORITY_CODES

STATUSES = ("approved", "proposed", "missing", "forbidden", "rejected")


def term_json(term: Term) -> dict[str, Any]:
    """A term with, per language, its approved translation, alternatives and forbidden variants."""
    languages: dict[str, Any] = {}
    for tr in term.translations:
        if tr.status == TranslationStatus.REJECTED:
            continue
        entry = languages.setdefault(
            tr.language, {"approved": None, "alternatives": [], "forbidden": []}
        )
        if tr.kind == TranslationKind.FORBIDDEN:
            if tr.status == TranslationStatus.APPROVED:
                entry["forbidden"].append(tr.text)
        elif tr.status == TranslationStatus.APPROVED:
            entry["approved"] = tr.text
        else:
            entry["alternatives"].append(tr.text)
    return {
        "id": term.id,
        "source": term.source,
        "definition": term.definition,
        "department": term.department.slug if term.department else None,
        "part_of_speech": term.part_of_speech.value,
        "case_sensitive": term.case_sensitive,
        "do_not_translate": term.do_not_translate,
        "translations": languages,
    }


@bp.route("/glossary", methods=["GET"])
def list_terms() -> Any:
    errors: dict[str, str] = {}
    language = choice_arg("language", PRIORITY_CODES, _("Unknown language."), errors)
    status = choice_arg("status", STATUSES, _("Unknown status."), errors)
    page, per_page = page_args(errors)
    department_id = None
    slug = request.args.get("department")
    if slug:
        try:
            department_id = services.department_id_for(slug)
        except LookupError:
            errors["department"] = _("Unknown department.")
    if errors:
        return error_response(422, "validation_failed", _("Some fields are wrong."), fields=errors)
    filters = services.TermFilters(
        q=request.args.get("q", ""), department_id=department_id, language=language, status=status
    )
    terms, total = services.search_terms(filters, page, per_page)
    return jsonify(
        items=[term_json(t) for t in terms],
        page=page,
        per_page=per_page,
        total=total,
        pages=max((total + per_page - 1) // per_page, 1),
    )


@bp.route("/glossary/<int:term_id>", methods=["GET"])
def get_term(term_id: int) -> Any:
    try:
        return jsonify(term_json(services.get_term(term_id)))
    except services.TermNotFound:
        return error_response(404, "not_found", _("No such term."))


@bp.route("/glossary/check", methods=["POST"])
def check_translation() -> Any:
    payload = request.get_json(silent=True)
    if not isinstance(payload, dict):
        return error_response(400, "invalid_json", _("The body must be a JSON object."))
    errors: dict[str, str] = {}
    language = payload.get("language")
    if language not in PRIORITY_CODES:
        errors["language"] = _("Pick one of the city's languages.")
    for key in ("source", "target"):
        if not isinstance(payload.get(key), str) or not payload[key].strip():
            errors[key] = _("Must be non-empty text.")
    if errors:
        return error_response(422, "validation_failed", _("Some fields are wrong."), fields=errors)
    findings = services.check_text(payload["source"], payload["target"], str(language))
    return jsonify(
        findings=[
            {
                "code": f.code,
                "term_id": f.term_id,
                "source_term": f.source_term,
                "expected": f.expected,
                "found": f.found,
            }
            for f in findings
        ]
    )
