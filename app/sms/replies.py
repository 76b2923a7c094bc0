"""Every text the city sends a resident, from the Flask-Babel catalogs, in the resident's language.

Each reply ends with the 911 line in the same language and fits two SMS segments (a test renders
every one in every language and counts). Keep them short and plain: a sixth-grade reading level.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, time

from babel.dates import format_skeleton, format_time
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.languages import BY_CODE
from app.policy import get_policy
from app.sms.language import MENU_CODES

#: What the resident can ask for, in menu order: (option label, department slug).
SERVICES: tuple[tuple[object, str], ...] = (
    (_l("Water"), "water"),
    (_l("Housing"), "housing"),
    (_l("Trash"), "solid-waste"),
    (_l("Police (not 911)"), "police"),
    (_l("311 city services"), "311"),
    (_l("Other"), "community-relations"),
)
#: When the interpreter should call: now, later today, or a day and time the resident picks.
WINDOWS: tuple[tuple[object, str], ...] = (
    (_l("Now"), "now"),
    (_l("Later today"), "today"),
    (_l("Another day"), "day"),
)
#: Callback times offered once a day is picked (city time).
CALL_TIMES: tuple[time, ...] = (time(9), time(11), time(13), time(15))
#: How many business days ahead a resident may pick.
DAYS_AHEAD = 5

_SPACES = str.maketrans({"\u00a0": " ", "\u202f": " ", "\u2009": " "})


@contextmanager
def in_language(code: str | None) -> Iterator[None]:
    """Translate into the resident's language (English until it is known)."""
    with force_locale(code or "en"):
        yield


def compose(*parts: str) -> str:
    """The reply's lines, then the 911 line, in the current language (plain spaces only)."""
    text = "\n".join([*parts, _("Emergency? Call 911.")])
    # Babel puts narrow no-break spaces in times; one would make a whole text UCS-2.
    return text.translate(_SPACES)


def numbered(options: Sequence[object]) -> str:
    """Options as lines "1 Water", "2 Housing"..."""
    return "\n".join(f"{n} {label}" for n, label in enumerate(options, 1))


def language_menu() -> str:
    """The numbered menu of the city's languages, each in its own script (prompt in English)."""
    with in_language(None):
        menu = numbered([BY_CODE[code].native_name for code in MENU_CODES])
        return compose(_("Reply 1-%(count)s:", count=len(MENU_CODES)), menu)


def ask_service(code: str) -> str:
    """Which department the resident needs."""
    with in_language(code):
        return compose(_("What do you need help with?"), numbered([s[0] for s in SERVICES]))


def ask_window(code: str) -> str:
    """When the interpreter should call."""
    with in_language(code):
        return compose(
            _("When should the interpreter call you?"), numbered([w[0] for w in WINDOWS])
        )


def callback_days(today: date) -> list[date]:
    """The next business days a resident may pick, in order."""
    calendar = get_policy().calendar
    return [calendar.add_business_days(today, n) for n in range(1, DAYS_AHEAD + 1)]


def format_day(day: date, code: str) -> str:
    """A short weekday and date in the resident's language: "Tue, Mar 3", "mar, 3 mar"."""
    return format_skeleton("MMMEd", day, locale=code)


def format_when(moment: datetime, code: str) -> str:
    """A day and time in the resident's language, in the city's time zone."""
    local = moment.astimezone(get_policy().calendar.timezone)
    return f"{format_day(local.date(), code)} {format_time(local.time(), 'short', locale=code)}"


def ask_day(code: str, days: Sequence[date]) -> str:
    """Which day the interpreter should call."""
    with in_language(code):
        return compose(_("Which day?"), numbered([format_day(d, code) for d in days]))


def ask_time(code: str) -> str:
    """What time of the chosen day."""
    with in_language(code):
        times = [format_time(t, "short", locale=code) for t in CALL_TIMES]
        return compose(_("What time?"), numbered(times))


def not_an_option(code: str | None, count: int) -> str:
    """The answer was not one of the numbers offered."""
    with in_language(code):
        return compose(_("Please reply with a number from 1 to %(count)s.", count=count))


def confirmation(code: str, number: str, window: str, when: datetime | None) -> str:
    """The request is in: its reference, and when the interpreter will call."""
    with in_language(code):
        if window == "now":
            text = _(
                "Thank you. Your request is %(number)s. An interpreter will call you soon.",
                number=number,
            )
        elif window == "today":
            text = _(
                "Thank you. Your request is %(number)s. An interpreter will call you today.",
                number=number,
            )
        else:
            assert when is not None  # noqa: S101 (a picked day always has a time)
            text = _(
                "Thank you. Your request is %(number)s. An interpreter will call you on %(when)s.",
                number=number,
                when=format_when(when, code),
            )
        return compose(text)


def status(code: str | None, number: str | None, state: str | None) -> str:
    """The state of the resident's latest request, in words."""
    with in_language(code):
        if number is None:
            return compose(_("You have no request yet. Text us to ask for an interpreter."))
        texts = {
            "submitted": _("Request %(number)s: we are finding an interpreter.", number=number),
            "in_progress": _("Request %(number)s: an interpreter will call you.", number=number),
            "completed": _("Request %(number)s is done.", number=number),
            "cancelled": _("Request %(number)s was cancelled.", number=number),
        }
        return compose(texts.get(state or "", texts["submitted"]))


def help_text(code: str | None) -> str:
    """What this number is for and its keywords."""
    with in_language(code):
        return compose(
            _(
                "City interpreter line. Text us to get a free interpreter call. STATUS: your "
                "request. STOP: no more texts."
            )
        )


def stopped(code: str | None) -> str:
    """The one confirmation a resident gets after STOP."""
    with in_language(code):
        return compose(_("You will get no more texts from us. Text START to get them again."))


def started(code: str | None) -> str:
    """Texts are on again after START."""
    with in_language(code):
        return compose(_("Welcome back. You will get texts from us again."))


def slow_down(code: str | None) -> str:
    """Sent once when one number sends too many texts too fast."""
    with in_language(code):
        return compose(_("You sent many texts. Please wait a few minutes, then try again."))


def unavailable(code: str | None) -> str:
    """No department can take the request (the city's setup is incomplete)."""
    with in_language(code):
        return compose(_("Sorry, we cannot take requests by text right now. Please call 311."))


def interpreter_assigned(code: str, number: str, when: datetime | None) -> str:
    """An interpreter took the request."""
    with in_language(code):
        if when is None:
            return compose(
                _(
                    "Request %(number)s: an interpreter is ready and will call you soon.",
                    number=number,
                )
            )
        return compose(
            _(
                "Request %(number)s: an interpreter will call you on %(when)s.",
                number=number,
                when=format_when(when, code),
            )
        )


def time_changed(code: str, number: str, when: datetime) -> str:
    """The call moved to another time."""
    with in_language(code):
        return compose(
            _(
                "Request %(number)s: the call time changed. The interpreter will call you on "
                "%(when)s.",
                number=number,
                when=format_when(when, code),
            )
        )


def warm_up(codes: Sequence[str]) -> None:
    """Render a few replies in each language: loads its catalog and its date formats once.

    A worker otherwise loads them on its first text in each language, inside that text's turn
    at the database's writer (app.serving calls this when a worker starts).
    """
    when = datetime(2026, 1, 5, 13, 0, tzinfo=UTC)
    language_menu()
    for code in codes:
        ask_service(code)
        confirmation(code, "LA-2026-000001", "day", when)
        status(code, "LA-2026-000001", "submitted")
