"""The one way to answer "page or partial", and an action's answer.

A URL htmx pushes into history must come back whole however the browser asks for it again:
reloaded, restored from its own cache, or asked for by htmx on a history restore. So a partial
is only for a request htmx makes itself (it always says from which page) that is neither a
boosted navigation nor a history restore; every HTML response says it varies on those headers,
and a partial is never stored, so Back cannot show one in place of its page.

Views never read htmx's headers: ``render`` answers a page or its partial, ``answer`` answers a
form an action posted (the fragment htmx swaps in, or a redirect without JavaScript), and
``trigger`` tells the page an event happened.
"""

from collections.abc import Callable

from flask import Flask, flash, make_response, redirect, render_template, request

from . import i18n

VARY = ("HX-Request", "HX-History-Restore-Request")


def is_htmx() -> bool:
    """A request from htmx that wants a fragment, not a whole page."""
    return wants_fragment(request.environ)


def wants_fragment(environ) -> bool:
    """``is_htmx``, read off a WSGI environ (also for the layers that answer before Flask)."""
    return (environ.get("HTTP_HX_REQUEST") == "true" and "HTTP_HX_CURRENT_URL" in environ
            and "HTTP_HX_HISTORY_RESTORE_REQUEST" not in environ and "HTTP_HX_BOOSTED" not in environ)


def _fragment(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def render(page_template: str, partial_template: str, /, *, status: int = 200, etag: str | None = None,
           page_context: Callable[[], dict] | None = None, **context):
    """The whole page, or only its partial when htmx asks.

    ``page_context()``: what only the whole page shows, computed only for it. ``etag``: the
    partial's version (a polled fragment: see ``not_modified``); the page carries none.
    """
    if is_htmx():
        response = _fragment(make_response(render_template(partial_template, **context), status))
        return conditional(response, etag) if etag is not None else response
    if page_context is not None:
        context.update(page_context())
    return make_response(render_template(page_template, **context), status)


def answer(fragment: Callable, back: str, *, message=None, category: str = "success",
           event: str | None = None):
    """The answer to a form an action posted: htmx swaps in ``fragment()`` (any view return
    value) and hears ``event``; without JavaScript the browser goes ``back`` (303), with
    ``message`` flashed."""
    if not is_htmx():
        if message is not None:
            flash(str(message), category)
        return redirect(back, 303)
    response = _fragment(make_response(fragment()))
    return trigger(response, event) if event else response


def trigger(response, event: str):
    """Tell the page ``event`` happened (``hx-trigger="event from:body"`` listens)."""
    response.headers["HX-Trigger"] = event
    return response


def fragment_etag(version: int, *variant) -> str:
    """The ETag of a live fragment: the séance's version, what else shapes the fragment, and
    the interface's language (chosen before anything answers, even the poll before Flask)."""
    return "-".join(str(part) for part in (version, *variant, i18n.current()))


def not_modified(etag: str, *, fragment_only: bool = False):
    """304 with no body when the client already has this version (the cheap path of a poll);
    ``fragment_only``: only for a partial (a page carries no ETag)."""
    if (fragment_only and not is_htmx()) or not request.if_none_match.contains_weak(etag):
        return None
    return conditional(make_response("", 304), etag)


def conditional(response, etag: str):
    response.set_etag(etag, weak=True)
    # Always revalidate: a fragment is only fresh until the next change.
    response.headers["Cache-Control"] = "no-cache, private"
    response.vary.add("Cookie")
    return response


def init_app(app: Flask) -> None:
    # The one place ``Vary`` is set: every page, fragment, redirect (its body is HTML) and error
    # page, whether ``render``/``answer`` made it or not; the layers before Flask copy it.
    @app.after_request
    def _vary(response):
        if response.mimetype == "text/html" or response.status_code == 304:
            response.vary.update(VARY)
        return response
