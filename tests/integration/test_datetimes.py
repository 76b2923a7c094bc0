"""Times keep their instant on every database: stored as UTC, read back aware."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from app.extensions import db
from app.requests.models import Channel, Request, RequestKind, RequestStatus

NY = ZoneInfo("America/New_York")


def test_local_time_round_trips_as_the_same_instant(ctx, city):
    at = datetime(2026, 12, 2, 10, 30, tzinfo=NY)
    req = Request(
        kind=RequestKind.INTERPRETATION,
        channel=Channel.WEB,
        status=RequestStatus.SUBMITTED,
        department_id=city["housing"],
        title="t",
        policy_version="x",
        starts_at=at,
        requested_due_date=date(2026, 12, 2),
    )
    db.session.add(req)
    db.session.commit()
    rid = req.id
    db.session.expunge_all()
    loaded = db.session.get(Request, rid)
    assert loaded.starts_at.tzinfo is not None
    assert loaded.starts_at == at
    assert loaded.starts_at.astimezone(NY).hour == 10


def test_naive_datetimes_are_refused(ctx, city):
    req = Request(
        kind=RequestKind.INTERPRETATION,
        channel=Channel.WEB,
        status=RequestStatus.SUBMITTED,
        department_id=city["housing"],
        title="t",
        policy_version="x",
        starts_at=datetime(2026, 12, 2, 10, 30),
    )
    db.session.add(req)
    with pytest.raises(Exception, match="naive datetime"):
        db.session.commit()
    db.session.rollback()
