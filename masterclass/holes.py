"""Holes: where a shared page leaves a visitor's own part, filled for each response.

A page the page cache shares is rendered once for no one in particular, with ``<hole:name:arg>``
wherever a visitor's own part goes: their CSRF token, and on the room's pages their votes, their
questions, their ETag. Features register, at app start, how to fill the holes they leave
(``register_filler``); ``fill`` fills every hole of a body for one visitor, through Flask
(page_cache) or before it (front). Fillers read what they need through the fast reader and
render with the app's Jinja environment: no request context is needed.
"<" never reaches a page unescaped from user text, so no one can forge a hole.
"""

import re
from collections.abc import Callable
from typing import NamedTuple

from markupsafe import Markup

HOLE = re.compile(rb"<hole:([a-z-]+)(?::([^<>]*))?>")
CSRF = "csrf"  # filled by whoever answers (page_cache through Flask, front before it)


class Visitor(NamedTuple):
    """Who a page is filled for: their participant row (None before their first write)."""
    participant_id: int | None
    participant_version: int


def hole(name: str, arg=None) -> Markup:
    """Where a visitor's own part of a page goes."""
    return Markup(f"<hole:{name}>" if arg is None else f"<hole:{name}:{arg}>")  # noqa: S704 (ours)


TOKEN_HOLE = hole(CSRF)


class Choice(NamedTuple):
    """What a filler may give instead of a function, for holes that are many and nearly all
    filled alike (every vote button of a list): the usual filling, and the few that differ.
    Filled by C-level replaces, not a call per hole."""
    default: str
    differing: dict[str, str]


def register_filler(app, name: str, filler: Callable) -> None:
    """At app start: ``filler(app, visitor)`` is called once per response that has holes called
    ``name`` and gives the function that fills each one from its argument (or a ``Choice``)."""
    app.extensions.setdefault("page_holes", {})[name] = filler


NAMES = re.compile(rb"<hole:([a-z-]+)")
_by_name: dict[bytes, re.Pattern] = {}


def _holes_named(name: bytes) -> re.Pattern:
    if name not in _by_name:
        _by_name[name] = re.compile(rb"<hole:" + re.escape(name) + rb"(?::[^<>]*)?>")
    return _by_name[name]


def fill(app, body: bytes, visitor: Visitor, csrf_token: Callable[[], str]) -> bytes:
    """``body`` with every hole filled for ``visitor``."""
    if b"<hole:" not in body:
        return body
    fillers, calls = app.extensions.get("page_holes", {}), {}
    for name in set(NAMES.findall(body)):
        filler = Choice(csrf_token(), {}) if name == CSRF.encode() else fillers[name.decode()](app, visitor)
        if isinstance(filler, Choice):
            for arg, value in filler.differing.items():
                body = body.replace(b"<hole:%s:%s>" % (name, arg.encode()), value.encode())
            body = _holes_named(name).sub(filler.default.encode().replace(b"\\", b"\\\\"), body)
        else:
            calls[name] = filler
    if not calls:
        return body

    def one(match):
        arg = match.group(2)
        return calls[match.group(1)](arg.decode() if arg is not None else None).encode()

    return HOLE.sub(one, body)
