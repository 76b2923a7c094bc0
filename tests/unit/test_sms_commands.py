"""STOP, START, HELP and STATUS: whole-message keywords, Twilio's and local ones."""

from __future__ import annotations

import pytest

from app.sms.commands import Command, keyword_of


@pytest.mark.parametrize(
    "text", ["STOP", "stop", " Stop. ", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE"]
)
def test_twilio_opt_out_words_stop(text):
    assert keyword_of(text).command == Command.STOP


@pytest.mark.parametrize("text", ["START", "unstop"])
def test_opt_in_words_start(text):
    assert keyword_of(text).command == Command.START


@pytest.mark.parametrize(
    ("text", "command", "code"),
    [
        ("HELP", Command.HELP, None),
        ("info", Command.HELP, None),
        ("STATUS", Command.STATUS, None),
        ("estado", Command.STATUS, "es"),
        ("Parar", Command.STOP, "es"),
        ("停止", Command.STOP, "zh"),
        ("СТОП", Command.STOP, "ru"),
        ("trạng thái", Command.STATUS, "vi"),
        ("หยุด", Command.STOP, "th"),
    ],
)
def test_local_keywords_also_tell_the_language(text, command, code):
    found = keyword_of(text)
    assert found is not None
    assert (found.command, found.language) == (command, code)


@pytest.mark.parametrize("text", ["please stop calling me", "stop!!! now", "help me", "", "1"])
def test_a_keyword_must_be_the_whole_message(text):
    assert keyword_of(text) is None
