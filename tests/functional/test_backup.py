"""`flask backup` and `flask restore`: all rows and files come back; bad archives change nothing."""

from __future__ import annotations

import hashlib
import io
import tarfile
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from app.audit import AuditEvent
from app.backup import _rows
from app.extensions import db
from app.requests.models import Request
from tests.conftest import csrf_from
from tests.functional import vendor_helpers as vh
from tests.functional.helpers import interpretation_day


def _snapshot(app) -> dict[str, list[dict]]:
    with app.app_context(), db.engine.connect() as conn:
        return {t.name: list(_rows(conn, t)) for t in db.metadata.sorted_tables}


def _files(app) -> dict[str, str]:
    folder = Path(app.config["UPLOAD_FOLDER"])
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.rglob("*")
        if p.is_file()
    }


def _wipe(app) -> None:
    with app.app_context(), db.engine.begin() as conn:
        for table in reversed(db.metadata.sorted_tables):
            conn.execute(table.delete())
    for p in sorted(Path(app.config["UPLOAD_FOLDER"]).rglob("*"), reverse=True):
        p.unlink() if p.is_file() else p.rmdir()


@pytest.fixture()
def busy_city(app, city, as_user):
    """Requests with files, a vendor's delivery under review, an interpreter request, audit."""
    with app.app_context():
        lingo = vh.add_vendor("Lingo")
        vh.link_vendor_user(city["vendor"], lingo)
        job_id = vh.translation_job(
            city["staff_housing"],
            file_name="notice.docx",
            file_data=vh.docx_bytes("Your water will be shut off.", "Call 311."),
            text=None,
        )
    coordinator = as_user("coordinator")
    token = csrf_from(coordinator.get(f"/jobs/{job_id}").text)
    coordinator.post(f"/jobs/{job_id}/offer", data={"vendor": lingo, "csrf_token": token})
    vendor = as_user("vendor")
    token = csrf_from(vendor.get(f"/jobs/{job_id}").text)
    vendor.post(f"/jobs/{job_id}/respond", data={"accept": "1", "csrf_token": token})
    staff = as_user("staff_housing")
    page = staff.get("/requests/new/interpretation")
    day = interpretation_day(app, "phone")
    resp = staff.post(
        "/requests/new/interpretation",
        data={
            "title": "Inspection",
            "language": "vi",
            "mode": "phone",
            "start_date": day.isoformat(),
            "start_time": "10:00",
            "duration_minutes": "30",
            "resident_name": "Bao Tran",
            "resident_phone": "704-555-0142",
            "csrf_token": csrf_from(page.text),
        },
    )
    assert resp.status_code == 302, resp.text
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Request)) == 2
    return job_id


def test_backup_then_restore_gives_back_every_row_and_file(app, city, busy_city, tmp_path):
    city_ids = city
    before, files = _snapshot(app), _files(app)
    assert files and sum(len(rows) for rows in before.values()) > 20
    archive = tmp_path / "city.tar.gz"
    out = app.test_cli_runner().invoke(args=["backup", "-o", str(archive)])
    assert out.exit_code == 0, out.output
    assert f"{len(files)} files" in out.output
    # The resident's phone stays encrypted inside the backup.
    with tarfile.open(archive) as tar:
        blob = b"".join(tar.extractfile(m).read() for m in tar.getmembers() if m.isfile())
    assert b"555-0142" not in blob and b"5550142" not in blob
    _wipe(app)
    with app.app_context():
        db.session.execute(text("INSERT INTO glossary_version (id, version) VALUES (1, 1)"))
        db.session.commit()
    out = app.test_cli_runner().invoke(args=["restore", str(archive)])
    assert out.exit_code == 0, out.output
    assert _snapshot(app) == before
    assert _files(app) == files
    # The restored app works: the phone decrypts, and new rows get fresh ids.
    with app.app_context():
        interp = db.session.scalar(select(Request).where(Request.kind == "interpretation"))
        assert interp.resident_phone == "+17045550142"
        biggest = db.session.scalar(select(func.max(AuditEvent.id)))
    with app.app_context():
        vh.translation_job(city_ids["staff_housing"])
        assert db.session.scalar(select(func.max(AuditEvent.id))) > biggest


def test_restore_refuses_a_database_that_is_not_empty(app, busy_city, tmp_path):
    archive = tmp_path / "city.tar.gz"
    app.test_cli_runner().invoke(args=["backup", "-o", str(archive)])
    before = _snapshot(app)
    out = app.test_cli_runner().invoke(args=["restore", str(archive)])
    assert out.exit_code != 0 and "the database is not empty" in out.output
    assert _snapshot(app) == before


def test_a_damaged_or_foreign_archive_restores_nothing(app, busy_city, tmp_path):
    archive = tmp_path / "city.tar.gz"
    app.test_cli_runner().invoke(args=["backup", "-o", str(archive)])
    with tarfile.open(archive) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}
    name = next(n for n in members if n.startswith("tables/requests"))
    members[name] = members[name].replace(b"Inspection", b"Inspect10n")
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(damaged, "w:gz") as tar:
        for member, data in members.items():
            info = tarfile.TarInfo(member)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    _wipe(app)
    for path, message in (
        (damaged, "is damaged"),
        (tmp_path / "nothing.tar.gz", "cannot read"),
    ):
        if not path.exists():
            path.write_bytes(b"not a tarball")
        out = app.test_cli_runner().invoke(args=["restore", str(path)])
        assert out.exit_code != 0 and message in out.output, out.output
    assert all(not rows for rows in _snapshot(app).values())
    assert _files(app) == {}
