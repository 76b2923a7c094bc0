"""Every route, every role: each reaches exactly what it should, and nothing else.

The tables below list every endpoint of the app. A new route that is not listed fails
`test_every_route_is_in_the_matrix`, so access is decided, not inherited by accident.
"""

from __future__ import annotations

import hashlib
import io
from typing import Any

import pytest
from sqlalchemy import func, select

from app.audit import AuditEvent
from app.auth.actor import Actor
from app.auth.models import User
from app.extensions import db
from app.glossary.services import TermInput, add_term, propose_translation
from app.mt.models import DraftStatus, MTDraft
from app.requests.documents import store_blob
from app.vendors.models import VendorService
from tests.conftest import csrf_from
from tests.functional import vendor_helpers as vh

ROLES = ("anon", "staff_housing", "staff_water", "coordinator", "compliance", "vendor", "admin")


def row(*codes: int) -> dict[str, int]:
    """Expected statuses in ROLES order."""
    assert len(codes) == len(ROLES)
    return dict(zip(ROLES, codes, strict=True))


#               anon staff other coord compl vendor admin
EVERYONE = row(302, 200, 200, 200, 200, 200, 200)
CURATORS = row(302, 403, 403, 200, 403, 403, 200)
REGISTRY = row(302, 403, 403, 200, 200, 403, 200)
STAFF_ONLY = row(302, 200, 200, 403, 403, 403, 403)
OWN_REQUEST = row(302, 200, 404, 200, 200, 403, 200)
OWN_JOB = row(302, 200, 404, 200, 200, 200, 200)
REPORTS = row(302, 200, 200, 200, 200, 403, 200)

GET: dict[str, tuple[str, dict[str, int]]] = {
    "requests.index": ("/", row(302, 200, 200, 200, 200, 302, 200)),
    "requests.new_translation": ("/requests/new/translation", STAFF_ONLY),
    "requests.new_interpretation": ("/requests/new/interpretation", STAFF_ONLY),
    "requests.detail": ("/requests/{request}", OWN_REQUEST),
    "requests.document": ("/requests/{request}/document", OWN_REQUEST),
    "mt.progress": ("/requests/{request}/drafts.json", OWN_REQUEST),
    "mt.download": ("/requests/{request}/jobs/{job}/draft", OWN_REQUEST),
    "mt.models": ("/admin/models", CURATORS),
    "glossary.index": ("/glossary/", EVERYONE),
    "glossary.term": ("/glossary/{term}", EVERYONE),
    "glossary.check": ("/glossary/check", EVERYONE),
    "glossary.export": ("/glossary/export", EVERYONE),
    "glossary.import_file": ("/glossary/import", CURATORS),
    "glossary.new": ("/glossary/new", CURATORS),
    "vendors.index": ("/vendors", REGISTRY),
    "vendors.new": ("/vendors/new", CURATORS),
    "vendors.detail": ("/vendors/{vendor}", REGISTRY),
    "vendors.scorecard_page": ("/vendors/scorecards", REGISTRY),
    "vendors.portal": ("/vendor", row(302, 403, 403, 403, 403, 200, 403)),
    "vendors.job": ("/jobs/{job}", OWN_JOB),
    "vendors.source": ("/jobs/{job}/source", OWN_JOB),
    "vendors.draft": ("/jobs/{job}/draft", OWN_JOB),
    "vendors.xliff": ("/jobs/{job}/xliff", OWN_JOB),
    "vendors.glossary": ("/jobs/{job}/glossary.csv", OWN_JOB),
    "vendors.delivery_file": ("/jobs/{job}/deliveries/1", OWN_JOB),
    "reports.index": ("/reports", REPORTS),
    "reports.records": ("/reports/records?section=requests", REPORTS),
    "reports.export": ("/reports/export.csv", REPORTS),
    "sms.outbox": ("/sms/outbox", row(302, 403, 403, 403, 403, 403, 200)),
    "auth.preferences": ("/preferences", EVERYONE),
}

