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
