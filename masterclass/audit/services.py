"""Writing and reading the trail."""

from sqlalchemy import select

from ..extensions import db
from .models import Action, AuditEntry


def record(session, action: Action, *, user_id: int | None, seance=None, seance_id: int | None = None,
           detail: str = "", seance_version: int | None = None) -> AuditEntry:
    """Add an entry to the caller's write transaction (``seance``: a séance not flushed yet)."""
    entry = AuditEntry(seance_id=seance_id, user_id=user_id, action=action.value, detail=detail,
                       seance_version=seance_version)
    if seance is not None:
        entry.seance = seance
    session.add(entry)
    return entry


def trail(seance_id: int, limit: int = 50) -> list[AuditEntry]:
    """A séance's entries, newest first."""
    return list(db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.seance_id == seance_id)
        .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
        .limit(limit)
    ))
