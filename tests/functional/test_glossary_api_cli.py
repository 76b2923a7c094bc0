"""The glossary through the JSON API and the command line."""

from __future__ import annotations

from app.auth.services import issue_api_token
from app.seed import SEED_GLOSSARY


def _token(app):
    with app.app_context():
        return issue_api_token("housing", "311")[1]


def _seed(app):
    from app.seed import seed_departments

    with app.app_context():
        seed_departments()  # the seed glossary names departments the fixture lacks
    out = app.test_cli_runner().invoke(args=["glossary", "import", str(SEED_GLOSSARY)])
    assert out.exit_code == 0, out.output
    return out


def test_api_searches_and_reads_terms(app, client, city):
    _seed(app)
    headers = {"Authorization": f"Bearer {_token(app)}"}
    listing = client.get("/api/v1/glossary?q=notice&language=es", headers=headers).get_json()
    assert listing["total"] == 1
    term = listing["items"][0]
    assert term["translations"]["es"] == {
        "approved": "aviso",
        "alternatives": [],
        "forbidden": ["noticia"],
    }
    one = client.get(f"/api/v1/glossary/{term['id']}", headers=headers)
    assert one.status_code == 200 and one.get_json()["source"] == "notice"
    assert client.get("/api/v1/glossary/999999", headers=headers).status_code == 404
    bad = client.get("/api/v1/glossary?language=xx&department=nowhere", headers=headers)
    assert bad.status_code == 422 and set(bad.get_json()["fields"]) == {"language", "department"}
    assert client.get("/api/v1/glossary").status_code == 401


def test_api_checks_a_translation(app, client, city):
    _seed(app)
    headers = {"Authorization": f"Bearer {_token(app)}"}
    resp = client.post(
        "/api/v1/glossary/check",
        headers=headers,
        json={
            "language": "es",
            "source": "Call CharMeck 311 about your notice.",
            "target": "Llame a CharMeck 311 sobre su noticia.",
        },
    )
    codes = sorted(f["code"] for f in resp.get_json()["findings"])
    assert codes == ["approved_missing", "forbidden_used"]
    bad = client.post("/api/v1/glossary/check", headers=headers, json={"language": "es"})
    assert bad.status_code == 422


def test_cli_import_reports_and_reimport_is_a_no_op(app, city):
    first = _seed(app)
    assert "added: 11" in first.output
    second = _seed(app)
    assert "added: 0, updated: 0, unchanged: 11, rejected: 0" in second.output


def test_cli_refuses_a_bad_file_with_a_clear_message(app, city, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_bytes("term,es\nnotice,café\n".encode("latin-1"))
    out = app.test_cli_runner().invoke(args=["glossary", "import", str(bad)])
    assert out.exit_code != 0 and "not UTF-8" in out.output and "Nothing was imported" in out.output


def test_cli_export_writes_csv_and_tbx(app, city, tmp_path):
    _seed(app)
    runner = app.test_cli_runner()
    csv_out, tbx_out = tmp_path / "g.csv", tmp_path / "g.tbx"
    assert runner.invoke(args=["glossary", "export", "-o", str(csv_out)]).exit_code == 0
    assert (
        runner.invoke(args=["glossary", "export", "-o", str(tbx_out), "--language", "es"]).exit_code
        == 0
    )
    assert "SAFE Charlotte" in csv_out.read_text(encoding="utf-8-sig")
    tbx = tbx_out.read_text()
    assert "aviso" in tbx and "thông báo" not in tbx


def test_seed_command_loads_the_glossary_once(app):
    runner = app.test_cli_runner()
    assert "glossary: 11 terms added" in runner.invoke(args=["seed", "--no-demo"]).output
    assert "glossary: 0 terms added" in runner.invoke(args=["seed", "--no-demo"]).output
