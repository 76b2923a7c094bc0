"""Checks that a machine-translation draft kept the source's numbers, dates, URLs, e-mails, phones.

Each kind is extracted from the English source and from the draft and compared as a multiset.
Extraction runs kind by kind, and every item found is blanked out before the next kind is looked
for, so the digits of a URL, an e-mail, a phone number, a time or a date never count again as
plain numbers.

What MT may legitimately change, and is therefore not flagged:
- digits in another script (Arabic-Indic, Devanagari, Thai, Lao, Tamil, full-width, ...);
- thousands separators and decimal marks: "1,250.50", "1.250,50" and "1 250,50" all read 1250.5.
  A lone separator followed by exactly three digits reads as a thousands separator on both sides,
  so "1,250" and "1.250" agree whatever each language meant by them;
- the layout of a phone number (compared in E.164) and of a time: "09:30" is "9:30", "2:30 p.m."
  may become "14:30", and "9点30分" or "9 h 30" still hold the hour and the minutes;
- the case of a URL's scheme and host and of an e-mail domain.

Dates are parsed in the English source only (2026-12-31, 12/31/2026, 12/31, "December 31, 2026",
"31 December", "Dec 31"): the draft may spell the month in any of the city's languages. A source
date counts as kept when the draft holds its day, its year and, when the source wrote the month
as a number, its month, all as plain numbers; that accepts "31/12/2026", "31.12.2026",
"2026年12月31日" and "31 de diciembre de 2026" alike. A month number in the draft for a month the
source spelled out is accepted too. When a date is not kept, spare draft numbers of a plausible
size stand in for its missing parts, so a changed day is reported once, as a date, and not again
as a number.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import phonenumbers

DATE = "date"
EMAIL = "email"
NUMBER = "number"
PHONE = "phone"
PROTECTED_TERM = "protected_term"
URL = "url"

# Separators other scripts use inside numbers, and bidi marks that RTL text puts around them.
_SYMBOLS = {"\u066b": ".", "\u066c": ",", "\u066a": "%", "\uff1a": ":", "\uff0e": "."}
_BIDI_MARKS = frozenset("\u200e\u200f\u061c\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

_URL = re.compile(
    r"(?:(?<![A-Za-z])https?://|(?<![A-Za-z0-9.@/-])www\.)[A-Za-z0-9\-._~:/?#\[\]@!$&()*+,;=%]+",
    re.IGNORECASE,
)
_URL_PARTS = re.compile(r"(https?://)?([^/?#]*)(.*)", re.IGNORECASE | re.DOTALL)
_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"
    r"(?![A-Za-z0-9-])"
)
_TIME = re.compile(
    r"(?<![\d:.,])(?P<hour>\d{1,2})(?::(?P<minute>[0-5]\d))?(?![\d:])"
    r"(?:\s?(?P<pm>[Pp]\.?\s?[Mm]\.?)(?![A-Za-z]))?"
)
# A date or date-shaped number is not part of a longer run of digits and separators.
_START = r"(?<!\d)(?<!\d[-/.,])"
_END = r"(?!\d)(?![-/.,]\d)"
_MONTH = (
    r"(?P<month>Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|May|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)(?![A-Za-z])\.?"
)
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?(?!\d)(?![.,]\d)"
_YEAR = r"(?:,?\s+(?P<year>\d{4})(?!\d)(?![.,]\d))?"
_ISO_DATE = re.compile(_START + r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})" + _END)
_US_DATE = re.compile(
    _START + r"(?P<month>\d{1,2})/(?P<day>\d{1,2})(?:/(?P<year>\d{4}|\d{2}))?" + _END
)
_MONTH_DAY = re.compile(r"\b" + _MONTH + r"\s+" + _DAY + _YEAR)
_DAY_MONTH = re.compile(_START + _DAY + r"\s+(?:of\s+)?" + _MONTH + _YEAR)
_MONTH_NUMBERS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}
# Dates written the way other languages write them; read as plain numbers on both sides.
_DATE_SHAPES = (
    re.compile(_START + r"(\d{1,4})([./-])(\d{1,2})\2(\d{1,4})" + _END),
    re.compile(_START + r"(\d{1,2})/(\d{1,2})" + _END),
)
_NUMBER = re.compile(r"(?<![A-Za-z\d])\d+(?:[.,\u00a0\u202f\u2009 ]\d+)*")
_NUMBER_SEPARATOR = re.compile(r"([.,\s])")


@dataclass(frozen=True)
class Flag:
    """One kind of value that differs between a source segment and its MT draft."""

    kind: str
    source: tuple[str, ...]
    target: tuple[str, ...]


@dataclass(frozen=True)
class _Time:
    """A clock time; the hour has two readings after "p.m." (as written and on 24 hours)."""

    hours: tuple[str, ...]
    minute: str | None  # None on the hour

    @property
    def readings(self) -> list[str]:
        """Every way of writing this time that counts as the same; the 24-hour one first."""
        return [hour + (f":{self.minute}" if self.minute else "") for hour in self.hours]


@dataclass(frozen=True)
class _Date:
    """A calendar date; the month may have been written as a word."""

    position: int
    day: str
    month: str
    year: str | None
    month_numeric: bool

    @property
    def label(self) -> str:
        """The date as reported: ISO order, without the year when the source had none."""
        return _date_label(self.year, self.month, self.day)

    @property
    def parts(self) -> list[tuple[str, str]]:
        """The parts that any translation writes as numbers."""
        parts = [("day", self.day)]
        if self.month_numeric:
            parts.append(("month", self.month))
        if self.year is not None:
            parts.append(("year", self.year))
        return parts

    @property
    def needs(self) -> list[Counter[str]]:
        """The numbers that show the draft kept this date, in each form that counts."""
        needs = [Counter(value for _, value in self.parts)]
        if self.year is None:  # "31.12" reads as one number
            needs.append(Counter([_canonical(self.day, self.month.zfill(2))]))
        return needs


@dataclass
class _Scan:
    """What one text holds, each value normalised."""

    urls: list[str] = field(default_factory=list)
    emails: list[str] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)
    times: list[_Time] = field(default_factory=list)
    dates: list[_Date] = field(default_factory=list)
    numbers: list[tuple[int, str]] = field(default_factory=list)  # (position, value)


class _Pool:
    """The draft's plain numbers not yet accounted for."""

    def __init__(self, values: list[str], wanted: Counter[str]) -> None:
        self.order = values
        self.left = Counter(values)
        self.wanted = wanted  # the source's plain numbers, which the draft needs for itself

    def spare(self, value: str, count: int = 1) -> bool:
        """Whether the draft has this number beyond what the source's plain numbers need."""
        return self.left[value] - self.wanted[value] >= count

    def take(self, value: str) -> None:
        """Account for one occurrence."""
        self.left[value] -= 1


