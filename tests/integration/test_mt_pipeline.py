"""Machine drafts end to end: models installed by the CLI, drafts made by the worker task."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from docx import Document as DocxDocument
from sqlalchemy import func, select

from app.audit import AuditEvent, utcnow
from app.extensions import db
from app.mt.models import DraftStatus, MTDraft
from app.requests.models import Job, JobStatus, Request
from tests.conftest import csrf_from

SOURCE_TXT = (
    "Hello world. This is a test.\n\n"
    "The city council meeting will be held on Monday at the town hall.\n\n"
    "Water service notice.\n"
)


@pytest.fixture()
def models(app, argos_data_dir, tiny_argos_copy_package, tiny_nllb_dir):
    """es through Argos and vi through CTranslate2, installed with the user's commands."""
    runner = app.test_cli_runner()
    out = runner.invoke(args=["models", "install", str(tiny_argos_copy_package)])
    assert out.exit_code == 0, out.output
    out = runner.invoke(
        args=[
            "models",
            "install-ct2",
            str(tiny_nllb_dir),
            "--languages",
            "vi",
            "--version",
            "tiny-nllb-1",
        ]
    )
    assert out.exit_code == 0, out.output
    app.extensions.pop("mt_engines", None)
    return runner


def submit(client, data: bytes, name: str, languages):
    page = client.get("/requests/new/translation")
    resp = client.post(
        "/requests/new/translation",
        data={
            "csrf_token": csrf_from(page.text),
            "title": "Notice",
            "languages": list(languages),
            "document": (io.BytesIO(data), name),
        },
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302, resp.text
    return int(resp.headers["Location"].split("/requests/")[1].split("?")[0])


def drafts(app, request_id):
    with app.app_context():
        rows = db.session.scalars(select(MTDraft).join(Job).where(Job.request_id == request_id))
        return {d.language: d for d in rows}


def download(client, request_id, job_id) -> bytes:
    resp = client.get(f"/requests/{request_id}/jobs/{job_id}/draft")
    assert resp.status_code == 200
    data = resp.data
    resp.close()
    return data


def test_models_list_shows_engine_per_language(app, models):
    out = models.invoke(args=["models", "list"]).output
    lines = {line.split()[0]: line for line in out.splitlines()}
    assert "argos" in lines["es"] and "ctranslate2" in lines["vi"] and "tiny-nllb-1" in lines["vi"]
    assert "human only" in lines["ta"]


def test_submitting_drafts_each_covered_language_and_leaves_the_rest_to_humans(
    app, models, as_user
):
    client = as_user("staff_housing")
    rid = submit(client, SOURCE_TXT.encode(), "notice.txt", ["es", "vi", "ta"])
    found = drafts(app, rid)
    assert found["es"].status == DraftStatus.DONE and found["es"].engine == "argos"
    assert found["vi"].status == DraftStatus.DONE and found["vi"].engine == "ctranslate2"
    assert found["ta"].status == DraftStatus.HUMAN_ONLY
    assert found["es"].segments_done == found["es"].segments_total == 3
    with app.app_context():
        assert {j.status for j in db.session.get(Request, rid).jobs} == {JobStatus.READY}
        actions = list(
            db.session.scalars(select(AuditEvent.action).where(AuditEvent.request_id == rid))
        )
        assert actions.count("job.drafting") == 2 and actions.count("job.ready") == 3
    body = download(client, rid, found["es"].job_id).decode()
    first, rest = body.split("\n", 1)
    assert first.startswith("MACHINE DRAFT - needs human review") and "argos" in first
    assert rest.lstrip("\n") == SOURCE_TXT  # the copy model: structure and text kept exactly
    page = client.get(f"/requests/{rid}")
    assert "Download the machine draft" in page.text and "Human translation only" in page.text


def test_docx_draft_keeps_structure_and_obeys_the_glossary(app, models, as_user):
    runner = app.test_cli_runner()
    from app.seed import SEED_GLOSSARY, seed_departments

    with app.app_context():
        seed_departments()
    assert runner.invoke(args=["glossary", "import", str(SEED_GLOSSARY)]).exit_code == 0
    doc = DocxDocument()
    doc.add_heading("Water service notice", level=1)
    doc.add_paragraph("Please call CharMeck 311 about this notice.")
    table = doc.add_table(rows=1, cols=2)
    table.cell(0, 0).text = "Hello world."
    table.cell(0, 1).text = "This is a test."
    doc.sections[0].header.paragraphs[0].text = "City hall"
    buf = io.BytesIO()
    doc.save(buf)
    client = as_user("staff_housing")
    rid = submit(client, buf.getvalue(), "notice.docx", ["es"])
    draft = drafts(app, rid)["es"]
    assert draft.status == DraftStatus.DONE, draft.reason
    out = DocxDocument(io.BytesIO(download(client, rid, draft.job_id)))
    texts = [p.text for p in out.paragraphs]
    assert texts[0].startswith("MACHINE DRAFT")
    assert "Water service aviso" in texts  # approved translation enforced in a heading
    assert "Please call CharMeck 311 about this aviso." in texts  # DNT kept, term replaced
    assert out.paragraphs[texts.index("Water service aviso")].style.name == "Heading 1"
    assert [c.text for c in out.tables[0].rows[0].cells] == ["Hello world.", "This is a test."]
    assert out.sections[0].header.paragraphs[0].text == "City hall"
    assert draft.flags == []


def test_translation_memory_is_reused_for_identical_segments(app, models, as_user):
    from app.mt.pipeline import remember

    with app.app_context():
        remember("es", "Water service notice.", "Aviso del servicio de agua.", None)
        db.session.commit()
    client = as_user("staff_housing")
    rid = submit(client, SOURCE_TXT.encode(), "notice.txt", ["es"])
    draft = drafts(app, rid)["es"]
    assert draft.memory_reused == 1
    assert "Aviso del servicio de agua." in download(client, rid, draft.job_id).decode()


def test_pending_jobs_of_one_language_share_one_engine_call(app, models, as_user, monkeypatch):
    from app import tasks
    from app.mt import registry
    from app.mt.pipeline import draft_language

    queued: list[str] = []
    real_enqueue = tasks.enqueue
    monkeypatch.setattr(
        tasks,
        "enqueue",
        lambda name, *args: (
            queued.append(args[0]) if name == "draft_language" else real_enqueue(name, *args)
        ),
    )
    client = as_user("staff_housing")
    first = submit(client, b"Hello world.", "a.txt", ["es"])
    second = submit(client, b"This is a test.\n\nWater service notice.", "b.txt", ["es"])
    assert queued == ["es", "es"]
    calls: list[int] = []
    with app.app_context():
        engine = registry.engine_for("es")
        real = engine.translate
        monkeypatch.setattr(
            engine,
            "translate",
            lambda texts, progress=None: calls.append(len(texts)) or real(texts, progress),
        )
        assert draft_language("es") == 2
        assert draft_language("es") == 0  # safe to run twice: nothing left
    assert calls == [3]
    assert drafts(app, first)["es"].status == drafts(app, second)["es"].status == DraftStatus.DONE


def _store_over(app, request_id, data: bytes):
    """Replace a request's stored document bytes (simulates a file the pipeline cannot read)."""
    from app.requests.documents import stored_path

    with app.app_context():
        req = db.session.get(Request, request_id)
        stored_path(app.config["UPLOAD_FOLDER"], req.document.sha256).write_bytes(data)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"PK\x03\x04 not really a zip", "damaged"),
        (bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 512, "password-protected"),
    ],
)
def test_unreadable_document_fails_its_draft_and_stays_with_humans(
    app, models, as_user, monkeypatch, data, reason
):
    from app import tasks
    from app.mt.pipeline import draft_language

    monkeypatch.setattr(tasks, "enqueue", lambda name, *args: None)
    doc = DocxDocument()
    doc.add_paragraph("Hello world.")
    buf = io.BytesIO()
    doc.save(buf)
    client = as_user("staff_housing")
    page = client.get("/requests/new/translation")
    client.post(
        "/requests/new/translation",
        data={
            "csrf_token": csrf_from(page.text),
            "title": "x",
            "languages": ["es"],
            "document": (io.BytesIO(buf.getvalue()), "n.docx"),
        },
        content_type="multipart/form-data",
    )
    with app.app_context():
        rid = db.session.scalar(select(Request.id))
        from app.mt.pipeline import plan_drafts

        plan_drafts(rid)
    _store_over(app, rid, data)
    with app.app_context():
        draft_language("es")
    draft = drafts(app, rid)["es"]
    assert draft.status == DraftStatus.FAILED and reason in draft.reason
    with app.app_context():
        assert db.session.get(Request, rid).jobs[0].status == JobStatus.READY


