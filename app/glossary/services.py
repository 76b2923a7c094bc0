"""Glossary services: add terms, propose and decide translations, search, and the matcher."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import gettext as _
from rapidfuzz import fuzz
from sqlalchemy import select, update
from sqlalchemy.orm import selectinload

from app.audit import AuditEvent, record_event, utcnow
from app.auth.actor import Actor
from app.auth.models import Department, Role
from app.extensions import db
from app.glossary.matcher import Matcher, MatcherCache, TermEntry
from app.glossary.models import (
    GlossaryVersion,
    PartOfSpeech,
    Term,
    TermTranslation,
    TranslationKind,
    TranslationStatus,
)
from app.glossary.qa import Finding, check
from app.languages import PRIORITY_CODES
from app.validation import ValidationFailed

CURATORS = frozenset({Role.COORDINATOR, Role.ADMIN})
PROPOSERS = frozenset({Role.STAFF, Role.VENDOR, Role.COORDINATOR, Role.ADMIN})
MAX_TERM = 200
_MARKUP = re.compile(r"<[^>]*>|&(#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);")


class TermNotFound(LookupError):
    """No such term or translation."""


class NotAllowed(PermissionError):
    """This role may not change the glossary this way."""


@dataclass
class TermInput:
    """A term as entered, before checks."""

    source: str
    definition: str = ""
    department_id: int | None = None
    part_of_speech: str = PartOfSpeech.NOUN.value
    case_sensitive: bool = False
    do_not_translate: bool = False


@dataclass(frozen=True)
class TermFilters:
    """Search and filters for the glossary list."""

    q: str = ""
    department_id: int | None = None
    language: str | None = None
    status: str | None = None  # approved | proposed | rejected | forbidden | missing


def source_key(text: str) -> str:
    """The key two spellings of one term share: whitespace folded, case folded."""
    return " ".join(text.split()).casefold()


def scope_key(department_id: int | None) -> str:
    return "*" if department_id is None else str(department_id)


def clean_term_text(text: str, field: str, errors: dict[str, str]) -> str:
    """A term or translation with spaces tidied; records a message when it cannot be used."""
    cleaned = " ".join((text or "").split())
    if not cleaned:
        errors[field] = _("Enter the term; it cannot be empty or only spaces.")
    elif len(cleaned) > MAX_TERM:
        errors[field] = _("A term can be at most %(n)s characters.", n=MAX_TERM)
    elif _MARKUP.search(cleaned):
        errors[field] = _("A term cannot contain markup such as <b> or &amp;.")
    elif any(ord(ch) < 32 for ch in cleaned):
        errors[field] = _("A term cannot contain control characters.")
    return cleaned


def require_curator(actor: Actor) -> None:
    """Only the coordinator (or an admin) curates the glossary."""
    if actor.role not in CURATORS:
        raise NotAllowed(actor.role.value)


_BUMP_DEFERRED = "glossary_bump_deferred"


def bump_version() -> None:
    """Mark the glossary changed, in the caller's transaction, so every process recompiles."""
    if _BUMP_DEFERRED in db.session.info:
        db.session.info[_BUMP_DEFERRED] = True
        return
    _bump_now()


@contextmanager
def one_version_bump() -> Iterator[None]:
    """Changes made inside bump the version once, at the end, instead of once each.

    A batch (an import of many rows) would otherwise update the version row three times a row.
    The bump is made if anything inside asked for it, even in a savepoint later rolled back:
    an extra bump only makes processes recompile once more.
    """
    if _BUMP_DEFERRED in db.session.info:  # already inside a batch
        yield
        return
    db.session.info[_BUMP_DEFERRED] = False
    try:
        yield
    finally:
        wanted = db.session.info.pop(_BUMP_DEFERRED)
    if wanted:
        _bump_now()


