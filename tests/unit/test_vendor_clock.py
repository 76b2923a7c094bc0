"""The vendor's clock: due dates across weekends, holidays and DST; costs; percentiles."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine

from app.policy import load_policy
from app.requests.models import Document, InterpretationMode, Job, Request, RequestKind
from app.vendors import clock
from app.vendors.models import Service, VendorService
from app.vendors.scorecards import percentile

SHIPPED = Path(__file__).resolve().parents[2] / "app" / "policy.toml"


@pytest.fixture()
def policy():
    return load_policy(str(SHIPPED))


def translation_job(words: int, due: date) -> Job:
    req = Request(kind=RequestKind.TRANSLATION, document=Document(word_count=words))
    return Job(request=req, language="es", due_date=due, policy_due_date=due)


def terms(**kw) -> VendorService:
    base = {
        "service": Service.TRANSLATION,
        "rate_per_word": Decimal("0.14"),
        "minimum_charge": Decimal("50"),
        "turnaround_days": 3,
        "words_per_block": 2000,
        "rush_days": None,
        "rush_surcharge_percent": 0,
    }
    base.update(kw)
    return VendorService(**base)


def test_contract_days_grow_per_block_of_words(policy):
    t = terms()
    assert clock.contract_days(t, 1, policy) == 3
    assert clock.contract_days(t, 2000, policy) == 3
    assert clock.contract_days(t, 2001, policy) == 6
    assert clock.contract_days(t, 9000, policy) == 15


def test_due_date_skips_thanksgiving_and_the_weekend(policy):
    # Wed 25 Nov 2026 + 3 business days: Thu and Fri are NC holidays, then Sat/Sun.
    job = translation_job(500, date(2026, 12, 31))
    assert clock.vendor_due_date(job, terms(), policy, date(2026, 11, 25)) == date(2026, 12, 2)


def test_due_date_skips_the_city_day_and_christmas(policy):
    # Tue 22 Dec + 3: 23rd counts; 24 (city), 25, 26-27 weekend, 28 (NC) do not; 29, 30.
    job = translation_job(500, date(2027, 1, 31))
    assert clock.vendor_due_date(job, terms(), policy, date(2026, 12, 22)) == date(2026, 12, 30)


def test_rush_applies_when_the_normal_term_misses_the_due_date(policy):
    t = terms(rush_days=1, rush_surcharge_percent=50)
    start = date(2026, 11, 30)  # Monday
    relaxed = translation_job(500, date(2026, 12, 31))
    tight = translation_job(500, date(2026, 12, 1))
    assert not clock.needs_rush(relaxed, t, policy, start)
    assert clock.vendor_due_date(relaxed, t, policy, start) == date(2026, 12, 3)
    assert clock.needs_rush(tight, t, policy, start)
    assert clock.vendor_due_date(tight, t, policy, start, rush=True) == date(2026, 12, 1)
    assert clock.estimate_cost(t, 1000, 0, rush=True) == Decimal("210.00")


def test_interpreting_is_due_on_the_appointment_day_in_new_york_across_dst(policy):
    # 8 Mar 2026 is the spring-forward day; 00:30 on the 9th UTC is still the 8th in New York.
    req = Request(
        kind=RequestKind.INTERPRETATION,
        mode=InterpretationMode.PHONE,
        starts_at=datetime(2026, 3, 9, 0, 30, tzinfo=UTC),
    )
    job = Job(
        request=req, language="vi", due_date=date(2026, 3, 8), policy_due_date=date(2026, 3, 8)
    )
    phone = terms(service=Service.PHONE, rate_per_minute=Decimal("1.25"), turnaround_days=None)
    assert clock.service_for(job) == Service.PHONE
    assert clock.vendor_due_date(job, phone, policy, date(2026, 3, 2)) == date(2026, 3, 8)


def test_a_pause_moves_the_due_date_by_the_business_days_waited(policy):
    # Waited Fri 20 Nov to Mon 30 Nov: 23, 24, 25 and 30 Nov are business days (26-27 holidays).
    waited = clock.paused_days(policy, date(2026, 11, 20), date(2026, 11, 30))
    assert waited == 4
    assert clock.extend(policy, date(2026, 12, 1), waited) == date(2026, 12, 7)
    assert clock.extend(policy, date(2026, 12, 1), 0) == date(2026, 12, 1)


def test_the_reminder_comes_one_business_day_before_across_a_weekend(policy):
    assert clock.remind_on(policy, date(2026, 11, 30)) == date(2026, 11, 25)
    assert clock.remind_on(policy, date(2026, 12, 2)) == date(2026, 12, 1)


def test_offer_expiry_counts_real_hours_across_the_dst_change(policy):
    with time_machine.travel(datetime(2026, 11, 1, 5, 30, tzinfo=UTC), tick=False):
        now = datetime.now(UTC)
        assert clock.offer_expiry(policy, now) == datetime(2026, 11, 2, 5, 30, tzinfo=UTC)


def test_costs_use_the_contract_rates_and_minimum(policy):
    assert clock.estimate_cost(terms(), 100, 0) == Decimal("50.00")  # minimum charge
    assert clock.estimate_cost(terms(), 1000, 0) == Decimal("140.00")
    per_minute = terms(service=Service.VIDEO, rate_per_minute=Decimal("1.10"), minimum_charge=0)
    assert clock.estimate_cost(per_minute, 0, 45) == Decimal("49.50")
    hourly = terms(service=Service.IN_PERSON, rate_per_hour=Decimal("80"), rate_per_minute=None)
    assert clock.estimate_cost(hourly, 0, 90) == Decimal("120.00")
    assert clock.estimate_cost(terms(rate_per_word=None), 100, 0) is None


def test_percentiles_are_nearest_rank():
    assert percentile([], 50) is None
    assert percentile([4], 90) == 4
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50) == 5
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90) == 9
    assert percentile([10, 1, 7], 90) == 10
