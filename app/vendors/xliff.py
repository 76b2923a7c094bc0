"""Vendor hand-off as XLIFF 1.2: export a job's segments with machine drafts, import the delivery.

Export writes one <file> holding one trans-unit per segment: id is the segment index, resname is
"<job_ref>:<index>", and a header <note from="job"> names the job. A machine draft goes out as
the target with state="needs-review-translation" and state-qualifier="mt-suggestion"; a segment
without a draft has no target. Glossary hits become <note from="glossary"> lines.

Import returns the delivered targets by segment index, or raises XliffRejected listing every
reason the file does not fit the job; nothing is returned then, so nothing changes. Targets are
read as plain text: inline tags (<g>, <x/>, <bx/>, <ex/>, <ph>, <mrk>) are dropped and the text
inside them kept. XLIFF 2.0 is not supported and is refused with a clear message.

XML 1.0 cannot carry most C0 control characters (below U+0020 except tab, LF and CR), U+FFFE,
U+FFFF or lone surrogates. Export drops them from sources, drafts and notes (the Word rebuild
drops them too), and import compares sources with them dropped, so such a segment still matches;
its translation simply comes back without them. Every other character round-trips exactly,
carriage returns included.
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from lxml import etree
from translate.storage import xliff

from app.glossary.matcher import Matcher
from app.mt.documents import Segment

XLIFF_NAMESPACE = "urn:oasis:names:tc:xliff:document:1.2"
MAX_XLIFF_BYTES = 20 * 1024 * 1024
MAX_PROBLEMS = 20
TOOL_ID = "language-access"
JOB_NOTE = "job"  # the `from` of the header note that carries the job reference
GLOSSARY_NOTE = "glossary"
DRAFT_STATE = "needs-review-translation"
DRAFT_QUALIFIER = "mt-suggestion"
VENDOR_NOTE = (
    "Targets marked mt-suggestion are machine drafts: review every one before delivery. "
    "Keep every trans-unit, its id and its source text as they are."
)
_XLIFF_NAMESPACE_PREFIX = "urn:oasis:names:tc:xliff:document:"
# Everything outside XML 1.0's Char production.
_XML_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Checked on the raw bytes before any parsing; the parsed tree is checked again for other
# encodings (UTF-16), where the parser's own limits keep entity expansion bounded.
_DECLARATIONS = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_DATATYPES = {
    ".docx": "x-docx",
    ".html": "html",
    ".htm": "html",
    ".md": "x-markdown",
    ".txt": "plaintext",
}
_EXCERPT = 40


class XliffRejected(ValueError):
    """The delivered XLIFF does not fit the job; .problems lists short plain-English reasons."""

    problems: list[str]

    def __init__(self, problems: Sequence[str]) -> None:
        kept = list(problems[:MAX_PROBLEMS])
        if len(problems) > MAX_PROBLEMS:
            kept.append(_("... and %(num)s more problems.", num=len(problems) - MAX_PROBLEMS))
        super().__init__(" ".join(kept))
        self.problems = kept


@dataclass(frozen=True)
class GlossaryNote:
    """One glossary hit in a segment; an empty `approved` means do not translate the term."""

    source: str
    approved: str
    forbidden: tuple[str, ...] = ()


def xml_safe(text: str) -> str:
    """The text without the characters XML 1.0 cannot carry (see the module docstring)."""
    return _XML_ILLEGAL.sub("", text)


def glossary_notes(segments: Sequence[Segment], matcher: Matcher) -> dict[int, list[GlossaryNote]]:
    """Notes for each segment's glossary terms that have an approved translation or are DNT."""
    out: dict[int, list[GlossaryNote]] = {}
    for segment in segments:
        seen: set[int] = set()
        for match in matcher.find(segment.text):
            entry = matcher.entry(match.term_id)
            if match.term_id in seen or not (entry.do_not_translate or entry.approved):
                continue
            seen.add(match.term_id)
            approved = "" if entry.do_not_translate else entry.approved or ""
            note = GlossaryNote(match.text, approved, tuple(entry.forbidden))
            out.setdefault(segment.index, []).append(note)
    return out


def note_text(note: GlossaryNote) -> str:
    """One glossary note as a line a translator reads."""
    if note.approved:
        text = f'Glossary: translate "{note.source}" as "{note.approved}".'
    else:
        text = f'Glossary: keep "{note.source}" as is (do not translate).'
    if note.forbidden:
        text += " Do not use: " + ", ".join(f'"{variant}"' for variant in note.forbidden) + "."
    return xml_safe(text)


# --------------------------------------------------------------------------- export


class _Unit(xliff.xliffunit):
    """A trans-unit created straight in the 1.2 namespace (the toolkit defaults to 1.1)."""

    namespace = XLIFF_NAMESPACE