def _bump_now() -> None:
    result = db.session.execute(update(GlossaryVersion).values(version=GlossaryVersion.version + 1))
    if not getattr(result, "rowcount", 1):  # the migration's row is gone: start it again
        db.session.add(GlossaryVersion(id=1, version=1))
        db.session.flush()


def current_version() -> int:
    """The glossary version now in the database."""
    return int(db.session.scalar(select(GlossaryVersion.version)) or 0)


def _term_record(term: Term) -> dict[str, Any]:
    return {
        "source": term.source,
        "definition": term.definition,
        "department_id": term.department_id,
        "part_of_speech": term.part_of_speech.value,
        "case_sensitive": term.case_sensitive,
        "do_not_translate": term.do_not_translate,
    }


def _translation_record(tr: TermTranslation) -> dict[str, Any]:
    return {
        "translation_id": tr.id,
        "language": tr.language,
        "text": tr.text,
        "kind": tr.kind.value,
        "status": tr.status.value,
    }


def check_term_input(data: TermInput) -> tuple[str, PartOfSpeech]:
    """Check a term's fields; return its cleaned text and part of speech or raise."""
    errors: dict[str, str] = {}
    cleaned = clean_term_text(data.source, "source", errors)
    try:
        pos = PartOfSpeech(data.part_of_speech or PartOfSpeech.NOUN.value)
    except ValueError:
        errors["part_of_speech"] = _("Unknown part of speech.")
        pos = PartOfSpeech.OTHER
    if len(data.definition) > 2000:
        errors["definition"] = _("The definition is too long (at most %(n)s characters).", n=2000)
    if data.department_id is not None and db.session.get(Department, data.department_id) is None:
        errors["department_id"] = _("Unknown department.")
    if errors:
        raise ValidationFailed(errors)
    return cleaned, pos


def department_id_for(slug: str) -> int:
    """The id of the department with this slug, or LookupError."""
    dept_id = db.session.scalar(select(Department.id).where(Department.slug == slug))
    if dept_id is None:
        raise LookupError(slug)
    return int(dept_id)


def find_duplicate(source: str, department_id: int | None) -> Term | None:
    """The term with the same text in the same scope, if any."""
    return db.session.scalar(
        select(Term).where(
            Term.source_key == source_key(source), Term.scope_key == scope_key(department_id)
        )
    )


def new_term(data: TermInput, actor: Actor) -> Term:
    """Create a term in the session (no commit): shared by the form and the importers."""
    cleaned, pos = check_term_input(data)
    if find_duplicate(cleaned, data.department_id) is not None:
        raise ValidationFailed({"source": _("This term is already in the glossary.")})
    term = Term(
        source=cleaned,
        source_key=source_key(cleaned),
        scope_key=scope_key(data.department_id),
        department_id=data.department_id,
        definition=data.definition.strip(),
        part_of_speech=pos,
        case_sensitive=data.case_sensitive,
        do_not_translate=data.do_not_translate,
        created_by_id=actor.user_id,
    )
    db.session.add(term)
    db.session.flush()
    record_event(
        db.session,
        actor=actor,
        action="term.created",
        entity_type="term",
        entity_id=term.id,
        after=_term_record(term),
    )
    bump_version()
    return term


def add_term(data: TermInput, actor: Actor) -> Term:
    """Add a term to the glossary (coordinator or admin)."""
    require_curator(actor)
    try:
        term = new_term(data, actor)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return term


def update_term_fields(term: Term, data: TermInput, actor: Actor) -> bool:
    """Apply changed fields to a term in the session; True when anything changed."""
    cleaned, pos = check_term_input(data)
    before = _term_record(term)
    term.definition = data.definition.strip()
    term.part_of_speech = pos
    term.case_sensitive = data.case_sensitive
    term.do_not_translate = data.do_not_translate
    term.source = cleaned
    after = _term_record(term)
    if after == before:
        return False
    record_event(
        db.session,
        actor=actor,
        action="term.updated",
        entity_type="term",
        entity_id=term.id,
        before=before,
        after=after,
    )
    bump_version()
    return True


