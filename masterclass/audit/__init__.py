"""The audit trail: who changed what on a séance, and when (shown on its moderation page).

A leaf: features record into it; it imports no feature."""

from .models import Action, AuditEntry
from .services import record, trail

__all__ = ["Action", "AuditEntry", "record", "trail"]
