"""The one place rich text is cleaned (nh3, the Rust Ammonia library; see README for why not bleach)."""

import re

ALLOWED_TAGS = {
    "p", "br", "strong", "b", "em", "i", "u", "ul", "ol", "li",
    "h2", "h3", "h4", "blockquote", "a",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


def clean_html(html: str | None) -> str:
    """Keep formatting and http/https/mailto links; drop everything else (scripts, styles,
    event handlers, hx-* attributes, SVG, other URL schemes). Links get rel="noopener
    noreferrer nofollow"."""
    if not html:
        return ""
    import nh3  # here, not at import: only moderators' writes need it (1.6 MB per web worker)

    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    ).strip()


_markdown = None
_BETWEEN_BLOCKS = re.compile(r">\n+<")


def _parser():
    global _markdown
    if _markdown is None:
        from markdown_it import MarkdownIt

        # CommonMark, raw HTML allowed (what moderators typed before Markdown still works; the
        # sanitiser below keeps only what it allows), single line breaks kept, and no
        # linkify/typographer surprises.
        _markdown = MarkdownIt("commonmark", {"html": True, "breaks": True})
    return _markdown


def markdown_to_html(source: str | None) -> str:
    """Markdown (or simple HTML, or plain text) as sanitised HTML: the one way rich text typed
    by moderators (summaries, written answers) becomes HTML. Headings start at h2 (the page
    has its h1): "#" is h2, "##" h3, deeper ones h4."""
    source = (source or "").strip()
    if not source:
        return ""
    md = _parser()
    tokens = md.parse(source)
    for token in tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + 1, 4)}"
    # Without the newlines markdown-it puts between blocks (whitespace between tags): the HTML
    # reads as the summaries typed by hand always did.
    return clean_html(_BETWEEN_BLOCKS.sub("><", md.renderer.render(tokens, md.options, {})))
