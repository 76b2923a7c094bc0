"""Shield glossary terms from machine translation with placeholders, then put them back.

A placeholder is a short run of ASCII letters, digits and a closing letter, e.g. "QX3Z":
SentencePiece keeps such tokens and NMT models copy them through. The prefix is chosen per
text so that no placeholder-like string already in the text can be mistaken for one. On the
way back, case changes, full-width forms, other scripts' digits and a space inserted between
characters (MT does all of these) are tolerated.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from app.glossary.matcher import Matcher

_END = "Z"  # closes each placeholder, so "QX1Z" is never read inside "QX12Z"
_LETTERS = "QXJVK"  # prefix letters: rare in running text, and never _END
_GAP = r"[^\S\r\n]?"  # MT may split a token with one space or NBSP, but not with a line break
_KEY = re.compile(rf"([A-Z]+)(\d+){_END}")


def _letter(char: str) -> str:
    """A regex class for one ASCII letter in either case, full-width forms included."""
    wide = chr(ord(char.upper()) + 0xFEE0)
    return f"[{char.upper()}{char.lower()}{wide}{wide.lower()}]"


def _family(prefix: str) -> re.Pattern[str]:
    """Every placeholder with this prefix as MT may hand it back; group 1 holds the number."""
    letters = _GAP.join(_letter(c) for c in prefix)
    return re.compile(rf"{letters}{_GAP}(\d(?:{_GAP}\d)*){_GAP}{_letter(_END)}")


def _prefixes() -> Iterator[str]:
    """Candidate prefixes, shortest first: 775 of them, far more than any text can block."""
    for size in (2, 3, 4):
        for letters in itertools.product(_LETTERS, repeat=size):
            yield "".join(letters)


@dataclass(frozen=True)
class Protected:
    """Source text with protected terms swapped for placeholders, and what each stands for."""

    text: str
    placeholders: dict[str, str]

    def restore(self, translated: str) -> tuple[str, list[str]]:
        """Put the protected text back into `translated`; also list placeholders that vanished."""
        if not self.placeholders:
            return translated, []
        by_number: dict[int, str] = {}
        prefix = ""
        for key in self.placeholders:
            parsed = _KEY.fullmatch(key)
            if parsed is None:
                raise ValueError(f"not a placeholder: {key!r}")
            prefix = parsed.group(1)
            by_number[int(parsed.group(2))] = key
        seen: set[str] = set()

        def put_back(found: re.Match[str]) -> str:
            # int() reads any script's digits, should MT have localised them.
            key = by_number.get(int("".join(found.group(1).split())))
            if key is None:
                return found.group(0)
            seen.add(key)
            return self.placeholders[key]

        restored = _family(prefix).sub(put_back, translated)
        return restored, [key for key in self.placeholders if key not in seen]


def protect(text: str, matcher: Matcher) -> Protected:
    """Replace DNT terms and terms with an approved translation by placeholders."""
    swaps: list[tuple[int, int, str]] = []
    for match in matcher.find(text):
        entry = matcher.entry(match.term_id)
        if entry.do_not_translate:
            swaps.append((match.start, match.end, match.text))
        elif entry.approved:
            swaps.append((match.start, match.end, entry.approved))
    if not swaps:
        return Protected(text, {})
    for prefix in _prefixes():
        protected = _substitute(text, swaps, prefix)
        if protected is not None:
            return protected
    # Bounded, so that a text built to block every prefix fails here instead of looping.
    raise ValueError("text already contains every candidate placeholder form")


def _substitute(text: str, swaps: list[tuple[int, int, str]], prefix: str) -> Protected | None:
    """The text with placeholders of this prefix, or None if any could be misread."""
    pieces: list[str] = []
    expected: list[tuple[int, int, str]] = []  # where each placeholder lands, and its number
    placeholders: dict[str, str] = {}
    last = length = 0
    for number, (start, end, value) in enumerate(swaps, start=1):
        key = f"{prefix}{number}{_END}"
        pieces += [text[last:start], key]
        length += start - last
        expected.append((length, length + len(key), str(number)))
        length += len(key)
        placeholders[key] = value
        last = end
    pieces.append(text[last:])
    result = "".join(pieces)
    # The prefix is safe only if a search finds exactly our placeholders: nothing in the text
    # itself, and nothing formed by a placeholder with its neighbours.
    found = [(m.start(), m.end(), m.group(1)) for m in _family(prefix).finditer(result)]
    return Protected(result, placeholders) if found == expected else None