#: Who may POST to each endpoint; every other signed-in role must get 403 or 404.
POST: dict[str, tuple[str, set[str]]] = {
    "requests.new_translation": ("/requests/new/translation", {"staff_housing", "staff_water"}),
    "requests.new_interpretation": (
        "/requests/new/interpretation",
        {"staff_housing", "staff_water"},
    ),
    "requests.cancel": ("/requests/{request}/cancel", {"staff_housing", "coordinator", "admin"}),
    "glossary.new": ("/glossary/new", {"coordinator", "admin"}),
    "glossary.import_file": ("/glossary/import", {"coordinator", "admin"}),
    "glossary.check": ("/glossary/check", set(ROLES) - {"anon"}),
    "glossary.propose": (
        "/glossary/{term}/translations",
        {"staff_housing", "staff_water", "coordinator", "vendor", "admin"},
    ),
    "glossary.decide": ("/glossary/translations/{translation}/approve", {"coordinator", "admin"}),
    "vendors.new": ("/vendors/new", {"coordinator", "admin"}),
    "vendors.detail": ("/vendors/{vendor}", {"coordinator", "admin"}),
    "vendors.add_service": ("/vendors/{vendor}/services", {"coordinator", "admin"}),
    "vendors.remove_service": (
        "/vendors/{vendor}/services/{service}/delete",
        {"coordinator", "admin"},
    ),
    "vendors.offer": ("/jobs/{job}/offer", {"coordinator", "admin"}),
    "vendors.withdraw": ("/jobs/{job}/withdraw", {"coordinator", "admin"}),
    "vendors.reschedule": ("/jobs/{job}/reschedule", {"coordinator", "admin"}),
    # The world's job is a translation: nobody may see a phone number on it (403 for all).
    "vendors.reveal_phone": ("/jobs/{job}/phone", set()),
    "vendors.respond": ("/jobs/{job}/respond", {"vendor"}),
    "vendors.deliver": ("/jobs/{job}/deliver", {"vendor"}),
    "vendors.interpreter": ("/jobs/{job}/interpreter", {"vendor"}),
    "vendors.log_interpreting": ("/jobs/{job}/log", {"vendor"}),
    "vendors.hold": ("/jobs/{job}/hold", {"vendor", "coordinator", "admin"}),
    "vendors.resume": ("/jobs/{job}/resume", {"vendor", "staff_housing", "coordinator", "admin"}),
    "vendors.review": ("/jobs/{job}/review", {"staff_housing", "coordinator", "admin"}),
    "auth.preferences": ("/preferences", set(ROLES) - {"anon"}),
    "auth.logout": ("/logout", set(ROLES) - {"anon"}),
}

#: Endpoints with their own guard, tested where that guard is: the sign-in page, static files,
#: the API (bearer tokens: tests/functional/test_api*.py) and Twilio's signed webhooks.
ELSEWHERE = {
    "auth.login",
    "static",
    "api.openapi",
    "api.list_requests",
    "api.create_request",
    "api.get_request",
    "api.list_terms",
    "api.get_term",
    "api.check_translation",
    "sms.inbound",
    "sms.status",
}


