"""Glossary term matching: Aho-Corasick over case-folded text, with Unicode word boundaries.

Rules, in one place:

* Whitespace: a run of whitespace in the text matches one space in a term (terms are squeezed
  the same way); offsets are mapped back, so a Match always points into the text as given.
* Case: a case-insensitive term matches any case; a case-sensitive one only its exact spelling.
  Folding is ``str.lower`` made length-preserving ("İ" folds to "i", final sigma to "σ"), so
  offsets in the folded text are offsets in the text; curly apostrophes and Unicode hyphens
  fold to ' and - too.
* Boundaries: the characters just before and after a match must not be letters, digits or
  combining marks (Unicode L*, N*, M*; ZWJ, ZWNJ and soft hyphen count as letters, since they only
  occur inside words). Exceptions: beside a script written without spaces (Han, kana, Thai, Lao,
  Khmer, Myanmar) no boundary is needed where the neighbour or the term's edge is in such a
  script, as UAX #29 breaks there too ("请致电CharMeck 311", "拨打311热线"). A combining mark
  after a match always blocks it: a match never ends inside a grapheme cluster.
* Overlaps: leftmost wins, then longest; at an identical span a case-sensitive entry beats a
  case-insensitive one, then the lower term_id wins.
* Terms are NFC-normalised; texts are matched as given, so callers should pass NFC text.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Literal

import ahocorasick

Kind = Literal["source", "approved", "forbidden", "dnt"]


@dataclass(frozen=True)
class TermEntry:
    """One glossary term, with its approved and forbidden translations in one target language."""

    term_id: int
    source: str
    case_sensitive: bool = False
    do_not_translate: bool = False
    approved: str | None = None
    forbidden: tuple[str, ...] = ()


@dataclass(frozen=True)
class Match:
    """Where a term occurs: character offsets into the searched text, and the text found there."""

    start: int
    end: int
    term_id: int
    text: str


@dataclass(frozen=True)
class TargetHit:
    """A target-side match and what it is: approved translation, forbidden variant or DNT term."""

    match: Match
    kind: Kind


# Character classes, as bit flags; a neighbour is allowed when its class's bit is in a mask.
_WORD, _NOSPACE, _MARK = 1, 2, 4
_ALL = 0xFF
_NOSPACE_RANGES = (
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x17FF),  # Khmer
    (0x3005, 0x3007),  # 々 〆 〇
    (0x3040, 0x30FF),  # Hiragana, Katakana
    (0x31F0, 0x31FF),  # Katakana phonetic extensions
    (0x3400, 0x4DBF),  # CJK extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFF66, 0xFF9F),  # halfwidth Katakana
    (0x20000, 0x3FFFF),  # CJK extensions B onwards
)
_JOINERS = frozenset("\u200c\u200d\u00ad")
_CLASSES: dict[str, int] = {}  # memo: classifying is per hit, and texts reuse few characters


def char_class(char: str) -> int:
    """The boundary class of one character: 0 for non-word, else _WORD with _NOSPACE/_MARK bits."""
    cls = _CLASSES.get(char)
    if cls is None:
        cat = unicodedata.category(char)[0]
        if cat not in "LNM" and char not in _JOINERS:
            cls = 0
        else:
            cp = ord(char)
            cls = _WORD | (_MARK if cat == "M" else 0)
            if any(lo <= cp <= hi for lo, hi in _NOSPACE_RANGES):
                cls |= _NOSPACE
        _CLASSES[char] = cls
    return cls


def _bits(*classes: int) -> int:
    return sum(1 << c for c in set(classes))


_NONWORD = _bits(0)
_NOSPACE_ANY = _bits(_WORD | _NOSPACE, _WORD | _NOSPACE | _MARK)


def _left_mask(first: str) -> int:
    """Which classes may stand just before a match of a term starting with `first`."""
    cls = char_class(first)
    if not cls or cls & _MARK:
        return _NONWORD
    return _ALL if cls & _NOSPACE else _NONWORD | _NOSPACE_ANY


def _right_mask(last: str) -> int:
    """Which classes may stand just after a match of a term ending with `last`."""
    cls = char_class(last)
    if not cls:
        return _NONWORD
    if cls & _NOSPACE:
        return _NONWORD | _bits(_WORD, _WORD | _NOSPACE)
    return _NONWORD | _bits(_WORD | _NOSPACE)


_FOLDED_VARIANTS = (("ς", "σ"), ("\u2019", "'"), ("\u2018", "'"), ("\u2010", "-"), ("\u2011", "-"))


def fold(text: str) -> str:
    """Lowercase `text` without changing its length, so offsets carry over unchanged."""
    low = text.lower()
    if len(low) != len(text):
        # Only "İ" lowers to two characters today; keep its first, "i".
        table = {ord(c): c.lower()[0] for c in set(text) if len(c.lower()) != 1}
        low = text.translate(table).lower()
    # str.lower picks σ or ς from context; one form keeps folding per character. Word
    # processors turn ' into ’ and - into a non-breaking hyphen; glossaries are typed plain.
    for variant, plain in _FOLDED_VARIANTS:
        if variant in low:
            low = low.replace(variant, plain)
    return low


# Every character str.isspace (and so regex \s) accepts, but " ".
_OTHER_SPACES = (
    "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005"
    "\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_WS_ANY = re.compile(r"\s+")


def normalize_term(term: str) -> str:
    """A term as the matcher stores it: NFC, whitespace runs squeezed to one space, stripped."""
    return _WS_ANY.sub(" ", unicodedata.normalize("NFC", term)).strip()


def _squeeze(text: str) -> tuple[str, list[int], list[int]]:
    """Whitespace runs as single spaces, plus breakpoints to map offsets back to `text`."""
    # str.replace and str.find run in C; a regex over every position costs ten times more.
    for space in _OTHER_SPACES:
        if space in text:
            text = text.replace(space, " ")
    run = text.find("  ")
    if run < 0:
        return text, [], []
    pieces: list[str] = []
    positions: list[int] = []  # where, in the squeezed text, each collapsed run's space is
    shifts: list[int] = []  # characters removed up to and including that run
    last = removed = 0
    while run >= 0:
        end = run + 2
        while text.startswith(" ", end):
            end += 1
        pieces.append(text[last : run + 1])
        positions.append(run - removed)
        removed += end - run - 1
        shifts.append(removed)
        last = end
        run = text.find("  ", end)
    pieces.append(text[last:])
    return "".join(pieces), positions, shifts


@dataclass(frozen=True, slots=True)
class _Payload:
    term_id: int
    kind: Kind
    exact: str | None  # the normalised spelling a case-sensitive payload must equal


_FLUSH_EVERY = 2048  # characters of text between settling the leftmost-longest choice


@dataclass
class _Hits:
    """Hits as parallel lists: thousands of kept tuples would wake the cyclic GC."""

    starts: list[int] = field(default_factory=list)
    ends: list[int] = field(default_factory=list)
    payloads: list[tuple[_Payload, ...]] = field(default_factory=list)


class _Index:
    """One automaton over folded, normalised strings, each carrying payloads."""

    def __init__(self, items: Iterable[tuple[str, _Payload]]) -> None:
        groups: dict[str, list[tuple[str, _Payload]]] = {}
        for norm, payload in items:
            groups.setdefault(fold(norm), []).append((norm, payload))
        self._auto: ahocorasick.Automaton | None = None
        self._longest = max(map(len, groups), default=0)
        if not groups:
            return
        auto = ahocorasick.Automaton()
        for key, group in groups.items():
            norm = group[0][0]
            payloads = tuple(sorted((p for _, p in group), key=_priority))
            exact = any(p.exact is not None for p in payloads)
            record = (len(key), _left_mask(norm[0]), _right_mask(norm[-1]), payloads, exact)
            auto.add_word(key, record)
        auto.make_automaton()
        self._auto = auto

    def scan(self, norm: str, *, overlapping: bool) -> _Hits:
        """Boundary-respecting hits in squeezed text, by start: every one, or leftmost-longest."""
        out = _Hits()
        if self._auto is None:
            return out
        classes = _CLASSES
        every: list[tuple[int, int, tuple[_Payload, ...]]] = []
        ends: dict[int, int] = {}
        found: dict[int, tuple[_Payload, ...]] = {}
        # Padding gives every hit two neighbours, so no bounds checks; offsets are one more
        # than in `norm` until stored. This loop runs once per raw hit, so it is written for
        # speed: spaces skip the class lookup, and nothing is kept beyond the two dicts.
        padded = f" {norm} "
        longest, edge, flush_at = self._longest, 0, _FLUSH_EVERY
        for last, (length, lmask, rmask, payloads, exact) in self._auto.iter(fold(padded)):
            end = last + 1
            start = end - length
            c = padded[start - 1]
            if c != " ":
                cls = classes.get(c)
                if not lmask >> (char_class(c) if cls is None else cls) & 1:
                    continue
            c = padded[end]
            if c != " ":
                cls = classes.get(c)
                if not rmask >> (char_class(c) if cls is None else cls) & 1:
                    continue
            if exact:
                piece = padded[start:end]
                payloads = tuple(p for p in payloads if p.exact is None or p.exact == piece)
                if not payloads:
                    continue
            if overlapping:
                every.append((start - 1, end - 1, payloads))
                continue
            # Hits arrive in order of end, so a later hit at the same start is longer.
            ends[start] = end
            found[start] = payloads
            if end >= flush_at:
                # No later hit can start before end - longest: settle those starts now, which
                # keeps the dicts small (and in cache) on long texts.
                flush_at = end + _FLUSH_EVERY
                edge = _settle(sorted(s for s in ends if s < end - longest), ends, found, edge, out)
        if overlapping:
            every.sort(key=lambda hit: (hit[0], -hit[1]))
            for start, end, payloads in every:
                out.starts.append(start)
                out.ends.append(end)
                out.payloads.append(payloads)
            return out
        _settle(sorted(ends), ends, found, edge, out)
        return out


def _settle(
    starts: list[int],
    ends: dict[int, int],
    found: dict[int, tuple[_Payload, ...]],
    edge: int,
    out: _Hits,
) -> int:
    """Take the leftmost-longest hits at `starts` (in order) past `edge`; the new edge."""
    for start in starts:
        end, payloads = ends.pop(start), found.pop(start)
        if start >= edge:
            edge = end
            out.starts.append(start - 1)  # back from padded offsets
            out.ends.append(end - 1)
            out.payloads.append(payloads)
    return edge


def _priority(payload: _Payload) -> tuple[bool, int, str]:
    return (payload.exact is None, payload.term_id, payload.kind)


class Matcher:
    """Compiled once per glossary version and language; linear in text length."""

    def __init__(self, entries: Iterable[TermEntry]) -> None:
        self._entries: dict[int, TermEntry] = {}
        source: list[tuple[str, _Payload]] = []
        target: list[tuple[str, _Payload]] = []
        for entry in entries:
            if entry.term_id in self._entries:
                raise ValueError(f"duplicate glossary term_id {entry.term_id}")
            norm = normalize_term(entry.source)
            if not norm:
                raise ValueError(f"glossary term {entry.term_id} is empty")
            self._entries[entry.term_id] = entry
            exact = norm if entry.case_sensitive else None
            source.append((norm, _Payload(entry.term_id, "source", exact)))
            if entry.do_not_translate:
                target.append((norm, _Payload(entry.term_id, "dnt", exact)))
            # Target strings match in any case: a translation may open a sentence.
            strings: list[tuple[Kind, str]] = [("approved", entry.approved or "")]
            strings += [("forbidden", variant) for variant in entry.forbidden]
            for kind, string in strings:
                norm_string = normalize_term(string)
                if norm_string:
                    target.append((norm_string, _Payload(entry.term_id, kind, None)))
        self._source = _Index(source)
        self._target = _Index(target)

    def entry(self, term_id: int) -> TermEntry:
        """The entry with this term_id; KeyError if the glossary has none."""
        return self._entries[term_id]

    def find(self, text: str) -> list[Match]:
        """Source-side (English) terms in `text`, leftmost-longest and non-overlapping."""
        hits = _locate(self._source, text, overlapping=False)
        return [
            Match(start, end, payloads[0].term_id, text[start:end])
            for start, end, payloads in zip(hits.starts, hits.ends, hits.payloads, strict=True)
        ]

    def find_target(self, text: str, language: str) -> list[Match]:
        """Approved translations, forbidden variants and DNT terms in a `language` text.

        The matcher is already compiled for one language, and no language needs its own
        folding yet, so `language` is not consulted; it is kept for per-language rules.
        """
        seen: dict[tuple[int, int, int], Match] = {}
        for hit in self.target_hits(text, language):
            m = hit.match
            seen.setdefault((m.start, m.end, m.term_id), m)
        return list(seen.values())

    def target_hits(
        self, text: str, language: str, *, overlapping: bool = False
    ) -> list[TargetHit]:
        """Like find_target, with each hit's kind; `overlapping` keeps every occurrence."""
        hits = _locate(self._target, text, overlapping=overlapping)
        return [
            TargetHit(Match(start, end, p.term_id, text[start:end]), p.kind)
            for start, end, payloads in zip(hits.starts, hits.ends, hits.payloads, strict=True)
            for p in payloads
        ]


