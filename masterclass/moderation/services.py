"""The moderators' dashboard: séances to run and past ones, with their counts."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import case, func, select

from ..extensions import db
from ..fiches.models import Fiche
from ..questions.models import Question
from ..seances.models import Seance


@dataclass
class SeanceCounts:
    received: int = 0
    pending: int = 0
    approved: int = 0
    fiches: int = 0


@dataclass
class Dashboard:
    live: list = field(default_factory=list)
    upcoming: list = field(default_factory=list)
    past: list = field(default_factory=list)
    counts: dict = field(default_factory=dict)


def dashboard(now: datetime, past_limit: int = 30) -> Dashboard:
    """Séances to run (live, to come) and past ones, with their counts in two grouped queries."""
    day_start = datetime.combine(now.date(), datetime.min.time())
    day_end = day_start + timedelta(days=1)
    running = (Seance.questions_open.is_(True)) | (
        (Seance.starts_at >= day_start) & (Seance.starts_at < day_end))
    board = Dashboard()
    board.live = list(db.session.scalars(select(Seance).where(running).order_by(Seance.starts_at)))
    board.upcoming = list(db.session.scalars(
        select(Seance).where(~running, Seance.starts_at >= day_end).order_by(Seance.starts_at)))
    board.past = list(db.session.scalars(
        select(Seance).where(~running, Seance.starts_at < day_start)
        .order_by(Seance.starts_at.desc()).limit(past_limit)))
    ids = [s.id for s in board.live + board.upcoming + board.past]
    counts = {seance_id: SeanceCounts() for seance_id in ids}
    if ids:
        rows = db.session.execute(
            select(
                Question.seance_id,
                func.count(Question.id),
                func.sum(case((Question.status == "pending", 1), else_=0)),
                func.sum(case((Question.status.in_(("approved", "answered")), 1), else_=0)),
            ).where(Question.seance_id.in_(ids)).group_by(Question.seance_id)
        )
        for seance_id, received, pending, approved in rows:
            counts[seance_id].received, counts[seance_id].pending = received, pending
            counts[seance_id].approved = approved
        for seance_id, n in db.session.execute(
            select(Fiche.seance_id, func.count(Fiche.id))
            .where(Fiche.seance_id.in_(ids)).group_by(Fiche.seance_id)
        ):
            counts[seance_id].fiches = n
    board.counts = counts
    return board
