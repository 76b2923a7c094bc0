"""Glossary services on the real database: terms, proposals, decisions, search, the matcher."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.audit import AuditEvent
from app.auth.actor import Actor
from app.auth.models import Role
from app.extensions import db
from app.glossary import services
from app.glossary.models import TranslationStatus
from app.validation import ValidationFailed

COORD = Actor(label="coord", role=Role.COORDINATOR, department_id=None, user_id=None)
STAFF = Actor(label="staff", role=Role.STAFF, department_id=None, user_id=None)
VENDOR = Actor(label="vendor", role=Role.VENDOR, department_id=None, user_id=None)
COMPLIANCE = Actor(label="audit", role=Role.COMPLIANCE, department_id=None, user_id=None)


def add(source, **kw):
    return services.add_term(services.TermInput(source=source, **kw), COORD)


def test_adding_a_term_records_it_and_bumps_the_version(ctx, city):
    before = services.current_version()
    term = add("trash cart", definition="The city's wheeled bin")
    assert term.source_key == "trash cart"
    assert services.current_version() == before + 1
    actions = [e.action for e in services.term_history(term)]
    assert actions == ["term.created"]


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("   ", "cannot be empty"),
        ("<b>NOTICE</b>", "cannot contain markup"),
        ("Tom &amp; Jerry", "cannot contain markup"),
        ("x" * 201, "at most 200"),
    ],
)
def test_bad_terms_are_refused(ctx, city, source, message):
    with pytest.raises(ValidationFailed) as exc:
        add(source)
    assert message in exc.value.errors["source"]
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == 0


def test_duplicate_terms_are_refused_whatever_the_spacing_or_case(ctx, city):
    add("Water bill")
    with pytest.raises(ValidationFailed, match="already in the glossary"):
        add("  water   BILL ")


def test_same_term_may_exist_citywide_and_for_one_department(ctx, city):
    add("permit")
    assert add("permit", department_id=city["housing"]).scope_key == str(city["housing"])


def test_only_curators_add_terms(ctx, city):
    with pytest.raises(services.NotAllowed):
        services.add_term(services.TermInput(source="x"), STAFF)


def test_staff_propose_and_the_coordinator_approves(ctx, city):
    term = add("notice")
    tr = services.propose_translation(term.id, "es", "aviso", "translation", "", STAFF)
    assert tr.status == TranslationStatus.PROPOSED
    services.decide_translation(tr.id, True, COORD)
    assert tr.status == TranslationStatus.APPROVED
    newer = services.propose_translation(term.id, "es", "anuncio", "translation", "", VENDOR)
    services.decide_translation(newer.id, True, COORD)
    db.session.refresh(tr)
    assert tr.status == TranslationStatus.PROPOSED  # demoted to an alternative
    actions = [e.action for e in services.term_history(term)]
    assert actions == [
        "term.created",
        "term.translation_proposed",
        "term.translation_approved",
        "term.translation_proposed",
        "term.translation_demoted",
        "term.translation_approved",
    ]


def test_coordinator_proposals_are_approved_at_once(ctx, city):
    term = add("notice")
    tr = services.propose_translation(term.id, "es", "noticia", "forbidden", "means news", COORD)
    assert tr.status == TranslationStatus.APPROVED and tr.kind.value == "forbidden"


def test_compliance_cannot_propose_and_staff_cannot_decide(ctx, city):
    term = add("notice")
    with pytest.raises(services.NotAllowed):
        services.propose_translation(term.id, "es", "aviso", "translation", "", COMPLIANCE)
    tr = services.propose_translation(term.id, "es", "aviso", "translation", "", STAFF)
    with pytest.raises(services.NotAllowed):
        services.decide_translation(tr.id, True, STAFF)


def test_duplicate_and_bad_proposals_are_refused(ctx, city):
    term = add("notice")
    services.propose_translation(term.id, "es", "aviso", "translation", "", STAFF)
    with pytest.raises(ValidationFailed, match="already listed"):
        services.propose_translation(term.id, "es", "aviso", "translation", "", STAFF)
    with pytest.raises(ValidationFailed) as exc:
        services.propose_translation(term.id, "xx", "", "translation", "", STAFF)
    assert set(exc.value.errors) == {"language", "text"}


def test_search_by_prefix_then_fuzzy_with_filters(ctx, city):
    for source in ("interpreter", "interpretation", "internet", "water bill", "water service"):
        add(source)
    housing = add("rent relief", department_id=city["housing"])
    terms, total = services.search_terms(services.TermFilters(q="inter"), 1, 10)
    assert [t.source for t in terms] == ["internet", "interpreter", "interpretation"]
    typo, _ = services.search_terms(services.TermFilters(q="intrepreter"), 1, 10)
    assert typo[0].source == "interpreter"
    word, _ = services.search_terms(services.TermFilters(q="serv"), 1, 10)
    assert [t.source for t in word] == ["water service"]
    dept, _ = services.search_terms(services.TermFilters(department_id=city["housing"]), 1, 10)
    assert [t.id for t in dept] == [housing.id]
    page2, total = services.search_terms(services.TermFilters(), 2, 4)
    assert total == 6 and len(page2) == 2


def test_status_filters_find_missing_and_proposed(ctx, city):
    done = add("notice")
    services.propose_translation(done.id, "es", "aviso", "translation", "", COORD)
    waiting = add("water bill")
    services.propose_translation(waiting.id, "es", "factura", "translation", "", STAFF)
    missing, _ = services.search_terms(services.TermFilters(language="es", status="missing"), 1, 10)
    assert [t.source for t in missing] == ["water bill"]
    proposed, _ = services.search_terms(
        services.TermFilters(language="es", status="proposed"), 1, 10
    )
    assert [t.source for t in proposed] == ["water bill"]


def test_matcher_follows_glossary_changes(ctx, city):
    term = add("notice")
    services.propose_translation(term.id, "es", "noticia", "forbidden", "", COORD)
    services.propose_translation(term.id, "es", "aviso", "translation", "", COORD)
    findings = services.check_text("NOTICE: water off", "NOTICIA: sin agua", "es")
    assert {f.code for f in findings} == {"approved_missing", "forbidden_used"}
    assert services.check_text("NOTICE: water off", "AVISO: sin agua", "es") == []
    add("water")  # a new version: the cached matcher must not be reused
    assert services.get_matcher("es").find("water off")


def test_a_second_process_sees_changes_made_by_the_first(app, city):
    """Two apps on one database stand for two worker processes with their own caches."""
    from app import create_app

    other = create_app(
        {
            "INSTANCE_PATH": app.instance_path,
            "SECRET_KEY": "x",
            "QUEUE_IMMEDIATE": True,
            "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        }
    )
    with other.app_context():
        assert services.get_matcher("es").find("notice posted") == []  # cached, empty glossary
    with app.test_request_context():
        add("notice")
    with other.app_context():
        assert [m.text for m in services.get_matcher("es").find("notice posted")] == ["notice"]
        db.session.remove()
        db.engine.dispose()
