"""Glossary QA for one translation: approved terms used, DNT terms kept, forbidden ones avoided."""

from __future__ import annotations

from dataclasses import dataclass

from app.glossary.matcher import Matcher, TargetHit

APPROVED_MISSING = "approved_missing"
FORBIDDEN_USED = "forbidden_used"
DNT_ALTERED = "dnt_altered"


@dataclass(frozen=True)
class Finding:
    """One glossary problem in a translation."""

    code: str
    term_id: int
    source_term: str
    expected: str | None
    found: str | None
    source_start: int | None = None
    source_end: int | None = None


def check(source: str, target: str, language: str, matcher: Matcher) -> list[Finding]:
    """Findings for `target` as a translation of `source`: one per term and code, in order.

    A term in the source with an approved translation must have it in the target (any case);
    a do-not-translate term must appear verbatim (exact case if the entry is case-sensitive).
    Any forbidden variant in the target is reported, unless that very span is also the
    approved translation or DNT term of a term the source contains.
    """
    # Presence counts every occurrence, so a translation nested in a longer one still counts.
    present = {
        (hit.match.term_id, hit.kind)
        for hit in matcher.target_hits(target, language, overlapping=True)
    }
    findings: dict[tuple[int, str], Finding] = {}
    in_source: set[int] = set()
    for match in matcher.find(source):
        entry = matcher.entry(match.term_id)
        in_source.add(entry.term_id)
        if entry.do_not_translate:
            code, expected, kind = DNT_ALTERED, entry.source, "dnt"
        elif entry.approved:
            code, expected, kind = APPROVED_MISSING, entry.approved, "approved"
        else:
            continue
        if (entry.term_id, kind) not in present:
            finding = Finding(
                code, entry.term_id, entry.source, expected, None, match.start, match.end
            )
            findings.setdefault((entry.term_id, code), finding)
    for hit in _forbidden(matcher.target_hits(target, language), in_source):
        entry = matcher.entry(hit.match.term_id)
        finding = Finding(
            FORBIDDEN_USED, entry.term_id, entry.source, entry.approved, hit.match.text
        )
        findings.setdefault((entry.term_id, FORBIDDEN_USED), finding)
    return sorted(findings.values(), key=_order)


def _forbidden(hits: list[TargetHit], in_source: set[int]) -> list[TargetHit]:
    """Forbidden hits whose span is not also a wanted string of a term in the source."""
    wanted = {
        (hit.match.start, hit.match.end)
        for hit in hits
        if hit.kind != "forbidden" and hit.match.term_id in in_source
    }
    return [
        hit
        for hit in hits
        if hit.kind == "forbidden" and (hit.match.start, hit.match.end) not in wanted
    ]


def _order(finding: Finding) -> tuple[bool, int, str, int]:
    """Source order first; forbidden variants, which have no source position, last."""
    start = finding.source_start
    return (start is None, start or 0, finding.code, finding.term_id)