def test_document_over_the_segment_limit_is_left_to_humans(app, models, as_user):
    app.config["MT_MAX_SEGMENTS"] = 2
    try:
        rid = submit(as_user("staff_housing"), SOURCE_TXT.encode(), "n.txt", ["es"])
    finally:
        app.config["MT_MAX_SEGMENTS"] = 5000
    draft = drafts(app, rid)["es"]
    assert draft.status == DraftStatus.FAILED and "more segments than the limit" in draft.reason


def test_a_draft_left_running_by_a_dead_worker_is_redone_exactly_once(app, models, as_user):
    client = as_user("staff_housing")
    rid = submit(client, SOURCE_TXT.encode(), "n.txt", ["es"])
    with app.app_context():
        draft = db.session.scalar(select(MTDraft))
        job = draft.job
        # The worker died mid-draft: status running, no file, job still drafting.
        draft.status, draft.draft_sha256, draft.segments_done = DraftStatus.RUNNING, None, 1
        draft.attempts = 1
        job.status = JobStatus.DRAFTING
        db.session.commit()
        db.session.execute(
            MTDraft.__table__.update().values(updated_at=utcnow() - timedelta(hours=1))
        )
        db.session.commit()
    app.extensions["queue_tasks"]["recover_drafts"]()
    found = drafts(app, rid)
    assert found["es"].status == DraftStatus.DONE and found["es"].attempts == 2
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(MTDraft)) == 1
        assert db.session.get(Request, rid).jobs[0].status == JobStatus.READY
    assert download(client, rid, found["es"].job_id).decode().endswith(SOURCE_TXT)