class _Store(xliff.xlifffile):
    """An XLIFF 1.2 file (the toolkit's own skeleton is 1.1)."""

    UnitClass = _Unit
    namespace = XLIFF_NAMESPACE
    XMLskeleton = (
        f'<?xml version="1.0" encoding="UTF-8"?><xliff version="1.2" xmlns="{XLIFF_NAMESPACE}">'
        '<file original="NoName" source-language="en" datatype="plaintext"><body/></file></xliff>'
    )


def export_xliff(
    *,
    job_ref: str,
    original: str,
    source_language: str,
    target_language: str,
    segments: Sequence[Segment],
    drafts: Mapping[int, str],
    notes: Mapping[int, Sequence[GlossaryNote]] | None = None,
) -> bytes:
    """XLIFF 1.2 for a CAT tool: a trans-unit per segment, machine drafts as targets to review."""
    if not job_ref.strip() or xml_safe(job_ref) != job_ref:
        raise ValueError("job_ref must be non-empty text that XML can carry")
    store = _Store(sourcelanguage=source_language, targetlanguage=target_language)
    file_node = next(store.document.getroot().iterchildren(store.namespaced("file")))
    file_node.set("original", xml_safe(original) or "document")
    extension = os.path.splitext(original)[1].lower()
    file_node.set("datatype", _DATATYPES.get(extension, "plaintext"))
    file_node.insert(0, _header(store, job_ref))
    for segment in segments:
        unit = _Unit(xml_safe(segment.text))
        unit.setid(str(segment.index))
        unit.xmlelement.set("resname", f"{job_ref}:{segment.index}")
        store.addunit(unit)
        draft = xml_safe(drafts.get(segment.index, ""))
        if draft.strip():
            unit.settarget(draft)
            unit.set_state_n(unit.S_NEEDS_REVIEW)  # state needs-review-translation, approved no
            unit.get_target_dom().set("state-qualifier", DRAFT_QUALIFIER)
        for note in (notes or {}).get(segment.index, ()):
            unit.addnote(note_text(note), origin=GLOSSARY_NOTE)
    return bytes(store)


def _header(store: _Store, job_ref: str) -> Any:
    """<header> with the tool, the job reference and a line for the vendor."""
    header = etree.Element(store.namespaced("header"))
    etree.SubElement(
        header, store.namespaced("tool"), {"tool-id": TOOL_ID, "tool-name": "Language Access"}
    )
    job = etree.SubElement(header, store.namespaced("note"), {"from": JOB_NOTE})
    job.text = job_ref
    advice = etree.SubElement(header, store.namespaced("note"), {"from": TOOL_ID})
    advice.text = VENDOR_NOTE
    return header


# --------------------------------------------------------------------------- import


def import_xliff(
    data: bytes,
    *,
    job_ref: str,
    source_language: str,
    target_language: str,
    segments: Sequence[Segment],
    max_bytes: int = MAX_XLIFF_BYTES,
) -> dict[int, str]:
    """The delivered target text by segment index; XliffRejected with every reason if unfit."""
    store = _read(data, max_bytes)
    files = list(store.document.getroot().iterchildren(store.namespaced("file")))
    problems = _language_problems(files, source_language, target_language)
    problems += _job_problems(store, files, job_ref)
    translations, unit_problems = _translations(store.units, segments)
    problems += unit_problems
    if problems:
        raise XliffRejected(problems)
    return translations


def _parser() -> etree.XMLParser:
    """A parser for untrusted XML: no DTD, no entity expansion, no network, default size limits."""
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)


def _read(data: bytes, max_bytes: int) -> Any:
    """The parsed XLIFF 1.x store; XliffRejected when the file cannot be one."""
    if len(data) > max_bytes:
        raise XliffRejected(
            [_("The file is larger than the %(size)s limit.", size=_size(max_bytes))]
        )
    if not data.strip():
        raise XliffRejected([_("The file is empty.")])
    declared = _("The file declares a DOCTYPE or entities, which are not accepted in XLIFF here.")
    if _DECLARATIONS.search(data):
        raise XliffRejected([declared])
    try:
        root = etree.fromstring(data, parser=_parser())
    except etree.XMLSyntaxError as exc:
        raise XliffRejected(
            [_("The file is not well-formed XML (line %(line)s).", line=exc.lineno)]
        ) from exc
    if root.getroottree().docinfo.doctype:
        raise XliffRejected([declared])
    name = etree.QName(root)
    namespace = name.namespace or ""
    if name.localname != "xliff" or not (
        namespace == "" or namespace.startswith(_XLIFF_NAMESPACE_PREFIX)
    ):
        raise XliffRejected([_("The file is XML but not XLIFF.")])
    if root.get("version", "").startswith("2") or namespace.startswith(
        _XLIFF_NAMESPACE_PREFIX + "2"
    ):
        raise XliffRejected([_("XLIFF 2.0 is not supported; export as XLIFF 1.2.")])
    if root.find(etree.QName(namespace or None, "file").text) is None:
        raise XliffRejected([_("The XLIFF file has no <file> element.")])
    try:
        return xliff.xlifffile(data)
    except (etree.LxmlError, ValueError, AssertionError, StopIteration) as exc:
        raise XliffRejected([_("The file is not a usable XLIFF 1.2 file.")]) from exc


