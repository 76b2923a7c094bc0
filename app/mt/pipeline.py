"""The pre-translation pipeline: memory reuse, glossary protection, shared batches, QA, rebuild.

Per job: split the document into segments; reuse approved translations of identical segments
(translation memory); shield glossary terms with placeholders; translate what is left in batches
shared by every pending job of the same language; restore the terms; flag segments whose numbers,
dates, links or protected terms changed; rebuild the document in its own format with a banner.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import select, update

from app.audit import utcnow
from app.auth.actor import Actor
from app.auth.models import Role
from app.extensions import db
from app.glossary.matcher import Matcher
from app.glossary.protect import Protected, protect
from app.glossary.qa import check as check_glossary
from app.mt import registry
from app.mt.documents import DocumentUnreadable, SourceDocument, open_document
from app.mt.engines import Engine
from app.mt.models import DraftStatus, MemoryEntry, MTDraft
from app.mt.qa import check_segment
from app.requests.documents import store_blob, stored_path
from app.requests.models import Job, JobStatus, Request, RequestKind
from app.requests.states import move_job

log = logging.getLogger(__name__)
WORKER = Actor(label="worker", role=Role.ADMIN, department_id=None)
MAX_ATTEMPTS = 3
SEGMENT_LIMIT = "The document has more segments than the limit for machine drafts."
# Reasons are stored in English and shown through app.labels.REASON_LABELS, translated.
NO_MODEL = "No machine translation model covers this language."
DRAFT_READY = "Machine draft ready"


def memory_key(text: str) -> str:
    """Segments that differ only in spacing share a memory entry."""
    return hashlib.sha256(" ".join(text.split()).encode()).hexdigest()


def banner(engine: str, version: str, when: datetime) -> str:
    """The notice at the top of every machine draft."""
    return (
        f"MACHINE DRAFT - needs human review before use. Engine: {engine} {version}. "
        f"Made {when.astimezone(UTC):%Y-%m-%d %H:%M} UTC."
    )


@dataclass
class Prepared:
    """A document split into what memory answered and what the engine must translate."""

    doc: SourceDocument
    reused: dict[int, str]
    pending: list[tuple[int, Protected]] = field(default_factory=list)
    matcher: Matcher | None = None

    @property
    def total(self) -> int:
        return len(self.doc.segments)


def prepare(
    data: bytes,
    extension: str,
    matcher: Matcher | None,
    memory: Callable[[Sequence[str]], dict[str, str]],
    max_segments: int,
) -> Prepared:
    """Segment, look up memory, protect glossary terms; DocumentUnreadable when it cannot."""
    doc = open_document(data, extension)
    if len(doc.segments) > max_segments:
        log.info("document has %d segments; the limit is %d", len(doc.segments), max_segments)
        raise DocumentUnreadable(SEGMENT_LIMIT)
    found = memory([s.text for s in doc.segments])
    prepared = Prepared(doc=doc, reused={}, matcher=matcher)
    for seg in doc.segments:
        hit = found.get(memory_key(seg.text))
        if hit is not None:
            prepared.reused[seg.index] = hit
        elif matcher is not None:
            prepared.pending.append((seg.index, protect(seg.text, matcher)))
        else:
            prepared.pending.append((seg.index, Protected(text=seg.text, placeholders={})))
    return prepared


def finish(
    prepared: Prepared, machine: Sequence[str], banner_text: str, language: str
) -> tuple[bytes, list[dict[str, Any]], dict[int, str]]:
    """Restore terms, flag differences, rebuild the document; also the text per segment."""
    texts = {s.index: s.text for s in prepared.doc.segments}
    translations = dict(prepared.reused)
    flags: list[dict[str, Any]] = []
    for (index, shielded), output in zip(prepared.pending, machine, strict=True):
        restored, missing = shielded.restore(output)
        translations[index] = restored
        for flag in check_segment(texts[index], restored, missing):
            flags.append(
                {
                    "segment": index + 1,
                    "kind": flag.kind,
                    "source": list(flag.source),
                    "target": list(flag.target),
                }
            )
    if prepared.matcher is not None:
        # The glossary's own check, on every segment of the draft (memory hits included).
        for index in sorted(translations):
            for finding in check_glossary(
                texts[index], translations[index], language, prepared.matcher
            ):
                flags.append(
                    {
                        "segment": index + 1,
                        "kind": finding.code,
                        "source": [finding.source_term],
                        "target": [finding.found or ""],
                    }
                )
    return prepared.doc.rebuild(translations, banner_text, language), flags, translations


def lookup_memory(language: str) -> Callable[[Sequence[str]], dict[str, str]]:
    """A memory lookup for one language: approved translations by segment key."""

    def lookup(texts: Sequence[str]) -> dict[str, str]:
        keys = list({memory_key(t) for t in texts})
        rows = db.session.execute(
            select(MemoryEntry.source_hash, MemoryEntry.target_text).where(
                MemoryEntry.language == language, MemoryEntry.source_hash.in_(keys)
            )
        )
        return {key: text for key, text in rows}

    return lookup


def remember(language: str, source: str, target: str, job_id: int | None) -> None:
    """Store an approved translation of a segment (called when a human-reviewed job finishes)."""
    key = memory_key(source)
    existing = db.session.scalar(
        select(MemoryEntry).where(MemoryEntry.language == language, MemoryEntry.source_hash == key)
    )
    if existing is None:
        db.session.add(
            MemoryEntry(
                language=language,
                source_hash=key,
                source_text=source,
                target_text=target,
                job_id=job_id,
            )
        )
    else:
        existing.target_text, existing.job_id = target, job_id


def plan_drafts(request_id: int) -> list[str]:
    """Give each new job of a translation request a draft (queued) or send it to humans."""
    req = db.session.get(Request, request_id)
    if req is None or req.kind != RequestKind.TRANSLATION:
        return []
    queued: list[str] = []
    existing = set(
        db.session.scalars(
            select(MTDraft.job_id).where(MTDraft.job_id.in_([j.id for j in req.jobs]))
        )
    )
    for job in req.jobs:
        if job.id in existing or job.status != JobStatus.NEW:
            continue
        engine = registry.engine_for(job.language)
        if engine is None:
            db.session.add(
                MTDraft(
                    job_id=job.id,
                    language=job.language,
                    status=DraftStatus.HUMAN_ONLY,
                    reason=NO_MODEL,
                )
            )
            move_job(db.session, job, JobStatus.READY, WORKER, NO_MODEL)
        else:
            db.session.add(
                MTDraft(
                    job_id=job.id,
                    language=job.language,
                    status=DraftStatus.QUEUED,
                    engine=engine.name,
                    model_version=engine.model_version,
                )
            )
            move_job(db.session, job, JobStatus.DRAFTING, WORKER)
            queued.append(job.language)
    db.session.commit()
    return sorted(set(queued))


def _claim_token() -> str:
    """Who claims a draft: this process and host (a restart can tell it died), and a nonce."""
    return f"{os.getpid()}@{socket.gethostname()[:24]}/{uuid.uuid4().hex[:6]}"


def _claimant_is_dead(claimed_by: str | None) -> bool:
    """Whether the draft's claimant was a process on this host that no longer runs."""
    if not claimed_by or "@" not in claimed_by:
        return False
    pid_text, _, rest = claimed_by.partition("@")
    host = rest.rpartition("/")[0]
    if host != socket.gethostname()[:24] or not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, owned by someone else
        return False
    return False