def check_segment(source: str, target: str, missing_placeholders: Sequence[str] = ()) -> list[Flag]:
    """Flags where numbers, dates, URLs, e-mails or phone numbers differ between source and draft,
    plus one "protected_term" flag when glossary placeholders did not survive MT."""
    src, tgt = _scan(source), _scan(target)
    flags = [
        Flag(kind, tuple(sorted(a)), tuple(sorted(b)))
        for kind, a, b in (
            (URL, src.urls, tgt.urls),
            (EMAIL, src.emails, tgt.emails),
            (PHONE, src.phones, tgt.phones),
        )
    ]
    flags.extend(_compare_dates_and_numbers(src, tgt))
    flags = [flag for flag in flags if flag.source != flag.target]
    if missing_placeholders:
        flags.append(Flag(PROTECTED_TERM, tuple(sorted(missing_placeholders)), ()))
    return sorted(flags, key=lambda flag: flag.kind)


def _scan(text: str) -> _Scan:
    """Extract every kind from one text, blanking each item so no later kind sees its digits."""
    scan = _Scan()
    text = _normalise(text)
    text = _extract(text, _URL, lambda m: _read_url(m, scan))
    text = _extract(text, _EMAIL, lambda m: _read_email(m, scan))
    phones = list(phonenumbers.PhoneNumberMatcher(text, "US"))
    for phone in phones:
        e164 = phonenumbers.format_number(phone.number, phonenumbers.PhoneNumberFormat.E164)
        extension = phone.number.extension
        scan.phones.append(f"{e164};ext={extension}" if extension else e164)
    text = _blank(text, [(phone.start, phone.end) for phone in phones])
    text = _extract(text, _TIME, lambda m: _read_time(m, scan))
    for pattern in (_ISO_DATE, _MONTH_DAY, _DAY_MONTH, _US_DATE):
        text = _extract(text, pattern, lambda m: _read_date(m, scan))
    for shape in _DATE_SHAPES:
        text = _extract(text, shape, lambda m: _read_shape(m, scan))
    for match in _NUMBER.finditer(text):
        scan.numbers.extend((match.start(), value) for value in _read_number(match[0]))
    return scan


