"""Input one engine refuses: NUL bytes. One guard, the same answers on SQLite and PostgreSQL.

SQLite stores a NUL in text; PostgreSQL refuses it ("cannot contain NUL"), which would be a
500 there. No person types a NUL, so wherever it comes the answer is the same on both engines:
- in the address's path: no page has such an address, 404 (before any view reads the database);
- in the query string: the parameter that carries it is dropped, as any unreadable parameter
  is ignored (the page shows as without it); the cached-page layers before Flask only ever
  answer addresses Flask answered, and their reads refuse a NUL without harm (a miss);
- anywhere else (a form field that reaches the database): 400 with a French message, from the
  database's own refusal (errors.py), never a 500. Forms that check their text (a question)
  answer first with their own message, the text kept.
"""

from flask import abort, request
from werkzeug.datastructures import ImmutableMultiDict

NUL = "\x00"


def init_app(app) -> None:
    @app.before_request
    def _no_nul():
        if NUL in request.path:
            abort(404)
        if "%00" in request.query_string.decode("latin-1") or NUL in request.query_string.decode("latin-1"):
            request.args = ImmutableMultiDict(
                [(k, v) for k, v in request.args.items(multi=True) if NUL not in k and NUL not in v])


def is_nul_refusal(error: BaseException) -> bool:
    """The database refused a NUL byte (PostgreSQL)."""
    text = str(getattr(error, "orig", None) or error)
    return "NUL" in text and ("0x00" in text or "bytes" in text)
