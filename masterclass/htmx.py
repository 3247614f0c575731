"""The one way to answer "page or partial"."""

from flask import make_response, render_template, request


def is_htmx() -> bool:
    """A request from htmx that wants a fragment (not a boosted full-page navigation)."""
    return request.headers.get("HX-Request") == "true" and not request.headers.get("HX-Boosted")


def render(page_template: str, partial_template: str, /, **context):
    """Render the whole page, or only its partial when htmx asks; caches keep them apart."""
    template = partial_template if is_htmx() else page_template
    response = make_response(render_template(template, **context))
    response.vary.add("HX-Request")
    return response


def fragment_etag(version: int, *variant) -> str:
    """The ETag of a live fragment: the séance's version, and what else shapes the fragment."""
    return "-".join(str(part) for part in (version, *variant))


def not_modified(etag: str):
    """304 with no body when the client already has this version (the cheap path of a poll)."""
    if not request.if_none_match.contains_weak(etag):
        return None
    return conditional(make_response("", 304), etag)


def conditional(response, etag: str):
    response.set_etag(etag, weak=True)
    # Always revalidate: a fragment is only fresh until the next change.
    response.headers["Cache-Control"] = "no-cache, private"
    response.vary.update(("HX-Request", "Cookie"))
    return response
