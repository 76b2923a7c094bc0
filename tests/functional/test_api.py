"""JSON API v1: tokens, create, list, get, errors, and the OpenAPI document."""

from __future__ import annotations

import base64
import io

import jsonschema
import pytest
from docx import Document as DocxDocument
from openapi_spec_validator import validate
from sqlalchemy import select

from app.auth.services import issue_api_token, revoke_api_token
from app.extensions import db
from app.requests.models import Request
from tests.functional.helpers import interpretation_day, stored_counts


@pytest.fixture()
def tokens(app, city):
    with app.app_context():
        _, housing = issue_api_token("housing", "311")
        water_token, water = issue_api_token("water", "case-system")
        return {"housing": housing, "water": water, "water_id": water_token.id}


def auth(secret):
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture()
def spec(client):
    return client.get("/api/v1/openapi.json").get_json()


def schema_validator(spec, name):
    """A validator for one component schema, resolving $refs within the document."""
    schema = {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}
    return jsonschema.Draft202012Validator(schema)


def test_openapi_document_is_valid_and_public(client):
    resp = client.get("/api/v1/openapi.json")
    assert resp.status_code == 200
    validate(resp.get_json())


def test_calls_without_a_valid_token_get_401(client, tokens):
    for headers in ({}, auth("la_wrong"), {"Authorization": "Basic abc"}):
        resp = client.get("/api/v1/requests", headers=headers)
        assert resp.status_code == 401
        assert resp.get_json()["error"] == "unauthorized"
        assert resp.headers["WWW-Authenticate"].startswith("Bearer")


def test_revoked_token_stops_working(app, client, tokens):
    with app.app_context():
        revoke_api_token(tokens["water_id"])
    assert client.get("/api/v1/requests", headers=auth(tokens["water"])).status_code == 401


def test_create_translation_from_text(app, client, tokens, spec):
    resp = client.post(
        "/api/v1/requests",
        headers=auth(tokens["housing"]),
        json={
            "kind": "translation",
            "title": "Rent relief flyer",
            "languages": ["es", "zh"],
            "text": "Apply for rent relief before March.",
            "audience": "public",
        },
    )
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    schema_validator(spec, "Request").validate(body)
    assert body["number"].startswith("LA-") and body["channel"] == "api"
    assert body["department"] == "housing"
    assert [j["language"] for j in body["jobs"]] == ["es", "zh"]
    assert body["document"]["word_count"] == 6
    assert resp.headers["Location"].endswith(body["number"])
    with app.app_context():
        req = db.session.scalar(select(Request))
        assert req.api_token_id is not None and req.requester_id is None


def test_create_translation_from_a_base64_document(client, tokens):
    doc = DocxDocument()
    doc.add_paragraph("Bulk item pickup schedule")
    buf = io.BytesIO()
    doc.save(buf)
    resp = client.post(
        "/api/v1/requests",
        headers=auth(tokens["housing"]),
        json={
            "kind": "translation",
            "title": "Bulk pickup",
            "vital": True,
            "document": {
                "filename": "bulk.docx",
                "content_base64": base64.b64encode(buf.getvalue()).decode(),
            },
        },
    )
    assert resp.status_code == 201
    body = resp.get_json()
    assert body["vital"] is True and len(body["jobs"]) == 11
    assert body["document"]["name"] == "bulk.docx"


