"""The glossary through the web: browse, add, propose, decide, import, export, check."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from app.audit import AuditEvent
from app.extensions import db
from app.glossary.models import Term, TermTranslation
from tests.conftest import csrf_from

GOOD_CSV = (
    "term,definition,department,part_of_speech,case_sensitive,do_not_translate,es,es_forbidden,vi\n"
    "notice,Official announcement,,noun,no,no,aviso,noticia | nota,thông báo\n"
    "CharMeck 311,Service line,,proper_noun,yes,yes,,,\n"
    "water bill,,water,noun,no,no,factura del agua,,\n"
).encode()


def post_file(client, url, data: bytes, name: str):
    page = client.get(url)
    return client.post(
        url,
        data={"csrf_token": csrf_from(page.text), "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def counts(app):
    with app.app_context():
        return (
            db.session.scalar(select(func.count()).select_from(Term)),
            db.session.scalar(select(func.count()).select_from(TermTranslation)),
            db.session.scalar(select(func.count()).select_from(AuditEvent)),
        )


def test_coordinator_adds_a_term_and_sees_its_page(app, as_user):
    client = as_user("coordinator")
    page = client.get("/glossary/new")
    resp = client.post(
        "/glossary/new",
        data={
            "csrf_token": csrf_from(page.text),
            "source": "SAFE Charlotte",
            "part_of_speech": "proper_noun",
            "do_not_translate": "y",
            "case_sensitive": "y",
            "definition": "Safety program",
        },
    )
    assert resp.status_code == 302
    term_page = client.get(resp.headers["Location"])
    assert "SAFE Charlotte" in term_page.text and "Term added" in term_page.text


def test_add_term_errors_are_shown_and_nothing_stored(app, as_user):
    client = as_user("coordinator")
    page = client.get("/glossary/new")
    resp = client.post(
        "/glossary/new",
        data={"csrf_token": csrf_from(page.text), "source": "<i>x</i>", "part_of_speech": "noun"},
    )
    assert resp.status_code == 422 and "cannot contain markup" in resp.text
    assert counts(app) == (0, 0, 0)


@pytest.mark.parametrize("who", ["staff_housing", "vendor", "compliance"])
def test_only_curators_add_and_import(as_user, who):
    client = as_user(who)
    assert client.get("/glossary/new").status_code == 403
    assert client.get("/glossary/import").status_code == 403


def test_vendor_proposes_and_coordinator_approves_through_the_pages(app, as_user):
    post_file(as_user("coordinator"), "/glossary/import", GOOD_CSV, "g.csv")
    with app.app_context():
        term_id = db.session.scalar(select(Term.id).where(Term.source == "water bill"))
    vendor = as_user("vendor")
    page = vendor.get(f"/glossary/{term_id}")
    resp = vendor.post(
        f"/glossary/{term_id}/translations",
        data={
            "csrf_token": csrf_from(page.text),
            "language": "vi",
            "text": "hóa đơn nước",
            "kind": "translation",
            "note": "",
        },
    )
    assert resp.status_code == 302
    coord = as_user("coordinator")
    page = coord.get(f"/glossary/{term_id}")
    assert "hóa đơn nước" in page.text and "Proposed" in page.text
    with app.app_context():
        tr_id = db.session.scalar(
            select(TermTranslation.id).where(TermTranslation.text == "hóa đơn nước")
        )
    resp = coord.post(
        f"/glossary/translations/{tr_id}/approve", data={"csrf_token": csrf_from(page.text)}
    )
    assert resp.status_code == 302
    history = coord.get(f"/glossary/{term_id}").text
    assert "Translation approved" in history and "vendor@city.example" in history


def test_decisions_need_a_valid_csrf_token(app, as_user):
    post_file(as_user("coordinator"), "/glossary/import", GOOD_CSV, "g.csv")
    with app.app_context():
        tr_id = db.session.scalar(select(TermTranslation.id).limit(1))
    resp = as_user("coordinator").post(
        f"/glossary/translations/{tr_id}/reject", data={"csrf_token": "forged"}
    )
    assert resp.status_code == 400


def test_browse_search_and_filter(app, as_user):
    post_file(as_user("coordinator"), "/glossary/import", GOOD_CSV, "g.csv")
    client = as_user("staff_housing")
    page = client.get("/glossary/?q=wat")
    assert "water bill" in page.text and "notice" not in page.text
    fuzzy = client.get("/glossary/?q=notcie")
    assert "notice" in fuzzy.text
    missing_vi = client.get("/glossary/?language=vi&status=missing")
    assert "water bill" in missing_vi.text and ">notice<" not in missing_vi.text


def test_import_reports_each_row_and_keeps_good_rows(app, as_user):
    bad = GOOD_CSV + (
        b"   ,empty term,,noun,no,no,,,\n"
        b"notice,dup of line 2,,noun,no,no,,,\n"
        b"<b>x</b>,,,noun,no,no,,,\n"
        b"fee,,nowhere,noun,no,no,,,\n"
        b"fine,,,noun,maybe,no,,,\n"
    )
    resp = post_file(as_user("coordinator"), "/glossary/import", bad, "g.csv")
    assert resp.status_code == 200
    assert "Added: 3. Updated: 0. Unchanged: 0. Rejected: 5." in resp.text
    for reason in (
        "cannot be empty",
        "Same term as line 2",
        "cannot contain markup",
        "Unknown department nowhere",
        "case_sensitive must be yes or no",
    ):
        assert reason in resp.text
    assert counts(app)[0] == 3


def test_reimporting_the_same_file_changes_nothing(app, as_user):
    client = as_user("coordinator")
    post_file(client, "/glossary/import", GOOD_CSV, "g.csv")
    before = counts(app)
    resp = post_file(client, "/glossary/import", GOOD_CSV, "g.csv")
    assert "Added: 0. Updated: 0. Unchanged: 3. Rejected: 0." in resp.text
    assert counts(app) == before


def test_an_import_bumps_the_glossary_version_once_and_only_when_it_changed_something(app, as_user):
    from app.glossary import services

    def version():
        with app.app_context():
            return services.current_version()

    client = as_user("coordinator")
    before = version()
    post_file(client, "/glossary/import", GOOD_CSV, "g.csv")  # three terms, with translations
    assert version() == before + 1
    post_file(client, "/glossary/import", GOOD_CSV, "g.csv")
    assert version() == before + 1
    with app.app_context():  # outside an import, each change still bumps at once
        services.bump_version()
        with services.one_version_bump():
            services.bump_version()
            services.bump_version()
            assert services.current_version() == before + 2
        assert services.current_version() == before + 3
        db.session.rollback()


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (b"word,es\nnotice,aviso\n", "g.csv", "including a column named term"),
        (b"term,klingon\nnotice,x\n", "g.csv", "Unknown columns: klingon"),
        ("term,es\nnotice,café\n".encode("latin-1"), "g.csv", "The file is not UTF-8"),
        (b"", "g.csv", "The file is empty."),
        (b"<martif><text><body><termEntry>", "g.tbx", "This TBX file is malformed"),
        (
            b'<?xml version="1.0"?><!DOCTYPE m [<!ENTITY a "aaaa">]><martif/>',
            "g.tbx",
            "entity declarations are not accepted",
        ),
        (b"hello", "g.pdf", "Import takes a .csv or .tbx file"),
    ],
)
def test_unusable_files_are_refused_whole(app, as_user, data, name, message):
    resp = post_file(as_user("coordinator"), "/glossary/import", data, name)
    assert resp.status_code == 422 and message in resp.text and "Nothing was imported" in resp.text
    assert counts(app) == (0, 0, 0)


def test_csv_export_reimports_to_the_same_glossary(app, as_user):
    client = as_user("coordinator")
    post_file(client, "/glossary/import", GOOD_CSV, "g.csv")
    exported = client.get("/glossary/export?format=csv")
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    body = exported.data
    assert "noticia | nota" in body.decode("utf-8-sig")
    before = counts(app)
    resp = post_file(client, "/glossary/import", body, "export.csv")
    assert "Unchanged: 3" in resp.text and counts(app) == before


def test_tbx_export_reimports_to_the_same_glossary(app, as_user):
    client = as_user("coordinator")
    post_file(client, "/glossary/import", GOOD_CSV, "g.csv")
    tbx = client.get("/glossary/export?format=tbx").data
    assert b"deprecatedTerm-admn-sts" in tbx and b'type="Translation needed">no<' in tbx
    with app.app_context():
        db.session.execute(TermTranslation.__table__.delete())
        db.session.execute(Term.__table__.delete())
        db.session.commit()
    resp = post_file(client, "/glossary/import", tbx, "export.tbx")
    assert "Added: 3. Updated: 0. Unchanged: 0. Rejected: 0." in resp.text
    again = client.get("/glossary/export?format=csv").data.decode("utf-8-sig")
    assert "CharMeck 311,Service line,,proper_noun,yes,yes" in again
    assert "notice,Official announcement,,noun,no,no,aviso,noticia | nota,thông báo" in again


def test_export_guards_cells_against_spreadsheet_formulas(app, as_user):
    client = as_user("coordinator")
    csv_in = b'term,definition\nfee,=HYPERLINK("http://x")\n'
    post_file(client, "/glossary/import", csv_in, "g.csv")
    out = client.get("/glossary/export?format=csv").data.decode("utf-8-sig")
    assert "'=HYPERLINK" in out
    before = counts(app)
    resp = post_file(client, "/glossary/import", out.encode(), "again.csv")
    assert "Unchanged: 1" in resp.text and counts(app) == before


def test_check_page_flags_the_noticia_mistake(app, as_user):
    post_file(as_user("coordinator"), "/glossary/import", GOOD_CSV, "g.csv")
    client = as_user("vendor")
    page = client.get("/glossary/check")
    resp = client.post(
        "/glossary/check",
        data={
            "csrf_token": csrf_from(page.text),
            "language": "es",
            "source": "NOTICE: call CharMeck 311.",
            "target": "NOTICIA: llame a CharMeck 311.",
        },
    )
    assert resp.status_code == 200
    assert (
        "A forbidden variant is used" in resp.text
        and "The approved translation is missing" in resp.text
    )
    assert "A name that must not be translated was changed" not in resp.text


def test_stored_markup_is_rendered_escaped(app, as_user):
    client = as_user("coordinator")
    post_file(
        client, "/glossary/import", b"term,definition\nfee,<script>alert(1)</script>\n", "g.csv"
    )
    with app.app_context():
        term_id = db.session.scalar(select(Term.id))
    page = client.get(f"/glossary/{term_id}")
    assert "<script>alert(1)</script>" not in page.text and "&lt;script&gt;" in page.text
