"""What a visitor keeps, against their participant token."""

from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import contains_eager

from ..db import write_transaction
from ..extensions import db
from ..fiches.models import Fiche
from ..fiches.signals import fiche_deleted
from ..participants import Participant, current_participant_id, known_token, participant_id_for_write
from ..seances.models import PUBLISHED, Seance
from .models import KINDS, Favourite


def visible(kind: str, target_id: int) -> bool:
    """Only what the public may see can be kept: a published séance, or its fiche."""
    if kind == "seance":
        query = select(Seance.id).where(Seance.id == target_id, PUBLISHED)
    else:
        query = select(Fiche.id).join(Seance).where(Fiche.id == target_id, PUBLISHED)
    return db.session.scalar(query) is not None


def toggle(kind: str, target_id: int) -> bool:
    """Keep it, or stop keeping it; returns whether it is kept now."""
    assert kind in KINDS
    with write_transaction() as session:
        participant_id = participant_id_for_write(session)
        removed = session.execute(delete(Favourite).where(
            Favourite.participant_id == participant_id, Favourite.kind == kind,
            Favourite.target_id == target_id)).rowcount
        if not removed:
            session.add(Favourite(participant_id=participant_id, kind=kind, target_id=target_id))
    return not removed


def count_for_visitor() -> int:
    token = known_token()
    if token is None:
        return 0
    return db.session.scalar(
        select(func.count()).select_from(Favourite).join(Participant)
        .where(Participant.token == token)) or 0


def kept_ids(kind: str, target_ids: list[int]) -> set[int]:
    participant_id = current_participant_id()
    if participant_id is None or not target_ids:
        return set()
    return set(db.session.scalars(select(Favourite.target_id).where(
        Favourite.participant_id == participant_id, Favourite.kind == kind,
        Favourite.target_id.in_(target_ids))))


@dataclass
class Kept:
    seances: list
    fiches: list

    @property
    def empty(self) -> bool:
        return not self.seances and not self.fiches


def kept_by_visitor() -> Kept:
    """The visitor's favourites still visible to the public, newest kept first."""
    participant_id = current_participant_id()
    if participant_id is None:
        return Kept([], [])
    seances = db.session.scalars(
        select(Seance).join(Favourite, (Favourite.kind == "seance") & (Favourite.target_id == Seance.id))
        .where(Favourite.participant_id == participant_id, PUBLISHED)
        .order_by(Favourite.created_at.desc())).all()
    fiches = db.session.scalars(
        select(Fiche).options(contains_eager(Fiche.seance))
        .join(Favourite, (Favourite.kind == "fiche") & (Favourite.target_id == Fiche.id))
        .join(Seance, Fiche.seance_id == Seance.id)
        .where(Favourite.participant_id == participant_id, PUBLISHED)
        .order_by(Favourite.created_at.desc())).all()
    return Kept(list(seances), list(fiches))


def forget_fiche(_sender, *, session, fiche_id: int) -> None:
    """A deleted fiche is kept by no one any more (in the deleting transaction)."""
    session.execute(delete(Favourite).where(Favourite.kind == "fiche", Favourite.target_id == fiche_id))


def init_app(app) -> None:
    fiche_deleted.connect(forget_fiche)
