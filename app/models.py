"""Every model, imported in one place so Alembic and the app see the whole schema."""

from app.audit import AuditEvent
from app.auth.models import ApiToken, Department, User
from app.glossary.models import GlossaryVersion, Term, TermTranslation
from app.mt.models import MemoryEntry, MTDraft
from app.requests.models import Document, Job, Request

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Department",
    "Document",
    "GlossaryVersion",
    "Job",
    "MemoryEntry",
    "MTDraft",
    "Request",
    "Term",
    "TermTranslation",
    "User",
]
