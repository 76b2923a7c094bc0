"""Every page in every UI language: nothing overflows at desktop and phone widths, and no visible
string is left untranslated (each text is in the locale's compiled catalog, or is data).

The walk runs once per locale; its findings are kept so the layout test and the catalog test
report separately without loading every page twice.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import pytest
from babel import Locale
from babel.messages.mofile import read_mo

from app.languages import BY_CODE, PRIORITY_CODES, UI_LOCALES
from tests.browser.support import ARTIFACTS, ROOT, SCREENSHOTS, sign_in
from tests.functional import vendor_helpers as vh

WIDTHS = (1280, 390)
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%[sd]")
COMPOSITE = re.compile(r"\s*[\n·]+\s*")
SENTENCES = re.compile(r"(?<=[.。।!?؟])\s+")
SEPARATORS = re.compile(r"\s*(?:[·|:;,–—→()\[\]/\"“”«»]|\s-\s|\n)\s*")
REQUEST_NUMBER = re.compile(r"LA-\d{4}-\d{6}")
EMAIL = re.compile(r"\S+@\S+\.\w+")
# US$, $US (French), America/New_York
MONEY_AND_ZONES = re.compile(r"\$\s?US\b|(?:US)?\$|\b[A-Z][a-z]+/[A-Za-z_]+\b")
FILE_NAME = re.compile(r"[\w.-]+\.(?:txt|md|html?|docx|xlf|xliff|csv|tbx|xlsx|pdf)", re.I)
LETTER = re.compile(r"[^\W\d_]")

# Data and proper nouns a page may show in any language: what the walk's fixtures stored, the
# languages' own names, product and format names.
DATA = {
    "Water shut-off notice",
    "Lingo",
    "Housing",
    "Water",
    "Staff Housing",
    "Coordinator",
    "Vendor",
    "Compliance",
    "Door hangers go out on Friday.",
    "C-LIN",
    "XLIFF",
    "CSV",
    "TBX",
    "XLSX",
    "PDF",
    "Argos Translate",
    "CTranslate2",
    "NLLB-200",
    *(lang.native_name for lang in BY_CODE.values()),
    *BY_CODE,  # language codes, e.g. in the request list
}

# Text nodes, attributes people read or hear, and the title: with where each came from.
TEXTS = """() => {
  const pageLang = document.documentElement.lang;
  const out = [];
  const foreign = (el) => { const l = el.closest('[lang]'); return l && l.lang !== pageLang; };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const el = node.parentElement;
    const text = node.textContent.trim();
    if (!text || !el || el.closest('script, style, template, noscript')) continue;
    if (foreign(el)) continue;
    if (el.tagName !== 'OPTION' && !el.checkVisibility()) continue;
    out.push(text);
  }
  for (const el of document.querySelectorAll(
      '[placeholder], [aria-label], [title], [alt], input[type=submit], input[type=button]')) {
    if (foreign(el)) continue;
    for (const attr of ['placeholder', 'aria-label', 'title', 'alt']) {
      if (el.getAttribute(attr)) out.push(el.getAttribute(attr).trim());
    }
    if (el.matches('input[type=submit], input[type=button]') && el.value) out.push(el.value.trim());
  }
  out.push(document.title);
  return out;
}"""

OVERFLOW = """() => {
  const doc = document.documentElement;
  if (doc.scrollWidth <= window.innerWidth) return null;
  const wide = [...document.querySelectorAll('body *')]
    .filter((el) => {
      const r = el.getBoundingClientRect();
      return r.right > window.innerWidth + 1 || r.left < -1;
    })
    .filter((el) => el.checkVisibility() && !el.matches('.skip, .visually-hidden'))
    .slice(0, 3)
    .map((el) => el.tagName.toLowerCase() + (el.className ? '.' + el.className : ''));
  return {scrollWidth: doc.scrollWidth, innerWidth: window.innerWidth, wide};
}"""


@cache
def _catalog_patterns(code: str) -> tuple[re.Pattern[str], frozenset[str]]:
    """The locale's compiled catalog: one pattern (placeholders match anything), and the texts."""
    path = ROOT / "translations" / code / "LC_MESSAGES" / "messages.mo"
    with path.open("rb") as fh:
        catalog = read_mo(fh)
    patterns, translations = [], set()
    for message in catalog:
        if not message.id:
            continue
        forms = message.string if isinstance(message.string, (tuple, list)) else (message.string,)
        for form in forms:
            if form:
                # A python-format "%%" is shown as "%".
                pieces = [
                    re.escape(p.strip().replace("%%", "%")) for p in PLACEHOLDER.split(form.strip())
                ]
                patterns.append(r"\s*.+?\s*".join(pieces))
        translations.update(form.strip() for form in forms if form)
    patterns.sort(key=len, reverse=True)
    return re.compile("|".join(patterns) or "(?!)"), frozenset(translations)


