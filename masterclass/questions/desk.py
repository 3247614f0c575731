"""The moderator's desk: every change a moderator makes to questions (status, pin, correction,
written answer, batch actions, questions from the floor, merged duplicates) and the queue with
its tabs and search (testable without a request). Every write is one transaction: a refused
request changes nothing."""

import re
import unicodedata
from dataclasses import dataclass, field

from sqlalchemy import case, delete, func, insert, literal, select, update

from .. import audit
from ..audit import Action
from ..db import write_transaction
from ..extensions import db
from ..formatting import normalise_newlines
from ..models_base import utcnow
from ..sanitize import markdown_to_html
from ..seances.models import Seance
from ..seances.services import touch
from .models import FLOOR_SOURCES, STATUSES, Question, Vote
from .services import QuestionError

# More ids than any séance has questions: a bigger batch is refused before any work.
MAX_BATCH = 1000

# The queue's tabs: ?statut= value -> the statuses it lists (None: all).
TABS = {
    "a-traiter": ("pending",),
    "retenues": ("approved",),
    "repondues": ("answered",),
    "ecartees": ("rejected",),
    "tous": None,
}
DEFAULT_TAB = "a-traiter"


def parse_tab(value: str | None) -> str:
    return value if value in TABS else DEFAULT_TAB


# --- one question ---------------------------------------------------------------------------------

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


# --- batch -----------------------------------------------------------------------------------------

def _apply_status(session, question: Question, status: str, user_id: int) -> bool:
    if question.status == status:
        return False
    question.status = status
    question.status_changed_at = utcnow()
    if status != "approved":
        question.pinned = False
    audit.record(session, Action.QUESTION_STATUS, seance_id=question.seance_id, user_id=user_id,
                 detail=f"#{question.id} → {status}")
    return True


def parse_ids(values: list[str]) -> list[int]:
    """The ids of a batch as posted; anything but a number is an unknown id."""
    if len(values) > MAX_BATCH:
        raise QuestionError("batch_too_many")
    ids = []
    for value in values:
        value = value.strip()
        if not value.isdigit() or len(value) > 12:
            raise QuestionError("batch_unknown")
        ids.append(int(value))
    if not ids:
        raise QuestionError("batch_empty")
    return list(dict.fromkeys(ids))


def batch_status(seance_id: int, ids: list[int], status: str, user_id: int) -> int:
    """Give these questions of this séance one status, all or nothing; returns how many changed.
    An id that is not one of the séance's questions refuses the whole batch."""
    if status not in STATUSES:
        raise ValueError(status)
    if len(ids) > MAX_BATCH:
        raise QuestionError("batch_too_many")
    with write_transaction() as session:
        questions = list(session.scalars(select(Question).where(
            Question.seance_id == seance_id, Question.id.in_(ids))))
        if len(questions) != len(set(ids)):
            raise QuestionError("batch_unknown")
        changed = sum(_apply_status(session, q, status, user_id) for q in questions)
        if changed:
            touch(session, seance_id)
    return changed


# --- questions from the floor ----------------------------------------------------------------------

def add_floor_question(seance_id: int, body: str, author: str, source: str, user_id: int) -> Question:
    """A question asked on paper or at the microphone, typed by a moderator: approved at once."""
    if source not in FLOOR_SOURCES:
        raise QuestionError("bad_source")
    with write_transaction() as session:
        question = Question(seance_id=seance_id, body=body, author=author or "", source=source,
                            status="approved", status_changed_at=utcnow())
        session.add(question)
        session.flush()
        audit.record(session, Action.QUESTION_FLOOR, seance_id=seance_id, user_id=user_id,
                     detail=f"#{question.id} ({source})")
        touch(session, seance_id)
    return question


# --- merged duplicates -----------------------------------------------------------------------------

def _recount(session, question_id: int) -> None:
    session.execute(update(Question).where(Question.id == question_id).values(
        votes_count=select(func.count()).where(Vote.question_id == question_id).scalar_subquery()))


def merge(question_id: int, into_id: int, user_id: int) -> Question:
    """Merge a duplicate into the question kept. The duplicate's voters who had not voted for
    the kept question get a vote on it, tagged with the duplicate's id (so the kept question's
    count is the distinct voters of both, and undoing takes back exactly those); the
    duplicate's own votes stay on it. Refused: into itself, into another séance's question,
    into a merged question, or a question others were merged into (no chains, so no cycles)."""
    with write_transaction() as session:
        question = session.get(Question, question_id)
        kept = session.get(Question, into_id)
        if question is None or kept is None:
            raise QuestionError("unknown")
        if question.id == kept.id:
            raise QuestionError("merge_self")
        if question.seance_id != kept.seance_id:
            raise QuestionError("merge_other_seance")
        if question.merged_into_id is not None:
            raise QuestionError("already_merged")
        if kept.merged_into_id is not None:
            raise QuestionError("merge_into_merged")
        if session.scalar(select(func.count()).where(Question.merged_into_id == question.id)):
            raise QuestionError("merge_has_duplicates")
        already = select(Vote.participant_id).where(Vote.question_id == kept.id)
        session.execute(insert(Vote).from_select(
            ["question_id", "participant_id", "created_at", "merged_from_id"],
            select(literal(kept.id), Vote.participant_id, Vote.created_at, literal(question.id))
            .where(Vote.question_id == question.id, Vote.participant_id.not_in(already))))
        _recount(session, kept.id)
        question.merged_into_id, question.merged_at, question.pinned = kept.id, utcnow(), False
        audit.record(session, Action.QUESTION_MERGE, seance_id=question.seance_id, user_id=user_id,
                     detail=f"#{question.id} → #{kept.id}")
        touch(session, question.seance_id)
    return question