def test_create_interpretation(app, client, tokens, spec):
    day = interpretation_day(app, "phone")
    resp = client.post(
        "/api/v1/requests",
        headers=auth(tokens["water"]),
        json={
            "kind": "interpretation",
            "title": "Billing call",
            "language": "vi",
            "mode": "phone",
            "starts_at": f"{day.isoformat()}T09:00",
            "duration_minutes": 30,
            "resident_phone": "704-555-0199",
        },
    )
    assert resp.status_code == 201, resp.get_json()
    body = resp.get_json()
    schema_validator(spec, "Request").validate(body)
    assert body["mode"] == "phone" and body["jobs"][0]["due_date"] == day.isoformat()
    assert "resident_phone" not in body and "704" not in resp.text


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"kind": "nonsense"}, "kind"),
        ({"kind": "translation", "title": "x", "languages": ["es"]}, "document"),
        ({"kind": "translation", "title": "x", "languages": "es", "text": "hi"}, "languages"),
        (
            {"kind": "translation", "title": "x", "languages": ["klingon"], "text": "hi"},
            "languages",
        ),
        (
            {
                "kind": "translation",
                "title": "x",
                "languages": ["es"],
                "text": "hi",
                "due_date": "tomorrow",
            },
            "due_date",
        ),
        (
            {
                "kind": "translation",
                "title": "x",
                "languages": ["es"],
                "text": "hi",
                "due_date": "2020-01-01",
            },
            "due_date",
        ),
        (
            {
                "kind": "translation",
                "title": "x",
                "languages": ["es"],
                "document": {"filename": "a.txt", "content_base64": "***"},
            },
            "document",
        ),
        (
            {
                "kind": "translation",
                "title": "x",
                "languages": ["es"],
                "document": {
                    "filename": "a.txt",
                    "content_base64": base64.b64encode(b"\x89PNG\r\n\x1a\n\0").decode(),
                },
            },
            "document",
        ),
        ({"kind": "translation", "title": 5, "languages": ["es"], "text": "hi"}, "title"),
        (
            {
                "kind": "interpretation",
                "title": "x",
                "language": "es",
                "mode": "phone",
                "starts_at": "soon",
                "duration_minutes": 30,
            },
            "starts_at",
        ),
        (
            {
                "kind": "interpretation",
                "title": "x",
                "language": "es",
                "mode": "phone",
                "starts_at": "2030-01-02T10:00",
                "duration_minutes": "thirty",
            },
            "duration_minutes",
        ),
        (
            {
                "kind": "interpretation",
                "title": "x",
                "language": "es",
                "mode": "phone",
                "starts_at": "2030-01-02T10:00-05:00",
                "duration_minutes": 30,
            },
            "starts_at",
        ),
    ],
)
def test_bad_input_gets_422_naming_the_field_and_stores_nothing(
    app, client, tokens, payload, field
):
    before = stored_counts(app)
    resp = client.post("/api/v1/requests", headers=auth(tokens["housing"]), json=payload)
    assert resp.status_code == 422, resp.get_json()
    body = resp.get_json()
    assert body["error"] == "validation_failed" and field in body["fields"]
    assert stored_counts(app) == before


def test_errors_come_in_the_callers_language(client, tokens):
    resp = client.post(
        "/api/v1/requests",
        json={"kind": "translation", "title": "x", "languages": ["es"]},
        headers={**auth(tokens["housing"]), "Accept-Language": "es"},
    )
    assert resp.status_code == 422
    assert (
        resp.get_json()["fields"]["document"] != "Upload a document or paste the text to translate."
    )


def test_non_json_body_gets_400(client, tokens):
    resp = client.post(
        "/api/v1/requests",
        headers=auth(tokens["housing"]),
        data="not json",
        content_type="application/json",
    )
    assert resp.status_code == 400 and resp.get_json()["error"] == "invalid_json"


def test_list_shows_only_the_tokens_department_paginated(client, tokens, spec):
    for i in range(3):
        client.post(
            "/api/v1/requests",
            headers=auth(tokens["housing"]),
            json={"kind": "translation", "title": f"H{i}", "languages": ["es"], "text": "hello"},
        )
    client.post(
        "/api/v1/requests",
        headers=auth(tokens["water"]),
        json={"kind": "translation", "title": "W", "languages": ["ru"], "text": "hello"},
    )
    resp = client.get("/api/v1/requests?per_page=2", headers=auth(tokens["housing"]))
    body = resp.get_json()
    schema_validator(spec, "RequestPage").validate(body)
    assert body["total"] == 3 and body["pages"] == 2 and len(body["items"]) == 2
    assert [r["title"] for r in body["items"]] == ["H2", "H1"]
    filtered = client.get("/api/v1/requests?language=ru", headers=auth(tokens["housing"]))
    assert filtered.get_json()["total"] == 0
    bad = client.get("/api/v1/requests?per_page=1000&status=lost", headers=auth(tokens["housing"]))
    assert bad.status_code == 422 and set(bad.get_json()["fields"]) == {"per_page", "status"}


def test_get_another_departments_request_is_404(client, tokens):
    created = client.post(
        "/api/v1/requests",
        headers=auth(tokens["water"]),
        json={"kind": "translation", "title": "W", "languages": ["ru"], "text": "hello"},
    ).get_json()
    own = client.get(f"/api/v1/requests/{created['number']}", headers=auth(tokens["water"]))
    assert own.status_code == 200 and own.get_json()["id"] == created["id"]
    other = client.get(f"/api/v1/requests/{created['number']}", headers=auth(tokens["housing"]))
    assert other.status_code == 404 and other.get_json()["error"] == "not_found"


def test_api_needs_no_csrf_but_web_forms_do(client, tokens):
    resp = client.post(
        "/api/v1/requests",
        headers=auth(tokens["housing"]),
        json={"kind": "translation", "title": "x", "languages": ["es"], "text": "hello"},
    )
    assert resp.status_code == 201


def test_oversize_api_body_gets_json_413(app, client, tokens):
    before = stored_counts(app)
    big = "a " * (app.config["MAX_CONTENT_LENGTH"] // 2 + 10)
    resp = client.post(
        "/api/v1/requests",
        headers=auth(tokens["housing"]),
        json={"kind": "translation", "title": "x", "languages": ["es"], "text": big},
    )
    assert resp.status_code == 413 and resp.get_json()["error"] == "too_large"
    assert stored_counts(app) == before
