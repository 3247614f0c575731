from flask import request
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from .. import page_cache
from ..archive.models import Seance
from ..extensions import db
from ..fiches.models import Fiche
from ..htmx import render
from ..questions.models import PUBLIC_STATUSES, Question
from . import bp
from .index import END, MAX_QUERY_CHARS, START, query, to_match

LIMITS = {"seance": 20, "question": 40, "fiche": 20}


def marked(text: str) -> Markup:
    """Escaped text with the index's match markers turned into <mark>."""
    return Markup(str(escape(text)).replace(START, "<mark>").replace(END, "</mark>"))  # noqa: S704


def _results(raw: str) -> dict:
    hits = {kind: query(db.session, raw, kind, limit) for kind, limit in LIMITS.items()}
    # Load what the hits point at, one query per kind, still checking visibility.
    seance_ids = {h.seance_id for kind_hits in hits.values() for h in kind_hits}
    seances = {s.id: s for s in db.session.scalars(
        select(Seance).options(selectinload(Seance.fiches))
        .where(Seance.id.in_(seance_ids), Seance.published.is_(True)))}
    questions = {q.id: q for q in db.session.scalars(select(Question).where(
        Question.id.in_([h.ref_id for h in hits["question"]]),
        Question.status.in_(PUBLIC_STATUSES)))}
    fiches = {f.id: f for f in db.session.scalars(select(Fiche).options(joinedload(Fiche.seance))
                                                   .where(Fiche.id.in_([h.ref_id for h in hits["fiche"]])))}
    objects = {"seance": seances, "question": questions, "fiche": fiches}
    return {kind: [(h, objects[kind][h.ref_id], seances[h.seance_id]) for h in kind_hits
                   if h.ref_id in objects[kind] and h.seance_id in seances]
            for kind, kind_hits in hits.items()}


@bp.get("/recherche")
def search():
    return page_cache.serve(_search)


def _search():
    raw = request.args.get("q", "")[:MAX_QUERY_CHARS * 5].strip()
    searchable = bool(raw) and to_match(raw) is not None
    results = _results(raw) if searchable else {kind: [] for kind in LIMITS}
    total = sum(len(items) for items in results.values())
    return render("search/page.html", "search/_results.html", q=raw[:MAX_QUERY_CHARS],
                  searchable=searchable, results=results, total=total, marked=marked)
