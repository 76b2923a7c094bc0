"""A resident who texted hears, in their language, when an interpreter is set or the time moves."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.audit import AuditEvent
from app.extensions import db
from app.policy import get_policy
from app.requests.models import Request
from app.sms.models import Direction, SmsMessage
from tests.conftest import csrf_from
from tests.functional import vendor_helpers as vh
from tests.support.sms import RESIDENT, text


def _outbound(app) -> list[SmsMessage]:
    with app.app_context():
        return list(
            db.session.scalars(
                select(SmsMessage)
                .where(SmsMessage.direction == Direction.OUTBOUND)
                .order_by(SmsMessage.id)
            )
        )


def test_interpreter_confirmed_and_time_changed_reach_the_resident(sms, sms_app, city, as_user):
    for body in ("necesito un intérprete", "1", "1"):  # Spanish, water, call me now
        assert text(sms, body).status_code == 200
    with sms_app.app_context():
        req = db.session.scalars(select(Request)).one()
        job_id = req.jobs[0].id
        lingo = vh.add_vendor("Lingo", language="es")
        vh.link_vendor_user(city["vendor"], lingo)
    coordinator = as_user("coordinator")
    token = csrf_from(coordinator.get(f"/jobs/{job_id}").text)
    assert (
        coordinator.post(
            f"/jobs/{job_id}/offer", data={"vendor": lingo, "csrf_token": token}
        ).status_code
        == 302
    )
    vendor = as_user("vendor")
    token = csrf_from(vendor.get(f"/jobs/{job_id}").text)
    vendor.post(f"/jobs/{job_id}/respond", data={"accept": "1", "csrf_token": token})
    assert _outbound(sms_app) == []  # nothing to say until someone is named
    # The interpreter must call the resident back: the number shows on request, audited.
    page = vendor.get(f"/jobs/{job_id}").text
    assert RESIDENT not in page and "0142" in page
    shown = vendor.post(f"/jobs/{job_id}/phone", data={"csrf_token": token})
    assert shown.status_code == 200 and RESIDENT in shown.text
    staff = as_user("staff_water")
    staff_token = csrf_from(staff.get("/preferences").text)
    assert staff.post(f"/jobs/{job_id}/phone", data={"csrf_token": staff_token}).status_code == 403
    with sms_app.app_context():
        looks = db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "job.phone_revealed")
        ).all()
        assert len(looks) == 1 and RESIDENT not in str(looks[0].after)
    vendor.post(f"/jobs/{job_id}/interpreter", data={"interpreter": "Ana #17", "csrf_token": token})
    sent = _outbound(sms_app)
    assert [m.event for m in sent] == ["interpreter_assigned"] and sent[0].language == "es"
    with sms_app.app_context():
        policy = get_policy()
        day = policy.calendar.today() + timedelta(days=3)
    token = csrf_from(coordinator.get(f"/jobs/{job_id}").text)
    past = coordinator.post(
        f"/jobs/{job_id}/reschedule",
        data={"start_date": "2020-01-01", "start_time": "09:00", "csrf_token": token},
    )
    assert past.status_code == 422 and "The new time must be in the future." in past.text
    moved = coordinator.post(
        f"/jobs/{job_id}/reschedule",
        data={"start_date": day.isoformat(), "start_time": "15:30", "csrf_token": token},
    )
    assert moved.status_code == 302
    sent = _outbound(sms_app)
    assert [m.event for m in sent] == ["interpreter_assigned", "time_changed"]
    with sms_app.app_context():
        job = vh.job(job_id)
        local = job.request.starts_at.astimezone(get_policy().calendar.timezone)
        assert (local.date(), local.hour, local.minute) == (day, 15, 30)
        assert job.vendor_due_date == day
    page = coordinator.get(f"/requests/{job.request_id}").text
    assert "Appointment time changed" in page