@pytest.fixture()
def world(app, city) -> dict[str, Any]:
    """One request of the housing department with a job held by the vendor, and the rest."""
    with app.app_context():
        coordinator = Actor.for_user(db.session.get(User, city["coordinator"]))
        vendor_id = vh.add_vendor("Lingo")
        vh.link_vendor_user(city["vendor"], vendor_id)
        job_id = vh.translation_job(city["staff_housing"])
        job = vh.job(job_id)
        job.vendor_id = vendor_id
        sha = hashlib.sha256(b"draft").hexdigest()
        store_blob(app.config["UPLOAD_FOLDER"], b"draft", sha)
        # Pretend a model drafted it: the job's draft row (human-only so far) gets a file.
        draft = db.session.scalar(select(MTDraft).where(MTDraft.job_id == job_id))
        draft.status, draft.draft_sha256, draft.draft_name = DraftStatus.DONE, sha, "draft.txt"
        db.session.commit()
        term = add_term(TermInput(source="Water shutoff"), coordinator)
        term_id = term.id
        proposal = propose_translation(
            term_id,
            "es",
            "Corte",
            "translation",
            "",
            Actor.for_user(db.session.get(User, city["staff_housing"])),
        )
        service_id = db.session.scalar(
            select(VendorService.id).where(VendorService.vendor_id == vendor_id)
        )
        return {
            "request": job.request_id,
            "job": job_id,
            "term": term_id,
            "translation": proposal.id,
            "vendor": vendor_id,
            "service": service_id,
        }


def _deliver_once(app, as_user, world) -> None:
    """Give the job a delivery so its download exists (accept the offer, then deliver)."""
    coordinator = as_user("coordinator")
    job = world["job"]
    with app.app_context():
        j = vh.job(job)
        j.vendor_id = None
        db.session.commit()
    token = csrf_from(coordinator.get(f"/jobs/{job}").text)
    coordinator.post(f"/jobs/{job}/offer", data={"vendor": world["vendor"], "csrf_token": token})
    vendor = as_user("vendor")
    token = csrf_from(vendor.get(f"/jobs/{job}").text)
    vendor.post(f"/jobs/{job}/respond", data={"accept": "1", "csrf_token": token})
    resp = vendor.post(
        f"/jobs/{job}/deliver",
        data={"csrf_token": token, "file": (io.BytesIO("译文。\n\n请拨打311。".encode()), "d.txt")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302, resp.text


def test_every_route_is_in_the_matrix(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    listed = set(GET) | set(POST) | ELSEWHERE
    assert endpoints - listed == set(), "decide who may use these routes"
    assert listed - endpoints == set(), "these routes no longer exist"


def test_each_role_gets_exactly_what_it_should(app, as_user, world):
    _deliver_once(app, as_user, world)
    clients = {role: (app.test_client() if role == "anon" else as_user(role)) for role in ROLES}
    wrong = []
    for endpoint, (template, expected) in GET.items():
        path = template.format(**world)
        for role, status in expected.items():
            with clients[role].get(path) as resp:  # closes file downloads
                got = resp.status_code
            if got != status:
                wrong.append(f"{role} GET {path} ({endpoint}): {got}, expected {status}")
    assert not wrong, "\n".join(wrong)


def test_roles_that_may_not_post_change_nothing(app, as_user, world):
    clients = {role: as_user(role) for role in ROLES if role != "anon"}
    tokens = {role: csrf_from(c.get("/preferences").text) for role, c in clients.items()}
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    wrong = []
    for endpoint, (template, allowed) in POST.items():
        path = template.format(**world)
        for role, client in clients.items():
            if role in allowed:
                continue
            got = client.post(path, data={"csrf_token": tokens[role]}).status_code
            if got not in (403, 404):
                wrong.append(f"{role} POST {path} ({endpoint}): {got}")
        anon = app.test_client().post(path, data={}).status_code
        if anon not in (302, 400, 401):
            wrong.append(f"anon POST {path} ({endpoint}): {anon}")
    assert not wrong, "\n".join(wrong)
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_compliance_changes_nothing_anywhere(app, as_user, world):
    client = as_user("compliance")
    token = csrf_from(client.get("/preferences").text)
    with app.app_context():
        before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    for endpoint, (template, allowed) in POST.items():
        if endpoint.startswith("auth."):
            continue  # their own preferences and signing out are not changes to the city's data
        assert "compliance" not in allowed or endpoint == "glossary.check", endpoint
        client.post(template.format(**world), data={"csrf_token": token})
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before