def _locate(index: _Index, text: str, *, overlapping: bool) -> _Hits:
    """Hits of `index` in `text`, in offsets of `text` itself, ordered by start then length."""
    norm, positions, shifts = _squeeze(text)
    hits = index.scan(norm, overlapping=overlapping)
    if positions:
        hits.starts = _unsqueeze(hits.starts, positions, shifts)
        if overlapping:  # ends are not ascending then; texts are short, so search each one
            removed = [0, *shifts]
            hits.ends = [end + removed[bisect_left(positions, end)] for end in hits.ends]
        else:
            hits.ends = _unsqueeze(hits.ends, positions, shifts)
    return hits


def _unsqueeze(offsets: list[int], positions: list[int], shifts: list[int]) -> list[int]:
    """Map ascending offsets in squeezed text back to the text (see _squeeze)."""
    # Shift whole stretches of offsets between collapsed runs at once: runs are few.
    mapped: list[int] = []
    low, extra = 0, 0
    for position, shift in zip(positions, shifts, strict=True):
        high = bisect_right(offsets, position, low)
        mapped += map(extra.__add__, offsets[low:high])
        low, extra = high, shift
    mapped += map(extra.__add__, offsets[low:])
    return mapped


def build_matcher(entries: Iterable[TermEntry]) -> Matcher:
    """Compile a matcher for one glossary version in one language."""
    return Matcher(entries)


class MatcherCache:
    """Compiled matchers keyed by (glossary_version, language); a new version replaces the old.

    `language` is any key the caller scopes a glossary by (the app uses "es:*", "es:12").
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._by_language: dict[str, tuple[int, Matcher]] = {}

    def get(self, version: int, language: str, load: Callable[[], Iterable[TermEntry]]) -> Matcher:
        """The matcher for this version and language, compiled from `load()` on first use."""
        with self._lock:
            cached = self._by_language.get(language)
        if cached is not None and cached[0] == version:
            return cached[1]
        # Compile outside the lock: `load` may query the database, and other languages may wait.
        matcher = build_matcher(load())
        with self._lock:
            current = self._by_language.get(language)
            if current is None or current[0] <= version:
                self._by_language[language] = (version, matcher)
        return matcher
