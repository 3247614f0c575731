"""The one way to answer "page or partial".

A URL htmx pushes into history must come back whole however the browser asks for it again:
reloaded, restored from its own cache, or asked for by htmx on a history restore. So a partial
is only for a request htmx makes itself (it always says from which page) that is neither a
boosted navigation nor a history restore; every HTML response says it varies on those headers,
and a partial is never stored, so Back cannot show one in place of its page.
"""

from flask import Flask, make_response, render_template, request

from . import i18n

VARY = ("HX-Request", "HX-History-Restore-Request")


def is_htmx() -> bool:
    """A request from htmx that wants a fragment, not a whole page."""
    headers = request.headers
    return (headers.get("HX-Request") == "true" and "HX-Current-URL" in headers
            and "HX-History-Restore-Request" not in headers and "HX-Boosted" not in headers)


def render(page_template: str, partial_template: str, /, **context):
    """Render the whole page, or only its partial when htmx asks."""
    partial = is_htmx()
    response = make_response(render_template(partial_template if partial else page_template, **context))
    if partial:
        response.headers["Cache-Control"] = "no-store"
    return response


def fragment_etag(version: int, *variant) -> str:
    """The ETag of a live fragment: the séance's version, what else shapes the fragment, and
    the interface's language (chosen before anything answers, even the poll before Flask)."""
    return "-".join(str(part) for part in (version, *variant, i18n.current()))


def not_modified(etag: str):
    """304 with no body when the client already has this version (the cheap path of a poll)."""
    if not request.if_none_match.contains_weak(etag):
        return None
    return conditional(make_response("", 304), etag)


def conditional(response, etag: str):
    response.set_etag(etag, weak=True)
    # Always revalidate: a fragment is only fresh until the next change.
    response.headers["Cache-Control"] = "no-cache, private"
    response.vary.add("Cookie")
    return response


def init_app(app: Flask) -> None:
    @app.after_request
    def _vary(response):
        if response.mimetype == "text/html" or response.status_code == 304:
            response.vary.update(VARY)
        return response
