"""Helpers for the browser tests: signing in, the axe-core scan, data the flows need."""

from __future__ import annotations

import hashlib
import os
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import select

from app.extensions import db
from app.mt.models import DraftStatus, MTDraft
from app.requests.documents import store_blob
from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "browser"  # git-ignored
SCREENSHOTS = ROOT / "docs" / "screenshots"  # committed, shown in the README
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
SERIOUS = {"serious", "critical"}


def sign_in(page: Any, who: str) -> None:
    """Sign in through the real login form as a user of the `city` fixture."""
    page.goto("/login")
    page.fill("#email", f"{who}@city.example")
    page.fill("#password", PASSWORD)
    with page.expect_navigation():
        page.click("main input[type=submit]")
    assert "/login" not in page.url, f"{who} could not sign in"


@cache
def _axe_source() -> str:
    """axe-core as shipped inside the pinned axe-playwright-python wheel (no network)."""
    return (resources.files("axe_playwright_python") / "axe.min.js").read_text("utf-8")


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Serious and critical axe-core violations on the page as it is now."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
    result = page.evaluate("() => axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v.get("impact") in SERIOUS]


def describe(violations: list[dict[str, Any]]) -> str:
    """Violations as readable lines: rule, impact, and the first few offending elements."""
    lines = []
    for v in violations:
        targets = [", ".join(map(str, n["target"])) for n in v["nodes"][:4]]
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} -> {targets}")
    return "\n".join(lines)


class AxeLog:
    """Collects serious violations page by page, so one test can report them all at the end."""

    def __init__(self, locale: str) -> None:
        self.locale = locale
        self.found: dict[str, list[dict[str, Any]]] = {}
        self.scanned: list[str] = []

    def scan(self, page: Any, name: str) -> None:
        page.wait_for_load_state("load")
        self.scanned.append(name)
        found = axe_violations(page)
        if found:
            self.found[f"{name} {page.url}"] = found

    def report(self) -> str:
        return "\n".join(
            f"[{self.locale}] {where}\n{describe(v)}" for where, v in self.found.items()
        )


def finish_draft(upload_folder: str, job_id: int, text: str, name: str) -> None:
    """Make a job's machine draft done, with a stored file (as the MT worker would)."""
    data = text.encode("utf-8")
    sha = hashlib.sha256(data).hexdigest()
    store_blob(upload_folder, data, sha)
    draft = db.session.scalar(select(MTDraft).where(MTDraft.job_id == job_id))
    assert draft is not None
    draft.status = DraftStatus.DONE
    draft.reason = ""
    draft.engine = "argos"
    draft.model_version = "1.0"
    draft.segments_total = draft.segments_done = max(draft.segments_total, 1)
    draft.draft_sha256 = sha
    draft.draft_name = name
    draft.segment_targets = {"0": text}
    db.session.commit()


def set_draft_progress(job_id: int, done: int, total: int) -> None:
    """Put a job's machine draft in the running state at `done` of `total` segments."""
    db.session.expire_all()
    draft = db.session.scalar(select(MTDraft).where(MTDraft.job_id == job_id))
    assert draft is not None
    draft.status = DraftStatus.RUNNING
    draft.reason = ""
    draft.segments_total = total
    draft.segments_done = done
    db.session.commit()
