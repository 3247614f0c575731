"""Every change to questions, votes and the live state of a séance, and the live queries."""

from dataclasses import dataclass

from sqlalchemy import case, delete, func, select, update

from .. import audit
from ..audit import Action
from ..db import write_transaction
from ..extensions import db
from ..formatting import normalise_newlines
from ..models_base import utcnow
from ..participants import participant_id_for_write
from ..sanitize import markdown_to_html
from ..seances.models import Seance
from ..seances.services import touch
from .models import PUBLIC_STATUSES, STATUSES, Question, Vote

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


def queue_marker(seance_id: int) -> str:
    """What the moderators' queue ETag adds to the version: questions received so far."""
    count, last = db.session.execute(
        select(func.count(Question.id), func.max(Question.id)).where(Question.seance_id == seance_id)).one()
    return f"{count}.{last or 0}"


def live_state(slug: str) -> LiveState | None:
    """The one indexed read an unchanged poll costs."""
    row = db.session.execute(
        select(Seance.id, Seance.version, Seance.published, Seance.questions_open)
        .where(Seance.slug == slug)
    ).first()
    return LiveState(*row) if row else None


# --- participants --------------------------------------------------------------------------------

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


def toggle_vote(question_id: int) -> tuple[Question, bool]:
    """Add or take back this participant's vote; the count changes in SQL, atomically."""
    with write_transaction() as session:
        question = session.get(Question, question_id)
        if question is None or not question.seance.published:
            raise QuestionError("unknown")
        if not question.is_public:
            raise QuestionError("not_public")
        if not question.seance.questions_open:
            raise QuestionError("closed")
        participant_id = participant_id_for_write(session)
        removed = session.execute(
            delete(Vote).where(Vote.question_id == question_id, Vote.participant_id == participant_id)
        ).rowcount
        if not removed:
            session.add(Vote(question_id=question_id, participant_id=participant_id))
        session.execute(
            update(Question).where(Question.id == question_id)
            .values(votes_count=Question.votes_count + (-1 if removed else 1))
        )
        touch(session, question.seance_id)
    db.session.refresh(question)
    return question, not removed


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


# --- moderators ----------------------------------------------------------------------------------

def _moderated(session, question_id: int) -> Question:
    question = session.get(Question, question_id)
    if question is None:
        raise QuestionError("unknown")
    return question


def set_status(question_id: int, status: str, user_id: int) -> Question:
    """Approve, set aside, mark answered, or put back to pending; audited."""
    if status not in STATUSES:
        raise ValueError(status)
    with write_transaction() as session:
        question = _moderated(session, question_id)
        if question.status != status:
            question.status = status
            question.status_changed_at = utcnow()
            if status != "approved":
                question.pinned = False  # answered or set aside: no longer the one being answered
            audit.record(session, Action.QUESTION_STATUS, seance_id=question.seance_id, user_id=user_id,
                         detail=f"#{question.id} → {status}")
            touch(session, question.seance_id)
    return question


def toggle_pin(question_id: int, user_id: int) -> Question:
    """Pin the question being answered (approving it if need be), or unpin it.
    One pinned question per séance: pinning one unpins the other."""
    with write_transaction() as session:
        question = _moderated(session, question_id)
        if question.pinned:
            question.pinned = False
            action = Action.UNPIN
        else:
            session.execute(update(Question).where(
                Question.seance_id == question.seance_id, Question.pinned.is_(True)
            ).values(pinned=False))
            session.flush()
            question.pinned = True
            if question.status != "approved":  # pinned is "being answered": approved, not answered
                question.status = "approved"
                question.status_changed_at = utcnow()
            action = Action.PIN
        audit.record(session, action, seance_id=question.seance_id, user_id=user_id,
                     detail=f"#{question.id}")
        touch(session, question.seance_id)
    return question


class StaleCorrection(Exception):
    """The question's text changed since the correction form was opened: nothing saved."""

    def __init__(self, current_body: str):
        super().__init__(current_body)
        self.current_body = current_body


def _same_text(a: str, b: str) -> bool:
    return normalise_newlines(a).strip() == normalise_newlines(b).strip()


def edit_body(question_id: int, body: str, user_id: int, previous_body: str | None = None) -> Question:
    """Fix a typo; the participant's original text is kept once, for moderators.

    ``previous_body``: the text the correction form showed; if another moderator changed it
    since, StaleCorrection is raised and nothing changes (None: no check)."""
    with write_transaction() as session:
        question = _moderated(session, question_id)
        if previous_body is not None and not _same_text(previous_body, question.body):
            raise StaleCorrection(question.body)
        if body != question.body:
            if question.original_body is None:
                question.original_body = question.body
            question.body = body
            audit.record(session, Action.QUESTION_EDIT, seance_id=question.seance_id, user_id=user_id,
                         detail=f"#{question.id}")
            touch(session, question.seance_id)
    return question


# A written answer as typed (Markdown); a longer one is refused, the text kept in the form.
MAX_ANSWER_CHARS = 20_000


def set_answer(question_id: int, source: str, user_id: int) -> Question:
    """Add or replace a question's written answer (Markdown, sanitised); audited. Only a
    question the public sees (approved or answered) can be answered: a pending one is not
    moderated yet, a set-aside one is not shown anywhere."""
    source = normalise_newlines(source or "").strip()
    answer_html = markdown_to_html(source)
    with write_transaction() as session:
        question = _moderated(session, question_id)
        if not question.is_public:
            raise QuestionError("not_answerable")
        if answer_html != question.answer_html or source != question.answer_source:
            action = Action.ANSWER_EDIT if question.answer_html else Action.ANSWER_ADD
            question.answer_html, question.answer_source = answer_html, source
            question.answered_at = utcnow()
            audit.record(session, action, seance_id=question.seance_id, user_id=user_id,
                         detail=f"#{question.id}")
            touch(session, question.seance_id)  # the room's lists show it under the question
    return question


def remove_answer(question_id: int, user_id: int) -> Question:
    with write_transaction() as session:
        question = _moderated(session, question_id)
        if question.answer_html is not None:
            question.answer_html = question.answer_source = question.answered_at = None
            audit.record(session, Action.ANSWER_REMOVE, seance_id=question.seance_id, user_id=user_id,
                         detail=f"#{question.id}")
            touch(session, question.seance_id)
    return question


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


STATUS_ORDER = case({"pending": 0, "approved": 1, "answered": 2, "rejected": 3},
                    value=Question.status)


def queue(seance_id: int) -> list[Question]:
    """Pending first (oldest first: first asked, first read), then by status, newest first."""
    return list(db.session.scalars(
        select(Question).where(Question.seance_id == seance_id).order_by(
            STATUS_ORDER,
            case((Question.status == "pending", Question.submitted_at), else_=None),
            Question.submitted_at.desc(), Question.id.desc())
    ))


def counts(questions: list[Question]) -> dict[str, int]:
    result = {status: 0 for status in STATUSES}
    for question in questions:
        result[question.status] += 1
    result["received"] = len(questions)
    return result