def test_progress_json_is_for_the_departments_eyes_only(app, models, as_user):
    rid = submit(as_user("staff_housing"), SOURCE_TXT.encode(), "n.txt", ["es", "ta"])
    data = as_user("staff_housing").get(f"/requests/{rid}/drafts.json").get_json()
    by_lang = {j["language"]: j for j in data["jobs"]}
    assert by_lang["es"]["done"] == by_lang["es"]["total"] == 3 and not data["active"]
    assert by_lang["es"]["download_url"] and by_lang["ta"]["status"] == "human_only"
    assert as_user("staff_water").get(f"/requests/{rid}/drafts.json").status_code == 404
    job = by_lang["es"]["job_id"]
    assert as_user("staff_water").get(f"/requests/{rid}/jobs/{job}/draft").status_code == 404


def test_cli_translate_drafts_one_file(app, models, tmp_path):
    src, out = tmp_path / "notice.txt", tmp_path / "notice.es.txt"
    src.write_text(SOURCE_TXT)
    result = models.invoke(args=["mt", "translate", str(src), "--to", "es", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "3 segments" in result.output
    assert out.read_text().endswith(SOURCE_TXT)
    missing = models.invoke(args=["mt", "translate", str(src), "--to", "ta", "-o", str(out)])
    assert missing.exit_code != 0 and "no model drafts ta" in missing.output


def test_invalid_model_files_are_refused_and_nothing_installed(app, models, tmp_path):
    junk = tmp_path / "junk.argosmodel"
    junk.write_bytes(b"not a zip")
    out = models.invoke(args=["models", "install", str(junk)])
    assert out.exit_code != 0 and "not a valid Argos package" in out.output
    wrong = tmp_path / "wrong.argosmodel"
    with zipfile.ZipFile(wrong, "w") as zf:
        zf.writestr("pkg/metadata.json", '{"from_code": "de", "to_code": "es"}')
        zf.writestr("pkg/model/model.bin", "x")
    out = models.invoke(args=["models", "install", str(wrong)])
    assert out.exit_code != 0 and "translates de->es" in out.output
    out = models.invoke(args=["models", "install-ct2", str(tmp_path), "--languages", "ta"])
    assert out.exit_code != 0 and "not a CTranslate2 NLLB model" in out.output


def test_online_install_is_only_tried_when_asked_and_fails_clearly_offline(app, models):
    out = models.invoke(args=["models", "install", "es"])
    assert out.exit_code != 0 and "--online" in out.output
    out = models.invoke(args=["models", "install", "--online", "fr"])
    assert out.exit_code != 0 and "cannot reach the Argos package index" in out.output


def test_online_install_fetches_index_and_package_over_http(app, models, tmp_path):
    """A loopback server stands in for the Argos index, so the real download path runs."""
    import http.server
    import json
    import threading

    from tests.support.tiny_models import build_tiny_argos_package

    package = build_tiny_argos_package(tmp_path / "pkg", "en", "hi")
    served = {"/index.json": None, "/en_hi.argosmodel": package.read_bytes()}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            body = served.get(self.path)
            self.send_response(200 if body is not None else 404)
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    base = f"http://127.0.0.1:{server.server_address[1]}"
    served["/index.json"] = json.dumps(
        [
            {
                "from_code": "en",
                "to_code": "hi",
                "from_name": "English",
                "to_name": "Hindi",
                "package_version": "9.9",
                "argos_version": "1.0",
                "type": "translate",
                "links": [f"{base}/en_hi.argosmodel"],
                "code": "translate-en_hi",
            }
        ]
    ).encode()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    old = app.config["MT_ARGOS_INDEX_URL"]
    app.config["MT_ARGOS_INDEX_URL"] = f"{base}/index.json"
    try:
        out = models.invoke(args=["models", "install", "--online", "hi"])
    finally:
        app.config["MT_ARGOS_INDEX_URL"] = old
        server.shutdown()
        server.server_close()
    assert out.exit_code == 0, out.output
    assert "installed en->hi 9.9" in out.output
    listing = models.invoke(args=["models", "list"]).output
    assert any(line.startswith("hi") and "argos" in line for line in listing.splitlines())


def test_model_coverage_page_is_for_the_coordinator(app, models, as_user):
    page = as_user("coordinator").get("/admin/models")
    assert (
        page.status_code == 200
        and "tiny-nllb-1" in page.text
        and "Human translation only" in page.text
    )
    assert as_user("staff_housing").get("/admin/models").status_code == 403


def test_glossary_findings_on_a_draft_are_listed_with_its_flags(app, models):
    """A memory entry that breaks the glossary is caught by the glossary check on the draft."""
    from app.glossary.matcher import TermEntry, build_matcher
    from app.mt.pipeline import finish, lookup_memory, memory_key, prepare

    matcher = build_matcher(
        [TermEntry(term_id=7, source="notice", approved="aviso", forbidden=("noticia",))]
    )
    with app.app_context():
        memory = {memory_key("Read the notice."): "Lea la noticia."}
        prepared = prepare(
            b"Read the notice.\n\nCall 704-555-0142 today.",
            ".txt",
            matcher,
            lambda texts: memory,
            100,
        )
        machine = [shielded.text.replace("0142", "0143") for _i, shielded in prepared.pending]
        _data, flags, _targets = finish(prepared, machine, "banner", "es")
    kinds = {(f["segment"], f["kind"]) for f in flags}
    assert kinds == {(1, "approved_missing"), (1, "forbidden_used"), (2, "phone")}
    assert lookup_memory  # the real lookup is exercised by the memory test above


def test_a_running_worker_sees_a_model_installed_by_another_process(app, models, tmp_path):
    from app.mt import registry
    from app.mt.argos_env import install_argos_package
    from tests.support.tiny_models import build_tiny_argos_package

    # Models installed by a test stay for the session: es, fr, hi, ru (Argos) and vi (NLLB) are
    # taken by other tests, ta stays human-only, so this test owns Thai.
    with app.app_context():
        assert registry.engine_for("th") is None  # cached as "human only"
        # Another process (the CLI) installs a model; it cannot clear this process's cache.
        install_argos_package(build_tiny_argos_package(tmp_path, "en", "th"))
        engine = registry.engine_for("th")
        assert engine is not None and engine.translate(["Hello world."]) == ["Hello world."]


def test_worker_reasons_are_shown_in_the_readers_language(app, models, as_user):
    from flask_babel import force_locale, gettext

    client = as_user("staff_housing")
    rid = submit(client, SOURCE_TXT.encode(), "n.txt", ["es", "ta"])
    page = client.get(f"/requests/{rid}", headers={"Accept-Language": "ar"}).text
    with app.test_request_context(), force_locale("ar"):
        no_model = gettext("No machine translation model covers this language.")
        ready = gettext("Machine draft ready")
    assert no_model != "No machine translation model covers this language."
    assert page.count(no_model) >= 2  # in the job's row and on the timeline
    assert ready in page
    assert "No machine translation model covers this language." not in page
