"""Who sees what, lists with filters and pages, cancelling, sign-in, and the UI language."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.audit import AuditEvent
from app.auth.actor import Actor
from app.auth.models import Role, User
from app.extensions import db
from app.requests.models import Channel, Request
from app.requests.services import submit_translation_request
from app.requests.validation import TranslationInput
from tests.conftest import PASSWORD, csrf_from


def make_requests(app, city, department: str, n: int, languages=("es",), title="Notice"):
    """Submit n requests through the service as that department's staff."""
    ids = []
    with app.test_request_context():
        user = db.session.get(User, city[f"staff_{department}"])
        actor = Actor.for_user(user)
        for i in range(n):
            req = submit_translation_request(
                TranslationInput(
                    title=f"{title} {i}", languages=list(languages), text=f"Notice number {i}"
                ),
                actor,
                Channel.WEB,
            )
            ids.append(req.id)
        db.session.remove()
    return ids


def test_staff_see_only_their_department(app, city, as_user):
    mine = make_requests(app, city, "housing", 2, title="Housing")
    theirs = make_requests(app, city, "water", 1, title="Water")
    client = as_user("staff_housing")
    page = client.get("/")
    assert "Housing 0" in page.text and "Housing 1" in page.text
    assert "Water 0" not in page.text
    assert client.get(f"/requests/{mine[0]}").status_code == 200
    assert client.get(f"/requests/{theirs[0]}").status_code == 404
    assert client.get(f"/requests/{theirs[0]}/document").status_code == 404


def test_coordinator_sees_every_department_and_can_filter_by_one(app, city, as_user):
    make_requests(app, city, "housing", 1, title="Housing")
    make_requests(app, city, "water", 1, title="Water")
    client = as_user("coordinator")
    page = client.get("/")
    assert "Housing 0" in page.text and "Water 0" in page.text
    only_water = client.get(f"/?department={city['water']}")
    assert "Water 0" in only_water.text and "Housing 0" not in only_water.text


def test_filters_by_language_status_and_type(app, city, as_user):
    make_requests(app, city, "housing", 1, languages=("es",), title="Spanish")
    make_requests(app, city, "housing", 1, languages=("ar", "ru"), title="Arabic")
    client = as_user("staff_housing")
    page = client.get("/?language=ar")
    assert "Arabic 0" in page.text and "Spanish 0" not in page.text
    assert "Arabic 0" not in client.get("/?status=cancelled").text
    assert "No requests match." in client.get("/?kind=interpretation").text


def test_list_is_paginated_and_pages_keep_filters(app, city, as_user):
    app.config["PAGE_SIZE"] = 2
    try:
        make_requests(app, city, "housing", 5)
        client = as_user("staff_housing")
        first = client.get("/?language=es")
        assert "Page 1 of 3" in first.text
        assert "page=2" in first.text and "language=es" in first.text
        last = client.get("/?language=es&page=3")
        assert "Page 3 of 3" in last.text and "Notice 0" in last.text
        assert client.get("/?page=99").status_code == 200
    finally:
        app.config["PAGE_SIZE"] = 25


def test_staff_cancel_with_a_reason_and_it_shows_on_the_timeline(app, city, as_user):
    (rid,) = make_requests(app, city, "housing", 1)
    client = as_user("staff_housing")
    page = client.get(f"/requests/{rid}")
    resp = client.post(
        f"/requests/{rid}/cancel",
        data={"csrf_token": csrf_from(page.text), "reason": "Event moved"},
    )
    assert resp.status_code == 302
    detail = client.get(f"/requests/{rid}")
    assert "Request cancelled" in detail.text and "Event moved" in detail.text
    with app.app_context():
        assert db.session.get(Request, rid).status.value == "cancelled"
        actions = set(db.session.scalars(select(AuditEvent.action)))
        assert {"request.cancelled", "job.cancelled"} <= actions


def test_other_department_cannot_cancel(app, city, as_user):
    (rid,) = make_requests(app, city, "housing", 1)
    client = as_user("staff_water")
    token = csrf_from(client.get("/").text)
    assert client.post(f"/requests/{rid}/cancel", data={"csrf_token": token}).status_code == 404


def test_compliance_reads_everything_and_changes_nothing(app, city, as_user):
    (rid,) = make_requests(app, city, "housing", 1)
    client = as_user("compliance")
    page = client.get(f"/requests/{rid}")
    assert page.status_code == 200 and "Cancel this request" not in page.text
    token = csrf_from(client.get("/").text)
    assert client.post(f"/requests/{rid}/cancel", data={"csrf_token": token}).status_code == 403
    assert client.get("/requests/new/translation").status_code == 403


