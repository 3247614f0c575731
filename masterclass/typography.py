"""French typesetting: the one filter that puts no-break spaces where French wants them.

A narrow no-break space (U+202F) before ``; ! ?``, a no-break space (U+00A0) before ``:`` and
inside guillemets (``«\u00a0…\u00a0»``), whether the text had an ordinary space there or none.
It is applied where text is shown (interface strings through the French catalogue, user text
through the ``typo`` Jinja filter), never to what is stored. Nothing is changed inside tags and
their attributes, character references (``&#39;``), URLs and e-mail addresses, code, or times
and ratios (``14:30``: a colon between digits is left alone). Typesetting twice changes nothing.

Interface strings also get typographic apostrophes (``l'accueil`` → ``l’accueil``); user text
keeps the apostrophes people typed.
"""

import re

from markupsafe import Markup, escape

NNBSP = "\u202f"  # narrow no-break space
NBSP = "\u00a0"  # no-break space
_SPACES = "[ \t\u00a0\u202f]*"

_KEEP = (r"<(?P<tag>code|pre|kbd|samp|script|style)\b.*?</(?P=tag)\s*>"
         r"|<[^>]*>"
         r"|&(?:#\d+|#x[0-9a-f]+|[a-z][a-z0-9]*);")
_KEEP_LINKS = (r"|(?:https?|ftp|mailto):[^\s<>\"']+|www\.[^\s<>\"']+"
               r"|[\w.+-]+@[\w-]+\.[\w.-]+")
_RULES = (
    # Before ; ! ? : the first of a run, after something that is not a space or an opening sign.
    rf"|(?P<thin>(?<![\s;!?(\[«]){_SPACES}(?=[;!?]))"
    rf"|(?P<colon>(?<![\s:;!?(\[«]){_SPACES}(?=:(?![/\d:])))"
    rf"|(?P<open>«{_SPACES}(?=[^\s»]))"
    rf"|(?P<close>(?<=[^\s«]){_SPACES}(?=»))")
# What is never touched is consumed whole; URLs and addresses are looked for only in a text
# that may hold one (the look costs more than all the rest).
_PATTERN = re.compile(f"(?P<keep>{_KEEP}){_RULES}", re.IGNORECASE | re.DOTALL)
_PATTERN_LINKS = re.compile(f"(?P<keep>{_KEEP}{_KEEP_LINKS}){_RULES}", re.IGNORECASE | re.DOTALL)
_APOSTROPHE = re.compile(r"(?P<keep><[^>]*>|&(?:#\d+|#x[0-9a-f]+|[a-z][a-z0-9]*);)|(?<=\w)'(?=\w)",
                         re.IGNORECASE)


def _replace(match: re.Match) -> str:
    kind = match.lastgroup
    if kind in ("keep", "tag"):
        return match.group("keep")
    if kind == "thin":
        return NNBSP
    if kind == "open":
        return "«" + NBSP
    return NBSP  # colon, close


def typeset(text: str) -> str:
    """French spacing in ``text`` (plain text or HTML: only its text is changed)."""
    if not text:
        return text
    links = "@" in text or ":/" in text or "www." in text.lower() or "mailto:" in text.lower()
    return (_PATTERN_LINKS if links else _PATTERN).sub(_replace, text)


def typeset_interface(text: str) -> str:
    """An interface string as French shows it: spacing and typographic apostrophes."""
    return _APOSTROPHE.sub(lambda m: m.group("keep") or "\u2019", typeset(text))


def apostrophes(text: str) -> str:
    """Typographic apostrophes only (English interface strings)."""
    return _APOSTROPHE.sub(lambda m: m.group("keep") or "\u2019", text)


def typo(value, language: str) -> Markup | str:
    """The ``typo`` filter's work: ``value`` (user text, escaped unless it is already Markup,
    such as sanitised rich text) typeset for French; other languages get it unchanged."""
    if value is None:
        return ""
    if language != "fr":
        return value
    return Markup(typeset(str(value if isinstance(value, Markup) else escape(value))))  # noqa: S704
