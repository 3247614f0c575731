"""First visits answered before Flask: the page cache's copies, for requests with no cookie.

A phone scanning the QR code, a reader coming from a link, a search engine: a request with no
cookie at all has nothing of its own, so its page is the page cache's copy (``page_cache``),
filled with what every newcomer gets: a fresh CSRF token in a fresh session cookie, and on the
room's pages a fresh participant cookie. This WSGI layer keeps, per page, the last response Flask
gave such a request, with the token cut out; while the page's stamp is current (the day, the
archive signature, the séance's version: two indexed reads) it answers the next newcomer itself,
with a token, session and participant cookie made as Flask-WTF, Flask and ``participants`` make
them. Anything else (a cookie, another method, a stale stamp, a page Flask did not mark as
shared) goes to Flask untouched, and a page is only kept when everything Flask set is known:
its session holds the CSRF token and nothing of anyone's own (Flask-Login's ``_fresh: False`` of
an anonymous visitor), and no other cookie was set.

Every input that shapes a page is in the key: scheme, host, path, query, htmx or not.
SQLite only (the fast reader), like ``fastpoll``.
"""

import hashlib
import os
import sqlite3
import threading

from werkzeug.http import dump_cookie

from . import participants
from .models_base import local_now

MARK = "masterclass.front"  # environ: set by page_cache.serve on a page every newcomer shares
MAX_ENTRIES = 512
SIGNATURE_SQL = "SELECT value FROM public_generation"
VERSION_SQL = "SELECT version FROM seance WHERE slug = ?"
CSRF_HOLE = b"<hole:csrf>"
# What a newcomer's session may hold beside the CSRF token: Flask-Login's mark of a visitor
# who is not signed in. Anything else (a user id, a message) is someone's own.
ANONYMOUS_SESSION = {"_fresh": False}


def is_htmx(environ) -> bool:
    """htmx.is_htmx, read off the environ."""
    return (environ.get("HTTP_HX_REQUEST") == "true" and "HTTP_HX_CURRENT_URL" in environ
            and "HTTP_HX_HISTORY_RESTORE_REQUEST" not in environ and "HTTP_HX_BOOSTED" not in environ)


def _key(environ) -> tuple:
    return (environ.get("wsgi.url_scheme"), environ.get("HTTP_HOST"), environ.get("SCRIPT_NAME", ""),
            environ.get("PATH_INFO"), environ.get("QUERY_STRING", ""), is_htmx(environ))


class Front:
    def __init__(self, app, wsgi_app, reader):
        self.app, self.wsgi_app, self.reader = app, wsgi_app, reader
        self.entries: dict[tuple, tuple] = {}
        self._lock = threading.Lock()
        self._csrf = None

    def _stamp(self, slug: str | None) -> tuple:
        signature = self.reader.one(SIGNATURE_SQL)
        version = self.reader.one(VERSION_SQL, (slug,)) if slug else None
        return (local_now().date(), signature, version)

    def __call__(self, environ, start_response):
        if (environ.get("REQUEST_METHOD") != "GET" or environ.get("HTTP_COOKIE")
                or not self.reader.path or not self.app.config["PAGE_CACHE"]):
            return self.wsgi_app(environ, start_response)
        key = _key(environ)
        entry = self.entries.get(key)
        if entry is not None:
            try:
                current = self._stamp(entry[0])
            except sqlite3.Error:
                current = None  # let Flask answer (and report) whatever is wrong
            if current == entry[1]:
                return self._answer(entry, environ, start_response)
        return self._through_flask(key, environ, start_response)

    # --- a newcomer's copy ------------------------------------------------------------------------

    def _answer(self, entry, environ, start_response):
        _slug, _stamp, body, headers, sets_participant, session = entry
        raw = hashlib.sha1(os.urandom(64)).hexdigest()  # noqa: S324 (random bytes; as Flask-WTF's generate_csrf)
        body = body.replace(CSRF_HOLE, self._csrf_serializer().dumps(raw).encode())
        headers = [*headers, ("Content-Length", str(len(body))),
                   ("Set-Cookie", self._session_cookie(session, raw))]
        if sets_participant:
            headers.append(("Set-Cookie", participants.cookie_header(self.app, participants.new_token())))
        etag = next((value for name, value in headers if name == "ETag"), None)
        if etag and etag in [t.strip() for t in environ.get("HTTP_IF_NONE_MATCH", "").split(",")]:
            start_response("304 Not Modified", [(n, v) for n, v in headers if n != "Content-Length"])
            return [b""]
        start_response("200 OK", headers)
        return [body]

    def _csrf_serializer(self):
        if self._csrf is None:
            from itsdangerous import URLSafeTimedSerializer

            config = self.app.config
            self._csrf = URLSafeTimedSerializer(config.get("WTF_CSRF_SECRET_KEY") or self.app.secret_key,
                                                salt="wtf-csrf-token")
        return self._csrf

    def _session_cookie(self, session: dict, raw: str) -> str:
        app, interface = self.app, self.app.session_interface
        value = interface.get_signing_serializer(app).dumps({**session, self._field(): raw})
        return dump_cookie(app.config["SESSION_COOKIE_NAME"], value, domain=interface.get_cookie_domain(app),
                           path=interface.get_cookie_path(app), secure=interface.get_cookie_secure(app),
                           httponly=interface.get_cookie_httponly(app),
                           samesite=interface.get_cookie_samesite(app),
                           partitioned=interface.get_cookie_partitioned(app))

    def _field(self) -> str:
        return self.app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")

    # --- keeping what Flask answered ---------------------------------------------------------------

    def _through_flask(self, key, environ, start_response):
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return start_response(status, headers, exc_info)

        result = self.wsgi_app(environ, capture)
        mark = environ.get(MARK)
        if mark is None or not captured.get("status", "").startswith("200"):
            return result
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        self._keep(key, mark, body, captured["headers"])
        return [body]

    def _keep(self, key, mark: dict, body: bytes, headers: list) -> None:
        token = mark.get("csrf")
        kept, sets_participant, session = [], False, None
        for name, value in headers:
            if name.lower() == "content-length":
                continue
            if name.lower() != "set-cookie":
                kept.append((name, value))
                continue
            cookie = value.split("=", 1)[0]
            if cookie == participants.COOKIE:
                sets_participant = True
            elif cookie == self.app.config["SESSION_COOKIE_NAME"]:
                session = self._anonymous_session(value)
            else:
                return  # a cookie front does not know how to make
        if not token or session is None:
            return  # no token given, or something of this visitor's own in the session
        body = body.replace(token.encode(), CSRF_HOLE)
        with self._lock:
            if key not in self.entries and len(self.entries) >= MAX_ENTRIES:
                del self.entries[next(iter(self.entries))]  # the oldest
            self.entries[key] = (mark["slug"], mark["stamp"], body, kept, sets_participant, session)

    def _anonymous_session(self, set_cookie: str) -> dict | None:
        """The session Flask gave, without its token, if it holds nothing of anyone's own."""
        value = set_cookie.split("=", 1)[1].split(";", 1)[0].strip('"')
        try:
            session = self.app.session_interface.get_signing_serializer(self.app).loads(value)
        except Exception:  # noqa: BLE001 - anything unexpected: not kept
            return None
        rest = {k: v for k, v in session.items() if k != self._field()}
        anonymous = all(k in ANONYMOUS_SESSION and ANONYMOUS_SESSION[k] == v for k, v in rest.items())
        return rest if self._field() in session and anonymous else None