def _claim(language: str) -> list[MTDraft]:
    token = _claim_token()
    db.session.execute(
        update(MTDraft)
        .where(MTDraft.status == DraftStatus.QUEUED, MTDraft.language == language)
        .values(
            status=DraftStatus.RUNNING,
            claimed_by=token,
            attempts=MTDraft.attempts + 1,
            segments_done=0,
            updated_at=utcnow(),
        )
    )
    db.session.commit()
    return list(
        db.session.scalars(select(MTDraft).where(MTDraft.claimed_by == token).order_by(MTDraft.id))
    )


def _end(draft: MTDraft, status: DraftStatus, reason: str = "") -> None:
    draft.status, draft.reason, draft.finished_at = status, reason, utcnow()
    job = draft.job
    if job.status == JobStatus.DRAFTING:
        move_job(
            db.session,
            job,
            JobStatus.READY,
            WORKER,
            DRAFT_READY if status == DraftStatus.DONE else reason,
        )


def draft_language(language: str) -> int:
    """Draft every queued job of one language in shared batches; returns how many were drafted."""
    drafts = _claim(language)
    if not drafts:
        return 0
    engine = registry.engine_for(language)
    config = current_app.config
    work: list[tuple[MTDraft, Prepared]] = []
    for draft in drafts:
        if engine is None:
            _end(draft, DraftStatus.FAILED, NO_MODEL)
            continue
        try:
            work.append((draft, _prepare_job(draft, language, config["MT_MAX_SEGMENTS"])))
        except DocumentUnreadable as exc:
            _end(draft, DraftStatus.FAILED, str(exc))
    db.session.commit()
    if not work or engine is None:
        return 0
    try:
        outputs = _translate_shared(engine, work)
    except Exception as exc:  # an engine failure must not strand the jobs
        log.exception("machine translation failed for %s: %s", language, exc)
        for draft, _prepared in work:
            _end(draft, DraftStatus.FAILED, "The machine translation engine failed.")
        db.session.commit()
        return 0
    when = utcnow()
    for (draft, prepared), machine in zip(work, outputs, strict=True):
        data, flags, targets = finish(
            prepared, machine, banner(engine.name, engine.model_version, when), language
        )
        draft.segment_targets = {str(index): text for index, text in targets.items()}
        store_blob(config["UPLOAD_FOLDER"], data)
        source = draft.job.request.document
        assert source is not None  # noqa: S101 (translation requests always have one)
        draft.draft_sha256 = hashlib.sha256(data).hexdigest()
        draft.draft_name = (
            f"{Path(source.original_name).stem}.{language}.machine-draft{source.extension}"
        )
        draft.flags = flags
        draft.segments_done = prepared.total
        draft.engine, draft.model_version = engine.name, engine.model_version
        _end(draft, DraftStatus.DONE)
    db.session.commit()  # the drafts, their files' records and the job moves land together
    return len(work)


