"""Looking séances up, naming them (slugs, join codes, themes) and their live state."""

import re
import secrets
import unicodedata
from datetime import date

from sqlalchemy import select, update

from .. import audit
from ..audit import Action
from ..db import write_transaction
from ..extensions import db
from .models import PUBLISHED, Seance, Theme


def published():
    return select(Seance).where(PUBLISHED)


def get_published(slug: str) -> Seance | None:
    return db.session.scalar(published().where(Seance.slug == slug))


def get_by_join_code(code: str) -> Seance | None:
    return db.session.scalar(published().where(Seance.join_code == code))


def get_seance(slug: str) -> Seance | None:
    """Any séance, published or not (moderators see drafts)."""
    return db.session.scalar(select(Seance).where(Seance.slug == slug))


def touch(session, seance_id: int) -> None:
    """Every change a live list shows (questions, votes, fiches, the séance's own fields) makes
    its ETag change: the one way a séance's version moves."""
    session.execute(update(Seance).where(Seance.id == seance_id).values(version=Seance.version + 1))


def set_open(seance_id: int, is_open: bool, user_id: int) -> None:
    """Open or close the séance to questions; audited when it changes."""
    with write_transaction() as session:
        seance = session.get(Seance, seance_id)
        if seance.questions_open != is_open:
            seance.questions_open = is_open
            audit.record(session, Action.OPEN if is_open else Action.CLOSE, seance_id=seance_id,
                         user_id=user_id)
            touch(session, seance_id)


def save_fiche_text(seance_id: int, intro: str, key_points: str, user_id: int) -> bool:
    """The fiche draft's free text, as the moderator typed it (plain text); audited when changed."""
    with write_transaction() as session:
        seance = session.get(Seance, seance_id)
        if (seance.fiche_intro, seance.fiche_key_points) == (intro, key_points):
            return False
        seance.fiche_intro, seance.fiche_key_points = intro, key_points
        audit.record(session, Action.FICHE_DRAFT, seance_id=seance_id, user_id=user_id)
    return True


# Join codes avoid letters and digits people confuse (0/O, 1/I/L) when read off a screen.
JOIN_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 6


def normalise_join_code(raw: str) -> str:
    """What a person typed, as a join code: case and spaces or dashes do not matter."""
    return "".join(ch for ch in raw.upper() if ch.isalnum())[:JOIN_CODE_LENGTH * 2]


def new_join_code() -> str:
    """A join code no séance uses yet."""
    while True:
        code = "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))
        if db.session.scalar(select(Seance.id).where(Seance.join_code == code)) is None:
            return code


def slugify(text: str, max_length: int = 200) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "seance"


def unique_slug(title: str, day: date, exclude_id: int | None = None) -> str:
    """Slug made from the title and the date, with a suffix when another séance has it."""
    base = f"{slugify(title, 180)}-{day.isoformat()}"
    slug, n = base, 2
    while True:
        query = select(Seance.id).where(Seance.slug == slug)
        if exclude_id is not None:
            query = query.where(Seance.id != exclude_id)
        if db.session.scalar(query) is None:
            return slug
        slug, n = f"{base}-{n}", n + 1


def all_themes() -> list[Theme]:
    return list(db.session.scalars(select(Theme).order_by(Theme.name)))


def get_or_create_theme(name: str) -> Theme | None:
    name = " ".join(name.split())
    if not name:
        return None
    slug = slugify(name, 90)
    theme = db.session.scalar(select(Theme).where(Theme.slug == slug))
    if theme is None:
        theme = Theme(name=name, slug=slug)
        db.session.add(theme)
    return theme
