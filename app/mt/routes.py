"""Machine drafts on the web: progress for the request page, the draft download, model coverage."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, jsonify, render_template, send_file, url_for

from app.auth.models import Role
from app.auth.permissions import current_actor, roles_required
from app.labels import DRAFT_LABELS, REASON_LABELS, label
from app.mt import registry
from app.mt.models import DraftStatus, MTDraft
from app.mt.pipeline import drafts_for
from app.requests import services
from app.requests.documents import stored_path

bp = Blueprint("mt", __name__)

VIEWERS = (Role.STAFF, Role.COORDINATOR, Role.COMPLIANCE, Role.ADMIN)
ACTIVE = (DraftStatus.QUEUED, DraftStatus.RUNNING)


def draft_json(request_id: int, draft: MTDraft) -> dict[str, Any]:
    """One job's draft as the request page shows it while it updates."""
    total = draft.segments_total
    return {
        "job_id": draft.job_id,
        "language": draft.language,
        "status": draft.status.value,
        "status_label": label(DRAFT_LABELS, draft.status.value),
        "done": draft.segments_done,
        "total": total,
        "percent": round(100 * draft.segments_done / total) if total else 0,
        "reason": label(REASON_LABELS, draft.reason) if draft.reason else "",
        "flags": len(draft.flags or []),
        "download_url": url_for("mt.download", request_id=request_id, job_id=draft.job_id)
        if draft.status == DraftStatus.DONE
        else None,
    }


@bp.route("/requests/<int:request_id>/drafts.json")
@roles_required(*VIEWERS)
def progress(request_id: int) -> Any:
    try:
        req = services.get_request(current_actor(), request_id)
    except services.RequestNotFound:
        abort(404)
    drafts = drafts_for(req)
    return jsonify(
        jobs=[draft_json(req.id, d) for d in drafts.values()],
        active=any(d.status in ACTIVE for d in drafts.values()),
    )


@bp.route("/requests/<int:request_id>/jobs/<int:job_id>/draft")
@roles_required(*VIEWERS)
def download(request_id: int, job_id: int) -> Any:
    try:
        req = services.get_request(current_actor(), request_id)
    except services.RequestNotFound:
        abort(404)
    draft = drafts_for(req).get(job_id)
    if draft is None or draft.status != DraftStatus.DONE or not draft.draft_sha256:
        abort(404)
    path = stored_path(current_app.config["UPLOAD_FOLDER"], draft.draft_sha256)
    media = req.document.media_type if req.document else "application/octet-stream"
    return send_file(path, mimetype=media, as_attachment=True, download_name=draft.draft_name)


@bp.route("/admin/models")
@roles_required(Role.COORDINATOR, Role.ADMIN)
def models() -> Any:
    return render_template("mt/models.html", rows=registry.coverage())
