"""Stored markup is shown as text on every page that shows it; responses carry security headers."""

from __future__ import annotations

from app.auth.actor import Actor
from app.auth.models import User
from app.extensions import db
from app.glossary.services import TermInput, add_term, propose_translation
from tests.conftest import csrf_from
from tests.functional import vendor_helpers as vh

SCRIPT = "<script>alert(1)</script>"
IMG = '<img src=x onerror="alert(2)">'


def _no_live_markup(html: str) -> None:
    assert SCRIPT not in html and IMG not in html
    assert "<script>alert" not in html and "<img src=x" not in html


def test_markup_in_stored_text_is_escaped_on_every_page(app, city, as_user):
    with app.app_context():
        coordinator = Actor.for_user(db.session.get(User, city["coordinator"]))
        vendor_id = vh.add_vendor(f"Evil {IMG}")
        vh.link_vendor_user(city["vendor"], vendor_id)
        job_id = vh.translation_job(
            city["staff_housing"], title=f"Notice {SCRIPT}", notes=f"Notes {IMG}"
        )
        request_id = vh.job(job_id).request_id
        # Terms refuse markup outright; definitions and notes are free text.
        term = add_term(TermInput(source="Water shutoff", definition=IMG), coordinator)
        term_id = term.id
        propose_translation(term_id, "es", "Corte de agua", "translation", SCRIPT, coordinator)
    coord = as_user("coordinator")
    token = csrf_from(coord.get(f"/jobs/{job_id}").text)
    coord.post(f"/jobs/{job_id}/offer", data={"vendor": vendor_id, "csrf_token": token})
    pages = {
        "staff_housing": ["/", f"/requests/{request_id}", f"/jobs/{job_id}"],
        "coordinator": [
            "/",
            f"/requests/{request_id}",
            f"/jobs/{job_id}",
            "/vendors",
            f"/vendors/{vendor_id}",
            "/glossary/",
            f"/glossary/{term_id}",
        ],
        "vendor": ["/vendor", f"/jobs/{job_id}"],
    }
    for who, paths in pages.items():
        client = as_user(who)
        for path in paths:
            resp = client.get(path)
            assert resp.status_code == 200, (who, path)
            _no_live_markup(resp.text)
            if path != "/glossary/":  # the glossary list shows no definitions or notes
                assert "&lt;script&gt;" in resp.text or "&lt;img" in resp.text, (who, path)


def test_every_response_carries_the_security_headers(app, as_user):
    client = as_user("staff_housing")
    for path in ("/login", "/", "/requests/new/translation", "/api/v1/openapi.json"):
        headers = client.get(path).headers
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin"
        csp = headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp
        assert "frame-ancestors 'none'" in csp


def test_the_session_cookie_is_httponly_samesite_and_secure_when_configured(app, city):
    client = app.test_client()
    token = csrf_from(client.get("/login").text)
    saved = app.config["SESSION_COOKIE_SECURE"]
    app.config["SESSION_COOKIE_SECURE"] = True
    try:
        resp = client.post(
            "/login",
            data={"email": "staff_housing@city.example", "password": "x", "csrf_token": token},
            base_url="https://localhost",
        )
    finally:
        app.config["SESSION_COOKIE_SECURE"] = saved
    cookie = next(v for k, v in resp.headers.items() if k == "Set-Cookie" and "session=" in v)
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


def test_passwords_are_stored_as_scrypt_hashes(app, city):
    with app.app_context():
        user = db.session.get(User, city["staff_housing"])
        assert user.password_hash.startswith("scrypt:")
        assert "correct horse" not in user.password_hash
