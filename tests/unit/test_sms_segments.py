"""SMS segments: GSM-7 against UCS-2, and every reply in every language fits two segments."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from app.languages import PRIORITY_CODES
from app.sms import replies
from app.sms.segments import count_segments

CITY = ZoneInfo("America/New_York")
NUMBER = "LA-2026-000123"


def test_plain_text_is_gsm7_up_to_160_characters():
    assert count_segments("a" * 160).segments == 1
    assert count_segments("a" * 160).encoding == "GSM-7"
    assert count_segments("a" * 161).segments == 2
    assert count_segments("a" * 306).segments == 2
    assert count_segments("a" * 307).segments == 3


def test_extension_characters_take_two_septets():
    assert count_segments("€" * 80).units == 160
    assert count_segments("€" * 80).segments == 1
    assert count_segments("[" * 81).segments == 2


def test_one_character_outside_gsm7_turns_the_text_into_ucs2():
    text = "a" * 69 + "á"
    assert count_segments(text).encoding == "UCS-2"
    assert count_segments(text).segments == 1
    assert count_segments(text + "a").segments == 2
    assert count_segments("á" * 134).segments == 2
    assert count_segments("á" * 135).segments == 3
    # A character outside the Basic Multilingual Plane is two UTF-16 code units.
    assert count_segments("😀" * 35).units == 70


def every_reply(code: str) -> Iterator[tuple[str, str]]:
    """(name, text) for every text the system can send in a language."""
    yield "menu", replies.language_menu()
    yield "service", replies.ask_service(code)
    yield "window", replies.ask_window(code)
    yield "time", replies.ask_time(code)
    yield "help", replies.help_text(code)
    yield "stopped", replies.stopped(code)
    yield "started", replies.started(code)
    yield "slow_down", replies.slow_down(code)
    yield "unavailable", replies.unavailable(code)
    yield "no_request", replies.status(code, None, None)
    for count in (4, 5, 6, 11):
        yield f"not_an_option {count}", replies.not_an_option(code, count)
    for state in ("submitted", "in_progress", "completed", "cancelled"):
        yield f"status {state}", replies.status(code, NUMBER, state)
    yield "confirmed now", replies.confirmation(code, NUMBER, "now", None)
    yield "confirmed today", replies.confirmation(code, NUMBER, "today", None)
    yield "assigned", replies.interpreter_assigned(code, NUMBER, None)
    for month in range(1, 13):  # month and weekday names differ in length
        for day in range(1, 8):
            when = datetime(2027, month, day, 13, 0, tzinfo=CITY)
            yield f"confirmed {when:%b %d}", replies.confirmation(code, NUMBER, "day", when)
            yield f"assigned {when:%b %d}", replies.interpreter_assigned(code, NUMBER, when)
            yield f"time_changed {when:%b %d}", replies.time_changed(code, NUMBER, when)
        start = date(2027, month, 1)
        yield f"days {start:%b}", replies.ask_day(code, replies.callback_days(start))


@pytest.mark.parametrize("code", ("en", *PRIORITY_CODES))
def test_every_reply_fits_two_segments(ctx, code):
    seen = 0
    worst = (0, "")
    with replies.in_language(code):
        emergency = replies.compose()
    for name, text in every_reply(code):
        counted = count_segments(text)
        assert counted.segments <= 2, f"{code} {name}: {counted} {text!r}"
        if name != "menu":
            assert text.endswith(emergency), f"{code} {name}: no 911 line in the language"
        worst = max(worst, (counted.units, name))
        seen += 1
    assert seen > 100
    print(f"{code}: longest reply {worst[1]!r}, {worst[0]} units")


@pytest.mark.parametrize("code", PRIORITY_CODES)
def test_replies_are_in_the_residents_language(ctx, code):
    english = {name: text for name, text in every_reply("en")}
    for name, text in every_reply(code):
        if name == "menu":  # the menu is for people whose language is not known yet
            continue
        assert text != english[name], f"{code} {name} is still in English"
        assert "911" in text


def test_english_replies_stay_gsm7(ctx):
    for name, text in every_reply("en"):
        if name != "menu":
            assert count_segments(text).encoding == "GSM-7", (name, text)
