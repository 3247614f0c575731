"""The unchanged live poll, answered before Flask: one indexed read, then 304.

Hundreds of phones ask every few seconds whether the live list changed; nearly always it has
not. This WSGI layer answers those conditional requests from the séance's version alone (the
same ETag the views send) and hands everything else to Flask untouched. SQLite only: with
another database the views answer the same 304 themselves.
"""

import re
import sqlite3
from urllib.parse import parse_qs

from .db import FastReader
from .htmx import fragment_etag
from .questions.services import parse_sort
from .security import CSP

POLLED = re.compile(r"^/seances/([^/]+)/(questions/live|ecran)$")


class ConditionalPoll:
    def __init__(self, wsgi_app, reader: FastReader):
        self.wsgi_app = wsgi_app
        self.reader = reader

    def _current_etag(self, environ) -> str | None:
        match = POLLED.match(environ.get("PATH_INFO", ""))
        if not match:
            return None
        slug, what = match.groups()
        if what == "ecran":
            if environ.get("HTTP_HX_REQUEST") != "true":
                return None  # the screen page itself, not its fragment
            variant = ("screen",)
        else:
            sort = parse_qs(environ.get("QUERY_STRING", "")).get("tri", [None])[0]
            variant = (parse_sort(sort),)
        try:
            row = self.reader.one("SELECT version, published FROM seance WHERE slug = ?", (slug,))
        except sqlite3.Error:
            return None  # let Flask answer (and report) whatever is wrong
        if row is None or not row[1]:
            return None
        return 'W/"' + fragment_etag(row[0], *variant) + '"'

    def __call__(self, environ, start_response):
        if (self.reader.path and environ.get("REQUEST_METHOD") == "GET"
                and "HTTP_IF_NONE_MATCH" in environ):
            etag = self._current_etag(environ)
            if etag and etag in [t.strip() for t in environ["HTTP_IF_NONE_MATCH"].split(",")]:
                start_response("304 Not Modified", [
                    ("ETag", etag), ("Cache-Control", "no-cache, private"),
                    ("Vary", "HX-Request, Cookie"), ("X-Content-Type-Options", "nosniff"),
                    ("Content-Security-Policy", CSP)])
                return [b""]
        return self.wsgi_app(environ, start_response)
