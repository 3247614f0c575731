"""What participants do (ask, vote) and what the room reads: the live lists, the projector's
selection, the public record's counts. What moderators do to questions is in desk.py."""

from dataclasses import dataclass

from sqlalchemy import case, delete, func, insert, select, update

from ..db import write_transaction
from ..extensions import db
from ..models_base import utcnow
from ..participants import participant_id_for_write
from ..seances.models import Seance
from ..seances.services import touch
from .models import PUBLIC_STATUSES, Question, Vote

# How a phone reads the list: the most supported, the newest, or only its own questions.
SORTS = ("votes", "recent", "miennes")


def parse_sort(value: str | None) -> str:
    return value if value in SORTS else "votes"


class QuestionError(Exception):
    """A refusal the person must be told about: ``reason`` names it; the view words it and
    chooses the HTTP status."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class LiveState:
    seance_id: int
    version: int
    published: bool
    questions_open: bool


def live_state(slug: str) -> LiveState | None:
    """The one indexed read an unchanged poll costs."""
    row = db.session.execute(
        select(Seance.id, Seance.version, Seance.published, Seance.questions_open)
        .where(Seance.slug == slug)
    ).first()
    return LiveState(*row) if row else None


def submit(seance_id: int, body: str, author: str) -> Question:
    """Store a participant's question as pending, if the séance takes questions now."""
    with write_transaction() as session:
        seance = session.get(Seance, seance_id)
        if seance is None or not seance.published or not seance.questions_open:
            raise QuestionError("closed")
        public = not seance.premoderation
        question = Question(seance_id=seance_id, participant_id=participant_id_for_write(session),
                            body=body, author=author or "", status="approved" if public else "pending",
                            status_changed_at=utcnow() if public else None)
        session.add(question)
        # A pending question: no version bump, it changes no one's view but its asker's (whose
        # page drops its ETag after sending) and the moderators' queue (whose ETag counts it).
        # Without pre-moderation it is public at once: the room's lists change.
        if public:
            touch(session, seance_id)
    return question


def _refusal(question: Question | None) -> str | None:
    """Why a vote for this question is refused, or None."""
    if question is None or not question.seance.published:
        return "unknown"
    if not question.is_public:
        return "not_public"
    if not question.seance.questions_open:
        return "closed"
    return None


def toggle_vote(question_id: int) -> tuple[Question, bool]:
    """Add or take back this participant's vote; the count changes in SQL, atomically.

    The write lock is held for the writes alone: every statement inside it makes every other
    writer wait, and a worker's threads take turns between statements. What a vote depends on
    is read before the lock, and the count's UPDATE checks it again in its WHERE clause, so a
    question set aside or a séance closed meanwhile refuses the vote all the same.
    """
    question = db.session.get(Question, question_id)
    reason = _refusal(question)
    if reason:
        raise QuestionError(reason)
    seance_id = question.seance_id
    try:
        with write_transaction() as session:
            participant_id = participant_id_for_write(session)
            removed = session.execute(
                delete(Vote).where(Vote.question_id == question_id, Vote.participant_id == participant_id)
            ).rowcount
            if not removed:
                session.execute(insert(Vote).values(question_id=question_id, participant_id=participant_id))
            counted = session.execute(
                update(Question)
                .where(Question.id == question_id, Question.status.in_(PUBLIC_STATUSES),
                       Question.merged_into_id.is_(None),
                       Question.seance_id.in_(select(Seance.id).where(Seance.published.is_(True),
                                                                      Seance.questions_open.is_(True))))
                .values(votes_count=Question.votes_count + (-1 if removed else 1))
                .execution_options(synchronize_session=False)
            ).rowcount
            if not counted:
                raise QuestionError("changed")  # rolled back: told below what changed
            touch(session, seance_id)
    except QuestionError as error:
        if error.reason != "changed":
            raise
        raise QuestionError(_refusal(db.session.get(Question, question_id)) or "unknown") from None
    return question, not removed  # expired by the commit: its count is read again when shown


