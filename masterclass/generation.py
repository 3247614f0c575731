"""The public generation: the counter that keeps every cached public page current.

The database bumps it with triggers, in the writing transaction, on every change public pages
show (a séance's or theme's fields, a public question's text or status, a fiche; see the
migrations d9f1b7c3e5a2, e3b7a1f9c2d4, c8e2f4a6b1d3, a4c6e8f0b2d1), so the order of changes is
the database's whatever the app servers' clocks. Code bumps it by hand only when public pages
change while no row does (the search index rebuilt). Votes and pins do not bump it: the pages
that show them add their séance's version to their key (``page_cache.serve``'s ``live_slug``).
"""

from sqlalchemy import update
from sqlalchemy.orm import Mapped, mapped_column

from .db import fast_read
from .extensions import db

SIGNATURE_SQL = "SELECT value FROM public_generation"


class PublicGeneration(db.Model):
    """One row: the counter."""

    __tablename__ = "public_generation"
    id: Mapped[int] = mapped_column(primary_key=True)
    value: Mapped[int] = mapped_column(default=0)


def signature() -> tuple:
    """The current generation (one primary-key read through the fast reader)."""
    return fast_read(SIGNATURE_SQL)


def bump(session) -> None:
    """Public pages changed while no row did: pages cached under the old generation go."""
    session.execute(update(PublicGeneration).values(value=PublicGeneration.value + 1))
