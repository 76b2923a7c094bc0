"""Fixtures shared by the functional tests of more than one feature."""

from __future__ import annotations

import pytest

from tests.support.sms import TOKEN, seed_departments


@pytest.fixture()
def sms_app(app, city, monkeypatch):
    """The app with a Twilio auth token (signatures checked), the users and every department."""
    monkeypatch.setitem(app.config, "TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "")
    seed_departments(app)
    return app


@pytest.fixture()
def sms(sms_app):
    return sms_app.test_client()