@cache
def _date_words(code: str) -> tuple[str, ...]:
    """Month, day and period names and the literals Babel writes in this locale's dates, longest
    first."""
    loc = Locale.parse(code)
    words: set[str] = set()
    for table in (loc.months, loc.days, loc.quarters, loc.day_periods):
        for context in table.values():
            for width in context.values():
                words.update(str(v) for v in width.values())
    words.update(str(v) for v in loc.eras.get("abbreviated", {}).values())
    for formats in (loc.date_formats, loc.time_formats, loc.datetime_formats):
        for fmt in formats.values():
            pattern = getattr(fmt, "pattern", str(fmt))
            words.update(re.findall(r"'([^']+)'", pattern))  # quoted, e.g. Russian 'г.'
            words.update(re.findall(r"[^\x00-\x7f\s\d]+", re.sub(r"'[^']*'", "", pattern)))
    return tuple(sorted({w.lower() for w in words if w.strip()}, key=len, reverse=True))


def _is_data(text: str, code: str) -> bool:
    """Stored data, a proper noun, a number, a file name or a date in the locale's format."""
    if text in DATA:
        return True
    rest = EMAIL.sub(" ", text)
    for data in (REQUEST_NUMBER, FILE_NAME, MONEY_AND_ZONES):
        rest = data.sub(" ", rest)
    rest = rest.lower()
    for word in _date_words(code):
        rest = rest.replace(word, " ")
    return not LETTER.search(rest)


@cache
def untranslated(text: str, code: str) -> bool:
    """True when `text` is neither in the locale's catalog nor data (alone or piece by piece)."""
    if not LETTER.search(text) or _is_data(text, code):
        return False
    pattern, translations = _catalog_patterns(code)
    if text in translations or pattern.fullmatch(text):
        return False
    # A node may hold several translated pieces: "label · label", or two sentences.
    for splitter in (COMPOSITE, SENTENCES):
        parts = [p.strip() for p in splitter.split(text) if p.strip()]
        if len(parts) > 1:
            return any(untranslated(p, code) for p in parts)
    remaining = pattern.sub(" ", text)  # known sentences out, then each piece must be data
    pieces = [p for p in SEPARATORS.split(remaining) if p and LETTER.search(p)]
    return any(not _is_data(p.strip(), code) for p in pieces)


def _walk_data(app: Any, city: dict[str, Any]) -> dict[str, int]:
    """One vendor, a job offered to it and one waiting for a vendor: every page has content."""
    from app.auth.actor import Actor
    from app.auth.models import User
    from app.extensions import db
    from app.vendors.routing import offer_job

    with app.test_request_context():
        lingo = vh.add_vendor("Lingo")
        vh.link_vendor_user(city["vendor"], lingo)
        offered = vh.translation_job(
            city["staff_housing"], notes="Door hangers go out on Friday.", vital=False
        )
        waiting = vh.translation_job(city["staff_housing"])
        coordinator = Actor.for_user(db.session.get(User, city["coordinator"]))
        offer_job(vh.job(offered), lingo, coordinator)
        db.session.commit()
        return {
            "lingo": lingo,
            "offered": offered,
            "waiting": waiting,
            "request": vh.request_id_of(app, offered),
        }


def _pages(ids: dict[str, int], reports: bool) -> dict[str, list[str]]:
    pages = {
        "": ["/login"],
        "staff_housing": [
            "/",
            "/requests/new/translation",
            "/requests/new/interpretation",
            f"/requests/{ids['request']}",
            f"/jobs/{ids['offered']}",
            "/preferences",
            "/glossary/",
            "/glossary/check",
        ],
        "coordinator": [
            "/vendors",
            f"/vendors/{ids['lingo']}",
            "/vendors/new",
            f"/jobs/{ids['waiting']}",
            "/vendors/scorecards",
            "/glossary/new",
            "/glossary/import",
            "/admin/models",
        ],
        "vendor": ["/vendor", f"/jobs/{ids['offered']}"],
    }
    if reports:
        pages["compliance"] = ["/reports"]
    return pages


