"""The room's pages: shared by every phone, with holes for each phone's own part.

The room's list is rendered once per séance version and sort, for no one in particular: where a
phone's vote shows (``aria-pressed``), where its own questions go and the ETag it polls with,
the page has a hole (see ``page_cache``). The fillers below fill them for each response from
two indexed reads: the phone's votes, and (only when it has asked) its questions. Every visible
change bumps the séance's version, so a list is never stale: it is simply not asked for again.
"""

import threading

from flask import current_app, g, render_template
from markupsafe import Markup

from ..db import fast_read, fast_read_all
from ..htmx import fragment_etag
from ..page_cache import TOKEN_HOLE, register_filler
from ..participants import current_participant_id, current_participant_version
from . import bp, services

MAX_ENTRIES = 64
_lock = threading.Lock()
VOTED_SQL = "SELECT question_id FROM vote WHERE participant_id = ?"
HAS_ASKED_SQL = "SELECT 1 FROM question WHERE participant_id = ? AND seance_id = ? LIMIT 1"


def room_html(seance, sort: str) -> Markup:
    """The séance's list in this order: one copy per séance and order, kept while its version is."""
    _cache = current_app.extensions.setdefault("live_cache", {})
    key, stamp = (seance.id, sort), (seance.version, seance.questions_open)
    entry = _cache.get(key)
    if entry is None or entry[0] != stamp:
        questions = services.live_questions(seance.id, sort)
        entry = (stamp, Markup(render_template("questions/_room.html", seance=seance,  # noqa: S704
                                               questions=questions, sort=sort, token_hole=TOKEN_HOLE)))
        with _lock:  # the worker's other threads share the cache
            if key not in _cache and len(_cache) >= MAX_ENTRIES:
                _cache.pop(next(iter(_cache)))  # the oldest séance's
            _cache[key] = entry
    return entry[1]


def _voted() -> frozenset[int]:
    if "voted_ids" not in g:
        participant_id = current_participant_id()
        g.voted_ids = frozenset(row[0] for row in fast_read_all(VOTED_SQL, (participant_id,))) \
            if participant_id is not None else frozenset()
    return g.voted_ids


def _mine(seance_id: int) -> list:
    """This phone's questions in the séance (no read at all for a phone that never asked)."""
    cache = g.setdefault("my_questions", {})
    if seance_id not in cache:
        participant_id = current_participant_id()
        asked = participant_id is not None and fast_read(HAS_ASKED_SQL, (participant_id, seance_id))
        cache[seance_id] = services.my_questions(seance_id, participant_id) if asked else []
    return cache[seance_id]


def _fill_pressed(question_id: str) -> str:
    return "true" if int(question_id) in _voted() else "false"


def _fill_mine(arg: str) -> str:
    seance_id, sort = arg.split(":")
    return render_template("questions/_mine.html", mine=_mine(int(seance_id)), sort=sort)


def _fill_mine_count(seance_id: str) -> str:
    mine = _mine(int(seance_id))
    return f' <span class="count-badge">{len(mine)}</span>' if mine else ""


def _fill_live_etag(arg: str) -> str:
    version, sort = arg.split(":")
    return fragment_etag(int(version), sort, current_participant_version())


@bp.record_once
def _register_fillers(state) -> None:
    register_filler(state.app, "pressed", _fill_pressed)
    register_filler(state.app, "mine", _fill_mine)
    register_filler(state.app, "mine-count", _fill_mine_count)
    register_filler(state.app, "live-etag", _fill_live_etag)
