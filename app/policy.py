"""The Language Access Policy: turnaround targets and the business calendar, from a TOML file."""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import holidays
from flask import Flask, current_app


class PolicyError(ValueError):
    """The policy file is missing a setting or holds a wrong one."""


@dataclass(frozen=True)
class BusinessCalendar:
    """Business days: weekdays that are neither state holidays nor city-observed days."""

    timezone: ZoneInfo
    country: str
    subdivision: str
    city_holidays: frozenset[date] = field(default_factory=frozenset)

    def is_business_day(self, day: date) -> bool:
        """Whether the city's offices work on this day."""
        if day.weekday() >= 5 or day in self.city_holidays:
            return False
        return day not in holidays.country_holidays(
            self.country, subdiv=self.subdivision, years=day.year
        )

    def add_business_days(self, start: date, days: int) -> date:
        """The date `days` business days after `start` (start itself never counts)."""
        current = start
        remaining = days
        while remaining > 0:
            current += timedelta(days=1)
            if self.is_business_day(current):
                remaining -= 1
        return current

    def business_days_between(self, start: date, end: date) -> int:
        """How many business days lie after `start` up to and including `end`."""
        count, current = 0, start
        while current < end:
            current += timedelta(days=1)
            if self.is_business_day(current):
                count += 1
        return count

    def today(self) -> date:
        """Today in the city's time zone."""
        return datetime.now(self.timezone).date()


@dataclass(frozen=True)
class ComplianceRules:
    """What compliance reports count and the targets they hold departments to."""

    on_time_target_percent: float = 95.0
    vital_target_percent: float = 100.0
    #: Request kinds whose jobs count toward on-time rate and turnaround.
    measured_kinds: tuple[str, ...] = ("translation",)
    #: Jobs still open past their due date at the end of the period count as late.
    open_past_due_is_late: bool = True
    #: "business" (the policy calendar) or "calendar" days, submission to completion.
    turnaround_days: str = "business"


def load_compliance(raw: dict[str, Any]) -> ComplianceRules:
    """The [compliance] section, each setting defaulted so older policy files still load."""
    d = ComplianceRules()
    kinds = raw.get("measured_kinds", list(d.measured_kinds))
    measure = str(raw.get("turnaround_days", d.turnaround_days))
    if measure not in ("business", "calendar"):
        raise PolicyError(f"compliance.turnaround_days must be business or calendar: {measure}")
    if not isinstance(kinds, list) or not set(kinds) <= {"translation", "interpretation"}:
        raise PolicyError(f"compliance.measured_kinds must list request kinds: {kinds!r}")
    return ComplianceRules(
        on_time_target_percent=float(raw.get("on_time_target_percent", d.on_time_target_percent)),
        vital_target_percent=float(raw.get("vital_target_percent", d.vital_target_percent)),
        measured_kinds=tuple(str(k) for k in kinds),
        open_past_due_is_late=bool(raw.get("open_past_due_is_late", d.open_past_due_is_late)),
        turnaround_days=measure,
    )


@dataclass(frozen=True)
class Policy:
    """The settings of the policy file the app enforces."""

    version: str
    calendar: BusinessCalendar
    translation_minimum_days: int
    translation_base_days: int
    words_per_block: int
    days_per_block: int
    translation_extra_days: dict[str, int]
    interpretation_min_minutes: int
    interpretation_max_minutes: int
    interpretation_notice_days: dict[str, int]
    auto_assign_languages: frozenset[str] = frozenset()
    offer_expiry_hours: int = 24
    history_days: int = 90
    reminder_days_before: int = 1
    compliance: ComplianceRules = field(default_factory=ComplianceRules)

    def translation_days(self, language: str, word_count: int) -> int:
        """Target turnaround in business days for a translation of `word_count` words."""
        extra_blocks = max(0, math.ceil(word_count / self.words_per_block) - 1)
        return (
            self.translation_base_days
            + extra_blocks * self.days_per_block
            + self.translation_extra_days.get(language, 0)
        )

    def translation_due(self, submitted: date, language: str, word_count: int) -> date:
        """The due date the policy gives a translation job submitted on `submitted`."""
        return self.calendar.add_business_days(
            submitted, self.translation_days(language, word_count)
        )

    def translation_earliest(self, submitted: date) -> date:
        """The soonest due date a requester may ask for."""
        return self.calendar.add_business_days(submitted, self.translation_minimum_days)

    def interpretation_earliest(self, submitted: date, mode: str) -> date:
        """The soonest day an interpretation appointment in `mode` may be booked for."""
        return self.calendar.add_business_days(submitted, self.interpretation_notice_days[mode])


def load_policy(path: str) -> Policy:
    """Read and check a policy file."""
    try:
        with open(path, "rb") as fh:
            raw = tomllib.load(fh)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise PolicyError(f"cannot read policy file {path}: {exc}") from exc
    try:
        cal, tr, it = raw["calendar"], raw["translation"], raw["interpretation"]
        routing, reminders = raw.get("routing", {}), raw.get("reminders", {})
        calendar = BusinessCalendar(
            timezone=ZoneInfo(cal["timezone"]),
            country=cal["country"],
            subdivision=cal["subdivision"],
            city_holidays=frozenset(date.fromisoformat(d) for d in cal.get("city_holidays", [])),
        )
        notice = {k: int(v) for k, v in it["minimum_notice_business_days"].items()}
        missing = {"in_person", "phone", "video"} - notice.keys()
        if missing:
            raise PolicyError(f"interpretation notice missing for {sorted(missing)}")
        return Policy(
            version=str(raw["version"]),
            calendar=calendar,
            translation_minimum_days=int(tr["minimum_business_days"]),
            translation_base_days=int(tr["base_business_days"]),
            words_per_block=int(tr["words_per_block"]),
            days_per_block=int(tr["business_days_per_block"]),
            translation_extra_days={
                k: int(v) for k, v in tr.get("extra_business_days", {}).items()
            },
            interpretation_min_minutes=int(it["min_duration_minutes"]),
            interpretation_max_minutes=int(it["max_duration_minutes"]),
            interpretation_notice_days=notice,
            auto_assign_languages=frozenset(str(c) for c in routing.get("auto_assign", [])),
            offer_expiry_hours=int(routing.get("offer_expiry_hours", 24)),
            history_days=int(routing.get("history_days", 90)),
            reminder_days_before=int(reminders.get("vendor_business_days_before", 1)),
            compliance=load_compliance(raw.get("compliance", {})),
        )
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, PolicyError):
            raise
        raise PolicyError(f"policy file {path} is incomplete or wrong: {exc!r}") from exc


def init_policy(app: Flask) -> None:
    """Load the policy once per app."""
    app.extensions["policy"] = load_policy(app.config["POLICY_FILE"])


def get_policy() -> Policy:
    """The current app's policy."""
    policy: Policy = current_app.extensions["policy"]
    return policy
