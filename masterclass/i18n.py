"""The interface's language: chosen per request, cheaply, the same way before and in Flask.

``?lang=en|fr`` (remembered in the ``lang`` cookie for a year), else that cookie, else the
browser's ``Accept-Language`` (French or English only), else French. An unknown ``?lang``, a
junk cookie, a malformed header: French (or the next source), never an error.

The choice is made once per request from the WSGI environ (``choose``), by the outermost layer
that answers (``front``, before Flask), and kept in a context variable that everything rendering
text reads: the Jinja gettext callables, Flask-Babel's ``_``/``_l`` (its domain is pointed at the
same catalogues), the date and size filters, the holes filled for each visitor. One
``Interface`` catalogue per language is loaded once per process; the French one typesets its
strings (``typography``) once per message, so a string costs a dict lookup.

The projector screen, the Atom feed and the PDF fiche draft speak their séance's language
(``language(seance.language)``), whatever the reader's.
"""

import os
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from urllib.parse import parse_qs, urlencode

from babel.support import Translations
from flask import request
from markupsafe import Markup, escape
from werkzeug.http import dump_cookie, parse_cookie

from .extensions import babel
from .typography import apostrophes, typeset_interface, typo

LANGUAGES = ("fr", "en")
DEFAULT = "fr"
NAMES = {"fr": "Français", "en": "English"}
COOKIE = "lang"
COOKIE_MAX_AGE = 365 * 24 * 3600
ENVIRON_KEY = "masterclass.lang"  # (language, source): source is query, cookie, header or default
DIRECTORY = os.path.join(os.path.dirname(__file__), "translations")

_current: ContextVar[str] = ContextVar("masterclass_language", default=DEFAULT)


class Interface(Translations):
    """A compiled catalogue whose strings come out as the language shows them: French typeset
    (no-break spaces, apostrophes), English with typographic apostrophes. French is the source
    language: its own catalogue only needs its plural rule (singular for 0 and 1)."""

    def __init__(self, fp=None, domain=None):
        super().__init__(fp, domain)
        self._shown: dict = {}
        self._finish = apostrophes  # French: typeset_interface (set by ``catalogue``)

    def gettext(self, message):
        try:
            return self._shown[message]
        except KeyError:
            shown = self._shown[message] = self._finish(super().gettext(message))
            return shown

    def ngettext(self, singular, plural, n):
        form = self.plural(n)
        key = (singular, plural, form)
        try:
            return self._shown[key]
        except KeyError:
            text = self._catalog.get((singular, form))
            if text is None:  # not translated: the source's own form
                text = singular if form == 0 else plural
            shown = self._shown[key] = self._finish(text)
            return shown

    ugettext = gettext
    ungettext = ngettext


_catalogues: dict[str, Interface] = {}


def catalogue(language: str | None = None) -> Interface:
    """The catalogue of ``language`` (default: the current one), loaded once per process."""
    language = language or _current.get()
    try:
        return _catalogues[language]
    except KeyError:
        loaded = Interface.load(DIRECTORY, [language])
        if not isinstance(loaded, Interface):
            raise RuntimeError(f"No compiled catalogue for {language!r} in {DIRECTORY}: "
                               "run `make translations` (or `flask translate compile`)") from None
        loaded._finish = typeset_interface if language == "fr" else apostrophes
        return _catalogues.setdefault(language, loaded)


def current() -> str:
    return _current.get()


