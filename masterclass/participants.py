"""Participants: anonymous people identified by a random token in a long-lived cookie.

The token carries their questions, votes and favourites; no account, no personal data.
A participant row is created on their first write only, so reading costs nothing.
"""

import secrets
from datetime import datetime

from flask import Flask, current_app, g, request
from sqlalchemy import String, update
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.http import dump_cookie

from .db import fast_read
from .extensions import db
from .models_base import utcnow

COOKIE = "masterclass_participant"
COOKIE_MAX_AGE = 400 * 24 * 3600  # the longest lifetime browsers keep (400 days)


class Participant(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    # Bumped by each of this phone's own writes (a question sent, a vote, a favourite): part of
    # the ETag of what it polls, so its own changes reach it even when the room's list is unchanged.
    version: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


def valid(token: str | None) -> bool:
    return bool(token) and 20 <= len(token) <= 64 and token.replace("-", "").replace("_", "").isalnum()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def cookie_header(app: Flask, token: str) -> str:
    """The Set-Cookie value that gives a visitor their token (also used by ``front``)."""
    return dump_cookie(COOKIE, token, max_age=COOKIE_MAX_AGE, httponly=True, samesite="Lax",
                       secure=app.config["SESSION_COOKIE_SECURE"])


def current_token() -> str:
    """This visitor's token: from their cookie, or a new one (sent back with the response)."""
    if "participant_token" not in g:
        token = request.cookies.get(COOKIE)
        if not valid(token):
            token = new_token()
            g.new_participant_token = token
        g.participant_token = token
    return g.participant_token


def known_token() -> str | None:
    """The visitor's token if they have one (from their cookie, or given in this request)."""
    token = g.get("participant_token") or request.cookies.get(COOKIE)
    return token if valid(token) else None


OWN_SQL = "SELECT id, version FROM participant WHERE token = ?"


def _own() -> tuple[int | None, int]:
    """(participant id, version) of this visitor; (None, 0) until they first write. Read once per
    request, through the fast reader (committed rows only)."""
    if "participant_own" not in g:
        token = known_token()
        row = fast_read(OWN_SQL, (token,)) if token else None
        g.participant_own = (row[0], row[1]) if row else (None, 0)
    return g.participant_own


def current_participant_id() -> int | None:
    """The visitor's participant id when they have written something before (asked on every
    public page)."""
    return _own()[0]


def current_participant_version() -> int:
    """What changes with each of this visitor's own writes (0 before the first)."""
    return _own()[1]


def participant_id_for_write(session) -> int:
    """Inside a write transaction: the visitor's participant id, created on first use; their
    version moves (whatever they write shows on their own pages)."""
    token = current_token()
    participant_id = session.scalar(  # one statement: it runs under the write lock
        update(Participant).where(Participant.token == token).values(version=Participant.version + 1)
        .returning(Participant.id).execution_options(synchronize_session=False))
    if participant_id is None:
        participant = Participant(token=token, version=1)
        session.add(participant)
        session.flush()
        participant_id = participant.id
    g.pop("participant_own", None)
    return participant_id


def participant_key() -> str:
    """Rate-limit key: the participant, not the address (a whole room shares one Wi-Fi)."""
    return "participant:" + current_token()


def init_app(app: Flask) -> None:
    @app.after_request
    def _set_participant_cookie(response):
        token = g.pop("new_participant_token", None)
        if token:
            response.headers.add("Set-Cookie", cookie_header(current_app, token))
        return response
