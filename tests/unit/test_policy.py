"""The policy file and the business calendar."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from app.policy import PolicyError, load_policy

SHIPPED = Path(__file__).resolve().parents[2] / "app" / "policy.toml"


@pytest.fixture()
def policy():
    return load_policy(str(SHIPPED))


def test_thanksgiving_weekend_is_skipped(policy):
    # Wed 25 Nov 2026; Thu is Thanksgiving, Fri the NC day after, then the weekend.
    assert policy.calendar.add_business_days(date(2026, 11, 25), 1) == date(2026, 11, 30)
    assert policy.calendar.add_business_days(date(2026, 11, 25), 3) == date(2026, 12, 2)


def test_christmas_week_skips_state_and_city_days(policy):
    # 24 Dec is both a city day and NC's; 25 Dec; the 28th is NC's observed day after Christmas.
    assert policy.calendar.add_business_days(date(2026, 12, 23), 1) == date(2026, 12, 29)


def test_city_holiday_from_the_policy_file_counts(tmp_path):
    text = SHIPPED.read_text().replace(
        'city_holidays = ["2026-12-24", "2027-12-24"]', 'city_holidays = ["2026-12-01"]'
    )
    custom = tmp_path / "policy.toml"
    custom.write_text(text)
    cal = load_policy(str(custom)).calendar
    assert not cal.is_business_day(date(2026, 12, 1))
    assert cal.add_business_days(date(2026, 11, 25), 1) == date(2026, 11, 30)
    assert cal.add_business_days(date(2026, 11, 25), 2) == date(2026, 12, 2)


def test_business_days_between_counts_only_working_days(policy):
    assert policy.calendar.business_days_between(date(2026, 11, 25), date(2026, 11, 30)) == 1
    assert policy.calendar.business_days_between(date(2026, 11, 30), date(2026, 11, 30)) == 0


def test_translation_turnaround_grows_with_words_and_language(policy):
    assert policy.translation_days("es", 10) == 5
    assert policy.translation_days("es", 2000) == 5
    assert policy.translation_days("es", 2001) == 7
    assert policy.translation_days("es", 6500) == 11
    assert policy.translation_days("ta", 10) == 7  # few vendors: extra days


def test_translation_due_uses_business_days(policy):
    # Mon 23 Nov + 5 business days, skipping Thanksgiving and the day after.
    assert policy.translation_due(date(2026, 11, 23), "es", 100) == date(2026, 12, 2)


def test_minimum_and_notice(policy):
    assert policy.translation_earliest(date(2026, 11, 25)) == date(2026, 12, 2)
    assert policy.interpretation_earliest(date(2026, 11, 25), "in_person") == date(2026, 12, 1)
    assert policy.interpretation_earliest(date(2026, 11, 25), "phone") == date(2026, 11, 30)


def test_unreadable_policy_is_a_clear_error(tmp_path):
    bad = tmp_path / "policy.toml"
    bad.write_text("version = ")
    with pytest.raises(PolicyError, match="cannot read policy file"):
        load_policy(str(bad))


def test_incomplete_policy_names_what_is_missing(tmp_path):
    bad = tmp_path / "policy.toml"
    bad.write_text(SHIPPED.read_text().replace("video = 1\n", ""))
    with pytest.raises(PolicyError, match="video"):
        load_policy(str(bad))