def get_term(term_id: int) -> Term:
    """A term with its translations, or TermNotFound."""
    term = db.session.get(Term, term_id, options=[selectinload(Term.translations)])
    if term is None:
        raise TermNotFound(term_id)
    return term


def _approved(term: Term, language: str, kind: TranslationKind) -> list[TermTranslation]:
    return [
        t
        for t in term.translations
        if t.language == language and t.kind == kind and t.status == TranslationStatus.APPROVED
    ]


def stage_translation(
    term: Term,
    language: str,
    text: str,
    kind: TranslationKind,
    note: str,
    actor: Actor,
    approve: bool,
) -> TermTranslation | None:
    """Add a translation to the session; None when the same one is already there (no change)."""
    errors: dict[str, str] = {}
    if language not in PRIORITY_CODES:
        errors["language"] = _("Pick one of the city's languages.")
    cleaned = clean_term_text(text, "text", errors)
    if errors:
        raise ValidationFailed(errors)
    existing = next(
        (
            t
            for t in term.translations
            if t.language == language and t.kind == kind and t.text == cleaned
        ),
        None,
    )
    if existing is not None:
        if approve and existing.status != TranslationStatus.APPROVED:
            _set_status(existing, TranslationStatus.APPROVED, actor)
            return existing
        if existing.status == TranslationStatus.REJECTED and not approve:
            raise ValidationFailed({"text": _("This translation was already rejected.")})
        return None
    tr = TermTranslation(
        language=language,
        text=cleaned,
        kind=kind,
        status=TranslationStatus.PROPOSED,
        note=note.strip(),
        proposed_by_id=actor.user_id,
    )
    term.translations.append(tr)
    db.session.flush()
    record_event(
        db.session,
        actor=actor,
        action="term.translation_proposed",
        entity_type="term",
        entity_id=term.id,
        after=_translation_record(tr),
    )
    if approve:
        _set_status(tr, TranslationStatus.APPROVED, actor)
    bump_version()
    return tr


def _set_status(tr: TermTranslation, status: TranslationStatus, actor: Actor) -> None:
    """Approve or reject; approving a translation demotes the previous approved one."""
    if status == TranslationStatus.APPROVED and tr.kind == TranslationKind.TRANSLATION:
        for other in _approved(tr.term, tr.language, TranslationKind.TRANSLATION):
            if other is not tr:
                _set_status(other, TranslationStatus.PROPOSED, actor)
    before = _translation_record(tr)
    tr.status = status
    tr.decided_by_id = actor.user_id
    tr.decided_at = utcnow()
    action = {
        TranslationStatus.APPROVED: "term.translation_approved",
        TranslationStatus.REJECTED: "term.translation_rejected",
        TranslationStatus.PROPOSED: "term.translation_demoted",
    }[status]
    record_event(
        db.session,
        actor=actor,
        action=action,
        entity_type="term",
        entity_id=tr.term_id,
        before=before,
        after=_translation_record(tr),
    )
    bump_version()


def propose_translation(
    term_id: int, language: str, text: str, kind: str, note: str, actor: Actor
) -> TermTranslation | None:
    """Staff and vendors propose; a coordinator's own proposal is approved at once."""
    if actor.role not in PROPOSERS:
        raise NotAllowed(actor.role.value)
    try:
        tr_kind = TranslationKind(kind)
    except ValueError:
        raise ValidationFailed({"kind": _("Unknown kind of translation.")}) from None
    term = get_term(term_id)
    try:
        tr = stage_translation(
            term, language, text, tr_kind, note, actor, approve=actor.role in CURATORS
        )
        if tr is None:
            raise ValidationFailed({"text": _("This translation is already listed.")})
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return tr