def live_questions(seance_id: int, sort: str = "votes", limit: int | None = None) -> list[Question]:
    """What the room sees: the pinned question first, then by votes or newest."""
    order = [Question.pinned.desc()]
    if sort == "recent":
        order += [Question.submitted_at.desc(), Question.id.desc()]
    else:
        order += [Question.votes_count.desc(), Question.submitted_at, Question.id]
    query = select(Question).where(
        Question.seance_id == seance_id, Question.status.in_(PUBLIC_STATUSES),
        Question.merged_into_id.is_(None)).order_by(*order)
    if limit:
        query = query.limit(limit)
    return list(db.session.scalars(query))


@dataclass
class ScreenItem:
    question: Question
    rank: int  # which to drop first when not all fit: the highest rank
    new: bool  # among the newest approved


def screen_questions(seance_id: int, by_votes: int = 12, newest: int = 6) -> tuple[list[ScreenItem], int]:
    """What the projector shows besides the pinned question: the open questions the room most
    supports and the newest approved ones (a question nobody has voted for yet must get on the
    screen too), most supported first, ranked alternately from each list; and how many open
    questions there are in all."""
    open_questions = select(Question).where(
        Question.seance_id == seance_id, Question.status == "approved", Question.pinned.is_(False),
        Question.merged_into_id.is_(None))
    top = list(db.session.scalars(open_questions.order_by(
        Question.votes_count.desc(), Question.submitted_at, Question.id).limit(by_votes)))
    approved_at = func.coalesce(Question.status_changed_at, Question.submitted_at)
    recent = list(db.session.scalars(
        open_questions.order_by(approved_at.desc(), Question.id.desc()).limit(newest)))
    ranks: dict[int, int] = {}
    for i in range(max(len(top), len(recent))):
        for candidates in (top, recent):
            if i < len(candidates):
                ranks.setdefault(candidates[i].id, len(ranks) + 1)
    newest_ids = {q.id for q in recent[:3]}
    questions = {q.id: q for q in top + recent}.values()
    items = [ScreenItem(q, ranks[q.id], q.id in newest_ids and q.votes_count == 0) for q in
             sorted(questions, key=lambda q: (-q.votes_count, q.submitted_at, q.id))]
    total = db.session.scalar(open_questions.with_only_columns(func.count(Question.id)))
    return items, total


def pinned_question(seance_id: int) -> Question | None:
    return db.session.scalar(select(Question).where(
        Question.seance_id == seance_id, Question.pinned.is_(True), Question.status == "approved"))


def my_questions(seance_id: int, participant_id: int | None) -> list[Question]:
    if participant_id is None:
        return []
    return list(db.session.scalars(
        select(Question)
        .where(Question.seance_id == seance_id, Question.participant_id == participant_id)
        .order_by(Question.submitted_at.desc(), Question.id.desc())
    ))


def voted_in_seance(participant_id: int | None, seance_id: int) -> list[int]:
    """The questions of this séance the participant supports."""
    if participant_id is None:
        return []
    return list(db.session.scalars(
        select(Vote.question_id).join(Question, Question.id == Vote.question_id)
        .where(Vote.participant_id == participant_id, Question.seance_id == seance_id)))


@dataclass
class RecordCounts:
    """What became of a séance's questions, in numbers (the public record)."""

    received: int = 0
    published: int = 0
    answered: int = 0  # live (marked answered) or in writing
    written: int = 0  # of which with a written answer
    set_aside: int = 0
    pending: int = 0

    @property
    def unanswered(self) -> int:
        return self.published - self.answered


def record_counts(seance_id: int) -> RecordCounts:
    public = Question.status.in_(PUBLIC_STATUSES) & Question.merged_into_id.is_(None)
    written = public & Question.answer_html.is_not(None)
    row = db.session.execute(select(
        func.count(Question.id),
        func.coalesce(func.sum(case((public, 1), else_=0)), 0),
        func.coalesce(func.sum(case(((Question.status == "answered") | written, 1), else_=0)), 0),
        func.coalesce(func.sum(case((written, 1), else_=0)), 0),
        func.coalesce(func.sum(case((Question.status == "rejected", 1), else_=0)), 0),
        func.coalesce(func.sum(case((Question.status == "pending", 1), else_=0)), 0),
    ).where(Question.seance_id == seance_id, Question.merged_into_id.is_(None))).one()
    return RecordCounts(*(int(n) for n in row))
