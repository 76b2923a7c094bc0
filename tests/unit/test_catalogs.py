"""Every user-facing string is in all eleven catalogs, translated, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.frontend import CommandLineInterface
from babel.messages.pofile import read_po

from app.languages import PRIORITY_CODES

ROOT = Path(__file__).resolve().parents[2]
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


@pytest.fixture(scope="module")
def source_ids(tmp_path_factory) -> set[str]:
    """The msgids the code and templates use now, extracted fresh."""
    pot = tmp_path_factory.mktemp("pot") / "messages.pot"
    CommandLineInterface().run(
        [
            "pybabel",
            "-q",
            "extract",
            "-F",
            str(ROOT / "babel.cfg"),
            "-k",
            "_l",
            "-o",
            str(pot),
            str(ROOT / "app"),
        ]
    )
    with pot.open("rb") as fh:
        catalog = read_po(fh)
    ids = {m.id if isinstance(m.id, str) else m.id[0] for m in catalog if m.id}
    assert len(ids) > 150  # extraction really ran
    return ids


def _catalog(code: str):
    with (ROOT / "translations" / code / "LC_MESSAGES" / "messages.po").open("rb") as fh:
        return read_po(fh, locale=code)


@pytest.mark.parametrize("code", PRIORITY_CODES)
def test_catalog_has_every_string_translated(code, source_ids):
    catalog = _catalog(code)
    present = {}
    for m in catalog:
        if m.id:
            present[m.id if isinstance(m.id, str) else m.id[0]] = m
    missing = sorted(source_ids - present.keys())
    assert not missing, f"{code}: not in catalog (run `flask translate update`): {missing[:5]}"
    for msgid in source_ids:
        m = present[msgid]
        assert not m.fuzzy, f"{code}: fuzzy {msgid!r}"
        forms = m.string if isinstance(m.string, tuple) else (m.string,)
        assert all(forms), f"{code}: untranslated {msgid!r}"
        expected = sorted(PLACEHOLDER.findall(msgid))
        for form in forms:
            # Plural forms may drop %(num)d where the language names the count in words.
            got = sorted(PLACEHOLDER.findall(form))
            if isinstance(m.id, tuple):
                assert set(got) <= set(expected), f"{code}: placeholders differ in {msgid!r}"
            else:
                assert got == expected, f"{code}: placeholders differ in {msgid!r}: {form!r}"


@pytest.mark.parametrize("code", PRIORITY_CODES)
def test_pages_render_in_each_language(code, as_user):
    client = as_user("staff_housing")
    headers = {"Accept-Language": code}
    for url in ("/", "/requests/new/translation", "/requests/new/interpretation", "/preferences"):
        page = client.get(url, headers=headers)
        assert page.status_code == 200, (code, url)
        assert f'lang="{code}"' in page.text
        for english in ("Request a translation", "Sign out", "Preferences"):
            assert f">{english}<" not in page.text, (code, url, english)
