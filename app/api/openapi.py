"""The OpenAPI 3.1 description of API v1, served at /api/v1/openapi.json."""

from __future__ import annotations

from typing import Any

from app.languages import PRIORITY_CODES
from app.requests.models import (
    Audience,
    Channel,
    InterpretationMode,
    JobStatus,
    RequestKind,
    RequestStatus,
)
from app.web import MAX_ID, MAX_PAGE

PAGE_PARAMETERS = (
    {
        "name": "page",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
    },
    {
        "name": "per_page",
        "in": "query",
        "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 25},
    },
)


def _values(enum_cls: Any) -> list[str]:
    return [m.value for m in enum_cls]


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _error(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def openapi_document() -> dict[str, Any]:
    """Build the document from the same enums the app validates with, so the two cannot drift."""
    lang = {"type": "string", "enum": list(PRIORITY_CODES)}
    date = {"type": "string", "format": "date"}
    schemas: dict[str, Any] = {
        "Error": {
            "type": "object",
            "required": ["error", "message"],
            "properties": {
                "error": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "object", "additionalProperties": {"type": "string"}},
            },
        },
        "Job": {
            "type": "object",
            "required": ["id", "language", "status", "due_date", "policy_due_date"],
            "properties": {
                "id": {"type": "integer"},
                "language": lang,
                "status": {"type": "string", "enum": _values(JobStatus)},
                "due_date": date,
                "policy_due_date": date,
            },
        },
        "Request": {
            "type": "object",
            "required": ["id", "number", "kind", "channel", "status", "department", "jobs"],
            "properties": {
                "id": {"type": "integer"},
                "number": {"type": "string", "pattern": "^LA-[0-9]{4}-[0-9]{6,}$"},
                "kind": {"type": "string", "enum": _values(RequestKind)},
                "channel": {"type": "string", "enum": _values(Channel)},
                "status": {"type": "string", "enum": _values(RequestStatus)},
                "department": {"type": "string"},
                "title": {"type": "string"},
                "notes": {"type": "string"},
                "vital": {"type": "boolean"},
                "audience": {"type": ["string", "null"], "enum": [*_values(Audience), None]},
                "requested_due_date": {"type": ["string", "null"], "format": "date"},
                "policy_due_date": {"type": ["string", "null"], "format": "date"},
                "policy_version": {"type": "string"},
                "created_at": {"type": "string", "format": "date-time"},
                "jobs": {"type": "array", "items": {"$ref": "#/components/schemas/Job"}},
                "document": {
                    "type": "object",
                    "properties": {
                        "name": {"type": "string"},
                        "media_type": {"type": "string"},
                        "size_bytes": {"type": "integer"},
                        "word_count": {"type": "integer"},
                    },
                },
                "mode": {"type": ["string", "null"]},
                "starts_at": {"type": ["string", "null"], "format": "date-time"},
                "duration_minutes": {"type": ["integer", "null"]},
                "location": {"type": ["string", "null"]},
            },
        },
        "TranslationRequestCreate": {
            "type": "object",
            "required": ["kind", "title"],
            "description": "Give exactly one of `text` or `document`. With `vital` true and no "
            "`languages`, every priority language is requested.",
            "properties": {
                "kind": {"const": "translation"},
                "title": {"type": "string", "maxLength": 200},
                "languages": {"type": "array", "items": lang},
                "vital": {"type": "boolean", "default": False},
                "audience": {"type": "string", "enum": _values(Audience)},
                "due_date": {**date, "description": "Requested due date (optional)."},
                "notes": {"type": "string", "maxLength": 5000},
                "text": {"type": "string"},
                "document": {
                    "type": "object",
                    "required": ["filename", "content_base64"],
                    "properties": {
                        "filename": {
                            "type": "string",
                            "description": ".docx, .txt, .md or .html; checked by content.",
                        },
                        "content_base64": {"type": "string", "contentEncoding": "base64"},
                    },
                },
            },
        },
        "InterpretationRequestCreate": {
            "type": "object",
            "required": ["kind", "title", "language", "mode", "starts_at", "duration_minutes"],
            "properties": {
                "kind": {"const": "interpretation"},
                "title": {"type": "string", "maxLength": 200},
                "language": lang,
                "mode": {"type": "string", "enum": _values(InterpretationMode)},
                "starts_at": {
                    "type": "string",
                    "description": "Local time in America/New_York, no offset: 2026-12-31T14:30",
                },
                "duration_minutes": {"type": "integer", "minimum": 1},
                "location": {"type": "string", "maxLength": 500},
                "resident_name": {"type": "string"},
                "resident_phone": {"type": "string"},
                "notes": {"type": "string", "maxLength": 5000},
            },
        },
        "Term": {
            "type": "object",
            "required": ["id", "source", "do_not_translate", "translations"],
            "properties": {
                "id": {"type": "integer"},
                "source": {"type": "string"},
                "definition": {"type": "string"},
                "department": {"type": ["string", "null"]},
                "part_of_speech": {"type": "string"},
                "case_sensitive": {"type": "boolean"},
                "do_not_translate": {"type": "boolean"},
                "translations": {
                    "type": "object",
                    "description": "Per language code: approved, alternatives, forbidden.",
                    "additionalProperties": {
                        "type": "object",
                        "properties": {
                            "approved": {"type": ["string", "null"]},
                            "alternatives": {"type": "array", "items": {"type": "string"}},
                            "forbidden": {"type": "array", "items": {"type": "string"}},
                        },
                    },
                },
            },
        },
        "TermPage": {
            "type": "object",
            "required": ["items", "page", "per_page", "total", "pages"],
            "properties": {
                "items": {"type": "array", "items": _ref("Term")},
                "page": {"type": "integer"},
                "per_page": {"type": "integer"},
                "total": {"type": "integer"},
                "pages": {"type": "integer"},
            },
        },
        "Finding": {
            "type": "object",
            "required": ["code", "term_id", "source_term"],
            "properties": {
                "code": {
                    "type": "string",
                    "enum": ["approved_missing", "forbidden_used", "dnt_altered"],
                },
                "term_id": {"type": "integer"},
                "source_term": {"type": "string"},
                "expected": {"type": ["string", "null"]},
                "found": {"type": ["string", "null"]},
            },
        },
        "RequestPage": {
            "type": "object",
            "required": ["items", "page", "per_page", "total", "pages"],
            "properties": {
                "items": {"type": "array", "items": {"$ref": "#/components/schemas/Request"}},
                "page": {"type": "integer"},
                "per_page": {"type": "integer"},
                "total": {"type": "integer"},
                "pages": {"type": "integer"},
            },
        },
    }
    request_ok = {
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Request"}}}
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Language Access API",
            "version": "1.0.0",
            "description": "Create and follow translation and interpretation requests for one "
            "department. Each token belongs to one department and sees only its requests.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearerAuth": []}],
        "paths": {
            "/requests": {
                "post": {
                    "operationId": "createRequest",
                    "summary": "Submit a translation or interpretation request",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "oneOf": [
                                        _ref("TranslationRequestCreate"),
                                        _ref("InterpretationRequestCreate"),
                                    ],
                                    "discriminator": {"propertyName": "kind"},
                                }
                            }
                        },
                    },
                    "responses": {
                        "201": {"description": "Created", **request_ok},
                        "400": _error("The body is not a JSON object"),
                        "401": _error("Missing or invalid token"),
                        "413": _error("Body too large"),
                        "507": _error("The server has no room to store the document"),
                        "422": _error("A field is wrong; `fields` says which and why"),
                    },
                },
                "get": {
                    "operationId": "listRequests",
                    "summary": "The department's requests, newest first",
                    "parameters": [
                        {
                            "name": "status",
                            "in": "query",
                            "schema": {"type": "string", "enum": _values(RequestStatus)},
                        },
                        {"name": "language", "in": "query", "schema": lang},
                        {
                            "name": "kind",
                            "in": "query",
                            "schema": {"type": "string", "enum": _values(RequestKind)},
                        },
                        *PAGE_PARAMETERS,
                    ],
                    "responses": {
                        "200": {
                            "description": "One page",
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/RequestPage"}
                                }
                            },
                        },
                        "401": _error("Missing or invalid token"),
                        "422": _error("A filter is wrong"),
                    },
                },
            },
            "/glossary": {
                "get": {
                    "operationId": "searchGlossary",
                    "summary": "Search the city glossary (prefix, then fuzzy match)",
                    "parameters": [
                        {"name": "q", "in": "query", "schema": {"type": "string"}},
                        {"name": "language", "in": "query", "schema": lang},
                        {"name": "department", "in": "query", "schema": {"type": "string"}},
                        {
                            "name": "status",
                            "in": "query",
                            "schema": {
                                "type": "string",
                                "enum": [
                                    "approved",
                                    "proposed",
                                    "missing",
                                    "forbidden",
                                    "rejected",
                                ],
                            },
                        },
                        *PAGE_PARAMETERS,
                    ],
                    "responses": {
                        "200": {
                            "description": "One page of terms",
                            "content": {"application/json": {"schema": _ref("TermPage")}},
                        },
                        "401": _error("Missing or invalid token"),
                        "422": _error("A filter is wrong"),
                    },
                }
            },
            "/glossary/{term_id}": {
                "get": {
                    "operationId": "getTerm",
                    "summary": "One glossary term with its translations",
                    "parameters": [
                        {
                            "name": "term_id",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_ID},
                        }
                    ],
                    "responses": {
                        "200": {
                            "description": "The term",
                            "content": {"application/json": {"schema": _ref("Term")}},
                        },
                        "401": _error("Missing or invalid token"),
                        "404": _error("No such term"),
                    },
                }
            },
            "/glossary/check": {
                "post": {
                    "operationId": "checkTranslation",
                    "summary": "Check a translation against the glossary",
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "type": "object",
                                    "required": ["language", "source", "target"],
                                    "properties": {
                                        "language": lang,
                                        "source": {"type": "string"},
                                        "target": {"type": "string"},
                                    },
                                }
                            }
                        },
                    },
                    "responses": {
                        "200": {
                            "description": "Findings (empty when the translation is clean)",
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["findings"],
                                        "properties": {
                                            "findings": {"type": "array", "items": _ref("Finding")}
                                        },
                                    }
                                }
                            },
                        },
                        "400": _error("The body is not a JSON object"),
                        "401": _error("Missing or invalid token"),
                        "422": _error("A field is wrong"),
                    },
                }
            },
            "/requests/{number}": {
                "get": {
                    "operationId": "getRequest",
                    "summary": "One request by its number (LA-2026-000123)",
                    "parameters": [
                        {
                            "name": "number",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        }
                    ],
                    "responses": {
                        "200": {"description": "The request", **request_ok},
                        "401": _error("Missing or invalid token"),
                        "404": _error("No such request in this department"),
                    },
                }
            },
        },
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}},
        },
    }
