"""Public pages rendered once per change of the archive, for visitors with nothing of their own.

Most requests come from people who have no state on the page they ask for: the room scanning
the QR code at the start of a séance, readers of the archive, search engines. For them a page
depends only on what is published (and on the day), so each worker renders it once per
public generation and keeps it; the one thing that is theirs alone, the CSRF token, is put
back into every response. Anyone with state of their own (a moderator signed in, a message
waiting in the session, a participant who asked, voted or kept something) gets the page
rendered for them, as before.

A copy is never stale: it is kept with its stamp, what it was rendered from (the day, the
public generation, a counter the database bumps with every change public pages show, and for
the room's pages their séance's version), and used only while the stamp is current; rendered
again, it replaces the old copy, so a worker keeps one copy per page. Nothing else of the request
shapes a page: path, query, htmx or not, and the public base URL (the Host header when
MASTERCLASS_PUBLIC_URL is unset) are the whole key.

Pages whose personal parts are all holes (``serve(..., overlaid=True)``: the room's pages, where
nearly every phone has voted or asked) are shared with participants too (see ``holes``): every
HTML response, cached or rendered, gets its holes filled for its visitor after the request.
Every copy this serves is also offered to ``front``, which answers the next visitors whose
cookies it can read before Flask.
"""

from collections.abc import Callable

from flask import current_app, g, request, session
from flask_wtf.csrf import generate_csrf

from . import caches, generation, holes, i18n
from .db import fast_read
from .front import MARK
from .htmx import is_htmx
from .models_base import local_now
from .participants import current_participant_id, current_participant_version

TOKEN_HOLE = holes.TOKEN_HOLE


def fill_holes(response):
    """Every hole of an HTML response, filled for this visitor (after every request)."""
    if response.mimetype != "text/html" or response.is_streamed or response.direct_passthrough:
        return response
    body = response.get_data()
    if b"<hole:" in body:
        visitor = holes.Visitor(current_participant_id(), current_participant_version())
        response.set_data(holes.fill(current_app, body, visitor, generate_csrf))
    return response


KEPT_HEADERS = ("Content-Type", "ETag", "Cache-Control", "Vary")
MAX_ENTRIES_PER_VIEW = 128


def visitor_has_state(overlaid: bool = False) -> bool:
    """Would this visitor see anything of their own on a public page, outside its holes?"""
    if "_user_id" in session or "_flashes" in session:
        return True
    if request.cookies.get(current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")):
        return True  # Flask-Login would sign them in on the page
    return not overlaid and current_participant_id() is not None


def _public_base() -> str:
    """Where absolute links on a page point (the projector's QR code, the feed): the configured
    public URL, else the request's own host, which is then part of the key, so a request with a
    forged Host header never shapes the page another visitor gets."""
    return current_app.config.get("PUBLIC_URL") or request.host_url


def _entries(endpoint: str) -> caches.StampedCache:
    """This view's copies (one cache per view: a flood of odd searches never pushes out the séance pages)."""
    return caches.cache(current_app, f"pages:{endpoint}", MAX_ENTRIES_PER_VIEW)


SEANCE_VERSION_SQL = "SELECT version FROM seance WHERE slug = ?"


def serve(render: Callable, live_slug: str | None = None, overlaid: bool = False,
          etag: Callable[[int, int], str] | None = None):
    """The response ``render()`` gives, from this worker's cache when the visitor has no state
    of their own outside the page's holes.

    ``live_slug``: the page shows that séance's live state (votes, pins), which changes its
    version but not the public generation: its version then also says whether a copy is current.
    ``overlaid``: every personal part of the page is a hole; participants share it too.
    ``etag``: the visitor's own ETag for the page, given the séance's version and the visitor's.
    """
    if not current_app.config["PAGE_CACHE"] or request.method != "GET" or visitor_has_state(overlaid):
        return render()
    version = fast_read(SEANCE_VERSION_SQL, (live_slug,)) if live_slug else None
    # One entry per page: what it was rendered from (the stamp) decides whether it is current;
    # a page rendered again replaces its old copy, which no one would ask for again.
    key = (request.script_root, request.path, request.query_string, is_htmx(), _public_base(), i18n.current())
    stamp = (local_now().date(), generation.signature(), version)
    entries = _entries(request.endpoint)
    kept = entries.get(key, stamp)
    if kept is None:
        response = current_app.make_response(render())
        if response.status_code == 200 and response.mimetype == "text/html" and not response.is_streamed:
            body = response.get_data()
            token = g.get("csrf_token")
            if token:
                body = body.replace(token.encode(), TOKEN_HOLE.encode())
            headers = [(h, response.headers[h]) for h in KEPT_HEADERS if h in response.headers]
            entries.put(key, stamp, (body, headers))
            _offer_to_front(live_slug, stamp, body, overlaid, etag)
        return response
    body, headers = kept
    _offer_to_front(live_slug, stamp, body, overlaid, etag)
    response = current_app.response_class(body, headers=headers)
    if etag is not None and version is not None:
        response.set_etag(etag(version[0], current_participant_version()), weak=True)
    tag, _weak = response.get_etag()
    if tag and request.if_none_match.contains_weak(tag):
        response.status_code = 304
        response.set_data(b"")
    return response


def _offer_to_front(slug, stamp, body, overlaid, etag) -> None:
    request.environ[MARK] = {"slug": slug, "stamp": stamp, "body": body, "overlaid": overlaid, "etag": etag}


def init_app(app) -> None:
    app.after_request(fill_holes)
    app.jinja_env.globals["hole"] = holes.hole
