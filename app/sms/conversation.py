"""The conversation's steps: language -> service -> callback window (-> day -> time) -> done.

advance() reads one text from the resident, moves the conversation along and says what to
answer. It touches no database: the service layer creates the request when the turn asks it to,
and owns the transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from app.policy import get_policy
from app.requests.models import LanguageMethod
from app.sms import replies
from app.sms.language import MENU_CODES, as_number, identify_language, language_keyword
from app.sms.models import Step

#: A conversation left half-way this long starts again from the service question.
STALE_AFTER = timedelta(hours=24)


@dataclass
class ConversationState:
    """A conversation's row as one text reads and changes it; the service writes it back.

    A plain object, not the ORM's SmsConversation: the webhook reads it with its upsert and
    writes what changed in one statement, while its transaction holds the database's write lock.
    """

    id: int
    step: Step
    language: str | None = None
    language_method: LanguageMethod | None = None
    department_slug: str | None = None
    callback_day: date | None = None
    opted_out: bool = False
    opted_out_at: datetime | None = None
    latest_request_id: int | None = None
    window_count: int = 0
    updated_at: datetime | None = None

    def changeable(self) -> dict[str, Any]:
        """The columns a text may change (the upsert counts the rate-limit window itself)."""
        return {name: getattr(self, name) for name in CHANGEABLE}


CHANGEABLE = (
    "step",
    "language",
    "language_method",
    "department_slug",
    "callback_day",
    "opted_out",
    "opted_out_at",
    "latest_request_id",
)


@dataclass(frozen=True)
class Callback:
    """The resident finished: the interpreter should call in this window, from this time."""

    window: str  # "now", "today" or "day"
    starts_at: datetime


@dataclass(frozen=True)
class Turn:
    """What to answer (None: nothing), and the callback to request when the steps are done."""

    reply: str | None
    callback: Callback | None = None


def _choice(text: str, count: int) -> int | None:
    """The option number a text picks (1..count), or None."""
    number = as_number(text)
    return number if number is not None and 1 <= number <= count else None


def _asked_on(conv: ConversationState, now: datetime) -> date:
    """The city-local date the current question was asked (when the step last changed)."""
    tz = get_policy().calendar.timezone
    return (conv.updated_at or now).astimezone(tz).date()


def question(conv: ConversationState, now: datetime) -> str:
    """The question for the conversation's current step, asked again."""
    code = conv.language
    if code is None or conv.step == Step.LANGUAGE:
        return replies.language_menu()
    if conv.step == Step.WINDOW:
        return replies.ask_window(code)
    if conv.step == Step.DAY:
        return replies.ask_day(code, replies.callback_days(_asked_on(conv, now)))
    if conv.step == Step.TIME:
        return replies.ask_time(code)
    conv.step = Step.DEPARTMENT
    return replies.ask_service(code)


def advance(conv: ConversationState, text: str, now: datetime) -> Turn:
    """Take the resident's text at the conversation's current step; return the answer."""
    stale = conv.updated_at is not None and now - conv.updated_at > STALE_AFTER
    if stale and conv.step not in (Step.LANGUAGE, Step.DONE):
        conv.step = Step.DONE
    if conv.language is None or conv.step == Step.LANGUAGE:
        found = identify_language(text)
        if found.code not in MENU_CODES:  # not sure, or English: show the menu
            conv.step = Step.LANGUAGE
            return Turn(replies.language_menu())
        conv.language, conv.language_method = found.code, found.method
        conv.step = Step.DEPARTMENT
        return Turn(replies.ask_service(found.code))
    named = language_keyword(text)
    if named.code and as_number(text) is None:  # "español" mid-way: switch, ask again
        conv.language, conv.language_method = named.code, named.method
        return Turn(question(conv, now))
    return _answer(conv, conv.language, text, now)


def _answer(conv: ConversationState, code: str, text: str, now: datetime) -> Turn:
    """An answer to the question of the current step (language already known)."""
    if conv.step == Step.DONE:  # anything after a finished request starts a new one
        conv.step, conv.department_slug, conv.callback_day = Step.DEPARTMENT, None, None
        return Turn(replies.ask_service(code))
    if conv.step == Step.DEPARTMENT:
        pick = _choice(text, len(replies.SERVICES))
        if pick is None:
            return Turn(replies.not_an_option(code, len(replies.SERVICES)))
        conv.department_slug = replies.SERVICES[pick - 1][1]
        conv.step = Step.WINDOW
        return Turn(replies.ask_window(code))
    if conv.step == Step.WINDOW:
        pick = _choice(text, len(replies.WINDOWS))
        if pick is None:
            return Turn(replies.not_an_option(code, len(replies.WINDOWS)))
        window = replies.WINDOWS[pick - 1][1]
        if window == "day":
            conv.step = Step.DAY
            return Turn(replies.ask_day(code, replies.callback_days(_asked_on(conv, now))))
        conv.step = Step.DONE
        return Turn(None, Callback(window, now))
    if conv.step == Step.DAY:
        days = replies.callback_days(_asked_on(conv, now))
        pick = _choice(text, len(days))
        if pick is None:
            return Turn(replies.not_an_option(code, len(days)))
        conv.callback_day = days[pick - 1]
        conv.step = Step.TIME
        return Turn(replies.ask_time(code))
    pick = _choice(text, len(replies.CALL_TIMES))
    if pick is None or conv.callback_day is None:
        return Turn(replies.not_an_option(code, len(replies.CALL_TIMES)))
    tz = get_policy().calendar.timezone
    starts_at = datetime.combine(conv.callback_day, replies.CALL_TIMES[pick - 1], tzinfo=tz)
    conv.step = Step.DONE
    return Turn(None, Callback("day", starts_at))
