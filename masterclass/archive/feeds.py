"""The Atom feed of published séances and the sitemap of public pages."""

from flask import current_app, make_response, render_template, request, url_for
from sqlalchemy import select

from .. import i18n
from ..extensions import db
from ..formatting import local_date
from ..models_base import utcnow
from ..seances.models import PUBLISHED, Seance
from . import bp

FEED_SIZE = 50


def absolute(path: str) -> str:
    base = current_app.config.get("PUBLIC_URL") or request.host_url.rstrip("/")
    return base + path


def _xml(template: str, content_type: str, **context):
    response = make_response(render_template(template, absolute=absolute, **context))
    response.headers["Content-Type"] = content_type
    return response


@bp.get("/flux.atom")
def feed():
    seances = db.session.scalars(
        select(Seance).where(PUBLISHED)
        .order_by(Seance.starts_at.desc(), Seance.id.desc()).limit(FEED_SIZE)).all()
    updated = max((s.updated_at for s in seances), default=utcnow())
    # The feed is the site's (French); each entry speaks its séance's language.
    with i18n.language(i18n.DEFAULT):
        dates = {}
        for seance in seances:
            with i18n.language(seance.language):
                dates[seance.id] = local_date(seance.starts_at, "EEEE d MMMM y")
        return _xml("archive/feed.xml", "application/atom+xml; charset=utf-8",
                    seances=seances, updated=updated, dates=dates)


@bp.get("/sitemap.xml")
def sitemap():
    rows = db.session.execute(
        select(Seance.slug, Seance.updated_at).where(PUBLISHED)
        .order_by(Seance.starts_at.desc())).all()
    pages = [(url_for("archive.home"), None), (url_for("archive.seances"), None),
             (url_for("search.search"), None)]
    pages += [(url_for("archive.seance", slug=slug), updated) for slug, updated in rows]
    return _xml("archive/sitemap.xml", "application/xml; charset=utf-8", pages=pages)
