"""The room's pages: shared by every phone, with holes for each phone's own part.

The room's list is rendered once per séance version and sort, for no one in particular: where a
phone's vote shows (``aria-pressed``), where its own questions go and the ETag it polls with,
the page has a hole (see ``page_cache``). The fillers below fill them for each response from
two indexed reads outside the ORM: the phone's votes and its questions (none before it writes). Every visible
change bumps the séance's version, so a list is never stale: it is simply not asked for again.
"""

from typing import NamedTuple

from flask import current_app, render_template, request
from markupsafe import Markup

from .. import caches, i18n
from ..holes import TOKEN_HOLE, Choice, Visitor, register_filler
from ..htmx import fragment_etag
from . import bp, services

MAX_ENTRIES = 64
MAX_CARDS = 2048  # a few rooms' questions (~400 bytes each)
VOTED_SQL = "SELECT question_id FROM vote WHERE participant_id = ?"


def room_html(seance, sort: str) -> Markup:
    """The séance's list in this order: one copy per séance, order, language and prefix the
    site is served under (its links carry it), kept while the séance's version is."""
    def make() -> Markup:
        questions = services.live_questions(seance.id, sort)
        return Markup(render_template("questions/_room.html", seance=seance,  # noqa: S704
                                      questions=questions, sort=sort, token_hole=TOKEN_HOLE, card_of=card_of))
    return caches.cache(current_app, "live-lists", MAX_ENTRIES).get_or_make(
        (seance.id, sort, i18n.current(), request.script_root), (seance.version, seance.questions_open), make)


def card_of(question, can_vote: bool, card) -> Markup:
    """One question's card in the room's list, as the template's ``card`` macro renders it, kept
    while everything the card shows is unchanged (its stamp), per language and URL prefix. A
    phone's own part of it (its vote) is a hole, so a card is the same for everyone."""
    key = (question.id, can_vote, i18n.current(), request.script_root)
    stamp = (question.body, question.author, question.status, question.pinned, question.source,
             question.votes_count, question.answer_html)
    return caches.cache(current_app, "room-cards", MAX_CARDS).get_or_make(
        key, stamp, lambda: card(question, can_vote))


class MyQuestion(NamedTuple):
    """What the phone's own list shows of one of its questions."""
    id: int
    body: str
    status: str
    pinned: bool
    votes_count: int
    answer_html: str | None  # the written answer, sanitised on save
    source: str  # "" from a phone; "papier" or "micro" typed by a moderator
    merged_into_id: int | None  # merged into another question (the one the room sees)


MINE_SQL = ("SELECT id, body, status, pinned, votes_count, answer_html, source, merged_into_id "
            "FROM question "
            "WHERE participant_id = ? AND seance_id = ? ORDER BY submitted_at DESC, id DESC")


def _reader(app):
    return app.extensions["fast_reader"]


def _pressed(app, visitor: Visitor) -> Choice:
    voted = [] if visitor.participant_id is None else _reader(app).all(VOTED_SQL, (visitor.participant_id,))
    return Choice("false", {str(row[0]): "true" for row in voted})


def _mine(app, visitor: Visitor):
    """This phone's questions per séance, read once per response (none before it writes)."""
    mine = {}

    def of(seance_id: str) -> list[MyQuestion]:
        if seance_id not in mine:
            rows = _reader(app).all(MINE_SQL, (visitor.participant_id, int(seance_id))) \
                if visitor.participant_id is not None else []
            mine[seance_id] = [MyQuestion(*row[:3], bool(row[3]), *row[4:]) for row in rows]
        return mine[seance_id]
    return of


def _mine_list(app, visitor: Visitor):
    template, mine = app.jinja_env.get_template("questions/_mine.html"), _mine(app, visitor)

    def fill(arg: str) -> str:
        seance_id, sort = arg.split(":")
        questions = mine(seance_id)
        return template.render(mine=questions, sort=sort) if questions or sort == "miennes" else ""
    return fill


def _mine_count(app, visitor: Visitor):
    mine = _mine(app, visitor)

    def fill(seance_id: str) -> str:
        questions = mine(seance_id)
        return f' <span class="count-badge">{len(questions)}</span>' if questions else ""
    return fill


def live_etag(version: int, sort: str, own: int) -> str:
    """The ETag of a phone's live list: the room's version, the order, and its own version."""
    return fragment_etag(version, sort, own)


def _live_etag(app, visitor: Visitor):
    def fill(arg: str) -> str:
        version, sort = arg.split(":")
        return live_etag(int(version), sort, visitor.participant_version)
    return fill


@bp.record_once
def _register_fillers(state) -> None:
    register_filler(state.app, "pressed", _pressed)
    register_filler(state.app, "mine", _mine_list)
    register_filler(state.app, "mine-count", _mine_count)
    register_filler(state.app, "live-etag", _live_etag)
