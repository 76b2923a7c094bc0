"""WCAG checks a scanner cannot make alone: keyboard, visible focus, labels, announced errors."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.browser.support import AxeLog, sign_in
from tests.functional import vendor_helpers as vh

# What has focus now, and whether a sighted keyboard user can see it.
FOCUSED = """() => {
  const el = document.activeElement;
  const style = getComputedStyle(el);
  const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2;
  const shadow = style.boxShadow && style.boxShadow !== 'none';
  return {
    tag: el.tagName.toLowerCase(), id: el.id, name: el.name || '', type: el.type || '',
    value: el.value || '', cls: el.className || '',
    focusVisible: el.matches(':focus-visible'), visible: outline || shadow,
  };
}"""

# Every form control that a person can reach, with the name a screen reader would announce.
UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter((el) => el.type !== 'hidden' && el.type !== 'submit' && el.type !== 'button')
  .filter((el) => {
    const byFor = el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`);
    const wrapped = el.closest('label');
    const aria = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
    const text = (byFor && byFor.textContent.trim()) || (wrapped && wrapped.textContent.trim());
    return !(text || aria);
  })
  .map((el) => el.outerHTML.slice(0, 120))"""

# Fields marked invalid, each with the text of the error its aria-describedby points to.
INVALID_FIELDS = """() => [...document.querySelectorAll('[aria-invalid="true"]')].map((el) => {
  const ids = (el.getAttribute('aria-describedby') || '').split(/\\s+/).filter(Boolean);
  const errors = ids.map((id) => document.getElementById(id))
    .filter((e) => e && e.classList.contains('error'));
  return { id: el.id, name: el.name, errors: errors.map((e) => e.textContent.trim()) };
})"""


def _tab(page: Any) -> dict[str, Any]:
    page.keyboard.press("Tab")
    return page.evaluate(FOCUSED)


def test_the_translation_form_can_be_completed_with_the_keyboard_alone(app, city, page):
    sign_in(page, "staff_housing")
    page.goto("/requests/new/translation")
    first = _tab(page)
    assert "skip" in first["cls"], f"the first Tab stop is not the skip link: {first}"
    assert first["visible"] and first["focusVisible"]
    assert page.locator("a.skip").bounding_box()["x"] >= 0, "the skip link stays off screen"
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "main"

    done: set[str] = set()
    for _ in range(60):
        stop = _tab(page)
        assert stop["visible"], f"no visible focus on {stop}"
        if stop["id"] == "title" and "title" not in done:
            page.keyboard.type("Shelter hours for the winter")
            done.add("title")
        elif stop["id"] == "text" and "text" not in done:
            page.keyboard.type("The shelter opens at 6 pm from December to March.")
            done.add("text")
        elif stop["name"] == "languages" and stop["value"] == "es":
            page.keyboard.press("Space")
            done.add("languages")
        elif stop["id"] == "submit":
            assert done == {"title", "text", "languages"}, done
            with page.expect_navigation():
                page.keyboard.press("Enter")
            break
    else:
        pytest.fail(f"never reached the submit button; filled {done}")
    expect(page.locator(".confirmation[role=status]")).to_be_visible()
    assert "Shelter hours for the winter" in page.locator("h1").inner_text()


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_errors_are_announced_and_tied_to_their_fields(app, city, new_context, locale):
    page = new_context(locale).new_page()
    sign_in(page, "staff_housing")
    page.goto("/requests/new/translation")
    with page.expect_navigation():
        page.click("main form input[type=submit]")
    summary = page.locator("#error-summary")
    expect(summary).to_have_attribute("role", "alert")
    expect(summary).to_be_focused()  # app.js moves focus there, so it is read out at once
    invalid = page.evaluate(INVALID_FIELDS)
    assert {f["id"] for f in invalid} >= {"title"}, invalid
    for f in invalid:
        assert f["errors"] and all(f["errors"]), f"{f} is invalid without an error tied to it"
    # Each summary link leads to the field it names.
    for href in summary.locator("a").evaluate_all("(links) => links.map((a) => a.hash)"):
        assert page.locator(href).count() == 1, href
    axe = AxeLog(locale)
    axe.scan(page, "translation form with errors")
    assert not axe.found, axe.report()


FORM_PAGES = {
    "staff_housing": [
        "/requests/new/translation",
        "/requests/new/interpretation",
        "/",
        "/preferences",
        "/glossary/",
        "/glossary/check",
    ],
    "coordinator": ["/vendors", "/vendors/new", "/glossary/new", "/glossary/import"],
    "vendor": ["/vendor"],
}


@pytest.mark.parametrize("who", sorted(FORM_PAGES))
def test_every_field_has_a_label_and_every_focus_is_visible(app, city, new_context, who):
    with app.app_context():
        vh.link_vendor_user(city["vendor"], vh.add_vendor("Lingo"))
    page = new_context().new_page()
    sign_in(page, who)
    for url in FORM_PAGES[who]:
        page.goto(url)
        assert page.evaluate(UNLABELLED) == [], url
        page.locator("body").focus()
        seen = 0
        for _ in range(40):  # the first stops: header, navigation, the page's first controls
            stop = _tab(page)
            if stop["tag"] == "body":
                break
            assert stop["visible"], f"{url}: no visible focus on {stop}"
            seen += 1
        assert seen >= 5, url
