"""Helpers for HTTP tests: valid dates from the real policy, counting what was stored."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from app.audit import AuditEvent
from app.extensions import db
from app.policy import load_policy
from app.requests.models import Document, Job, Request


def policy(app: Flask):
    return load_policy(app.config["POLICY_FILE"])


def earliest_due(app: Flask) -> date:
    p = policy(app)
    return p.translation_earliest(p.calendar.today())


def interpretation_day(app: Flask, mode: str = "in_person") -> date:
    p = policy(app)
    return p.interpretation_earliest(p.calendar.today(), mode) + timedelta(days=1)


def stored_counts(app: Flask) -> dict[str, int]:
    """Rows and files that exist now: the 'nothing stored' check."""
    with app.app_context():
        counts = {
            name: db.session.scalar(select(func.count()).select_from(model)) or 0
            for name, model in (
                ("requests", Request),
                ("jobs", Job),
                ("documents", Document),
                ("audit", AuditEvent),
            )
        }
    folder = Path(app.config["UPLOAD_FOLDER"])
    counts["files"] = sum(1 for p in folder.rglob("*") if p.is_file()) if folder.exists() else 0
    return counts


NOTHING = {"requests": 0, "jobs": 0, "documents": 0, "audit": 0, "files": 0}


def local_now(app: Flask) -> datetime:
    p = policy(app)
    return datetime.now(p.calendar.timezone)
