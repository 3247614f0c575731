"""Shared pages answered before Flask, for visitors whose cookies say nothing of their own.

Most requests to public pages come from people with nothing of their own on them: newcomers
with no cookie at all (a phone scanning the QR code, a reader from a link, a search engine), and
on the room's pages, phones whose own parts are holes (``holes``). Every copy the page cache
serves is offered to this WSGI layer (``page_cache`` marks the environ); it keeps it per page,
with the headers Flask's hooks gave it, and answers the next such visitor itself while the
page's stamp is current (the day, the archive signature, the séance's version: indexed reads):
the holes filled for that visitor by the same fillers Flask uses, a CSRF token made as
Flask-WTF makes it from their session, and for a newcomer a session cookie and (on the room's
pages) a participant cookie, made as Flask and ``participants`` make them.

A visitor goes to Flask when anything is not known for sure: another method, a cookie other
than the session and the participant's, a session holding anything but a CSRF token and
Flask-Login's mark of an anonymous visitor (a signed-in user, a message waiting), a participant
with state on a page that is not all holes, a stale stamp. Every input that shapes a page is in
the key: scheme, host, path, query, htmx or not. Through the fast reader, like ``questions.fastpoll``
(which answers the unchanged poll before this layer).
"""

import hashlib
import os

from werkzeug.http import dump_cookie, parse_cookie

from . import caches, holes, i18n, participants
from .db import READ_ERRORS
from .generation import SIGNATURE_SQL
from .htmx import wants_fragment
from .models_base import local_now

MARK = "masterclass.front"  # environ: set by page_cache.serve with a page it shares
MAX_ENTRIES = 512
VERSION_SQL = "SELECT version FROM seance WHERE slug = ?"
# What an anonymous visitor's session holds beside the CSRF token: Flask-Login's mark.
ANONYMOUS_SESSION = {"_fresh": False}
DROPPED_HEADERS = {"set-cookie", "content-length", "etag"}  # made for each visitor (ETag: if its own)


def _key(environ, language: str) -> tuple:
    return (environ.get("wsgi.url_scheme"), environ.get("HTTP_HOST"), environ.get("SCRIPT_NAME", ""),
            environ.get("PATH_INFO"), environ.get("QUERY_STRING", ""), wants_fragment(environ), language)


