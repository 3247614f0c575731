"""French display of dates, sizes and typed text (template filters)."""

import re

from babel import dates as babel_dates
from babel.numbers import format_decimal
from flask import Flask
from flask_babel import get_timezone
from markupsafe import Markup, escape

from . import i18n
from .models_base import local_now
from .typography import NBSP, typo

BLANK_LINE = re.compile(r"\n[ \t]*\n\s*")


def normalise_newlines(text: str | None) -> str | None:
    """What browsers send (CRLF) or old Macs typed (CR), as plain newlines."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if isinstance(text, str) else text


def paragraphs(text: str | None, block_class: str | None = None) -> Markup:
    """Typed text as HTML paragraphs: a blank line starts a new one, a newline is a line break.
    The text is escaped; nothing typed becomes markup. Typeset in French (``typography``).
    With ``block_class``, the text's own block: ``<p class=…>`` for one paragraph (a question
    typed on a phone, nearly always), else ``<div class=…>`` around the paragraphs."""
    text = (normalise_newlines(text) or "").strip()
    blocks = ["<br>".join(str(escape(line)) for line in block.split("\n"))
              for block in BLANK_LINE.split(text) if block.strip()]
    if block_class is None:
        html = "".join(f"<p>{block}</p>" for block in blocks)
    elif len(blocks) == 1:
        html = f'<p class="{escape(block_class)}">{blocks[0]}</p>'
    else:
        inner = "".join(f"<p>{block}</p>" for block in blocks)
        html = f'<div class="{escape(block_class)}">{inner}</div>'
    return typo(Markup(html), i18n.current())  # noqa: S704 (each line is escaped)


SIZE_UNITS = {"fr": ("octet", "octets", "Ko", "Mo"), "en": ("byte", "bytes", "KB", "MB")}


def filesize(num_bytes: int) -> str:
    """A file's size in the interface's language: "501,15 Ko" / "501.15 KB", "2,4 Mo", "980 octets"."""
    lang = i18n.current()
    one, many, kilo, mega = SIZE_UNITS.get(lang, SIZE_UNITS["fr"])
    if num_bytes < 1024:
        return f"{num_bytes}{NBSP}{one if (num_bytes < 2 if lang == 'fr' else num_bytes == 1) else many}"
    if num_bytes < 1024 * 1024:
        return f"{format_decimal(num_bytes / 1024, format='#,##0.00', locale=lang)}{NBSP}{kilo}"
    return f"{format_decimal(num_bytes / (1024 * 1024), format='#,##0.0', locale=lang)}{NBSP}{mega}"


def local_date(value, pattern: str) -> str:
    # Séance times are stored as local wall-clock times: format them without zone conversion.
    return babel_dates.format_datetime(value, pattern, locale=i18n.current())


# Times are written one way everywhere: "14 h 30" in French, "14:30" in English (24-hour clock).
TIME_PATTERNS = {"fr": f"H'{NBSP}h{NBSP}'mm", "en": "HH:mm"}


def time_short(value) -> str:
    return local_date(value, TIME_PATTERNS.get(i18n.current(), TIME_PATTERNS["fr"]))


def instant(value) -> str:
    """A stored UTC instant, in the site's zone: "16 mai 2019, 14 h 30" / "16 May 2019, 14:30"."""
    lang = i18n.current()
    when = babel_dates.format_datetime(value, f"d MMM y', '{TIME_PATTERNS.get(lang, TIME_PATTERNS['fr'])}",
                                       tzinfo=get_timezone(), locale=lang)
    return when


def init_app(app: Flask) -> None:
    app.jinja_env.globals["today"] = lambda: local_now().date()
    app.jinja_env.filters["paragraphs"] = paragraphs
    app.jinja_env.filters["filesize"] = filesize
    app.jinja_env.filters["date_long"] = lambda d: local_date(d, "EEEE d MMMM y")
    app.jinja_env.filters["date_short"] = lambda d: local_date(d, "d MMMM y")
    app.jinja_env.filters["time_short"] = time_short
    app.jinja_env.filters["instant"] = instant
