"""Long work shows its progress: MT drafting updates the request page without a reload; the
glossary import reports every row on the page it was sent from, and its export downloads."""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import expect

from tests.browser.support import finish_draft, set_draft_progress, sign_in
from tests.functional import vendor_helpers as vh

POLL = 10_000  # app.js polls every 2 s


def test_draft_progress_updates_on_the_open_request_page(app, city, new_context):
    with app.app_context():
        job_id = vh.translation_job(city["staff_housing"])
        set_draft_progress(job_id, 0, 4)
        request_id = vh.request_id_of(app, job_id)
    page = new_context().new_page()
    sign_in(page, "staff_housing")
    page.goto(f"/requests/{request_id}")
    cell = page.locator(f"td.draft[data-job='{job_id}']")
    expect(cell).to_have_attribute("aria-live", "polite")
    expect(cell.locator("progress")).to_have_attribute("value", "0")
    page.evaluate("() => { window.sameDocument = true; }")  # gone if the page reloads

    with app.app_context():
        set_draft_progress(job_id, 2, 4)
    expect(cell.locator(".draft-count")).to_have_text("2 / 4", timeout=POLL)
    expect(cell.locator("progress")).to_have_attribute("value", "2")
    with app.app_context():
        set_draft_progress(job_id, 3, 4)
    expect(cell.locator("progress")).to_have_attribute("value", "3", timeout=POLL)
    assert page.evaluate("() => window.sameDocument === true"), "the page reloaded"

    # Done: the page shows the download link (it reloads itself once, for the localised row).
    with app.app_context():
        finish_draft(app.config["UPLOAD_FOLDER"], job_id, "\u8349\u7a3f", "notice.zh.txt")
    expect(page.locator(f"td.draft[data-job='{job_id}'] a.draft-link")).to_be_visible(timeout=POLL)


GLOSSARY_CSV = (
    "term,definition,department,part_of_speech,case_sensitive,do_not_translate,es,es_forbidden\n"
    "water shut-off,Stopping water service,,noun,false,false,corte de agua,\n"
    "CharMeck 311,The city's help line,,noun,true,true,,\n"
    ",no term on this row,,,,,,\n"
)


def test_glossary_import_reports_each_row_and_the_export_downloads(app, city, new_context):
    page = new_context().new_page()
    sign_in(page, "coordinator")
    page.goto("/glossary/import")
    page.set_input_files(
        "#file",
        files=[{"name": "terms.csv", "mimeType": "text/csv", "buffer": GLOSSARY_CSV.encode()}],
    )
    page.click("main form input[type=submit]")
    status = page.locator("main [role=status]")
    expect(status).to_be_visible()
    expect(page.locator("main table tbody tr")).to_have_count(3)
    expect(page.locator("main table tbody tr.rejected")).to_have_count(1)

    page.goto("/glossary/")
    with page.expect_download() as info:
        page.click("a[href*='/glossary/export'][href*='format=csv']")
    data = Path(info.value.path()).read_text("utf-8-sig")
    assert "water shut-off" in data and "corte de agua" in data


def test_the_glossary_import_shows_the_upload_and_the_check_then_the_report(app, city, new_context):
    rows = "".join(f"term {n},,,noun,false,false,término {n},\n" for n in range(400))
    page = new_context().new_page()
    sign_in(page, "coordinator")
    page.goto("/glossary/import")
    page.evaluate("() => { window.sameDocument = true; }")
    page.set_input_files(
        "#file",
        files=[
            {
                "name": "terms.csv",
                "mimeType": "text/csv",
                "buffer": (GLOSSARY_CSV.splitlines(keepends=True)[0] + rows).encode(),
            }
        ],
    )
    page.click("main form input[type=submit]")
    # The status appears at once, with a bar, and stays until the answer replaces the page's body.
    expect(page.locator("main .transfer[role=status] progress")).to_be_attached()
    expect(page.locator("main table tbody tr")).to_have_count(400)
    assert page.evaluate("() => window.sameDocument === true"), "the page reloaded"
    assert page.url.endswith("/glossary/import")


def test_a_report_export_shows_the_bytes_received_and_downloads(app, city, new_context):
    with app.app_context():
        for _ in range(3):
            vh.translation_job(city["staff_housing"])
    page = new_context().new_page()
    sign_in(page, "compliance")
    page.goto("/reports")
    with page.expect_download() as info:
        page.click("a[href*='/reports/export.csv']")
    status = page.locator(".transfer[role=status]")
    expect(status).to_contain_text("MB")
    expect(status.locator("progress")).to_have_attribute("value", "1")
    data = Path(info.value.path()).read_bytes()
    assert info.value.suggested_filename.endswith(".csv") and b"section" in data
