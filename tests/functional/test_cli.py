"""CLI commands through Flask's runner: seed, users, tokens."""

from __future__ import annotations

from sqlalchemy import func, select

from app.auth.models import ApiToken, Department, User
from app.extensions import db


def test_seed_is_idempotent_and_prints_logins_once(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed"])
    assert first.exit_code == 0, first.output
    assert "departments: 8 added" in first.output
    assert "priority languages: 11" in first.output
    assert first.output.count("@city.example") == 6
    second = runner.invoke(args=["seed"])
    assert "departments: 0 added" in second.output
    assert "@city.example" not in second.output and "already there" in second.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Department)) == 8
        assert db.session.scalar(select(func.count()).select_from(User)) == 6


def test_printed_demo_password_signs_in(app, client):
    from tests.conftest import csrf_from

    out = app.test_cli_runner().invoke(args=["seed"]).output
    line = next(ln for ln in out.splitlines() if "coordinator@city.example" in ln)
    password = line.split()[-1]
    token = csrf_from(client.get("/login").text)
    resp = client.post(
        "/login",
        data={"email": "coordinator@city.example", "password": password, "csrf_token": token},
    )
    assert resp.status_code == 302


def test_users_create_needs_a_department_for_staff(app, city):
    runner = app.test_cli_runner()
    bad = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "new@city.example",
            "--name",
            "N",
            "--role",
            "staff",
            "--password",
            "pw-123456",
        ]
    )
    assert bad.exit_code != 0 and "staff users need a department" in bad.output
    ok = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "New@City.example",
            "--name",
            "N",
            "--role",
            "staff",
            "--department",
            "water",
            "--password",
            "pw-123456",
        ]
    )
    assert ok.exit_code == 0, ok.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "new@city.example"))
        assert user.department.slug == "water" and user.check_password("pw-123456")


def test_token_is_printed_once_and_only_its_hash_is_stored(app, city):
    out = app.test_cli_runner().invoke(
        args=["tokens", "create", "--department", "housing", "--name", "311"]
    )
    assert out.exit_code == 0, out.output
    secret = out.output.strip().splitlines()[-1]
    assert secret.startswith("la_")
    with app.app_context():
        token = db.session.scalar(select(ApiToken))
        assert token.token_hash == ApiToken.hash_token(secret) and secret not in token.token_hash


def test_token_for_unknown_department_is_a_clear_error(app, city):
    out = app.test_cli_runner().invoke(
        args=["tokens", "create", "--department", "nope", "--name", "x"]
    )
    assert out.exit_code != 0 and "no department nope" in out.output


def test_seed_links_the_demo_vendor_user_to_a_demo_vendor_with_every_language(app, client):
    from app.languages import PRIORITY_CODES
    from app.vendors.models import Vendor
    from tests.conftest import csrf_from

    out = app.test_cli_runner().invoke(args=["seed"]).output
    password = next(ln for ln in out.splitlines() if "vendor@city.example" in ln).split()[-1]
    with app.app_context():
        vendor = db.session.scalar(select(Vendor))
        user = db.session.scalar(select(User).where(User.email == "vendor@city.example"))
        assert user.vendor_id == vendor.id
        assert {s.language for s in vendor.services} == set(PRIORITY_CODES)
        assert len(vendor.services) == 4 * len(PRIORITY_CODES)
    token = csrf_from(client.get("/login").text)
    client.post(
        "/login",
        data={"email": "vendor@city.example", "password": password, "csrf_token": token},
    )
    assert client.get("/vendor").status_code == 200
    app.test_cli_runner().invoke(args=["seed"])
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Vendor)) == 1


def test_users_create_needs_a_vendor_for_vendor_users(app, city):
    from tests.functional.vendor_helpers import add_vendor

    with app.app_context():
        add_vendor("Lingo")
    base = ["users", "create", "--name", "V", "--role", "vendor", "--password", "pw-123456"]
    runner = app.test_cli_runner()
    bad = runner.invoke(args=[*base, "--email", "v1@city.example", "--vendor", "Nobody"])
    assert bad.exit_code != 0 and "vendor users need an existing vendor" in bad.output
    ok = runner.invoke(args=[*base, "--email", "v2@city.example", "--vendor", "Lingo"])
    assert ok.exit_code == 0, ok.output
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == "v2@city.example"))
        assert user.vendor_id is not None
        assert db.session.scalar(select(User).where(User.email == "v1@city.example")) is None
