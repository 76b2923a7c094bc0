"""Keywords a whole text can be: STOP, START, HELP, STATUS, and their local equivalents.

Twilio's standard opt-out words (STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, and REVOKE and
OPTOUT) and opt-in words (START, UNSTOP) count only as the entire message, as Twilio does. Local
words for stop and status also tell which language to answer in.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from app.sms.language import normalize


class Command(enum.StrEnum):
    STOP = "stop"
    START = "start"
    HELP = "help"
    STATUS = "status"


_ENGLISH: dict[Command, tuple[str, ...]] = {
    Command.STOP: ("stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout"),
    Command.START: ("start", "unstop"),
    Command.HELP: ("help", "info"),
    Command.STATUS: ("status",),
}
_LOCAL: dict[str, dict[Command, tuple[str, ...]]] = {
    "es": {Command.STOP: ("parar", "detener", "baja"), Command.STATUS: ("estado",)},
    "fr": {Command.STOP: ("arrêt", "arret", "arrêter", "arreter"), Command.STATUS: ("statut",)},
    "vi": {Command.STOP: ("dừng", "dung", "ngừng"), Command.STATUS: ("trạng thái", "trang thai")},
    "zh": {Command.STOP: ("停止", "退订", "退訂"), Command.STATUS: ("状态", "狀態")},
    "ar": {Command.STOP: ("توقف", "إيقاف", "ايقاف"), Command.STATUS: ("حالة", "الحالة")},
    "ta": {Command.STOP: ("நிறுத்து", "நிறுத்தவும்"), Command.STATUS: ("நிலை",)},
    "te": {Command.STOP: ("ఆపు", "ఆపండి"), Command.STATUS: ("స్థితి",)},
    "th": {Command.STOP: ("หยุด",), Command.STATUS: ("สถานะ",)},
    "lo": {Command.STOP: ("ຢຸດ",), Command.STATUS: ("ສະຖານະ",)},
    "hi": {Command.STOP: ("रोकें", "बंद करें"), Command.STATUS: ("स्थिति",)},
    "ru": {Command.STOP: ("стоп", "отписаться"), Command.STATUS: ("статус",)},
}


@dataclass(frozen=True)
class Keyword:
    """A command and, for a local word, the language it is in."""

    command: Command
    language: str | None = None


def _table() -> dict[str, Keyword]:
    table = {
        normalize(word): Keyword(command) for command, words in _ENGLISH.items() for word in words
    }
    for code, commands in _LOCAL.items():
        for command, words in commands.items():
            for word in words:
                table.setdefault(normalize(word), Keyword(command, code))
    return table


KEYWORDS: dict[str, Keyword] = _table()


def keyword_of(text: str) -> Keyword | None:
    """The command a whole message is, or None for an ordinary message."""
    return KEYWORDS.get(normalize(text))
