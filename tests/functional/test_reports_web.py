"""Report pages, drill-downs, exports and the CLI: who may see what, and what files contain."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from pypdf import PdfReader

from tests.functional import report_helpers as h

PERIOD = {"from": h.START.isoformat(), "to": h.END.isoformat()}


@pytest.fixture()
def seeded(app: Flask, city: dict[str, Any]) -> dict[str, Any]:
    with app.app_context():
        h.seed(city)
    return city


@pytest.mark.parametrize("who", ["compliance", "coordinator", "admin"])
def test_citywide_roles_see_every_department(seeded: Any, as_user: Any, who: str) -> None:
    client = as_user(who)
    for dept in ("all", "housing", "water"):
        assert (
            client.get("/reports", query_string={**PERIOD, "department": dept}).status_code == 200
        )


def test_staff_see_only_their_department(seeded: Any, as_user: Any) -> None:
    client = as_user("staff_housing")
    page = client.get("/reports", query_string=PERIOD)
    assert page.status_code == 200 and "Housing" in page.text
    for dept in ("water", "all", "nowhere"):
        q = {**PERIOD, "department": dept}
        assert client.get("/reports", query_string=q).status_code == 404
        assert client.get("/reports/export.csv", query_string=q).status_code == 404
        assert (
            client.get("/reports/records", query_string={**q, "section": "requests"}).status_code
            == 404
        )


def test_vendors_are_refused(seeded: Any, as_user: Any) -> None:
    assert as_user("vendor").get("/reports").status_code == 403


def test_compliance_changes_nothing(seeded: Any, as_user: Any) -> None:
    client = as_user("compliance")
    assert client.post("/reports", data={}).status_code in (400, 405)
    assert client.post("/reports/export.csv").status_code in (400, 405)


def test_page_draws_charts_inline_and_links_figures(seeded: Any, as_user: Any) -> None:
    page = as_user("compliance").get("/reports", query_string={**PERIOD, "department": "housing"})
    assert page.text.count("<svg") >= 3
    assert 'role="img"' in page.text and "<desc" in page.text
    assert " style=" not in page.text
    assert re.findall(r"<script[^>]*>", page.text) == [
        m for m in re.findall(r"<script[^>]*>", page.text) if "static" in m
    ]
    assert '<th scope="col">' in page.text and "<caption>" in page.text
    assert "/reports/records?" in page.text
    assert "2026.1" in page.text  # the policy version


def test_bad_period_is_refused_with_a_message(seeded: Any, as_user: Any) -> None:
    resp = as_user("compliance").get(
        "/reports", query_string={"from": "2026-04-10", "to": "2026-03-01"}
    )
    assert resp.status_code == 400 and 'role="alert"' in resp.text


def test_drill_down_lists_the_records_behind_a_figure(
    seeded: Any, as_user: Any, app: Flask
) -> None:
    client = as_user("compliance")
    page = client.get("/reports", query_string={**PERIOD, "department": "housing"})
    links = re.findall(r'href="(/reports/records\?[^"]+)"', page.text)
    late = [
        link
        for link in links
        if "section=ontime" in link and "state=late" in link and "language=fr" in link
    ]
    assert late, links[:5]
    listing = client.get(late[0].replace("&amp;", "&"))
    assert listing.status_code == 200
    assert "2 records" in listing.text
    # vital coverage: Arabic was never translated (its one job was cancelled)
    missing = client.get(
        "/reports/records",
        query_string={
            **PERIOD,
            "department": "housing",
            "section": "vital",
            "language": "ar",
            "state": "missing",
        },
    )
    assert "Eviction rights notice" in missing.text and "1 record" in missing.text


def test_drill_down_paginates_and_keeps_filters(seeded: Any, as_user: Any, app: Flask) -> None:
    app.config["PAGE_SIZE"] = 2
    try:
        resp = as_user("compliance").get(
            "/reports/records",
            query_string={**PERIOD, "department": "housing", "section": "requests"},
        )
        assert 'rel="next"' in resp.text
        nxt = re.search(r'href="([^"]+)" rel="next"', resp.text)
        assert nxt and "section=requests" in nxt.group(1) and "page=2" in nxt.group(1)
    finally:
        app.config["PAGE_SIZE"] = 25


def test_unknown_drill_section_is_404(seeded: Any, as_user: Any) -> None:
    resp = as_user("compliance").get("/reports/records", query_string={**PERIOD, "section": "x"})
    assert resp.status_code == 404


def _texts(fmt: str, body: bytes) -> str:
    if fmt == "pdf":
        return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(body)).pages)
    if fmt == "xlsx":
        with zipfile.ZipFile(io.BytesIO(body)) as z:
            return "\n".join(z.read(n).decode() for n in z.namelist() if n.endswith(".xml"))
    return body.decode()


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "pdf"])
def test_exports_hold_no_resident_name_or_phone(seeded: Any, as_user: Any, fmt: str) -> None:
    resp = as_user("compliance").get(
        f"/reports/export.{fmt}", query_string={**PERIOD, "department": "all"}
    )
    assert resp.status_code == 200
    assert "attachment" in resp.headers["Content-Disposition"]
    text = _texts(fmt, resp.data)
    assert "Compliance" in text or "compliance" in text or fmt != "pdf"
    for secret in (h.RESIDENT_NAME, h.RESIDENT_PHONE, h.RESIDENT_PHONE[2:], "555-0199"):
        assert secret not in text


def test_csv_neutralises_formulas(seeded: Any, as_user: Any) -> None:
    body = (
        as_user("compliance")
        .get("/reports/export.csv", query_string={**PERIOD, "department": "housing"})
        .text
    )
    assert "'=HYPERLINK" in body
    assert not re.search(r'(^|,)"?=HYPERLINK', body, re.M)
    assert ",'+Plus," in body  # a vendor name starting with +
    assert "# section,jobs," in body and "# section,summary," in body


def test_xlsx_has_a_sheet_per_section_and_no_formulas(seeded: Any, as_user: Any) -> None:
    body = (
        as_user("compliance")
        .get("/reports/export.xlsx", query_string={**PERIOD, "department": "housing"})
        .data
    )
    with zipfile.ZipFile(io.BytesIO(body)) as z:
        workbook = z.read("xl/workbook.xml").decode()
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        xml = "".join(z.read(n).decode() for n in sheets)
    for name in ("summary", "requests", "ontime_language", "vital", "rollup", "jobs"):
        assert f'name="{name}"' in workbook
    assert "<f>" not in xml
    assert "&apos;=HYPERLINK" in xml or "'=HYPERLINK" in xml


def test_cli_exports_each_format_with_progress(seeded: Any, app: Flask, tmp_path: Path) -> None:
    runner = app.test_cli_runner()
    for fmt in ("csv", "xlsx", "pdf"):
        out = tmp_path / f"r.{fmt}"
        result = runner.invoke(
            args=[
                "report",
                "export",
                "--department",
                "housing",
                "--from",
                PERIOD["from"],
                "--to",
                PERIOD["to"],
                "--format",
                fmt,
                "-o",
                str(out),
            ]
        )
        assert result.exit_code == 0, result.output
        assert out.stat().st_size > 0
    everything = tmp_path / "all.csv"
    result = runner.invoke(
        args=[
            "report",
            "export",
            "--all",
            "--from",
            PERIOD["from"],
            "--to",
            PERIOD["to"],
            "--format",
            "csv",
            "-o",
            str(everything),
        ]
    )
    assert result.exit_code == 0, result.output
    assert "water" in everything.read_text()
    bad = runner.invoke(
        args=[
            "report",
            "export",
            "--from",
            "2026-01-01",
            "--to",
            "2026-01-02",
            "--format",
            "csv",
            "-o",
            str(tmp_path / "x.csv"),
        ]
    )
    assert bad.exit_code != 0
    unknown = runner.invoke(
        args=[
            "report",
            "export",
            "--department",
            "nowhere",
            "--from",
            "2026-01-01",
            "--to",
            "2026-01-02",
            "--format",
            "csv",
            "-o",
            str(tmp_path / "y.csv"),
        ]
    )
    assert unknown.exit_code != 0 and "no department" in unknown.output
