"""Every model, imported in one place so Alembic and the app see the whole schema."""

from app.audit import AuditEvent
from app.auth.models import ApiToken, Department, User
from app.glossary.models import GlossaryVersion, Term, TermTranslation
from app.mt.models import MemoryEntry, MTDraft
from app.requests.models import Document, Job, Request
from app.sms.models import SmsConversation, SmsMessage
from app.vendors.models import Delivery, Offer, Reminder, Vendor, VendorService

__all__ = [
    "ApiToken",
    "AuditEvent",
    "Delivery",
    "Department",
    "Document",
    "GlossaryVersion",
    "Job",
    "MemoryEntry",
    "MTDraft",
    "Offer",
    "Reminder",
    "Request",
    "SmsConversation",
    "SmsMessage",
    "Term",
    "TermTranslation",
    "User",
    "Vendor",
    "VendorService",
]
