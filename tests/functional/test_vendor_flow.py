"""Routing, the vendor portal, deliveries (document and XLIFF) and review, through the pages."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import docx
import pytest
import time_machine
from lxml import etree
from sqlalchemy import func, select

from app.auth.models import Role
from app.extensions import db
from app.glossary.services import TermInput, add_term, propose_translation
from app.mt.models import MemoryEntry
from app.policy import get_policy
from app.requests.models import Job, JobStatus, RequestStatus
from app.vendors.models import Delivery, Offer, OfferStatus, ReviewOutcome, Service
from app.vendors.reminders import run_clock
from tests.conftest import csrf_from
from tests.functional import vendor_helpers as vh

XLIFF_NS = {"x": "urn:oasis:names:tc:xliff:document:1.2"}


@pytest.fixture()
def vendors(app, city):
    """Lingo (the city fixture's vendor user) and Other (user vendor2), both for Chinese."""
    with app.app_context():
        lingo = vh.add_vendor("Lingo")
        other = vh.add_vendor("Other", user="vendor2", rate="0.20")
        vh.link_vendor_user(city["vendor"], lingo)
    return {"lingo": lingo, "other": other}


def _offer(client, job_id: int, vendor_id: int):
    page = client.get(f"/jobs/{job_id}")
    return client.post(
        f"/jobs/{job_id}/offer", data={"vendor": vendor_id, "csrf_token": csrf_from(page.text)}
    )


def _accept(client, job_id: int):
    page = client.get(f"/jobs/{job_id}")
    assert page.status_code == 200, page.text
    return client.post(
        f"/jobs/{job_id}/respond", data={"accept": "Accept", "csrf_token": csrf_from(page.text)}
    )


def _files(app) -> int:
    return sum(1 for p in Path(app.config["UPLOAD_FOLDER"]).rglob("*") if p.is_file())


def _assigned(app, city, vendors, as_user, **kw) -> int:
    """A translation job offered to Lingo and accepted; its id."""
    with app.app_context():
        job_id = vh.translation_job(city["staff_housing"], **kw)
    assert _offer(as_user("coordinator"), job_id, vendors["lingo"]).status_code == 302
    assert _accept(as_user("vendor"), job_id).status_code == 302
    return job_id


def test_job_page_ranks_vendors_and_the_coordinator_offers_the_job(app, city, vendors, as_user):
    with app.app_context():
        job_id = vh.translation_job(city["staff_housing"])
        assert vh.job(job_id).status == JobStatus.READY
    coordinator = as_user("coordinator")
    page = coordinator.get(f"/jobs/{job_id}")
    # Neither has a record yet: equal, so the cheaper (Lingo, 0.14 a word) comes first.
    assert page.text.index("Lingo") < page.text.index("Other")
    assert _offer(coordinator, job_id, vendors["lingo"]).status_code == 302
    with app.app_context():
        job = vh.job(job_id)
        assert job.status == JobStatus.OFFERED and job.vendor_id == vendors["lingo"]
        offer = db.session.scalar(select(Offer).where(Offer.job_id == job_id))
        assert offer.status == OfferStatus.PENDING
        assert offer.expires_at - offer.created_at == timedelta(hours=24)
    timeline = coordinator.get(f"/requests/{vh.request_id_of(app, job_id)}").text
    assert "Offered to a vendor" in timeline


def test_ranking_puts_the_punctual_vendor_first_even_when_dearer(app, city, vendors, as_user):
    from app.vendors.routing import candidates

    with app.app_context():
        done = [vh.translation_job(city["staff_housing"]) for _ in range(4)]
        for n, job_id in enumerate(done):
            job = db.session.get(Job, job_id)
            job.status, job.completed_at = JobStatus.COMPLETED, datetime.now(UTC)
            job.vendor_id = vendors["other"] if n < 2 else vendors["lingo"]
            job.on_time = n < 2  # Other: 2 of 2 on time; Lingo: 0 of 2
        db.session.commit()
        fresh = vh.translation_job(city["staff_housing"])
        ranked = candidates(vh.job(fresh))
        assert [c.vendor.name for c in ranked] == ["Other", "Lingo"]
        assert ranked[0].on_time_rate == 1.0 and ranked[1].on_time_rate == 0.0
    page = as_user("coordinator").get(f"/jobs/{fresh}").text
    assert page.index("Other") < page.index("Lingo")
    assert "100%" in page and "0%" in page


def test_an_offer_to_a_vendor_without_the_language_is_refused(app, city, vendors, as_user):
    with app.app_context():
        spanish_only = vh.add_vendor("Hablamos", language="es")
        job_id = vh.translation_job(city["staff_housing"])
    resp = _offer(as_user("coordinator"), job_id, spanish_only)
    assert resp.status_code == 422
    assert "Hablamos has no current contract for this language and service." in resp.text
    with app.app_context():
        assert vh.job(job_id).status == JobStatus.READY
        assert db.session.scalar(select(func.count()).select_from(Offer)) == 0


def test_a_full_vendor_cannot_take_more(app, city, as_user):
    with app.app_context():
        tiny = vh.add_vendor("Tiny", capacity=1)
        first, second = (vh.translation_job(city["staff_housing"]) for _ in range(2))
    coordinator = as_user("coordinator")
    assert _offer(coordinator, first, tiny).status_code == 302
    resp = _offer(coordinator, second, tiny)
    assert resp.status_code == 422 and "Tiny is at its capacity of open jobs." in resp.text


def test_vendors_see_only_their_own_jobs(app, city, vendors, as_user):
    with app.app_context():
        mine = vh.translation_job(city["staff_housing"])
        theirs = vh.translation_job(city["staff_water"])
    coordinator = as_user("coordinator")
    _offer(coordinator, mine, vendors["lingo"])
    _offer(coordinator, theirs, vendors["other"])
    lingo = as_user("vendor")
    portal = lingo.get("/vendor").text
    with app.app_context():
        mine_number = vh.request_of(mine).number
        theirs_number = vh.request_of(theirs).number
    assert mine_number in portal and theirs_number not in portal
    for path in ("", "/source", "/xliff", "/glossary.csv"):
        assert lingo.get(f"/jobs/{theirs}{path}").status_code == 404
    assert lingo.get(f"/jobs/{mine}/source").status_code == 200
    # A vendor cannot answer, deliver or log another vendor's job.
    token = csrf_from(lingo.get(f"/jobs/{mine}").text)
    resp = lingo.post(f"/jobs/{theirs}/respond", data={"accept": "1", "csrf_token": token})
    assert resp.status_code == 404
    resp = lingo.post(
        f"/jobs/{theirs}/deliver",
        data={"csrf_token": token, "file": (io.BytesIO(b"hola"), "x.txt")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 404
    with app.app_context():
        assert vh.job(theirs).status == JobStatus.OFFERED
    # Vendors have no request list, and staff cannot reach vendor actions.
    assert lingo.get("/").status_code == 302
    assert lingo.get("/requests/1").status_code == 403
    staff = as_user("staff_housing")
    assert staff.get("/vendor").status_code == 403
    assert staff.get(f"/jobs/{mine}").status_code == 200
    assert as_user("staff_water").get(f"/jobs/{mine}").status_code == 404


def test_declining_needs_a_reason_and_sends_the_job_back(app, city, vendors, as_user):
    with app.app_context():
        job_id = vh.translation_job(city["staff_housing"])
    _offer(as_user("coordinator"), job_id, vendors["lingo"])
    lingo = as_user("vendor")
    token = csrf_from(lingo.get(f"/jobs/{job_id}").text)
    bare = lingo.post(f"/jobs/{job_id}/respond", data={"decline": "1", "csrf_token": token})
    assert bare.status_code == 422
    assert "Say why you decline, so the job can be rerouted." in bare.text
    resp = lingo.post(
        f"/jobs/{job_id}/respond",
        data={"decline": "1", "reason": "No Cantonese reviewer this week", "csrf_token": token},
    )
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/vendor")
    with app.app_context():
        job = vh.job(job_id)
        assert job.status == JobStatus.READY and job.vendor_id is None
        offer = db.session.scalar(select(Offer).where(Offer.job_id == job_id))
        assert offer.status == OfferStatus.DECLINED
        assert offer.reason == "No Cantonese reviewer this week"
    page = as_user("coordinator").get(f"/jobs/{job_id}").text
    assert "(declined this job)" in page and "No Cantonese reviewer this week" in page
    # Declined: the other vendor now ranks first.
    assert page.index("Other") < page.index("Lingo")
    assert lingo.get(f"/jobs/{job_id}").status_code == 404


def test_an_unanswered_offer_expires_and_the_job_goes_back(app, city, vendors, as_user):
    with app.app_context():
        job_id = vh.translation_job(city["staff_housing"])
    _offer(as_user("coordinator"), job_id, vendors["lingo"])
    with app.app_context():
        assert run_clock().expired == 0
        with time_machine.travel(datetime.now(UTC) + timedelta(hours=25)):
            result = run_clock()
        assert result.expired == 1
        job = vh.job(job_id)
        assert job.status == JobStatus.READY and job.vendor_id is None
        offer = db.session.scalar(select(Offer).where(Offer.job_id == job_id))
        assert offer.status == OfferStatus.EXPIRED


def test_xliff_round_trip_rebuilds_the_word_document_with_the_vendors_edit(
    app, city, vendors, as_user
):
    source = vh.docx_bytes("Your water will be shut off.", "Pay your bill at City Hall.")
    job_id = _assigned(
        app, city, vendors, as_user, file_name="notice.docx", file_data=source, text=None
    )
    lingo = as_user("vendor")
    exported = lingo.get(f"/jobs/{job_id}/xliff")
    assert exported.status_code == 200
    assert exported.headers["Content-Disposition"].endswith(".xlf")
    tree = etree.fromstring(exported.data)
    units = tree.findall(".//x:trans-unit", XLIFF_NS)
    assert [u.findtext("x:source", namespaces=XLIFF_NS) for u in units] == [
        "Your water will be shut off.",
        "Pay your bill at City Hall.",
    ]
    for unit, text in zip(units, ("您的供水将被切断。", "请在市政厅缴纳账单。"), strict=True):
        target = unit.find("x:target", XLIFF_NS)
        if target is None:
            target = etree.SubElement(unit, f"{{{XLIFF_NS['x']}}}target")
        target.text = text
    edited = etree.tostring(tree, xml_declaration=True, encoding="UTF-8")
    token = csrf_from(lingo.get(f"/jobs/{job_id}").text)
    resp = lingo.post(
        f"/jobs/{job_id}/deliver",
        data={"csrf_token": token, "file": (io.BytesIO(edited), "notice-zh.xlf")},
        content_type="multipart/form-data",
    )
    assert resp.status_code == 302, resp.text
    with app.app_context():
        assert vh.job(job_id).status == JobStatus.DELIVERED
        delivery = db.session.scalar(select(Delivery).where(Delivery.job_id == job_id))
        assert delivery.format.value == "xliff" and delivery.on_time
        assert delivery.document.original_name == "notice.zh.docx"
    rebuilt = lingo.get(f"/jobs/{job_id}/deliveries/1")
    paragraphs = [p.text for p in docx.Document(io.BytesIO(rebuilt.data)).paragraphs]
    assert paragraphs == ["您的供水将被切断。", "请在市政厅缴纳账单。"]


def test_a_delivery_that_does_not_fit_the_job_is_refused_and_nothing_changes(
    app, city, vendors, as_user
):
    job_id = _assigned(app, city, vendors, as_user)
    lingo = as_user("vendor")
    xliff = lingo.get(f"/jobs/{job_id}/xliff").data
    tree = etree.fromstring(xliff)
    first = tree.find(".//x:trans-unit", XLIFF_NS)
    first.set("id", "99")
    first.find("x:source", XLIFF_NS).text = "Something else entirely"
    bad_xliff = etree.tostring(tree)
    files_before = _files(app)
    token = csrf_from(lingo.get(f"/jobs/{job_id}").text)
    cases = [
        (bad_xliff, "wrong.xlf", "99"),
        (b"%PDF-1.4 not a translation", "notice.pdf", "Deliver a .txt file like the source"),
        (b"\x89PNG\r\n\x1a\n", "notice.txt", "This file is really a PNG file"),
        (b"<!DOCTYPE x [<!ENTITY a 'b'>]><xliff/>", "bomb.xlf", "DOCTYPE"),
    ]
    for data, name, message in cases:
        resp = lingo.post(
            f"/jobs/{job_id}/deliver",
            data={"csrf_token": token, "file": (io.BytesIO(data), name)},
            content_type="multipart/form-data",
        )
        assert resp.status_code == 422, name
        assert message in resp.text, (name, resp.text[:2000])
    missing = lingo.post(
        f"/jobs/{job_id}/deliver", data={"csrf_token": token}, content_type="multipart/form-data"
    )
    assert missing.status_code == 422 and "Choose the file to deliver." in missing.text
    with app.app_context():
        assert vh.job(job_id).status == JobStatus.IN_PROGRESS
        assert db.session.scalar(select(func.count()).select_from(Delivery)) == 0
    assert _files(app) == files_before


def _deliver_text(client, job_id: int, text: str):
    token = csrf_from(client.get(f"/jobs/{job_id}").text)
    return client.post(
        f"/jobs/{job_id}/deliver",
        data={"csrf_token": token, "file": (io.BytesIO(text.encode()), "done.txt")},
        content_type="multipart/form-data",
    )


def _glossary_term(app, city) -> None:
    from app.auth.actor import Actor
    from app.auth.models import User

    with app.app_context():
        coordinator = Actor.for_user(db.session.get(User, city["coordinator"]))
        term = add_term(TermInput(source="City Hall"), coordinator)
        propose_translation(term.id, vh.LANGUAGE, "市政厅", "translation", "", coordinator)


def test_the_requester_sees_glossary_findings_and_accepts(app, city, vendors, as_user):
    _glossary_term(app, city)
    job_id = _assigned(app, city, vendors, as_user, text="Come to City Hall.\n\nBring your letter.")
    lingo = as_user("vendor")
    assert _deliver_text(lingo, job_id, "请到市府来。\n\n带上你的信。").status_code == 302
    staff = as_user("staff_housing")
    page = staff.get(f"/jobs/{job_id}").text
    assert "1 glossary finding" in page and "City Hall" in page and "市政厅" in page
    token = csrf_from(page)
    assert (
        staff.post(f"/jobs/{job_id}/review", data={"accept": "1", "csrf_token": token}).status_code
        == 302
    )
    with app.app_context():
        job = vh.job(job_id)
        assert job.status == JobStatus.COMPLETED and job.on_time is True
        assert job.request.status == RequestStatus.COMPLETED
        delivery = db.session.scalar(select(Delivery).where(Delivery.job_id == job_id))
        assert delivery.outcome == ReviewOutcome.ACCEPTED and not delivery.glossary_passed
        rows = db.session.execute(select(MemoryEntry.source_text, MemoryEntry.target_text))
        memory = {source: target for source, target in rows}
        assert memory == {
            "Come to City Hall.": "请到市府来。",
            "Bring your letter.": "带上你的信。",
        }
    # Compliance reads, never reviews.
    compliance = as_user("compliance")
    page = compliance.get(f"/jobs/{job_id}").text
    assert "Review" not in page
    token = csrf_from(page)
    assert (
        compliance.post(
            f"/jobs/{job_id}/review", data={"accept": "1", "csrf_token": token}
        ).status_code
        == 403
    )


def test_returning_a_delivery_restarts_the_vendors_clock(app, city, vendors, as_user):
    job_id = _assigned(app, city, vendors, as_user)
    lingo = as_user("vendor")
    assert _deliver_text(lingo, job_id, "第一版。\n\n请拨打311。").status_code == 302
    coordinator = as_user("coordinator")
    token = csrf_from(coordinator.get(f"/jobs/{job_id}").text)
    empty = coordinator.post(f"/jobs/{job_id}/review", data={"send_back": "1", "csrf_token": token})
    assert empty.status_code == 422 and "Say what the vendor must change." in empty.text
    later = datetime.now(UTC) + timedelta(days=7)
    with time_machine.travel(later):
        token = csrf_from(coordinator.get(f"/jobs/{job_id}").text)
        resp = coordinator.post(
            f"/jobs/{job_id}/review",
            data={"send_back": "1", "comment": "Use 市政厅 for City Hall.", "csrf_token": token},
        )
        assert resp.status_code == 302
        with app.app_context():
            policy = get_policy()
            job = vh.job(job_id)
            assert job.status == JobStatus.IN_PROGRESS
            assert job.vendor_due_date == policy.calendar.add_business_days(
                policy.calendar.today(), 3
            )
    assert "Use 市政厅 for City Hall." in lingo.get(f"/jobs/{job_id}").text
    assert _deliver_text(lingo, job_id, "第二版。\n\n请拨打311。").status_code == 302
    with app.app_context():
        numbers = db.session.scalars(
            select(Delivery.number).where(Delivery.job_id == job_id).order_by(Delivery.number)
        ).all()
        assert numbers == [1, 2]


def test_waiting_on_the_requester_pauses_the_clock(app, city, vendors, as_user):
    job_id = _assigned(app, city, vendors, as_user)
    with app.app_context():
        due_before = vh.job(job_id).vendor_due_date
    lingo = as_user("vendor")
    token = csrf_from(lingo.get(f"/jobs/{job_id}").text)
    assert (
        lingo.post(
            f"/jobs/{job_id}/hold", data={"question": "Formal or informal?", "csrf_token": token}
        ).status_code
        == 302
    )
    later = datetime.now(UTC) + timedelta(days=7)
    with time_machine.travel(later), app.app_context():
        policy = get_policy()
        waited = policy.calendar.business_days_between(
            (later - timedelta(days=7)).astimezone(policy.calendar.timezone).date(),
            policy.calendar.today(),
        )
        staff = as_user("staff_housing")
        token = csrf_from(staff.get(f"/jobs/{job_id}").text)
        assert (
            staff.post(
                f"/jobs/{job_id}/resume", data={"answer": "Formal.", "csrf_token": token}
            ).status_code
            == 302
        )
        job = vh.job(job_id)
        assert job.status == JobStatus.IN_PROGRESS and job.on_hold_since is None
        assert waited >= 4
        assert job.vendor_due_date == policy.calendar.add_business_days(due_before, waited)


def test_interpreting_is_confirmed_logged_and_closed(app, city, vendors, as_user):
    with app.app_context():
        policy = get_policy()
        day = policy.calendar.add_business_days(policy.calendar.today(), 3)
        starts = datetime.combine(day, datetime.min.time()).replace(
            hour=10, tzinfo=policy.calendar.timezone
        )
        job_id = vh.interpretation_job(city["staff_housing"], starts)
    coordinator = as_user("coordinator")
    assert _offer(coordinator, job_id, vendors["lingo"]).status_code == 302
    lingo = as_user("vendor")
    assert _accept(lingo, job_id).status_code == 302
    token = csrf_from(lingo.get(f"/jobs/{job_id}").text)
    early = lingo.post(
        f"/jobs/{job_id}/log",
        data={
            "start_date": day.isoformat(),
            "start_time": "10:00",
            "end_time": "10:30",
            "csrf_token": token,
        },
    )
    assert early.status_code == 422 and "Confirm the interpreter first." in early.text
    assert (
        lingo.post(
            f"/jobs/{job_id}/interpreter",
            data={"interpreter": "  Li  Wei #2044 ", "csrf_token": token},
        ).status_code
        == 302
    )
    after = starts + timedelta(hours=2)
    with time_machine.travel(after):
        token = csrf_from(lingo.get(f"/jobs/{job_id}").text)
        backwards = lingo.post(
            f"/jobs/{job_id}/log",
            data={
                "start_date": day.isoformat(),
                "start_time": "10:40",
                "end_time": "10:05",
                "csrf_token": token,
            },
        )
        assert backwards.status_code == 422
        assert "The end time must be after the start time." in backwards.text
        with app.app_context():
            assert vh.job(job_id).status == JobStatus.IN_PROGRESS
        logged = lingo.post(
            f"/jobs/{job_id}/log",
            data={
                "start_date": day.isoformat(),
                "start_time": "10:02",
                "end_time": "10:39",
                "csrf_token": token,
            },
        )
        assert logged.status_code == 302
        page = coordinator.get(f"/jobs/{job_id}").text
        assert "Li Wei #2044" in page
        token = csrf_from(page)
        assert (
            coordinator.post(
                f"/jobs/{job_id}/review", data={"accept": "1", "csrf_token": token}
            ).status_code
            == 302
        )
    with app.app_context():
        job = vh.job(job_id)
        assert job.status == JobStatus.COMPLETED and job.on_time is True
        assert job.minutes_billed == 37 and str(job.cost) == "55.5000"
        assert job.actual_end - job.actual_start == timedelta(minutes=37)


def test_a_vendor_cannot_take_interpreting_it_does_not_offer(app, city, as_user):
    with app.app_context():
        docs_only = vh.add_vendor("Docs Only", services=(Service.TRANSLATION,))
        policy = get_policy()
        day = policy.calendar.add_business_days(policy.calendar.today(), 3)
        starts = datetime.combine(day, datetime.min.time()).replace(
            hour=9, tzinfo=policy.calendar.timezone
        )
        job_id = vh.interpretation_job(city["staff_housing"], starts)
    resp = _offer(as_user("coordinator"), job_id, docs_only)
    assert resp.status_code == 422
    assert "Docs Only has no current contract for this language and service." in resp.text


def test_the_role_checks_on_job_actions(app, city, vendors, as_user):
    with app.app_context():
        job_id = vh.translation_job(city["staff_housing"])
    for who in ("staff_housing", "compliance", "vendor"):
        client = as_user(who)
        token = csrf_from(client.get("/vendors" if who == "compliance" else "/preferences").text)
        assert (
            client.post(
                f"/jobs/{job_id}/offer", data={"vendor": vendors["lingo"], "csrf_token": token}
            ).status_code
            == 403
        ), who
    assert (
        as_user("coordinator")
        .post(f"/jobs/{job_id}/offer", data={"vendor": vendors["lingo"]})
        .status_code
        == 400
    )  # no CSRF token
    with app.app_context():
        assert vh.job(job_id).status == JobStatus.READY


def test_a_vendor_user_without_a_vendor_sees_an_empty_portal(app, city, as_user):
    resp = as_user("vendor").get("/vendor")
    assert resp.status_code == 403
    with app.app_context():
        from app.auth.models import User

        assert db.session.get(User, city["vendor"]).role == Role.VENDOR
