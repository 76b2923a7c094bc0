"""Login rate limits across gunicorn workers: shared through Redis, separate in memory."""

from __future__ import annotations

import http.cookiejar
import os
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest
import redis

from tests.support.live import gunicorn

REDIS_URL = "redis://127.0.0.1:6379/15"
TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def _redis_or_fail() -> None:
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        if os.environ.get("CI") == "true":
            pytest.fail(f"Redis is required in CI: {exc}")
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")


def _failed_login(port: int) -> int:
    """One wrong-password sign-in through a fresh browser session; the HTTP status."""
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    page = opener.open(f"http://127.0.0.1:{port}/login", timeout=10).read().decode()
    token = TOKEN.search(page)
    assert token, "no CSRF token on the sign-in page"
    body = urllib.parse.urlencode(
        {"email": "staff_housing@city.example", "password": "wrong", "csrf_token": token.group(1)}
    ).encode()
    try:
        return opener.open(f"http://127.0.0.1:{port}/login", data=body, timeout=10).status
    except urllib.error.HTTPError as exc:
        return exc.code


def _env(app, tmp_path, storage: str, name: str) -> dict[str, str]:
    return {
        "FLASK_INSTANCE_PATH": str(tmp_path / name),
        "FLASK_SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "FLASK_SECRET_KEY": "test-secret",
        "FLASK_RATELIMIT_STORAGE_URI": storage,
        "FLASK_RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        "FLASK_LOGIN_RATE_LIMIT": "3 per minute",
    }


def _alternate(app, tmp_path, storage: str) -> list[int]:
    """Two servers (as two workers would be) sharing `storage`; four failed logins, alternating."""
    env = _env(app, tmp_path, storage, "a")
    with (
        gunicorn(env, tmp_path / "a.log") as a,
        gunicorn({**env, "FLASK_INSTANCE_PATH": str(tmp_path / "b")}, tmp_path / "b.log") as b,
    ):
        return [_failed_login(port) for port in (a, b, a, b)]


def test_with_redis_the_limit_counts_across_workers(app, city, tmp_path):
    _redis_or_fail()
    statuses = _alternate(app, tmp_path, REDIS_URL)
    assert 429 not in statuses[:3] and statuses[3] == 429, statuses


def test_in_memory_each_worker_counts_alone(app, city, tmp_path):
    statuses = _alternate(app, tmp_path, "memory://")
    assert 429 not in statuses, statuses  # two tries each: under each worker's own limit of 3