def _normalise(text: str) -> str:
    """ASCII digits for every script's digits; drop bidi marks, which can split a number."""
    out = []
    for char in text:
        if char in _BIDI_MARKS:
            continue
        if char.isdecimal() and not char.isascii():
            out.append(str(unicodedata.decimal(char)))
        else:
            out.append(_SYMBOLS.get(char, char))
    return "".join(out)


def _extract(text: str, pattern: re.Pattern[str], read: Callable[[re.Match[str]], bool]) -> str:
    """Hand each match to read; blank out those it accepts."""
    return _blank(text, [(m.start(), m.end()) for m in pattern.finditer(text) if read(m)])


def _blank(text: str, spans: list[tuple[int, int]]) -> str:
    """Spaces over the spans; keeping the length keeps later positions in text order."""
    chars = list(text)
    for start, end in spans:
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def _read_url(match: re.Match[str], scan: _Scan) -> bool:
    """Record a URL with its scheme and host in lower case."""
    url = match[0]
    # Sentence punctuation and a closing bracket that was never opened belong to the text.
    while url and (
        url[-1] in ".,;:!?'"
        or (url[-1] == ")" and url.count("(") < url.count(")"))
        or (url[-1] == "]" and url.count("[") < url.count("]"))
    ):
        url = url[:-1]
    parts = _URL_PARTS.fullmatch(url)
    assert parts is not None  # every string fits: all three groups may be empty
    scheme, host, rest = parts.groups()
    scan.urls.append((scheme or "").lower() + host.lower() + rest)
    return True


def _read_email(match: re.Match[str], scan: _Scan) -> bool:
    """Record an e-mail address with its domain in lower case."""
    local, domain = match[0].rsplit("@", 1)
    scan.emails.append(f"{local}@{domain.lower()}")
    return True


def _read_time(match: re.Match[str], scan: _Scan) -> bool:
    """Record a clock time; a bare number without "p.m." is left for the numbers."""
    hour, minute, pm = int(match["hour"]), match["minute"], match["pm"]
    if (minute is None and pm is None) or hour > (12 if pm else 24):
        return False
    hours = (str(hour + 12), str(hour)) if pm and hour < 12 else (str(hour),)
    if minute == "00":
        minute = None
    if minute is None and len(hours) == 1:
        scan.numbers.append((match.start(), hours[0]))  # "9:00" says no more than "9"
    else:
        scan.times.append(_Time(hours, minute))
    return True


def _read_date(match: re.Match[str], scan: _Scan) -> bool:
    """Record a date, unless its month or day is out of range."""
    written = match["month"]
    month = int(written) if written.isdigit() else _MONTH_NUMBERS[written[:3].lower()]
    day = int(match["day"])
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return False
    year = match["year"]
    scan.dates.append(
        _Date(
            match.start(),
            str(day),
            str(month),
            None if year is None else str(int(year)),
            written.isdigit(),
        )
    )
    return True


def _read_shape(match: re.Match[str], scan: _Scan) -> bool:
    """Record each part of a date-shaped run ("31.12.2026") as a plain number."""
    for group in range(1, (match.re.groups or 0) + 1):
        value = match[group]
        if value.isdigit():
            scan.numbers.append((match.start(group), _canonical(value, "")))
    return True


def _read_number(token: str) -> list[str]:
    """The numbers in a run of digits and separators: one if it reads as one, else each part."""
    parts = _NUMBER_SEPARATOR.split(token)
    groups = parts[0::2]
    separators = [" " if s.isspace() else s for s in parts[1::2]]
    value = _as_one_number(groups, separators)
    if value is not None:
        return [value]
    if " " in separators:  # a space may simply stand between two numbers
        return [v for piece in token.split() for v in _read_number(piece)]
    return [_canonical(group, "") for group in groups]


def _as_one_number(groups: list[str], separators: list[str]) -> str | None:
    """The value if the separators group thousands and at most the last marks decimals."""
    if not separators:
        return _canonical(groups[0], "")
    last = separators[-1]
    thousands_shaped = len(groups[-1]) == 3 and 1 <= len(groups[0]) <= 3 and groups[0] != "0"
    decimal = last != " " and (
        any(s != last for s in separators[:-1]) or (len(separators) == 1 and not thousands_shaped)
    )
    whole, fraction = (groups[:-1], groups[-1]) if decimal else (groups, "")
    grouping = separators[:-1] if decimal else separators
    if grouping and not _groups_thousands(whole, grouping):
        return None
    return _canonical("".join(whole), fraction)