_RESULTS: dict[str, dict[str, Any]] = {}


def _check(page: Any, where: str, locale: str, found: dict[str, Any]) -> None:
    """Record what overflows at each width and which texts are not in the locale's catalog."""
    assert page.evaluate("() => document.documentElement.lang") == locale, where
    for width in WIDTHS:  # the page opens at the first width; it is put back after the last
        if width != WIDTHS[0]:
            page.set_viewport_size({"width": width, "height": 900})
        wide = page.evaluate(OVERFLOW)
        if wide:
            found["overflow"][f"{where} @{width}px"] = wide
    page.set_viewport_size({"width": WIDTHS[0], "height": 900})
    if locale != "en":
        for text in page.evaluate(TEXTS):
            if untranslated(text, locale):
                found["missing"].setdefault(text, set()).add(where)


def _walk(code: str, app: Any, city: dict[str, Any], new_context: Any) -> dict[str, Any]:
    """Visit every page in every locale once (the first test to ask pays); one locale's findings.

    One signed-in context per role; the locale changes with the Accept-Language header.
    """
    if code in _RESULTS:
        return _RESULTS[code]
    ids = _walk_data(app, city)
    pages = _pages(ids, reports="reports.index" in app.view_functions)
    folder = ARTIFACTS / "locales"
    folder.mkdir(parents=True, exist_ok=True)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    browsers = {}
    for who in pages:
        browsers[who] = new_context(None).new_page()
        if who:
            sign_in(browsers[who], who)
    for locale in UI_LOCALES:
        found: dict[str, Any] = {"overflow": {}, "missing": {}}
        for who, urls in pages.items():
            page = browsers[who]
            page.set_extra_http_headers({"Accept-Language": locale})
            for url in urls:
                response = page.goto(url)
                assert response is not None and response.status == 200, (locale, who, url)
                _check(page, f"{who or 'anonymous'} {url}", locale, found)
                if url == "/requests/new/translation":
                    shot = folder / f"new-translation-{locale}.png"
                    page.screenshot(path=str(shot), full_page=True)
                    if locale == "ar":
                        page.screenshot(path=str(SCREENSHOTS / "new-translation-request-ar.png"))
                    with page.expect_navigation():  # the same form with its errors
                        page.click("main form input[type=submit]")
                    _check(page, f"{who} {url} (errors)", locale, found)
        _RESULTS[locale] = found
    return _RESULTS[code]


@pytest.mark.parametrize("code", UI_LOCALES)
def test_no_page_overflows_at_desktop_or_phone_width(code, app, city, new_context):
    found = _walk(code, app, city, new_context)["overflow"]
    assert not found, f"{code}: pages wider than the window: {found}"


@pytest.mark.parametrize("code", PRIORITY_CODES)
def test_every_visible_string_is_translated(code, app, city, new_context):
    missing = _walk(code, app, city, new_context)["missing"]
    lines = [f"  {text!r} on {sorted(where)[0]}" for text, where in sorted(missing.items())]
    assert not missing, f"{code}: {len(missing)} untranslated strings:\n" + "\n".join(lines)


def test_the_catalog_check_tells_translated_from_english():
    with (ROOT / "translations" / "es" / "LC_MESSAGES" / "messages.mo").open("rb") as fh:
        spanish = [m.string for m in read_mo(fh) if m.id and isinstance(m.string, str) and m.string]
    assert spanish and not any(untranslated(text, "es") for text in spanish[:50])
    assert untranslated("Request a translation", "es")
    assert untranslated("Vendors · Языковой доступ", "ru")
    for data in ("LA-2026-000123", "Lingo", "12 / 40", "notice.txt", "4 дек. 2026\u202fг."):
        assert not untranslated(data, "ru"), data
    assert not untranslated("2026年12月4日", "zh")
    assert not untranslated("0,00\xa0US$", "lo")
    assert not untranslated("2026-08-31 – 2026-11-29 (America/New_York)", "es")