@pytest.mark.parametrize("who", ["coordinator", "compliance", "vendor", "admin"])
def test_only_staff_submit_requests(as_user, who):
    client = as_user(who)
    assert client.get("/requests/new/translation").status_code == 403
    assert client.get("/requests/new/interpretation").status_code == 403


def test_vendor_sees_no_department_requests(app, city, as_user):
    (rid,) = make_requests(app, city, "housing", 1)
    client = as_user("vendor")
    assert "Notice 0" not in client.get("/").text
    assert client.get(f"/requests/{rid}").status_code == 403


def test_anonymous_users_are_sent_to_sign_in(client, city):
    resp = client.get("/requests/new/translation")
    assert resp.status_code == 302 and "/login" in resp.headers["Location"]


def test_wrong_password_is_refused_with_a_message(client, city):
    token = csrf_from(client.get("/login").text)
    resp = client.post(
        "/login",
        data={"email": "staff_housing@city.example", "password": "nope", "csrf_token": token},
    )
    assert resp.status_code == 200 and "The email or password is wrong." in resp.text


def test_login_is_rate_limited(app, client, city):
    app.config["LOGIN_RATE_LIMIT"] = "3 per minute"
    try:
        token = csrf_from(client.get("/login").text)
        codes = [
            client.post(
                "/login",
                data={"email": "x@city.example", "password": "bad", "csrf_token": token},
                environ_base={"REMOTE_ADDR": "10.9.9.9"},
            ).status_code
            for _ in range(4)
        ]
        assert codes == [200, 200, 200, 429]
    finally:
        app.config["LOGIN_RATE_LIMIT"] = "1000 per minute"


def test_next_parameter_cannot_leave_the_site(client, city):
    token = csrf_from(client.get("/login").text)
    resp = client.post(
        "/login?next=//evil.example/x",
        data={"email": "staff_housing@city.example", "password": PASSWORD, "csrf_token": token},
    )
    assert resp.headers["Location"] == "/"


def test_passwords_are_stored_as_scrypt_hashes(app, city):
    with app.app_context():
        user = db.session.get(User, city["staff_housing"])
        assert user.password_hash.startswith("scrypt:") and PASSWORD not in user.password_hash
        assert user.check_password(PASSWORD) and not user.check_password("wrong")


def test_browser_language_is_used_when_the_user_has_no_preference(client, city):
    page = client.get("/login", headers={"Accept-Language": "es-MX,es;q=0.9,en;q=0.5"})
    assert '<html lang="es" dir="ltr">' in page.text


def test_arabic_pages_are_right_to_left(client, city):
    page = client.get("/login", headers={"Accept-Language": "ar"})
    assert '<html lang="ar" dir="rtl">' in page.text


def test_saved_preference_wins_over_the_browser(app, as_user):
    client = as_user("staff_housing")
    token = csrf_from(client.get("/preferences").text)
    resp = client.post("/preferences", data={"csrf_token": token, "locale": "vi"})
    assert resp.status_code == 302
    page = client.get("/", headers={"Accept-Language": "fr"})
    assert '<html lang="vi" dir="ltr">' in page.text
    with app.app_context():
        assert (
            db.session.scalar(
                select(User.locale).where(User.role == Role.STAFF, User.locale.is_not(None))
            )
            == "vi"
        )


def test_unknown_locale_preference_is_refused(as_user):
    client = as_user("staff_housing")
    token = csrf_from(client.get("/preferences").text)
    resp = client.post("/preferences", data={"csrf_token": token, "locale": "xx"})
    assert resp.status_code == 200 and "Not a valid choice" in resp.text


def test_security_headers_and_cookie_flags(client, city):
    resp = client.get("/login")
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    assert "frame-ancestors 'none'" in resp.headers["Content-Security-Policy"]
    token = csrf_from(resp.text)
    signed_in = client.post(
        "/login",
        data={"email": "staff_housing@city.example", "password": PASSWORD, "csrf_token": token},
    )
    cookie = signed_in.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_markup_in_titles_is_escaped(app, city, as_user):
    make_requests(app, city, "housing", 1, title="<script>alert(1)</script>")
    page = as_user("staff_housing").get("/")
    assert "<script>alert(1)</script>" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