class Front:
    def __init__(self, app, wsgi_app, reader):
        self.app, self.wsgi_app, self.reader = app, wsgi_app, reader
        self.entries = caches.cache(app, "front", MAX_ENTRIES)
        # Each page as every newcomer gets it: their own parts filled alike (no votes, no
        # questions, version 0), the CSRF token still a hole (the one part that is theirs).
        self.newcomers = caches.cache(app, "front-newcomers", MAX_ENTRIES)
        self._csrf = None

    def __call__(self, environ, start_response):
        language, _source = i18n.enter(environ)  # every request: the interface's language
        if (environ.get("REQUEST_METHOD") != "GET" or not self.reader.fast
                or not self.app.config["PAGE_CACHE"]):
            return self.wsgi_app(environ, start_response)
        key = _key(environ, language)
        entry = self.entries.entry(key)
        if entry is not None:
            try:
                answer = self._answer(key, entry, environ, start_response)
            except READ_ERRORS:
                answer = None  # let Flask answer (and report) whatever is wrong
            if answer is not None:
                return answer
        return self._through_flask(key, environ, start_response)

    # --- answering ----------------------------------------------------------------------------

    def _answer(self, key, entry, environ, start_response):
        stamp, (slug, body, headers, overlaid, etag) = entry
        version = self.reader.one(VERSION_SQL, (slug,)) if slug else None
        if etag is not None and version is None:
            return None
        if (local_now().date(), self.reader.one(SIGNATURE_SQL), version) != stamp:
            return None
        cookies = parse_cookie(environ.get("HTTP_COOKIE", ""))
        session_name = self.app.config["SESSION_COOKIE_NAME"]
        if set(cookies) - {session_name, participants.COOKIE, i18n.COOKIE}:
            return None
        session = self._anonymous_session(cookies[session_name]) if session_name in cookies else {}
        if session is None:
            return None
        set_cookies = []
        visitor = holes.Visitor(None, 0)
        token = cookies.get(participants.COOKIE)
        if participants.valid(token):
            row = self.reader.one(participants.OWN_SQL, (token,))
            if row is not None:
                if not overlaid:
                    return None  # their favourites, say: Flask renders the page for them
                visitor = holes.Visitor(row[0], row[1])
        elif overlaid:
            set_cookies.append(participants.cookie_header(self.app, participants.new_token()))
        remembered = i18n.cookie_to_set(self.app, environ)  # ?lang=en: remembered as Flask does
        if remembered:
            set_cookies.append(remembered)
        field = self.app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
        if field not in session:
            session = {**ANONYMOUS_SESSION, **session,
                       field: hashlib.sha1(os.urandom(64)).hexdigest()}  # noqa: S324 (as Flask-WTF)
            set_cookies.append(self._session_cookie(session))
        def token() -> str:
            return self._csrf_serializer().dumps(session[field])

        if visitor.participant_id is None:  # nothing of their own yet: filled as for every newcomer
            shared = self.newcomers.get_or_make(
                key, stamp, lambda: holes.fill_but_token(self.app, body, visitor))
            body = holes.fill_token(shared, token)
        else:
            body = holes.fill(self.app, body, visitor, token)
        headers = [*headers, ("Content-Length", str(len(body))), *(("Set-Cookie", c) for c in set_cookies)]
        if etag is not None:  # the visitor's own (the same for all when the page has one)
            headers.append(("ETag", f'W/"{etag(version[0], visitor.participant_version)}"'))
        tag = next((v for n, v in headers if n == "ETag"), None)
        if tag and tag in [t.strip() for t in environ.get("HTTP_IF_NONE_MATCH", "").split(",")]:
            start_response("304 Not Modified", [(n, v) for n, v in headers if n != "Content-Length"])
            return [b""]
        start_response("200 OK", headers)
        return [body]

    def _anonymous_session(self, value: str) -> dict | None:
        """The visitor's session if it holds nothing of anyone's own, else None."""
        try:
            session = self.app.session_interface.get_signing_serializer(self.app).loads(value)
        except Exception:  # noqa: BLE001 - bad or expired: Flask decides what to do with it
            return None
        field = self.app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
        anonymous = all(k == field or (k in ANONYMOUS_SESSION and ANONYMOUS_SESSION[k] == v)
                        for k, v in session.items())
        return dict(session) if anonymous else None

    def _csrf_serializer(self):
        if self._csrf is None:
            from itsdangerous import URLSafeTimedSerializer

            secret = self.app.config.get("WTF_CSRF_SECRET_KEY") or self.app.secret_key
            self._csrf = URLSafeTimedSerializer(secret, salt="wtf-csrf-token")
        return self._csrf

    def _session_cookie(self, session: dict) -> str:
        app, interface = self.app, self.app.session_interface
        value = interface.get_signing_serializer(app).dumps(session)
        return dump_cookie(app.config["SESSION_COOKIE_NAME"], value, domain=interface.get_cookie_domain(app),
                           path=interface.get_cookie_path(app), secure=interface.get_cookie_secure(app),
                           httponly=interface.get_cookie_httponly(app),
                           samesite=interface.get_cookie_samesite(app),
                           partitioned=interface.get_cookie_partitioned(app))

    # --- keeping what Flask answered ------------------------------------------------------------

    def _through_flask(self, key, environ, start_response):
        captured = {}

        def capture(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return start_response(status, headers, exc_info)

        result = self.wsgi_app(environ, capture)
        mark = environ.get(MARK)
        if mark is not None and captured.get("status", "").startswith("200"):
            dropped = DROPPED_HEADERS if mark["etag"] else DROPPED_HEADERS - {"etag"}
            headers = [(n, v) for n, v in captured["headers"] if n.lower() not in dropped]
            self.entries.put(key, mark["stamp"], (mark["slug"], mark["body"], headers, mark["overlaid"],
                                                   mark["etag"]))
        return result
