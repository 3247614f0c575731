"""The room's list rendered once per séance version, then personalised per participant.

Every visible change bumps the séance's version, so an entry is never stale: it is simply
not asked for again. Each worker (each app) keeps its own small cache.
"""

from flask import current_app, render_template
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from ..page_cache import TOKEN_HOLE
from . import services

MAX_ENTRIES = 64


def room_html(seance, sort: str, participant_id: int | None) -> Markup:
    _cache = current_app.extensions.setdefault("live_cache", {})
    key = (seance.id, seance.version, sort, seance.questions_open)
    html = _cache.get(key)
    if html is None:
        questions = services.live_questions(seance.id, sort)
        html = render_template("questions/_room.html", seance=seance, questions=questions, sort=sort,
                               token_hole=TOKEN_HOLE)
        if len(_cache) >= MAX_ENTRIES:
            _cache.clear()
        _cache[key] = html
    for question_id in services.voted_in_seance(participant_id, seance.id):
        html = html.replace(f'id="vote-bouton-{question_id}" aria-pressed="false"',
                            f'id="vote-bouton-{question_id}" aria-pressed="true"')
    return Markup(html.replace(TOKEN_HOLE, generate_csrf()))  # noqa: S704 (rendered by Jinja)
