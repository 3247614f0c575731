"""French display of dates, sizes and typed text (template filters)."""

import re

from babel import dates as babel_dates
from flask import Flask
from flask_babel import format_datetime, format_decimal, get_locale
from markupsafe import Markup, escape

from .models_base import local_now

BLANK_LINE = re.compile(r"\n[ \t]*\n\s*")


def normalise_newlines(text: str | None) -> str | None:
    """What browsers send (CRLF) or old Macs typed (CR), as plain newlines."""
    return text.replace("\r\n", "\n").replace("\r", "\n") if isinstance(text, str) else text


def paragraphs(text: str | None) -> Markup:
    """Typed text as HTML paragraphs: a blank line starts a new one, a newline is a line break.
    The text is escaped; nothing typed becomes markup."""
    text = (normalise_newlines(text) or "").strip()
    return Markup("".join(  # noqa: S704 (each line is escaped)
        "<p>" + "<br>".join(str(escape(line)) for line in block.split("\n")) + "</p>"
        for block in BLANK_LINE.split(text) if block.strip()))


def filesize(num_bytes: int) -> str:
    """French size as on the seed page: "501,15 Ko", "2,4 Mo", "980 octets"."""
    if num_bytes < 1024:
        return f"{num_bytes} octets"
    if num_bytes < 1024 * 1024:
        return f"{format_decimal(num_bytes / 1024, format='#,##0.00')} Ko"
    return f"{format_decimal(num_bytes / (1024 * 1024), format='#,##0.0')} Mo"


def local_date(value, pattern: str) -> str:
    # Séance times are stored as local wall-clock times: format them without zone conversion.
    return babel_dates.format_datetime(value, pattern, locale=get_locale())


def init_app(app: Flask) -> None:
    app.jinja_env.globals["today"] = lambda: local_now().date()
    app.jinja_env.filters["paragraphs"] = paragraphs
    app.jinja_env.filters["filesize"] = filesize
    app.jinja_env.filters["date_long"] = lambda d: local_date(d, "EEEE d MMMM y")
    app.jinja_env.filters["date_short"] = lambda d: local_date(d, "d MMMM y")
    app.jinja_env.filters["time_short"] = lambda d: local_date(d, "HH'h'mm")
    app.jinja_env.filters["instant"] = lambda d: format_datetime(d, "d MMM y, HH:mm")