def _groups_thousands(groups: list[str], separators: list[str]) -> bool:
    """Whether one separator splits the digits in threes (or the Indian 2-2-3 way)."""
    inner = {len(group) for group in groups[1:-1]}
    return (
        len(set(separators)) == 1
        and 1 <= len(groups[0]) <= 3
        and len(groups[-1]) == 3
        and inner in (set(), {2}, {3})
    )


def _canonical(whole: str, fraction: str) -> str:
    """Digits without leading zeros in the whole part or trailing zeros in the fraction."""
    whole, fraction = whole.lstrip("0") or "0", fraction.rstrip("0")
    return f"{whole}.{fraction}" if fraction else whole


def _date_label(year: str | None, month: str, day: str) -> str:
    """ISO order; question marks for a part the draft does not hold."""
    month, day = (v.zfill(2) if v.isdigit() else "??" for v in (month, day))
    if year is None:
        return f"{month}-{day}"
    return f"{year.zfill(2) if year.isdigit() else '????'}-{month}-{day}"


def _compare_dates_and_numbers(src: _Scan, tgt: _Scan) -> list[Flag]:
    """The date and number flags; dates take their parts from the draft's numbers first."""
    # The draft's dates are not trusted (its months may be words); only their numbers count.
    draft_numbers = sorted(tgt.numbers + [(d.position, v) for d in tgt.dates for _, v in d.parts])
    pool = _Pool([v for _, v in draft_numbers], Counter(v for _, v in src.numbers))
    kept, lost = [], []
    for date in sorted(src.dates, key=lambda d: d.position):
        need = next((need for need in date.needs if need <= pool.left), None)
        if need is None:
            lost.append(date)
            continue
        for value in need.elements():
            pool.take(value)
        kept.append(date)
    # Only once every date has its own parts may a spelled-out month claim a number.
    for date in kept:
        if not date.month_numeric and pool.spare(date.month):
            pool.take(date.month)
    times = _match_times(src.times, tgt.times, pool)
    labels = [date.label for date in kept]
    labels.extend(label for label in (_stand_in(date, pool) for date in lost) if label)
    draft_values = list(pool.left.elements()) + times
    source_values = [v for _, v in src.numbers] + [t.readings[0] for t in src.times]
    return [
        Flag(DATE, tuple(sorted(d.label for d in src.dates)), tuple(sorted(labels))),
        Flag(NUMBER, tuple(sorted(source_values)), tuple(sorted(draft_values))),
    ]


def _match_times(source: list[_Time], draft: list[_Time], pool: _Pool) -> list[str]:
    """The draft's times: a source time is found as a time, or failing that as numbers."""
    unmatched = list(draft)
    found = []
    for time in source:
        same = next((t for t in unmatched if set(t.readings) & set(time.readings)), None)
        if same is not None:
            unmatched.remove(same)
            found.append(time.readings[0])
        elif _take_time_numbers(time, pool):
            found.append(time.readings[0])
    return found + [t.readings[0] for t in unmatched]


def _take_time_numbers(time: _Time, pool: _Pool) -> bool:
    """Take the time from the draft's spare numbers: "9 h 30", "9点30分" or Thai "9.30 น."."""
    for hour in time.hours:
        candidates = [[hour]] if time.minute is None else [[hour, time.minute]]
        if time.minute is not None:
            candidates.append([_canonical(hour, time.minute)])
        for values in candidates:
            if all(pool.spare(v, n) for v, n in Counter(values).items()):
                for value in values:
                    pool.take(value)
                return True
    return False


def _stand_in(date: _Date, pool: _Pool) -> str | None:
    """The draft's version of a date it did not keep, or None if it holds no part of it."""
    parts = dict(date.parts)
    found: dict[str, str] = {}
    for name, value in date.parts:
        if pool.left[value] > 0:
            pool.take(value)
            found[name] = value
    if not date.month_numeric and pool.spare(date.month):
        pool.take(date.month)
    for name in [name for name, _ in date.parts if name not in found]:
        for value in pool.order:
            if pool.spare(value) and _fits(name, value, parts[name]):
                pool.take(value)
                found[name] = value
                break
    if not found:
        return None
    year = None if date.year is None else found.get("year", "?")
    month = found.get("month", "?") if date.month_numeric else date.month
    return _date_label(year, month, found.get("day", "?"))


def _fits(part: str, value: str, expected: str) -> bool:
    """Whether a draft number could be this part of a date."""
    if not value.isdigit():
        return False
    if part == "day":
        return 1 <= int(value) <= 31
    if part == "month":
        return 1 <= int(value) <= 12
    return len(value) == len(expected)