def decide_translation(translation_id: int, approve: bool, actor: Actor) -> TermTranslation:
    """The coordinator approves or rejects a proposed translation or forbidden variant."""
    require_curator(actor)
    tr = db.session.get(TermTranslation, translation_id)
    if tr is None:
        raise TermNotFound(translation_id)
    target = TranslationStatus.APPROVED if approve else TranslationStatus.REJECTED
    if tr.status == target:
        return tr
    try:
        _set_status(tr, target, actor)
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return tr


def term_history(term: Term) -> list[AuditEvent]:
    """Every audit event of a term and its translations, oldest first."""
    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.entity_type == "term", AuditEvent.entity_id == term.id)
            .order_by(AuditEvent.created_at, AuditEvent.id)
        )
    )


def _matches_status(term: Term, language: str | None, status: str) -> bool:
    langs = [language] if language else list(PRIORITY_CODES)
    if status == "missing":
        return any(not _approved(term, lang, TranslationKind.TRANSLATION) for lang in langs)
    trs = [t for t in term.translations if t.language in langs]
    if status == "forbidden":
        return any(t.kind == TranslationKind.FORBIDDEN for t in trs)
    return any(t.status.value == status for t in trs)


def search_terms(filters: TermFilters, page: int, per_page: int) -> tuple[list[Term], int]:
    """Terms by prefix or fuzzy match on the English text, filtered; one page and the total."""
    stmt = select(Term).options(selectinload(Term.translations), selectinload(Term.department))
    if filters.department_id is not None:
        stmt = stmt.where(Term.department_id == filters.department_id)
    terms: Sequence[Term] = db.session.scalars(stmt).all()
    if filters.status:
        terms = [t for t in terms if _matches_status(t, filters.language, filters.status)]
    elif filters.language:
        terms = [
            t
            for t in terms
            if any(tr.language == filters.language for tr in t.translations) or t.do_not_translate
        ]
    query = source_key(filters.q)
    if query:
        scored = []
        for term in terms:
            score = _score(query, term.source_key)
            if score:
                scored.append((-score, term.source_key, term))
        scored.sort(key=lambda row: (row[0], row[1]))
        ranked = [row[2] for row in scored]
    else:
        ranked = sorted(terms, key=lambda t: t.source_key)
    start = (page - 1) * per_page
    return ranked[start : start + per_page], len(ranked)


def _score(query: str, key: str) -> float:
    """Prefix matches first, then a word starting with the query, then fuzzy (typos)."""
    if key.startswith(query):
        return 300 - len(key)
    if any(word.startswith(query) for word in key.split()):
        return 200 - len(key)
    ratio = fuzz.WRatio(query, key)
    return ratio if ratio >= 80 else 0


def entries_for(language: str, department_id: int | None) -> list[TermEntry]:
    """Matcher entries for one language: citywide terms plus the department's own."""
    stmt = select(Term).options(selectinload(Term.translations))
    scopes = ["*"] if department_id is None else ["*", str(department_id)]
    stmt = stmt.where(Term.scope_key.in_(scopes))
    entries = []
    for term in db.session.scalars(stmt):
        approved = _approved(term, language, TranslationKind.TRANSLATION)
        forbidden = _approved(term, language, TranslationKind.FORBIDDEN)
        entries.append(
            TermEntry(
                term_id=term.id,
                source=term.source,
                case_sensitive=term.case_sensitive,
                do_not_translate=term.do_not_translate,
                approved=approved[0].text if approved else None,
                forbidden=tuple(t.text for t in forbidden),
            )
        )
    return entries


def get_matcher(language: str, department_id: int | None = None) -> Matcher:
    """The compiled matcher for this glossary version, language and department."""
    cache: MatcherCache = current_app.extensions.setdefault("glossary_matchers", MatcherCache())
    key = f"{language}:{department_id or '*'}"
    return cache.get(current_version(), key, lambda: entries_for(language, department_id))


def check_text(
    source: str, target: str, language: str, department_id: int | None = None
) -> list[Finding]:
    """Glossary findings for a translation: missing approved terms, forbidden variants, DNT."""
    return check(source, target, language, get_matcher(language, department_id))
