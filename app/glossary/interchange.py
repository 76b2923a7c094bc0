"""Glossary import and export: CSV (a column per language) and TBX (translate-toolkit)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from flask_babel import gettext as _
from lxml import etree
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from translate.storage import tbx

from app.audit import record_event
from app.auth.actor import Actor
from app.auth.models import Department
from app.exports import safe_cell, unguard_cell
from app.extensions import db
from app.glossary import services
from app.glossary.models import PartOfSpeech, Term, TranslationKind, TranslationStatus
from app.languages import PRIORITY_CODES
from app.validation import ValidationFailed

MAX_IMPORT_BYTES = 5 * 1024 * 1024
BASE_COLUMNS = (
    "term",
    "definition",
    "department",
    "part_of_speech",
    "case_sensitive",
    "do_not_translate",
)
LANGUAGE_COLUMNS = tuple(c for code in PRIORITY_CODES for c in (code, f"{code}_forbidden"))
VARIANT_SEPARATOR = " | "
_YES, _NO = {"yes", "true", "1", "y"}, {"no", "false", "0", "n", ""}
_ENTITY_DECL = re.compile(rb"<!ENTITY", re.I)
FORBIDDEN_STATUS = "deprecatedTerm-admn-sts"
PREFERRED_STATUS = "preferredTerm-admn-sts"


class ImportRefused(ValueError):
    """The whole file is unusable (encoding, columns, malformed XML); nothing was imported."""


@dataclass
class RowResult:
    """What happened to one row or entry of an import."""

    line: int
    term: str
    outcome: str  # added | updated | unchanged | rejected
    reason: str = ""


@dataclass
class ImportReport:
    """Per-row results of an import; committed only when the file itself was usable."""

    rows: list[RowResult] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for r in self.rows if r.outcome == outcome)

    @property
    def changed(self) -> bool:
        return any(r.outcome in ("added", "updated") for r in self.rows)

    def summary(self) -> dict[str, int]:
        return {o: self.count(o) for o in ("added", "updated", "unchanged", "rejected")}


@dataclass
class EntryData:
    """One term as read from a file, before it meets the database."""

    line: int
    source: str
    definition: str = ""
    department: str = ""
    part_of_speech: str = PartOfSpeech.NOUN.value
    case_sensitive: bool = False
    do_not_translate: bool = False
    approved: dict[str, str] = field(default_factory=dict)
    alternatives: dict[str, list[str]] = field(default_factory=dict)
    forbidden: dict[str, list[str]] = field(default_factory=dict)
    error: str = ""


def _flag(value: str, column: str) -> bool:
    v = value.strip().lower()
    if v in _YES:
        return True
    if v in _NO:
        return False
    raise ValueError(_("%(column)s must be yes or no, not %(value)s.", column=column, value=value))


def _decode(data: bytes, kind: str) -> str:
    if len(data) > MAX_IMPORT_BYTES:
        raise ImportRefused(
            _(
                "The file is larger than the limit of %(mb)s MB.",
                mb=MAX_IMPORT_BYTES // (1024 * 1024),
            )
        )
    if not data.strip():
        raise ImportRefused(_("The file is empty."))
    if b"\x00" in data:
        raise ImportRefused(_("This is not a %(kind)s text file.", kind=kind))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportRefused(
            _(
                "The file is not UTF-8 (error at byte %(pos)s). Save it as CSV UTF-8 and try again.",  # noqa: E501
                pos=exc.start,
            )
        ) from exc


def read_csv(data: bytes) -> list[EntryData]:
    """Read a glossary CSV; ImportRefused for a wrong encoding or wrong columns."""
    text = _decode(data, "CSV")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    columns = [c.strip() for c in (reader.fieldnames or [])]
    if "term" not in columns:
        raise ImportRefused(
            _("The first row must name the columns, including a column named term.")
        )
    unknown = [c for c in columns if c not in BASE_COLUMNS and c not in LANGUAGE_COLUMNS]
    if unknown:
        raise ImportRefused(
            _(
                "Unknown columns: %(cols)s. Allowed: %(allowed)s.",
                cols=", ".join(unknown),
                allowed=", ".join(BASE_COLUMNS + ("es", "es_forbidden", "...")),
            )
        )
    if len(set(columns)) != len(columns):
        raise ImportRefused(_("A column name appears twice."))
    entries = []
    try:
        for raw in reader:
            row = {k.strip(): unguard_cell((v or "").strip()) for k, v in raw.items() if k}
            entry = EntryData(line=reader.line_num, source=row.get("term", ""))
            if None in raw:
                entry.error = _("This row has more cells than there are columns.")
            try:
                entry.definition = row.get("definition", "")
                entry.department = row.get("department", "")
                entry.part_of_speech = row.get("part_of_speech", "") or PartOfSpeech.NOUN.value
                entry.case_sensitive = _flag(row.get("case_sensitive", ""), "case_sensitive")
                entry.do_not_translate = _flag(row.get("do_not_translate", ""), "do_not_translate")
            except ValueError as exc:
                entry.error = entry.error or str(exc)
            for code in PRIORITY_CODES:
                if row.get(code):
                    entry.approved[code] = row[code]
                variants = [v.strip() for v in row.get(f"{code}_forbidden", "").split("|")]
                if any(variants):
                    entry.forbidden[code] = [v for v in variants if v]
            entries.append(entry)
    except csv.Error as exc:
        raise ImportRefused(_("The CSV file is malformed: %(error)s", error=str(exc))) from exc
    return entries


def _lang(node: Any) -> str:
    return str(node.get("{http://www.w3.org/XML/1998/namespace}lang") or node.get("lang") or "")


def read_tbx(data: bytes) -> list[EntryData]:
    """Read a TBX glossary; ImportRefused for malformed or unsafe XML."""
    _decode(data, "TBX")  # size, emptiness and encoding checks
    if _ENTITY_DECL.search(data):
        raise ImportRefused(_("TBX files with entity declarations are not accepted."))
    try:
        store = tbx.tbxfile.parsestring(data)
    except (etree.XMLSyntaxError, ValueError, AttributeError) as exc:
        raise ImportRefused(_("This TBX file is malformed: %(error)s", error=str(exc))) from exc
    if store.document.getroot().tag.split("}")[-1] not in ("martif", "tbx"):
        raise ImportRefused(_("This XML file is not a TBX glossary."))
    entries = []
    for index, unit in enumerate(store.units, start=1):
        node = unit.xmlelement
        langsets = {_lang(ls).split("-")[0].lower(): ls for ls in unit.getlanguageNodes()}
        source_terms = [t.text for t in unit.get_source_terms() if t.text]
        if "en" in langsets:
            source_terms = [t.text for t in unit._get_terms(langsets["en"]) if t.text]
        entry = EntryData(
            line=node.sourceline or index, source=source_terms[0] if source_terms else ""
        )
        for child in node.iter(unit.namespaced("descrip"), unit.namespaced("termNote")):
            kind, text = child.get("type") or "", (child.text or "").strip()
            if kind == "Translation needed":
                entry.do_not_translate = text.lower() == "no"
            elif kind == "subjectField":
                entry.department = text
            elif kind == "partOfSpeech":
                entry.part_of_speech = text.replace(" ", "_")
            elif kind == "caseSensitive":
                entry.case_sensitive = text.lower() == "yes"
            elif kind in ("definition", "") and child.tag == unit.namespaced("descrip"):
                entry.definition = text
        for code in PRIORITY_CODES:
            if code not in langsets:
                continue
            for term in unit._get_terms(langsets[code]):
                if not term.text:
                    continue
                if term.deprecated:
                    entry.forbidden.setdefault(code, []).append(term.text)
                elif code not in entry.approved:
                    entry.approved[code] = term.text
                else:
                    entry.alternatives.setdefault(code, []).append(term.text)
        entries.append(entry)
    if not entries:
        raise ImportRefused(_("The TBX file holds no terms."))
    return entries


def import_entries(entries: list[EntryData], actor: Actor, fmt: str) -> ImportReport:
    """Apply entries row by row (a bad row is reported, not fatal) and commit once."""
    services.require_curator(actor)
    report = ImportReport()
    departments = {d.slug: d.id for d in db.session.scalars(select(Department))}
    try:
        with services.one_version_bump():
            _apply_entries(entries, departments, actor, report)
        if report.changed:
            record_event(
                db.session,
                actor=actor,
                action="glossary.imported",
                entity_type="glossary",
                entity_id=0,
                after={"format": fmt, **report.summary()},
            )
        db.session.commit()
    except BaseException:
        db.session.rollback()
        raise
    return report


def _apply_entries(
    entries: list[EntryData], departments: dict[str, int], actor: Actor, report: ImportReport
) -> None:
    """Each row in its own savepoint: a rejected row leaves no trace, the rest go on."""
    seen: dict[tuple[str, str], int] = {}
    for entry in entries:
        key = (services.source_key(entry.source), entry.department)
        if entry.source and key in seen:
            message = _("Same term as line %(line)s.", line=seen[key])
            report.rows.append(RowResult(entry.line, entry.source, "rejected", message))
            continue
        seen[key] = entry.line
        savepoint = db.session.begin_nested()
        try:
            outcome = _apply_entry(entry, departments, actor)
        except ValidationFailed as exc:
            savepoint.rollback()
            message = " ".join(exc.errors.values())
            report.rows.append(RowResult(entry.line, entry.source, "rejected", message))
        else:
            savepoint.commit()
            report.rows.append(RowResult(entry.line, entry.source, outcome))


def _apply_entry(entry: EntryData, departments: dict[str, int], actor: Actor) -> str:
    if entry.error:
        raise ValidationFailed({"row": entry.error})
    department_id = None
    if entry.department:
        if entry.department not in departments:
            raise ValidationFailed(
                {"department": _("Unknown department %(slug)s.", slug=entry.department)}
            )
        department_id = departments[entry.department]
    data = services.TermInput(
        source=entry.source,
        definition=entry.definition,
        department_id=department_id,
        part_of_speech=entry.part_of_speech,
        case_sensitive=entry.case_sensitive,
        do_not_translate=entry.do_not_translate,
    )
    term = services.find_duplicate(entry.source, department_id) if entry.source else None
    if term is None:
        term = services.new_term(data, actor)
        outcome = "added"
    else:
        outcome = "updated" if services.update_term_fields(term, data, actor) else "unchanged"
    changed = False
    approved = {code: [text] for code, text in entry.approved.items()}
    for by_language, kind, approve in (
        (approved, TranslationKind.TRANSLATION, True),
        (entry.alternatives, TranslationKind.TRANSLATION, False),
        (entry.forbidden, TranslationKind.FORBIDDEN, True),
    ):
        for code, texts in by_language.items():
            for text in texts:
                staged = services.stage_translation(term, code, text, kind, "", actor, approve)
                changed |= staged is not None
    if changed and outcome == "unchanged":
        outcome = "updated"
    return outcome


def _all_terms(language: str | None) -> Iterator[Term]:
    stmt = (
        select(Term)
        .options(selectinload(Term.translations), selectinload(Term.department))
        .order_by(Term.source_key, Term.id)
    )
    yield from db.session.scalars(stmt)


def _approved_texts(term: Term, code: str, kind: TranslationKind) -> list[str]:
    return [
        t.text
        for t in term.translations
        if t.language == code and t.kind == kind and t.status == TranslationStatus.APPROVED
    ]


def export_csv(language: str | None = None) -> str:
    """The glossary as CSV: one row per term, a column per language (and its forbidden variants)."""
    codes = [language] if language else list(PRIORITY_CODES)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*BASE_COLUMNS, *(c for code in codes for c in (code, f"{code}_forbidden"))])
    for term in _all_terms(language):
        row = [
            term.source,
            term.definition,
            term.department.slug if term.department else "",
            term.part_of_speech.value,
            "yes" if term.case_sensitive else "no",
            "yes" if term.do_not_translate else "no",
        ]
        for code in codes:
            approved = _approved_texts(term, code, TranslationKind.TRANSLATION)
            row.append(approved[0] if approved else "")
            row.append(
                VARIANT_SEPARATOR.join(_approved_texts(term, code, TranslationKind.FORBIDDEN))
            )
        writer.writerow([safe_cell(cell) for cell in row])
    return out.getvalue()


def _add_note(unit: Any, parent: Any, kind: str, text: str, tag: str = "descrip") -> None:
    """Add a typed TBX descrip or termNote under `parent`."""
    el = etree.SubElement(parent, unit.namespaced(tag))
    el.set("type", kind)
    el.text = text


def export_tbx(language: str | None = None) -> bytes:
    """The glossary as TBX for CAT tools: approved terms preferred, forbidden ones deprecated."""
    codes = [language] if language else list(PRIORITY_CODES)
    store = tbx.tbxfile(sourcelanguage="en")
    store.settargetlanguage(codes[0])
    for term in _all_terms(language):
        unit = store.addsourceunit(term.source)
        entry = unit.xmlelement

        if term.definition:
            _add_note(unit, entry, "definition", term.definition)
        if term.department:
            _add_note(unit, entry, "subjectField", term.department.slug)
        _add_note(unit, entry, "Translation needed", "no" if term.do_not_translate else "yes")
        _add_note(unit, entry, "partOfSpeech", term.part_of_speech.value, tag="termNote")
        _add_note(
            unit, entry, "caseSensitive", "yes" if term.case_sensitive else "no", tag="termNote"
        )
        for code in codes:
            approved = _approved_texts(term, code, TranslationKind.TRANSLATION)
            forbidden = _approved_texts(term, code, TranslationKind.FORBIDDEN)
            if not approved and not forbidden:
                continue
            unit.set_target_terms([*approved[:1], *forbidden], lang=code)
            langset = next(ls for ls in unit.getlanguageNodes() if _lang(ls) == code)
            for i, tig in enumerate(langset.findall(unit.namespaced("tig"))):
                status = PREFERRED_STATUS if approved and i == 0 else FORBIDDEN_STATUS
                _add_note(unit, tig, "administrativeStatus", status, tag="termNote")
    return bytes(store)