def _prepare_job(draft: MTDraft, language: str, max_segments: int) -> Prepared:
    from app.glossary.services import get_matcher

    req = draft.job.request
    if req.document is None:
        raise DocumentUnreadable("The request has no document.")
    path = stored_path(current_app.config["UPLOAD_FOLDER"], req.document.sha256)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise DocumentUnreadable("The stored document cannot be read.") from exc
    prepared = prepare(
        data,
        req.document.extension,
        get_matcher(language, req.department_id),
        lookup_memory(language),
        max_segments,
    )
    draft.segments_total = prepared.total
    draft.memory_reused = len(prepared.reused)
    draft.segments_done = len(prepared.reused)
    return prepared


def _translate_shared(engine: Engine, work: list[tuple[MTDraft, Prepared]]) -> list[list[str]]:
    """One engine call over every job's pending segments; progress written as batches finish."""
    texts = [shielded.text for _draft, prepared in work for _i, shielded in prepared.pending]
    bounds, start = [], 0
    for draft, prepared in work:
        bounds.append((draft.id, start, len(prepared.pending), len(prepared.reused)))
        start += len(prepared.pending)
    finished = 0

    def progress(count: int) -> None:
        nonlocal finished
        finished += count
        for draft_id, offset, size, reused in bounds:
            done = reused + min(max(finished - offset, 0), size)
            db.session.execute(
                update(MTDraft)
                .where(MTDraft.id == draft_id)
                .values(segments_done=done, updated_at=utcnow())
            )
        db.session.commit()

    machine = engine.translate(texts, progress) if texts else []
    outputs, start = [], 0
    for _draft, prepared in work:
        outputs.append(machine[start : start + len(prepared.pending)])
        start += len(prepared.pending)
    return outputs


def recover_drafts() -> list[str]:
    """Take back drafts a dead worker left running, and re-queue drafts whose task was lost.

    A draft counts as abandoned when it has not moved for MT_STALL_SECONDS, or at once when the
    worker process that claimed it ran on this host and is gone (a restarted worker recovers
    what its killed predecessor held without waiting).
    """
    stall = timedelta(seconds=current_app.config["MT_STALL_SECONDS"])
    cutoff = utcnow() - stall
    languages: set[str] = set()
    candidates = db.session.scalars(
        select(MTDraft).where(MTDraft.status.in_([DraftStatus.RUNNING, DraftStatus.QUEUED]))
    ).all()
    for draft in candidates:
        stalled = draft.updated_at < cutoff
        if not stalled and not (
            draft.status == DraftStatus.RUNNING and _claimant_is_dead(draft.claimed_by)
        ):
            continue
        if draft.status == DraftStatus.RUNNING and draft.attempts >= MAX_ATTEMPTS:
            _end(draft, DraftStatus.FAILED, "Drafting stopped three times; left to humans.")
            continue
        draft.status, draft.claimed_by, draft.updated_at = DraftStatus.QUEUED, None, utcnow()
        languages.add(draft.language)
    db.session.commit()
    return sorted(languages)


def drafts_for(req: Request) -> dict[int, MTDraft]:
    """The drafts of a request's jobs, by job id."""
    ids = [j.id for j in req.jobs]
    return {d.job_id: d for d in db.session.scalars(select(MTDraft).where(MTDraft.job_id.in_(ids)))}


__all__ = ["Job", "draft_language", "plan_drafts", "prepare", "finish", "recover_drafts"]
