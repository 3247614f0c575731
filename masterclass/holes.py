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
    filled alike (every vote button of a list): the usual filling, and the few that differ."""
    default: str
    differing: dict[str, str]


def register_filler(app, name: str, filler: Callable) -> None:
    """At app start: ``filler(app, visitor)`` is called once per response that has holes called
    ``name`` and gives the function that fills each one from its argument (or a ``Choice``)."""
    app.extensions.setdefault("page_holes", {})[name] = filler


def _filling(filler) -> Callable[[bytes | None], bytes]:
    """A hole's argument (bytes or None) -> what goes in its place (bytes)."""
    if isinstance(filler, Choice):
        default = filler.default.encode()
        differing = {arg.encode(): value.encode() for arg, value in filler.differing.items()}
        return lambda arg: differing.get(arg, default)
    return lambda arg: filler(arg.decode() if arg is not None else None).encode()


def fill(app, body: bytes, visitor: Visitor, csrf_token: Callable[[], str]) -> bytes:
    """``body`` with every hole filled for ``visitor``: one scan of the body (a room's page has
    a hole per question), each filler made once, on the first of its holes."""
    if b"<hole:" not in body:
        return body
    fillers, made = app.extensions.get("page_holes", {}), {}
    parts = HOLE.split(body)  # text, then (name, argument or None, text) per hole
    out = [parts[0]]
    for i in range(1, len(parts), 3):
        name = parts[i]
        filling = made.get(name)
        if filling is None:
            is_csrf = name == CSRF.encode()
            filling = made[name] = _filling(Choice(csrf_token(), {}) if is_csrf
                                            else fillers[name.decode()](app, visitor))
        out.append(filling(parts[i + 1]))
        out.append(parts[i + 2])
    return b"".join(out)


def fill_but_token(app, body: bytes, visitor: Visitor) -> bytes:
    """``body`` filled for ``visitor`` except its CSRF holes, left for ``fill_token``: what
    every newcomer's copy of a page shares (``front`` keeps it once for all of them)."""
    return fill(app, body, visitor, lambda: str(TOKEN_HOLE))


def fill_token(body: bytes, csrf_token: Callable[[], str]) -> bytes:
    """The CSRF holes ``fill_but_token`` left, filled (the token made only if there is one)."""
    hole_bytes = str(TOKEN_HOLE).encode()
    return body.replace(hole_bytes, csrf_token().encode()) if hole_bytes in body else body
