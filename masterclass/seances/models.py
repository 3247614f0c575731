from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import utcnow


class Theme(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    slug: Mapped[str] = mapped_column(String(90), unique=True)

    def __repr__(self) -> str:
        return f"<Theme {self.slug}>"


class Seance(db.Model):
    """A master class séance: a professional explains their job, participants ask."""

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    slug: Mapped[str] = mapped_column(String(240), unique=True)
    # Local wall-clock time of the séance (Europe/Paris): what the poster says.
    starts_at: Mapped[datetime]
    city: Mapped[str] = mapped_column(String(120))
    venue: Mapped[str] = mapped_column(String(200), default="")
    theme_id: Mapped[int | None] = mapped_column(ForeignKey("theme.id", ondelete="SET NULL"))
    speaker_name: Mapped[str] = mapped_column(String(160), default="")
    speaker_role: Mapped[str] = mapped_column(String(200), default="")
    concept: Mapped[str] = mapped_column(Text, default="")  # plain text, paragraphs
    summary_html: Mapped[str] = mapped_column(Text, default="")  # sanitised on save
    # How the summary was typed: "markdown" (summary_source is the Markdown, summary_html its
    # rendering) or "html" (summary_html is the source: summaries typed before Markdown, and
    # those written by code, the demo); the authoring form makes new séances Markdown.
    summary_format: Mapped[str] = mapped_column(String(10), default="html", server_default="html")
    summary_source: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The fiche draft's free text, edited by moderators before producing it (plain text).
    fiche_intro: Mapped[str] = mapped_column(Text, default="", server_default="")
    fiche_key_points: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The language of what the séance shows on its own (projector screen, feed, PDF fiche draft).
    language: Mapped[str] = mapped_column(String(5), default="fr", server_default="fr")
    published: Mapped[bool] = mapped_column(default=False)
    published_at: Mapped[datetime | None]
    join_code: Mapped[str] = mapped_column(String(12), unique=True)
    questions_open: Mapped[bool] = mapped_column(default=False)
    # On (the default): a question waits for a moderator; off: public at once (a moderator
    # can still set it aside).
    premoderation: Mapped[bool] = mapped_column(default=True, server_default="1")
    # Bumped on every change a live list shows: the ETag of the live fragments.
    version: Mapped[int] = mapped_column(default=1)
    # Bumped by each save of the edit form (and publication): the form carries the one it was
    # opened with, and a save made from an older one is refused (two moderators editing).
    edit_version: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Shown in the feed and the sitemap; what says the archive changed is public_generation.
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow, index=True)

    theme: Mapped["Theme | None"] = relationship(lazy="joined")
    fiches: Mapped[list["Fiche"]] = relationship(  # noqa: F821
        back_populates="seance",
        order_by="(Fiche.position, Fiche.id)",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    __table_args__ = (
        # Partial indexes: a column that is 1 for nearly every row ("published") must not lead
        # an index, or SQLite takes it for selective and walks the archive through it (where
        # "id IN (...)" would have read ten rows).
        Index("ix_seance_published_starts_at", "starts_at", sqlite_where=text("published = 1"),
              postgresql_where=text("published")),
        # The few séances open to questions (home page).
        Index("ix_seance_open_starts_at", "starts_at", sqlite_where=text("questions_open = 1"),
              postgresql_where=text("questions_open")),
    )

    def __repr__(self) -> str:
        return f"<Seance {self.slug}>"


# The condition every public query uses: "published = 1", the very term of the partial index
# above (SQLite uses a partial index only for the same term; "published IS 1" would not do).
PUBLISHED = Seance.published == True  # noqa: E712
