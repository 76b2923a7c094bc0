"""The worker killed with SIGKILL mid-draft: on restart the job is drafted exactly once, whole."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from app.audit import AuditEvent
from app.auth.actor import Actor
from app.auth.models import User
from app.extensions import db
from app.mt.models import DraftStatus, MTDraft
from app.requests.models import Channel, Job, JobStatus
from app.requests.services import submit_translation_request
from app.requests.validation import TranslationInput

ROOT = Path(__file__).resolve().parents[2]
PARAGRAPHS = 3000


def _start_worker(app, log: Path) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "FLASK_APP": "app",
        "FLASK_INSTANCE_PATH": app.instance_path,
        "FLASK_SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "FLASK_SECRET_KEY": str(app.config["SECRET_KEY"]),
        "FLASK_MT_DATA_DIR": app.config["MT_DATA_DIR"],
        "FLASK_MT_MAX_SEGMENTS": str(PARAGRAPHS + 10),
        "FLASK_MT_STALL_SECONDS": "3600",  # recovery must not wait for the stall timeout
    }
    flask = Path(sys.executable).parent / "flask"
    with log.open("ab") as out:
        return subprocess.Popen(
            [str(flask), "worker", "--workers", "1"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _draft(app) -> MTDraft | None:
    with app.app_context():
        db.session.expire_all()
        return db.session.scalar(select(MTDraft))


def _wait(app, test, limit: float, proc: subprocess.Popen[bytes], log: Path) -> MTDraft:
    start = time.monotonic()
    while time.monotonic() - start < limit:
        assert proc.poll() is None, log.read_text()[-3000:]
        draft = _draft(app)
        if draft is not None and test(draft):
            return draft
        time.sleep(0.05)
    raise AssertionError(f"timed out; worker log:\n{log.read_text()[-3000:]}")


def test_a_worker_killed_mid_draft_is_recovered_and_drafts_exactly_once(
    app, city, argos_installed, tmp_path
):
    huey = app.extensions["queue"]
    text = "\n\n".join(
        f"Notice {n}: your water will be shut off on Monday." for n in range(PARAGRAPHS)
    )
    huey.immediate = False  # a real queue file in the instance folder, drained by the worker
    app.config["MT_MAX_SEGMENTS"] = PARAGRAPHS + 10
    try:
        with app.app_context():
            actor = Actor.for_user(db.session.get(User, city["staff_housing"]))
            req = submit_translation_request(
                TranslationInput(title="Long notice", languages=["es"], text=text),
                actor,
                Channel.WEB,
            )
            job_id = req.jobs[0].id
        log = tmp_path / "worker.log"
        first = _start_worker(app, log)
        try:
            running = _wait(
                app,
                lambda d: d.status == DraftStatus.RUNNING and 0 < d.segments_done < PARAGRAPHS,
                120,
                first,
                log,
            )
        finally:
            os.killpg(first.pid, signal.SIGKILL)
            first.wait(timeout=30)
        left = _draft(app)
        assert left.status == DraftStatus.RUNNING and left.segments_done < PARAGRAPHS
        assert running.attempts == 1
        second = _start_worker(app, log)
        try:
            done = _wait(app, lambda d: d.status == DraftStatus.DONE, 180, second, log)
        finally:
            os.killpg(second.pid, signal.SIGTERM)
            second.wait(timeout=30)
    finally:
        huey.immediate = True
        app.config["MT_MAX_SEGMENTS"] = 5000
    assert done.attempts == 2
    assert done.segments_done == done.segments_total == PARAGRAPHS
    assert sorted(int(k) for k in done.segment_targets) == list(range(PARAGRAPHS))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MTDraft)) == 1
        assert db.session.get(Job, job_id).status == JobStatus.READY
        ready_events = db.session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.entity_id == job_id, AuditEvent.action == "job.ready")
        )
        assert ready_events == 1
    uploads = Path(app.config["UPLOAD_FOLDER"])
    drafts = [p for p in uploads.rglob("*") if p.is_file() and p.name == done.draft_sha256]
    assert len(drafts) == 1
    assert drafts[0].read_bytes().decode().count("your water will be shut off") == PARAGRAPHS
