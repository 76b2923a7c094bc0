"""The main flows in headless Chromium, in English and Arabic, with an axe-core scan of each page.

Selectors are ids, names and link targets, never visible text, so the same test runs in every
language. Each flow collects axe-core's serious and critical violations page by page and fails at
the end with all of them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from app.requests.models import JobStatus
from tests.browser.support import SCREENSHOTS, AxeLog, finish_draft, sign_in
from tests.functional import vendor_helpers as vh

SOURCE_TEXT = b"Your water will be shut off on Monday.\n\nCall 311 for help.\n"
DRAFT_TEXT = "\u60a8\u7684\u7528\u6c34\u5c06\u4e8e\u5468\u4e00\u505c\u6b62\u3002"
DELIVERY_TEXT = (
    "\u60a8\u7684\u7528\u6c34\u5c06\u4e8e\u5468\u4e00\u505c\u6b62\u3002\n\n"
    "\u8bf7\u81f4\u7535 311 \u5bfb\u6c42\u5e2e\u52a9\u3002\n"
).encode()


def _shot(page: Any, name: str, locale: str) -> None:
    """A README screenshot (English flow only), retaken by every run so it stays true."""
    if locale == "en":
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def _download(page: Any, selector: str) -> bytes:
    """Click a link, wait for the browser's download event, and return the file's bytes."""
    with page.expect_download() as info:
        page.click(selector)
    download = info.value
    assert download.failure() is None, download.failure()
    data = Path(download.path()).read_bytes()
    assert data, f"{selector} downloaded an empty file"
    return data


def _submit(page: Any, form: str, button: str = "input[type=submit]") -> None:
    """Press a form's submit button and wait for the page it leads to."""
    with page.expect_navigation():
        page.click(f"{form} {button}")


@pytest.mark.parametrize("locale", ["en", "ar"])
def test_translation_goes_from_request_to_accepted_delivery(app, city, new_context, locale):
    axe = AxeLog(locale)
    with app.app_context():
        lingo = vh.add_vendor("Lingo")
        vh.link_vendor_user(city["vendor"], lingo)

    # Staff submit a translation request with a file and see the confirmation.
    staff = new_context(locale).new_page()
    sign_in(staff, "staff_housing")
    expect(staff.locator("html")).to_have_attribute("dir", "rtl" if locale == "ar" else "ltr")
    axe.scan(staff, "staff: requests")
    with staff.expect_navigation():
        staff.click("header nav a[href$='/requests/new/translation']")
    axe.scan(staff, "staff: new translation")
    staff.fill("#title", "Water shut-off notice")
    staff.set_input_files(
        "#document", files=[{"name": "notice.txt", "mimeType": "text/plain", "buffer": SOURCE_TEXT}]
    )
    staff.check("input[name=languages][value=zh]")
    staff.select_option("#audience", "public")
    staff.fill("#notes", "Door hangers go out on Friday.")
    _shot(staff, "new-translation-request", locale)
    _submit(staff, "main form")
    expect(staff.locator(".confirmation[role=status]")).to_be_visible()
    number = staff.locator("h1 .number").inner_text()
    assert number.startswith("LA-")
    axe.scan(staff, "staff: confirmation")
    _shot(staff, "request-confirmation", locale)
    job_href = staff.locator("table.jobs a[href^='/jobs/']").first.get_attribute("href")
    assert job_href
    job_id = int(job_href.rsplit("/", 1)[1])

    # The coordinator finds it in the citywide list and offers the job to the vendor.
    coordinator = new_context(locale).new_page()
    sign_in(coordinator, "coordinator")
    axe.scan(coordinator, "coordinator: requests")
    with coordinator.expect_navigation():
        coordinator.locator("main table a", has_text=number).click()
    axe.scan(coordinator, "coordinator: request")
    with coordinator.expect_navigation():
        coordinator.click(f"table.jobs a[href='{job_href}']")
    expect(coordinator.locator("#vendor")).to_be_visible()
    axe.scan(coordinator, "coordinator: choose a vendor")
    _shot(coordinator, "job-choose-a-vendor", locale)
    coordinator.select_option("#vendor", str(lingo))
    _submit(coordinator, "form[action$='/offer']")
    expect(coordinator.locator(".flash.success")).to_be_visible()
    axe.scan(coordinator, "coordinator: offered")

    # Meanwhile the MT worker has finished a draft (made here as the worker would store it).
    with app.app_context():
        finish_draft(app.config["UPLOAD_FOLDER"], job_id, DRAFT_TEXT, "notice.zh.draft.txt")

    # The vendor accepts, downloads the source, the draft and the XLIFF, and delivers.
    vendor = new_context(locale).new_page()
    sign_in(vendor, "vendor")
    assert vendor.url.endswith("/vendor")
    axe.scan(vendor, "vendor: portal")
    with vendor.expect_navigation():
        vendor.click(f"main table a[href='{job_href}']")
    axe.scan(vendor, "vendor: offer")
    _submit(vendor, "form[action$='/respond']", "input[name=accept]")
    expect(vendor.locator(".flash.success")).to_be_visible()
    axe.scan(vendor, "vendor: in progress")
    _shot(vendor, "vendor-job", locale)
    assert _download(vendor, "a[href$='/source']") == SOURCE_TEXT
    assert _download(vendor, "a[href$='/draft']").decode() == DRAFT_TEXT
    assert b"needs-review-translation" in _download(vendor, "a[href$='/xliff']")
    vendor.set_input_files(
        "#file",
        files=[{"name": "notice-zh.txt", "mimeType": "text/plain", "buffer": DELIVERY_TEXT}],
    )
    _submit(vendor, "form[action$='/deliver']")
    expect(vendor.locator(".flash.success")).to_be_visible()
    axe.scan(vendor, "vendor: delivered")

    # The requester reviews the delivery and accepts it.
    with staff.expect_navigation():
        staff.click(f"table.jobs a[href='{job_href}']")
    expect(staff.locator("section.delivery")).to_be_visible()
    axe.scan(staff, "staff: review")
    _shot(staff, "review-delivery", locale)
    _submit(staff, "form[action$='/review']", "input[name=accept]")
    expect(staff.locator(".flash.success")).to_be_visible()
    axe.scan(staff, "staff: accepted")
    with app.app_context():
        assert vh.job(job_id).status == JobStatus.COMPLETED

    # The compliance officer opens the report and exports it; each file downloads.
    compliance = new_context(locale).new_page()
    sign_in(compliance, "compliance")
    with compliance.expect_navigation():
        compliance.click("header nav a[href$='/reports']")
    axe.scan(compliance, "compliance: report")
    _shot(compliance, "compliance-report", locale)
    csv = _download(compliance, "a[href*='/reports/export.csv']").decode("utf-8-sig")
    assert "Housing" in csv
    assert _download(compliance, "a[href*='/reports/export.xlsx']").startswith(b"PK")
    assert _download(compliance, "a[href*='/reports/export.pdf']").startswith(b"%PDF")

    assert not axe.found, f"serious or critical axe violations:\n{axe.report()}"
    assert len(axe.scanned) == 14  # every page of the flow was scanned
