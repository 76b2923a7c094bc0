"""Which language a resident's text is in: a menu number, a language's name, or detection.

Detection on one to three words is unreliable, so it is layered. A menu number or a language's
name (in English or in its own script) decides first. Then the script: Thai, Lao, Tamil, Telugu,
Devanagari, Arabic, Cyrillic and Han letters each belong to one of the city's languages. Only
Latin-script text (English, Spanish, French, Vietnamese) needs a statistical detector: lingua,
restricted to those languages, built once per process on first use. It answers only when
confident; otherwise the caller shows the numbered menu. tests/unit/test_sms_language.py measures
lingua and a seeded langdetect on a corpus of short resident messages.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING

from app.languages import BY_CODE, PRIORITY_CODES
from app.requests.models import LanguageMethod

if TYPE_CHECKING:
    from lingua import LanguageDetector

#: The menu, in order: 1 = Spanish ... 11 = Russian.
MENU_CODES: tuple[str, ...] = PRIORITY_CODES
#: Below this lingua confidence (0..1) a Latin-script text goes to the menu.
MIN_CONFIDENCE = 0.5
#: ...and when the runner-up is this close behind.
MIN_MARGIN = 0.15
#: Detection reads at most this many characters (a 1,600-character text costs no more).
MAX_DETECT_CHARS = 300

#: Language names residents type, beyond the registry's English and native names.
_EXTRA_NAMES: dict[str, tuple[str, ...]] = {
    "es": ("castellano", "espanol", "en español"),
    "vi": ("việt", "tiếng việt nam", "viet"),
    "fr": ("en français",),
    "zh": ("汉语", "漢語", "普通话", "普通話", "国语", "國語", "中文", "华语", "mandarin"),
    "ar": ("عربي", "عربى", "العربيه", "اللغة العربية"),
    "ta": ("tamizh",),
    "te": ("telegu",),
    "th": ("ภาษาไทย",),
    "lo": ("ພາສາລາວ", "laotian"),
    "hi": ("हिंदी",),
    "ru": ("русский язык", "по-русски", "по русски"),
}

#: Letters of these scripts belong to exactly one of the city's languages.
_SCRIPT_RANGES: tuple[tuple[int, int, str], ...] = (
    (0x0E80, 0x0EFF, "lo"),
    (0x0E00, 0x0E7F, "th"),
    (0x0B80, 0x0BFF, "ta"),
    (0x0C00, 0x0C7F, "te"),
    (0x0900, 0x097F, "hi"),
    (0x0600, 0x06FF, "ar"),
    (0x0750, 0x077F, "ar"),
    (0x08A0, 0x08FF, "ar"),
    (0xFB50, 0xFDFF, "ar"),
    (0xFE70, 0xFEFF, "ar"),
    (0x0400, 0x04FF, "ru"),
    (0x3400, 0x4DBF, "zh"),
    (0x4E00, 0x9FFF, "zh"),
    (0xF900, 0xFAFF, "zh"),
)
_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)
#: The commonest whole first messages, too short for any detector (compared without accents).
_GREETINGS: dict[str, str] = {
    "hello": "en", "hi": "en", "hey": "en", "thanks": "en", "thank you": "en",
    "hola": "es", "gracias": "es", "buenas": "es", "buenos dias": "es", "buenas tardes": "es",
    "bonjour": "fr", "bonsoir": "fr", "salut": "fr", "merci": "fr",
    "xin chao": "vi", "cam on": "vi", "chao": "vi",
}  # fmt: skip
#: Letters only Vietnamese uses among the city's Latin-script languages.
_VI_LETTERS = frozenset("ăđơưĩũĂĐƠƯĨŨ") | frozenset(map(chr, range(0x1EA0, 0x1EFA)))
#: Vietnamese typed without its accents: syllables English, Spanish and French do not use...
_VI_SYLLABLES_TEXT = (
    "toi giup khong tieng chao xin lam goi thong dich vien nuoc rac duoc cua nguoi voi cam ong "
    "hoa tien nhieu biet viec muon dien thoai ngay gio chieu sang hom nay mai roi giay"
)
_VI_SYLLABLES = frozenset(_VI_SYLLABLES_TEXT.split())
#: ...and ones they share with them, which count only beside a Vietnamese one.
_VI_SHARED_TEXT = "can do on an la co ve va mot ban noi cho don anh em chi ba di den o nha"
_VI_SHARED = frozenset(_VI_SHARED_TEXT.split())


@dataclass(frozen=True)
class Identification:
    """A language code (None: not sure) and how it was found."""

    code: str | None
    method: LanguageMethod | None = None
    confidence: float = 0.0


def normalize(text: str) -> str:
    """NFC, case-folded, punctuation and spacing collapsed to single spaces, trimmed."""
    return _PUNCT.sub(" ", unicodedata.normalize("NFC", text).casefold()).strip()


def _unaccented(text: str) -> str:
    """Latin text without its accents (español -> espanol); other scripts unchanged."""
    stripped = "".join(
        ch for ch in unicodedata.normalize("NFD", text) if unicodedata.category(ch) != "Mn"
    )
    stripped = stripped.replace("đ", "d")
    return stripped if stripped.isascii() else text


def _name_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for code in MENU_CODES:
        lang = BY_CODE[code]
        for name in (lang.english_name, lang.native_name, *_EXTRA_NAMES.get(code, ())):
            key = normalize(name)
            table[key] = code
            table[_unaccented(key)] = code
    return table


LANGUAGE_NAMES: dict[str, str] = _name_table()


def as_number(text: str) -> int | None:
    """The whole text as a number in any script's digits ("3", "٣", "๓"), else None."""
    key = normalize(text).replace(" ", "")
    if not key or len(key) > 3 or not all(unicodedata.decimal(ch, -1) >= 0 for ch in key):
        return None
    return int("".join(str(unicodedata.decimal(ch)) for ch in key))


