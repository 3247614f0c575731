"""The unchanged live poll, answered before Flask: one indexed read, then 304.

Hundreds of phones ask every few seconds whether the live list changed; nearly always it has
not. This WSGI layer answers those conditional requests from the séance's version and the
phone's own version (the same ETag the views send: one read of two indexed rows) and hands
everything else on untouched. It sits outside the shared pages' layer (``front``), so a 304
never costs the filling of a page. Through the fast reader (SQLite's file, PostgreSQL's
per-thread connection); a database in memory (tests) leaves the views to answer the same 304.
"""

import re
from http.cookies import CookieError, SimpleCookie
from urllib.parse import parse_qs

from .. import i18n
from ..db import READ_ERRORS, FastReader
from ..htmx import VARY, fragment_etag, wants_fragment
from ..participants import COOKIE
from ..security import CSP
from .services import parse_sort

POLLED = re.compile(r"^/seances/([^/]+)/(questions/live|ecran)$")
LIVE_SQL = ("SELECT version, published, (SELECT version FROM participant WHERE token = ?) "
            "FROM seance WHERE slug = ?")
SCREEN_SQL = "SELECT version, published, 0 FROM seance WHERE slug = ?"
POLL_VARY = ", ".join((*VARY, "Cookie", "Accept-Language"))  # what Flask's answer says it varies on


def _participant_token(environ) -> str:
    header = environ.get("HTTP_COOKIE", "")
    if COOKIE not in header:
        return ""
    try:
        morsel = SimpleCookie(header).get(COOKIE)
    except CookieError:
        return ""
    return morsel.value if morsel else ""


class ConditionalPoll:
    def __init__(self, wsgi_app, reader: FastReader):
        self.wsgi_app = wsgi_app
        self.reader = reader

    def _current_etag(self, environ) -> str | None:
        match = POLLED.match(environ.get("PATH_INFO", ""))
        if not match:
            return None
        slug, what = match.groups()
        try:
            if what == "ecran":
                if not wants_fragment(environ):
                    return None  # the screen page itself, not its fragment
                row = self.reader.one(SCREEN_SQL, (slug,))
                variant = ("screen",)
            else:
                row = self.reader.one(LIVE_SQL, (_participant_token(environ), slug))
                sort = parse_qs(environ.get("QUERY_STRING", "")).get("tri", [None])[0]
                variant = (parse_sort(sort), row[2] or 0) if row else ()
        except READ_ERRORS:
            return None  # let Flask answer (and report) whatever is wrong
        if row is None or not row[1]:
            return None
        return 'W/"' + fragment_etag(row[0], *variant) + '"'

    def __call__(self, environ, start_response):
        if (self.reader.fast and environ.get("REQUEST_METHOD") == "GET"
                and "HTTP_IF_NONE_MATCH" in environ):
            i18n.enter(environ)  # the ETag names the language (the layers below keep this choice)
            etag = self._current_etag(environ)
            if etag and etag in [t.strip() for t in environ["HTTP_IF_NONE_MATCH"].split(",")]:
                start_response("304 Not Modified", [
                    ("ETag", etag), ("Cache-Control", "no-cache, private"),
                    ("Vary", POLL_VARY),
                    ("X-Content-Type-Options", "nosniff"),
                    ("Content-Security-Policy", CSP)])
                return [b""]
        return self.wsgi_app(environ, start_response)
