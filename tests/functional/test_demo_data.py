"""scripts/make_demo_data.py writes the report facts the app itself would set."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from app import create_app
from app.extensions import db
from app.policy import get_policy
from app.requests.facts import JOB_FACTS, refresh_job_facts
from app.requests.models import Job
from app.vendors.models import Delivery
from tests.integration.test_job_facts import _independent_link_facts, _stored_link_facts

ROOT = Path(__file__).resolve().parents[2]


def test_demo_data_facts_equal_a_recomputation(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    subprocess.run(  # noqa: S603 (this project's script, fixed arguments)
        [sys.executable, str(ROOT / "scripts" / "make_demo_data.py"), "--requests", "300"]
        + ["--database-url", url],
        check=True,
        capture_output=True,
    )
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x", "QUEUE_IMMEDIATE": True})
    with app.app_context():
        jobs = db.session.scalars(select(Job)).all()
        assert len(jobs) > 300
        assert {j.status.value for j in jobs} >= {"completed", "cancelled", "in_progress"}
        policy = get_policy()
        for job in jobs:
            stored = {name: getattr(job, name) for name in JOB_FACTS}
            # recomputed as the session listener would, without letting it write anything
            twin = Job(status=job.status, completed_at=job.completed_at)
            twin.cancelled_at = job.cancelled_at
            refresh_job_facts(twin, job.request, policy)
            assert stored == {name: getattr(twin, name) for name in JOB_FACTS}, job.id
        with db.engine.connect() as conn:  # the facts of the offers and deliveries, too
            assert _stored_link_facts(conn) == _independent_link_facts(conn)
        for delivery in db.session.scalars(select(Delivery)):
            assert (delivery.department_id, delivery.language) == (
                delivery.job.department_id,
                delivery.job.language,
            )
        db.session.rollback()
        db.session.remove()
        db.engine.dispose()