def language_keyword(text: str) -> Identification:
    """A menu number or a language's name, when that is the whole message."""
    number = as_number(text)
    if number is not None:
        if 1 <= number <= len(MENU_CODES):
            return Identification(MENU_CODES[number - 1], LanguageMethod.MENU, 1.0)
        return Identification(None)
    key = normalize(text)
    code = LANGUAGE_NAMES.get(key) or LANGUAGE_NAMES.get(_unaccented(key))
    if code:
        return Identification(code, LanguageMethod.KEYWORD, 1.0)
    return Identification(None)


def _script_of(ch: str) -> str:
    cp = ord(ch)
    for lo, hi, code in _SCRIPT_RANGES:
        if lo <= cp <= hi:
            return code
    if cp < 0x250 or 0x1E00 <= cp <= 0x1EFF:
        return "latin"
    return "other"


def script_counts(text: str) -> dict[str, int]:
    """Letters and their marks per script: a language code for one-language scripts, 'latin'
    or 'other' (marks count: Indic vowel signs carry much of a word)."""
    counts: dict[str, int] = {}
    for ch in text:
        if ch.isalpha() or unicodedata.category(ch) in ("Mn", "Mc"):
            script = _script_of(ch)
            counts[script] = counts.get(script, 0) + 1
    return counts


_detector: LanguageDetector | None = None
_detector_lock = threading.Lock()


def latin_detector() -> LanguageDetector:
    """lingua restricted to the Latin-script languages, built once per process (~0.5 s)."""
    global _detector
    if _detector is None:
        with _detector_lock:
            if _detector is None:
                from lingua import Language, LanguageDetectorBuilder

                _detector = (
                    LanguageDetectorBuilder.from_languages(
                        Language.ENGLISH, Language.SPANISH, Language.FRENCH, Language.VIETNAMESE
                    )
                    .with_preloaded_language_models()
                    .build()
                )
    return _detector


_LINGUA_CODES = {"ENGLISH": "en", "SPANISH": "es", "FRENCH": "fr", "VIETNAMESE": "vi"}


def detect_language(text: str, min_confidence: float = MIN_CONFIDENCE) -> Identification:
    """The language a text is clearly written in (English included), or code None."""
    sample = text[:MAX_DETECT_CHARS]
    counts = script_counts(sample)
    total = sum(counts.values())
    if not total:
        return Identification(None)  # emoji, digits or punctuation only
    own = {script: n for script, n in counts.items() if script not in ("latin", "other")}
    if own:
        script, n = max(own.items(), key=lambda item: item[1])
        others = sum(own.values()) - n
        # Mostly one script; words in Latin letters mixed in are common, a second script is not.
        if n / total >= 0.5 and others <= n / 4:
            return Identification(script, LanguageMethod.DETECTION, n / total)
        return Identification(None)
    if counts.get("latin", 0) / total < 0.8:
        return Identification(None)
    return _detect_latin(sample, min_confidence)


def _detect_latin(sample: str, min_confidence: float) -> Identification:
    """Greetings, Vietnamese letters and syllables, then lingua when it is confident."""
    plain = _unaccented(normalize(sample))
    if plain in _GREETINGS:
        return Identification(_GREETINGS[plain], LanguageMethod.DETECTION, 1.0)
    if any(ch in _VI_LETTERS for ch in sample):
        return Identification("vi", LanguageMethod.DETECTION, 1.0)
    words = set(plain.split())
    if len(words) >= 2 and words & _VI_SYLLABLES and words <= _VI_SYLLABLES | _VI_SHARED:
        return Identification("vi", LanguageMethod.DETECTION, 0.9)
    values = latin_detector().compute_language_confidence_values(sample)
    if len(values) < 2:
        return Identification(None)
    best, second = values[0], values[1]
    if best.value < min_confidence or best.value - second.value < MIN_MARGIN:
        return Identification(None, None, best.value)
    return Identification(_LINGUA_CODES[best.language.name], LanguageMethod.DETECTION, best.value)


def identify_language(text: str) -> Identification:
    """A menu number, then a language's name, then confident detection; else code None."""
    found = language_keyword(text)
    if found.code or as_number(text) is not None:
        return found
    return detect_language(text)