def _size(limit: int) -> str:
    return f"{limit / (1024 * 1024):g} MB" if limit >= 1024 * 1024 else f"{limit:,} bytes"


def _language_tag(code: str) -> str:
    return code.strip().lower().replace("_", "-")


def _same_language(found: str, expected: str) -> bool:
    """Equal codes, or a regional form of the job's language (es-ES for es): CAT tools add one."""
    found, expected = _language_tag(found), _language_tag(expected)
    return bool(found) and (found == expected or found.split("-")[0] == expected)


def _language_problems(files: list[Any], source: str, target: str) -> list[str]:
    problems: list[str] = []
    for node in files:
        for attribute, expected in (("source-language", source), ("target-language", target)):
            found = _clip(node.get(attribute) or "") or "-"
            if attribute == "source-language":
                problem = _(
                    "The source language is %(found)s, but this job's source language is "
                    "%(expected)s.",
                    found=found,
                    expected=expected,
                )
            else:
                problem = _(
                    "The target language is %(found)s, but this job's target language is "
                    "%(expected)s.",
                    found=found,
                    expected=expected,
                )
            if not _same_language(node.get(attribute) or "", expected) and problem not in problems:
                problems.append(problem)
    return problems


def _job_problems(store: Any, files: list[Any], job_ref: str) -> list[str]:
    """The job named in header notes and unit resnames must be this one."""
    named: list[str] = []
    for node in files:
        for header in node.iterchildren(store.namespaced("header")):
            named += [
                (note.text or "").strip()
                for note in header.iterchildren(store.namespaced("note"))
                if note.get("from") == JOB_NOTE
            ]
    named += [
        unit.xmlelement.get("resname").rpartition(":")[0]
        for unit in store.units
        if ":" in (unit.xmlelement.get("resname") or "")
    ]
    if not named:
        return [
            _("The file does not say which job it is for; use the XLIFF exported for this job.")
        ]
    others = list(dict.fromkeys(ref for ref in named if ref != job_ref))
    return [
        _(
            'The file is for job "%(found)s", not "%(expected)s".',
            found=_clip(ref),
            expected=job_ref,
        )
        for ref in others
    ]


def comparable(text: str) -> str:
    """Text as sources are compared: XML-safe, NFC, whitespace runs as one space, stripped."""
    return " ".join(unicodedata.normalize("NFC", xml_safe(text)).split())


def _translations(
    units: Sequence[Any], segments: Sequence[Segment]
) -> tuple[dict[int, str], list[str]]:
    """Targets by segment index, and the problems with ids, sources and targets."""
    by_id = {str(segment.index): segment for segment in segments}
    counts = Counter(unit.xmlelement.get("id") for unit in units)
    problems: list[str] = []
    found: dict[int, str] = {}
    reported: set[str] = set()
    for unit in units:
        uid = unit.xmlelement.get("id")
        if uid is None:
            problems.append(_("A trans-unit has no id."))
            continue
        segment = by_id.get(uid)
        if segment is None:
            problems.append(_('Unit "%(id)s" is not part of this job.', id=_clip(uid)))
            continue
        if counts[uid] > 1:
            if uid not in reported:
                reported.add(uid)
                problems.append(_('Unit "%(id)s" appears %(num)s times.', id=uid, num=counts[uid]))
            continue
        source = unit.source or ""
        if comparable(source) != comparable(segment.text):
            problems.append(_changed_source(uid, segment.text, source))
            continue
        target = unit.target
        if target is None or not target.strip():
            if segment.text.strip():
                problems.append(_('Unit "%(id)s" has no translation.', id=uid))
            continue
        found[segment.index] = str(target)
    problems += [_('Unit "%(id)s" is missing.', id=uid) for uid in by_id if uid not in counts]
    return found, problems


def _changed_source(uid: str, expected: str, delivered: str) -> str:
    """A problem line showing where the delivered source first differs from the job's."""
    ours, theirs = comparable(expected), comparable(delivered)
    start = max(0, len(os.path.commonprefix([ours, theirs])) - 10)
    return _(
        'Unit "%(id)s": the source text was changed ("%(found)s" instead of "%(expected)s").',
        id=uid,
        found=_clip(theirs, start),
        expected=_clip(ours, start),
    )


def _clip(text: str, start: int = 0) -> str:
    """A short excerpt of text from `start`, with ellipses where it was cut."""
    piece = text[start : start + _EXCERPT]
    return ("…" if start else "") + piece + ("…" if start + _EXCERPT < len(text) else "")
