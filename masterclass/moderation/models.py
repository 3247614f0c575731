from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import utcnow


class AuditEntry(db.Model):
    """Who changed what, and when: shown on the séance's moderation page."""

    id: Mapped[int] = mapped_column(primary_key=True)
    seance_id: Mapped[int | None] = mapped_column(
        ForeignKey("seance.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text, default="")
    # The séance's edit_version this entry's edit produced (edits and publication only).
    seance_version: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    seance: Mapped["Seance | None"] = relationship()  # noqa: F821
    user: Mapped["User | None"] = relationship()  # noqa: F821
