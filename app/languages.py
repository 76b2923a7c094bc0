"""The language registry: codes, English and native names, script direction."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Language:
    """One language the city serves."""

    code: str
    english_name: str
    native_name: str
    rtl: bool = False
    group: str | None = None  # policy grouping, e.g. the Tai languages

    @property
    def direction(self) -> str:
        """The HTML dir attribute for text in this language."""
        return "rtl" if self.rtl else "ltr"


ENGLISH = Language("en", "English", "English")

#: The city's priority languages. Thai and Lao together are the policy's "Tai languages".
PRIORITY: tuple[Language, ...] = (
    Language("es", "Spanish", "Español"),
    Language("vi", "Vietnamese", "Tiếng Việt"),
    Language("fr", "French", "Français"),
    Language("zh", "Chinese", "中文"),
    Language("ar", "Arabic", "العربية", rtl=True),
    Language("ta", "Tamil", "தமிழ்"),
    Language("te", "Telugu", "తెలుగు"),
    Language("th", "Thai", "ไทย", group="tai"),
    Language("lo", "Lao", "ລາວ", group="tai"),
    Language("hi", "Hindi", "हिन्दी"),
    Language("ru", "Russian", "Русский"),
)

BY_CODE: dict[str, Language] = {lang.code: lang for lang in (ENGLISH, *PRIORITY)}
PRIORITY_CODES: tuple[str, ...] = tuple(lang.code for lang in PRIORITY)
UI_LOCALES: tuple[str, ...] = ("en", *PRIORITY_CODES)

# Marked for translation so the UI can name languages in the reader's own language.
DISPLAY_NAMES = {
    "en": _l("English"),
    "es": _l("Spanish"),
    "vi": _l("Vietnamese"),
    "fr": _l("French"),
    "zh": _l("Chinese"),
    "ar": _l("Arabic"),
    "ta": _l("Tamil"),
    "te": _l("Telugu"),
    "th": _l("Thai"),
    "lo": _l("Lao"),
    "hi": _l("Hindi"),
    "ru": _l("Russian"),
}


def get_language(code: str) -> Language | None:
    """The language for a code, or None when the city does not serve it."""
    return BY_CODE.get(code)


def display_name(code: str) -> str:
    """The language's name in the current UI locale, with its native name beside it."""
    lang = BY_CODE.get(code)
    if lang is None:
        return code
    name = str(DISPLAY_NAMES[code])
    return name if name == lang.native_name else f"{name} ({lang.native_name})"
