from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import utcnow

STATUSES = ("pending", "approved", "rejected", "answered")
PUBLIC_STATUSES = ("approved", "answered")
# Questions from the floor, typed by a moderator: source -> label.
FLOOR_SOURCES = ("papier", "micro")


class Question(db.Model):
    """A question asked during a séance, moderated before the room sees it."""

    id: Mapped[int] = mapped_column(primary_key=True)
    seance_id: Mapped[int] = mapped_column(ForeignKey("seance.id", ondelete="CASCADE"))
    participant_id: Mapped[int | None] = mapped_column(
        ForeignKey("participant.id", ondelete="SET NULL"), index=True
    )
    author: Mapped[str] = mapped_column(String(80), default="")
    body: Mapped[str] = mapped_column(String(500))
    # The text as the participant typed it, kept when a moderator fixes a typo.
    original_body: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    pinned: Mapped[bool] = mapped_column(default=False)
    votes_count: Mapped[int] = mapped_column(default=0)
    submitted_at: Mapped[datetime] = mapped_column(default=utcnow)
    status_changed_at: Mapped[datetime | None]
    # The written answer (the speaker's or the organisers'), sanitised on save; None: none yet.
    answer_html: Mapped[str | None] = mapped_column(Text)
    answer_source: Mapped[str | None] = mapped_column(Text)  # as typed (Markdown), for editing
    answered_at: Mapped[datetime | None]  # when the written answer was last saved
    # Where it was asked: "" from a phone, or typed by a moderator: "papier", "micro".
    source: Mapped[str] = mapped_column(String(10), default="", server_default="")
    # A duplicate merged into the question kept: off every public list, shown under the kept
    # one in the queue until the merge is undone.
    merged_into_id: Mapped[int | None] = mapped_column(
        ForeignKey("question.id"), index=True)
    merged_at: Mapped[datetime | None]

    seance: Mapped["Seance"] = relationship()  # noqa: F821

    __table_args__ = (
        CheckConstraint(
            "status IN ('pending', 'approved', 'rejected', 'answered')", name="status"
        ),
        Index("ix_question_seance_status", "seance_id", "status"),
        # One pinned question per séance, enforced by the database itself.
        Index(
            "uq_question_one_pinned_per_seance",
            "seance_id",
            unique=True,
            sqlite_where=text("pinned = 1"),
            postgresql_where=text("pinned"),
        ),
    )

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES and self.merged_into_id is None

    @property
    def is_answered(self) -> bool:
        """Answered live (marked so) or in writing: what the public record counts as answered."""
        return self.status == "answered" or self.answer_html is not None

    def __repr__(self) -> str:
        return f"<Question {self.id} {self.status}>"


class Vote(db.Model):
    """One participant's vote for one question (toggled)."""

    question_id: Mapped[int] = mapped_column(
        ForeignKey("question.id", ondelete="CASCADE"), primary_key=True
    )
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("participant.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Moved here by a merge: the duplicate it was cast for (undoing the merge removes it).
    merged_from_id: Mapped[int | None]
