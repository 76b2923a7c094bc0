"""Scorecards per vendor and language, on the page and as CSV, checked against known jobs."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from decimal import Decimal

from app.extensions import db
from app.policy import get_policy
from app.requests.models import Job, JobStatus
from app.vendors.models import Delivery, DeliveryFormat, ReviewOutcome
from tests.functional import vendor_helpers as vh


def _finish(job_id: int, vendor_id: int, assigned: datetime, delivered: datetime, **kw) -> None:
    job = db.session.get(Job, job_id)
    job.vendor_id, job.status = vendor_id, JobStatus.COMPLETED
    job.assigned_at, job.delivered_at = assigned, delivered
    job.completed_at = delivered + timedelta(hours=1)
    job.on_time, job.cost = kw.get("on_time", True), Decimal(kw.get("cost", "100"))
    job.minutes_billed = kw.get("minutes")
    if "passed" in kw:
        db.session.add(
            Delivery(
                job=job,
                vendor_id=vendor_id,
                number=1,
                format=DeliveryFormat.DOCUMENT,
                document=job.request.document,
                due_date=delivered.date(),
                on_time=job.on_time,
                glossary_passed=kw["passed"],
                outcome=ReviewOutcome.ACCEPTED,
                reviewed_at=job.completed_at,
            )
        )
    db.session.commit()


def test_scorecards_reconcile_with_the_jobs_and_export_safely(app, city, as_user):
    with app.app_context():
        policy = get_policy()
        tz = policy.calendar.timezone
        formula = vh.add_vendor("=HYPERLINK(1)")
        lingo = vh.add_vendor("Lingo")
        # Monday 16 Nov 2026, 10:00 New York. Business days to delivery: 1, 2, 3 and 8
        # (17-20, 23-25 and 30 Nov; 26-27 are holidays).
        monday = datetime(2026, 11, 16, 10, tzinfo=tz)
        deliveries = [
            (monday, monday + timedelta(days=1), True, True),
            (monday, monday + timedelta(days=2), True, False),
            (monday, monday + timedelta(days=3), False, True),
            (monday, datetime(2026, 11, 30, 9, tzinfo=tz), False, True),
        ]
        for assigned, delivered, on_time, passed in deliveries:
            job_id = vh.translation_job(city["staff_housing"])
            _finish(job_id, lingo, assigned, delivered, on_time=on_time, passed=passed, cost="80.5")
        interp = vh.translation_job(city["staff_water"])
        _finish(interp, formula, monday, monday + timedelta(days=1), minutes=45, cost="67.50")
        words = db.session.get(Job, interp).request.document.word_count
    client = as_user("compliance")
    period = "from=2026-11-01&to=2026-12-31"
    page = client.get(f"/vendors/scorecards?{period}")
    assert page.status_code == 200
    assert "Lingo" in page.text and "50%" in page.text and "75%" in page.text
    resp = client.get(f"/vendors/scorecards?{period}&format=csv")
    assert resp.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(resp.text)))
    assert [r["vendor"] for r in rows] == ["'=HYPERLINK(1)", "Lingo"]
    lingo_row = rows[1]
    assert lingo_row["jobs"] == "4"
    assert lingo_row["on_time_percent"] == "50.0"
    # Turnarounds 1, 2, 3, 8 business days: nearest-rank median 2, 90th percentile 8.
    assert lingo_row["median_turnaround_business_days"] == "2.0"
    assert lingo_row["p90_turnaround_business_days"] == "8.0"
    assert (lingo_row["glossary_checked"], lingo_row["glossary_pass_percent"]) == ("4", "75.0")
    assert lingo_row["cost"] == "322.00"
    assert rows[0]["minutes"] == "45" and rows[0]["words"] == str(words)
    # Outside the period: nothing.
    empty = client.get("/vendors/scorecards?from=2025-01-01&to=2025-01-31&format=csv")
    assert empty.text.strip().count("\n") == 0
    assert as_user("staff_housing").get("/vendors/scorecards").status_code == 403


def test_a_bad_period_is_explained_not_a_crash(app, city, as_user):
    resp = as_user("coordinator").get("/vendors/scorecards?from=yesterday")
    assert resp.status_code == 200 and "Dates must look like 2026-01-31." in resp.text
    assert "No vendor finished a job in this period." in resp.text  # the default period
