"""Browser fixtures: the session app served on a loopback port, and one headless Chromium.

Debian's chromium (`/usr/bin/chromium`, installed by `.ci/run`) is driven by Playwright for Python;
no browser is ever downloaded. Under CI=true a missing browser fails the tests instead of skipping
them. Every page may reach 127.0.0.1 only: any other request is aborted before it leaves.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from werkzeug.serving import make_server

from tests.browser.support import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS

ACTION_TIMEOUT_MS = 10_000


def _missing(reason: str) -> None:
    """No browser: a failure in CI, a skip with the reason on a developer's machine."""
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI needs it: .ci/run installs Debian's chromium)")
    pytest.skip(f"{reason}: apt-get install -y chromium to run the browser tests")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    """Remember each phase's outcome on the item, so a failed test can leave a screenshot."""
    outcome = yield
    report = outcome.get_result()  # type: ignore[attr-defined]
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def live_server(app: Flask) -> Iterator[str]:
    """The session app served by werkzeug on a free loopback port, in a thread; its base URL."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """One headless Debian Chromium for the whole session."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("playwright is not installed (pip install -e '.[dev]')")
    if not Path(CHROMIUM).exists():
        _missing(f"no Chromium at {CHROMIUM}")
    from playwright.sync_api import expect

    # Assertions wait as long as actions do (10 s, set per context below): the default 5 s
    # was too short for a 400-row import on a loaded CI machine.
    expect.set_options(timeout=ACTION_TIMEOUT_MS)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


# Any URL that is not on the loopback interface (matched inside the driver, so pages on
# 127.0.0.1 load without a round trip through Python).
ELSEWHERE = re.compile(
    r"^(?!(?:https?|wss?)://(?:127\.0\.0\.1|localhost|\[::1\])[:/])(?!data:|blob:)"
)


def _block(route: Any) -> None:
    route.abort("blockedbyclient")


@pytest.fixture()
def new_context(
    browser: Any, live_server: str, request: pytest.FixtureRequest
) -> Iterator[Callable[..., Any]]:
    """A factory of browser contexts (own cookies) on the live server; closed after the test."""
    opened: list[Any] = []

    def make(locale: str | None = "en", width: int = 1280, height: int = 900, **kw: Any) -> Any:
        """locale=None leaves Accept-Language to page.set_extra_http_headers."""
        if locale:
            kw["locale"] = locale
        context = browser.new_context(
            base_url=live_server,
            viewport={"width": width, "height": height},
            accept_downloads=True,
            **kw,
        )
        context.set_default_timeout(ACTION_TIMEOUT_MS)
        context.route(ELSEWHERE, _block)
        opened.append(context)
        return context

    yield make
    failed = getattr(request.node, "rep_call", None)
    for n, context in enumerate(opened):
        if failed is not None and failed.failed:
            for m, page in enumerate(context.pages):
                name = f"FAILED-{request.node.name}-{n}-{m}.png".replace("/", "_")
                with contextlib.suppress(Exception):  # it must not hide the real failure
                    page.screenshot(path=str(ARTIFACTS / name), full_page=True)
        context.close()


@pytest.fixture()
def page(new_context: Callable[..., Any]) -> Any:
    """A page in a fresh English context."""
    return new_context().new_page()