def unmerge(question_id: int, user_id: int) -> Question:
    """Undo a merge: the duplicate is back where it was, the votes it brought leave the kept
    question (those its voters have since taken back are already gone)."""
    with write_transaction() as session:
        question = session.get(Question, question_id)
        if question is None:
            raise QuestionError("unknown")
        if question.merged_into_id is None:
            raise QuestionError("not_merged")
        kept_id = question.merged_into_id
        session.execute(delete(Vote).where(Vote.question_id == kept_id,
                                           Vote.merged_from_id == question.id))
        _recount(session, kept_id)
        question.merged_into_id = question.merged_at = None
        audit.record(session, Action.QUESTION_UNMERGE, seance_id=question.seance_id, user_id=user_id,
                     detail=f"#{question.id} ← #{kept_id}")
        touch(session, question.seance_id)
    return question


# --- the queue -------------------------------------------------------------------------------------

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


def queue_marker(seance_id: int) -> str:
    """What the moderators' queue ETag adds to the version: questions received so far."""
    count, last = db.session.execute(
        select(func.count(Question.id), func.max(Question.id)).where(Question.seance_id == seance_id)).one()
    return f"{count}.{last or 0}"


_WORD = re.compile(r"\w+")
# Words too common to tell two questions apart.
STOP_WORDS = frozenset("""a au aux avec ce ces comment dans de des du elle en est et il ils je la le les
leur mais ne nous on ou par pas peut plus pour pourquoi quand que quel quelle quelles quels qui sa se
ses son sont sur ta te tes ton tu un une vos votre vous y the of to is and what how why est-ce""".split())


def fold(text: str) -> str:
    """Lower case without accents: "Élève" and "eleve" read the same."""
    return "".join(c for c in unicodedata.normalize("NFKD", text or "").lower()
                   if not unicodedata.combining(c))


def _stem(word: str) -> str:
    """Plural and singular alike: "logements" -> "logement", "travaux" -> "travau"."""
    return word[:-1] if len(word) > 4 and word[-1] in "sx" else word


def words(text: str) -> set[str]:
    return {_stem(w) for w in _WORD.findall(fold(text)) if len(w) > 2 and w not in STOP_WORDS}


def matches(question: Question, terms: list[str]) -> bool:
    haystack = fold(" ".join((question.body, question.original_body or "", question.author or "",
                              f"#{question.id}")))
    return all(term in haystack for term in terms)


@dataclass
class Desk:
    """What the queue shows: one tab's questions, every tab's count, the duplicates under
    the question they were merged into, and likely duplicates to merge."""

    tab: str
    query: str
    questions: list
    counts: dict
    merged: dict = field(default_factory=dict)  # kept id -> its merged duplicates
    suggestions: dict = field(default_factory=dict)  # question id -> likely duplicates
    total_in_tab: int = 0


def desk(seance_id: int, tab: str = DEFAULT_TAB, query: str = "") -> Desk:
    """One read of the séance's questions; the tab, the search and the suggestions are worked
    out from it (a séance has hundreds of questions, not millions)."""
    all_questions = list(db.session.scalars(
        select(Question).where(Question.seance_id == seance_id).order_by(
            STATUS_ORDER, case((Question.status == "pending", Question.submitted_at), else_=None),
            Question.submitted_at.desc(), Question.id.desc())))
    live = [q for q in all_questions if q.merged_into_id is None]
    counts = {status: 0 for status in STATUSES}
    for q in live:
        counts[q.status] += 1
    counts["received"] = len(live)
    counts["merged"] = len(all_questions) - len(live)
    tab_counts = {name: (counts["received"] if statuses is None else sum(counts[s] for s in statuses))
                  for name, statuses in TABS.items()}
    statuses = TABS[tab]
    shown = [q for q in live if statuses is None or q.status in statuses]
    total = len(shown)
    terms = [t for t in fold(query).split() if t]
    if terms:
        shown = [q for q in shown if matches(q, terms)]
    merged: dict[int, list] = {}
    for q in all_questions:
        if q.merged_into_id is not None:
            merged.setdefault(q.merged_into_id, []).append(q)
    return Desk(tab=tab, query=query, questions=shown, counts={**counts, "tabs": tab_counts},
                merged=merged, suggestions=suggest_duplicates(shown, live), total_in_tab=total)


def suggest_duplicates(shown: list, candidates: list, limit: int = 2) -> dict[int, list]:
    """For each question shown, the other questions sharing most of its words (accents, case
    and plurals ignored): at least two shared words, and at least 60 % of the words of both
    together (so "the budget for the stadium" is not taken for "the budget for the pool")."""
    bags = {q.id: words(q.body) for q in candidates}
    by_word: dict[str, list] = {}
    for q in candidates:
        for w in bags[q.id]:
            by_word.setdefault(w, []).append(q)
    result = {}
    for q in shown:
        mine = bags.get(q.id) or words(q.body)
        shared: dict[int, int] = {}
        others = {}
        for w in mine:
            for other in by_word.get(w, ()):
                if other.id != q.id:
                    shared[other.id] = shared.get(other.id, 0) + 1
                    others[other.id] = other
        scored = []
        for other_id, n in shared.items():
            similarity = n / max(len(mine | bags[other_id]), 1)
            if n >= 2 and similarity >= 0.6:
                scored.append((-similarity, other_id))
        if scored:
            result[q.id] = [others[other_id] for _, other_id in sorted(scored)[:limit]]
    return result


def seance_for(question_id: int) -> Seance | None:
    question = db.session.get(Question, question_id)
    return question.seance if question else None
