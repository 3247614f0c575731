import threading

from flask import request
from markupsafe import Markup, escape
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from .. import page_cache
from ..archive.services import parse_page
from ..extensions import db
from ..fiches.models import Fiche
from ..htmx import render
from ..questions.models import PUBLIC_STATUSES, Question
from ..seances.models import PUBLISHED, Seance
from . import bp
from .index import END, MAX_CANDIDATES, MAX_QUERY_CHARS, START, query, to_match

# The overview shows the best few of each kind; "type" lists one kind, page by page.
OVERVIEW = {"seance": 5, "question": 10, "fiche": 5}
PER_PAGE = 20
TYPES = {"seances": "seance", "questions": "question", "fiches": "fiche"}


def marked(text: str) -> Markup:
    """Escaped text with the index's match markers turned into <mark>."""
    return Markup(str(escape(text)).replace(START, "<mark>").replace(END, "</mark>"))  # noqa: S704


# One FTS5 query at a time per worker process. Under Python 3.11 (3.11.7 here), concurrent
# searches in the threads of a cold gunicorn gthread worker crash it now and then (SIGSEGV):
# a Python object freed while still in use, whatever the SQLite (3.40.1 system, 3.51.1
# pysqlite3-binary); none under Python 3.12 and 3.13, which production should run. The lock
# made it rarer in one series of starts, not in another; it does not end it: see "The search
# worker crash" in the README and tests/stress/fts_crash.py.
# Loading what was found and rendering still run in parallel, and most searches are served
# from the page cache anyway.
_one_search_at_a_time = threading.Lock()


def _results(raw: str, limits: dict, offset: int) -> tuple[dict, dict]:
    with _one_search_at_a_time:
        found = {kind: query(db.session, raw, kind, limit, offset) for kind, limit in limits.items()}
    hits = {kind: kind_hits for kind, (kind_hits, _more) in found.items()}
    more = {kind: kind_more for kind, (_hits, kind_more) in found.items()}
    # Load what the hits point at, one query per kind, still checking visibility.
    seance_ids = {h.seance_id for kind_hits in hits.values() for h in kind_hits}
    seances = {s.id: s for s in db.session.scalars(
        select(Seance).options(selectinload(Seance.fiches))
        .where(Seance.id.in_(seance_ids), PUBLISHED))}
    ids = {kind: [h.ref_id for h in hits.get(kind, [])] for kind in ("question", "fiche")}
    questions = {q.id: q for q in db.session.scalars(select(Question).where(
        Question.id.in_(ids["question"]), Question.status.in_(PUBLIC_STATUSES),
        Question.merged_into_id.is_(None)))}
    fiches = {f.id: f for f in db.session.scalars(
        select(Fiche).options(joinedload(Fiche.seance)).where(Fiche.id.in_(ids["fiche"])))}
    objects = {"seance": seances, "question": questions, "fiche": fiches}
    return {kind: [(h, objects[kind][h.ref_id], seances[h.seance_id]) for h in kind_hits
                   if h.ref_id in objects[kind] and h.seance_id in seances]
            for kind, kind_hits in hits.items()}, more


@bp.get("/recherche")
def search():
    return page_cache.serve(_search)


def _search():
    raw = request.args.get("q", "")[:MAX_QUERY_CHARS * 5].strip()
    searchable = bool(raw) and to_match(raw) is not None
    kind = TYPES.get(request.args.get("type", ""))
    page = min(parse_page(request.args.get("page")), MAX_CANDIDATES // PER_PAGE) if kind else 1
    limits = {kind: PER_PAGE} if kind else OVERVIEW
    if searchable:
        results, more = _results(raw, limits, (page - 1) * PER_PAGE)
    else:
        results, more = {k: [] for k in limits}, {}
    total = sum(len(items) for items in results.values())
    return render("search/page.html", "search/_results.html", q=raw[:MAX_QUERY_CHARS],
                  searchable=searchable, results=results, more=more, total=total, marked=marked,
                  kind=kind, page=page, type_of={v: k for k, v in TYPES.items()})