def gettext(message: str) -> str:
    return catalogue(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    return catalogue(_current.get()).ngettext(singular, plural, n)


@contextmanager
def language(lang: str | None):
    """Render in ``lang`` (a séance's language) inside the block, whatever the reader's."""
    lang = lang if lang in LANGUAGES else DEFAULT
    token = _current.set(lang)
    try:
        from flask_babel import force_locale

        with force_locale(lang):
            yield lang
    finally:
        _current.reset(token)


# --- choosing ---------------------------------------------------------------------------------

@lru_cache(maxsize=512)
def from_accept_language(header: str) -> str | None:
    """The preferred of French and English in an Accept-Language header, None if neither
    (or if the header makes no sense)."""
    best, best_q = None, 0.0
    for item in header.split(",")[:32]:
        tag, _, params = item.partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in LANGUAGES and primary != "*":
            continue
        q = 1.0
        params = params.strip()
        if params:
            name, _, value = params.partition("=")
            if name.strip().lower() != "q":
                continue
            try:
                q = float(value.strip())
            except ValueError:
                continue
            if not 0 <= q <= 1:
                continue
        if primary == "*":
            primary = DEFAULT
        if q > best_q:
            best, best_q = primary, q
    return best


def choose(environ) -> tuple[str, str]:
    """(language, where it came from) for a request, read off its environ."""
    query = environ.get("QUERY_STRING", "")
    if "lang=" in query:
        values = parse_qs(query).get("lang")
        if values:
            value = values[-1].strip().lower()
            return (value, "query") if value in LANGUAGES else (DEFAULT, "unknown")
    cookies = environ.get("HTTP_COOKIE", "")
    if COOKIE + "=" in cookies:
        value = parse_cookie(cookies).get(COOKIE)
        if value in LANGUAGES:
            return value, "cookie"
    header = environ.get("HTTP_ACCEPT_LANGUAGE")
    if header:
        chosen = from_accept_language(header[:512])
        if chosen:
            return chosen, "header"
    return DEFAULT, "default"


def enter(environ) -> tuple[str, str]:
    """Choose the request's language and make it current (the outermost layer calls this)."""
    choice = environ.get(ENVIRON_KEY)
    if choice is None:
        choice = environ[ENVIRON_KEY] = choose(environ)
    _current.set(choice[0])
    return choice


def cookie_to_set(app, environ) -> str | None:
    """The Set-Cookie header value remembering an explicit ``?lang=`` choice, if one is due
    (an unknown ``?lang=xx`` gives French for that page and remembers nothing)."""
    lang, source = environ.get(ENVIRON_KEY) or choose(environ)
    if source != "query" or parse_cookie(environ.get("HTTP_COOKIE", "")).get(COOKIE) == lang:
        return None
    return dump_cookie(COOKIE, lang, max_age=COOKIE_MAX_AGE, path="/", samesite="Lax", httponly=True,
                       secure=bool(app.config.get("SESSION_COOKIE_SECURE")))


def switch_url(lang: str) -> str:
    """This page's URL with ``lang`` chosen (its other query arguments kept)."""
    from flask import request

    args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
    return request.script_root + request.path + "?" + urlencode([*args, ("lang", lang)])


def language_switch() -> Markup:
    """The link to this page in the other language: plain links (no JavaScript), remembered in
    a cookie by the server; ``hreflang`` and ``lang`` say which language each one leads to."""
    return Markup("".join(  # noqa: S704 (escaped)
        f'<a class="lang-switch" href="{escape(switch_url(lang))}" hreflang="{lang}" lang="{lang}">'
        f"{NAMES[lang]}</a>" for lang in LANGUAGES if lang != _current.get()))


def init_app(app) -> None:
    # Flask-Babel's _ and _l read the same catalogues, in the request's language.
    with app.app_context():
        babel.domain_instance.get_translations = lambda: catalogue(_current.get())
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_gettext_callables(gettext, ngettext, newstyle=True)
    app.jinja_env.filters["typo"] = lambda value: typo(value, _current.get())
    # Rich text sanitised on save (answers, summaries): shown as HTML, its text typeset.
    app.jinja_env.filters["rich"] = lambda html: typo(Markup(html or ""), _current.get())  # noqa: S704
    app.jinja_env.globals["current_language"] = current
    app.jinja_env.globals["language_switch"] = language_switch
    for lang in LANGUAGES:
        catalogue(lang)  # at start, not on a visitor's request

    @app.before_request
    def _enter():
        enter(request.environ)

    @app.teardown_request
    def _leave(_error=None):
        _current.set(DEFAULT)  # code run later in this thread outside a request: French

    @app.after_request
    def _remember(response):
        if request.endpoint != "static":
            response.vary.update(("Accept-Language", "Cookie"))
        header = cookie_to_set(app, request.environ)
        if header:
            response.headers.add("Set-Cookie", header)
        return response
