"""Issue 16: French typography, plurals, dates; English catalogue complete; the language chosen
per request (?lang, cookie, Accept-Language) and every cache keyed on it."""

import re
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from bs4 import BeautifulSoup

from masterclass import i18n, translate
from masterclass.db import write_transaction
from masterclass.extensions import db
from masterclass.models import Seance
from masterclass.typography import NBSP, NNBSP, typeset, typeset_interface

from .helpers import HTMX, soup
from .realserver import Gunicorn, Phone

EN = {"Accept-Language": "en-GB,en;q=0.9"}


# --- typography ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "shown"), [
    ("Vraiment?", f"Vraiment{NNBSP}?"),
    ("Vraiment ?", f"Vraiment{NNBSP}?"),
    ("Quoi ?!", f"Quoi{NNBSP}?!"),
    ("Oui ; non !", f"Oui{NNBSP}; non{NNBSP}!"),
    ("Attention: lisez", f"Attention{NBSP}: lisez"),
    ("« Bonjour »", f"«{NBSP}Bonjour{NBSP}»"),
    ("«Bonjour»", f"«{NBSP}Bonjour{NBSP}»"),
    ("Rendez-vous à 14:30 ?", f"Rendez-vous à 14:30{NNBSP}?"),  # no space inside a time
    ("Voir https://example.org/a?b=1;c=2 !", f"Voir https://example.org/a?b=1;c=2{NNBSP}!"),
    ("Écrivez à contact@example.org !", f"Écrivez à contact@example.org{NNBSP}!"),
])
def test_typesetting_puts_no_break_spaces_where_french_wants_them(typed, shown):
    assert typeset(typed) == shown
    assert typeset(shown) == shown  # twice is once


def test_typesetting_leaves_tags_attributes_entities_and_code_alone():
    html = ('<p>Lien<a href="https://x.org/?q=a:b" title="a?b">ici</a>: voir &amp; lire&#39;s ?</p>'
            '<code>a ? b : c;</code>')
    assert typeset(html) == ('<p>Lien<a href="https://x.org/?q=a:b" title="a?b">ici</a>'
                             f'{NBSP}: voir &amp; lire&#39;s{NNBSP}?</p><code>a ? b : c;</code>')


def test_interface_strings_get_typographic_apostrophes_user_text_does_not():
    assert typeset_interface("Retour à l'accueil : oui") == f"Retour à l’accueil{NBSP}: oui"
    assert typeset("l'accueil") == "l'accueil"


def test_user_text_is_typeset_where_shown_never_where_stored(client, make_seance, make_question):
    seance = make_seance(title="Emploi : quelles pistes?")
    question = make_question(seance, body="Comment recruter?")
    page = client.get(f"/seances/{seance.slug}").get_data(as_text=True)
    assert f"Emploi{NBSP}: quelles pistes{NNBSP}?" in page
    assert f"Comment recruter{NNBSP}?" in page
    db.session.expire_all()
    assert db.session.get(Seance, seance.id).title == "Emploi : quelles pistes?"  # stored as typed
    assert question.body == "Comment recruter?"
    english = client.get(f"/seances/{seance.slug}?lang=en").get_data(as_text=True)
    assert "Comment recruter?" in english  # only French is typeset


# --- plurals, dates, sizes -----------------------------------------------------------------------

@pytest.mark.parametrize(("lang", "n", "word"), [
    ("fr", 0, "vote"), ("fr", 1, "vote"), ("fr", 2, "votes"),
    ("en", 0, "votes"), ("en", 1, "vote"), ("en", 2, "votes"),
])
def test_plurals_follow_each_language(app, lang, n, word):
    with i18n.language(lang):
        assert i18n.ngettext("%(num)s vote", "%(num)s votes", n) % {"num": n} == f"{n} {word}"
        fiches = i18n.ngettext("%(num)s fiche", "%(num)s fiches", n) % {"num": n}
        assert fiches == f"{n} fiche" + ("s" if word.endswith("s") else "")


def test_dates_times_and_sizes_per_language(app):
    from masterclass.formatting import filesize, instant, local_date, time_short

    when = datetime(2019, 5, 16, 14, 30)
    with i18n.language("fr"):
        assert local_date(when, "d MMMM y") == "16 mai 2019"
        assert time_short(when) == f"14{NBSP}h{NBSP}30"
        assert filesize(513_690) == f"501,65{NBSP}Ko"
        assert filesize(1) == f"1{NBSP}octet" and filesize(0) == f"0{NBSP}octet"
        assert "16 mai 2019" in instant(when)
    with i18n.language("en"):
        assert local_date(when, "d MMMM y") == "16 May 2019"
        assert time_short(when) == "14:30"
        assert filesize(513_690) == f"501.65{NBSP}KB"
        assert filesize(0) == f"0{NBSP}bytes"


def test_the_archive_shows_dates_and_times_in_the_readers_language(client, demo):
    french = " ".join(soup(client.get(f"/seances/{demo.slug}")).get_text(" ").split())
    assert "jeudi 16 mai 2019, 14 h 00" in french
    english = " ".join(soup(client.get(f"/seances/{demo.slug}?lang=en")).get_text(" ").split())
    assert "Thursday 16 May 2019, 14:00" in english


# --- catalogues ----------------------------------------------------------------------------------

def _catalog(lang: str):
    with translate.po_path(lang).open("rb") as f:
        return read_po(f, locale=lang)


def _ids(catalog) -> set:
    return {m.id if isinstance(m.id, str) else tuple(m.id) for m in catalog if m.id}


def test_every_message_has_an_english_translation():
    untranslated = [m.id for m in _catalog("en") if m.id and (
        "fuzzy" in m.flags or not (m.string if isinstance(m.string, str) else all(m.string)))]
    assert untranslated == [], "translate these in masterclass/translations/en (README, Languages)"


def test_the_catalogues_are_up_to_date_with_the_code():
    with tempfile.TemporaryDirectory() as tmp:
        pot = Path(tmp) / "messages.pot"
        translate.extract(pot)
        with pot.open("rb") as f:
            wanted = _ids(read_po(f))
    assert len(wanted) > 300
    for lang in translate.LANGUAGES:
        have = _ids(_catalog(lang))
        assert wanted - have == set(), f"new strings: run `make translations` ({lang})"
        assert have - wanted == set(), f"strings gone from the code: run `make translations` ({lang})"


def test_the_compiled_catalogues_are_those_of_the_po_files():
    for lang in translate.LANGUAGES:
        po = translate.po_path(lang)
        assert po.with_suffix(".mo").read_bytes() == translate.compiled(po), \
            f"stale {lang} .mo: run `make translations`"


def test_the_translate_commands_run(runner, tmp_path):
    result = runner.invoke(args=["translate", "extract", "--output", str(tmp_path / "m.pot")])
    assert result.exit_code == 0, result.output
    assert 'msgid "Accueil"' in (tmp_path / "m.pot").read_text()


# --- choosing the language ------------------------------------------------------------------------

def _lang(response) -> str:
    return soup(response).html["lang"]


def test_french_by_default_english_from_the_browser(client):
    assert _lang(client.get("/")) == "fr"
    response = client.get("/", headers=EN)
    assert _lang(response) == "en" and "Join a session" in response.get_data(as_text=True)
    assert "Accept-Language" in response.headers["Vary"]
    assert _lang(client.get("/", headers={"Accept-Language": "de-DE, en;q=0.5, fr;q=0.8"})) == "fr"
    assert _lang(client.get("/", headers={"Accept-Language": "de-DE, en;q=0.5"})) == "en"


def test_an_explicit_choice_is_remembered_in_a_cookie(client):
    response = client.get("/seances?lang=en")
    assert _lang(response) == "en"
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("lang=en;") and "SameSite=Lax" in cookie and "Max-Age=31536000" in cookie
    assert _lang(client.get("/")) == "en"  # the cookie, without ?lang
    assert _lang(client.get("/", headers={"Accept-Language": "fr"})) == "en"  # the choice wins
    assert _lang(client.get("/?lang=fr")) == "fr"
    assert _lang(client.get("/", headers=EN)) == "fr"


@pytest.mark.parametrize(("query", "headers", "cookie"), [
    ("?lang=xx", {}, None),
    ("?lang=", {}, None),
    ("?lang=%ff%00", {}, None),
    ("", {"Accept-Language": "en;q=abc"}, None),
    ("", {"Accept-Language": ";;,,=q;q=2,en;q=-1"}, None),
    ("", {"Accept-Language": "x" * 5000}, None),
    ("", {}, "\x7fjunk"),
    ("", {}, "en" * 100),
])
def test_bad_input_gives_french_never_an_error(client, query, headers, cookie):
    if cookie is not None:
        client.set_cookie("lang", cookie)
    response = client.get("/" + query, headers=headers)
    assert response.status_code == 200 and _lang(response) == "fr"
    assert "lang=" not in response.headers.get("Set-Cookie", "")


def test_every_page_has_a_switch_to_the_other_language(client, demo):
    for path in ("/", f"/seances/{demo.slug}", "/recherche?q=emploi", f"/seances/{demo.slug}/questions"):
        client.delete_cookie("lang")
        page = soup(client.get(path))
        link = page.select_one("a.lang-switch")
        assert link["hreflang"] == "en" and link["lang"] == "en" and link.get_text() == "English"
        english = soup(client.get(link["href"]))
        assert english.html["lang"] == "en"
        back = english.select_one("a.lang-switch")
        assert back["hreflang"] == "fr" and back.get_text() == "Français"
    client.delete_cookie("lang")
    assert soup(client.get("/recherche?q=emploi")).select_one("a.lang-switch")["href"] \
        == "/recherche?q=emploi&lang=en"


# --- caches ---------------------------------------------------------------------------------------

@pytest.fixture
def open_demo(demo):
    with write_transaction() as session:
        session.get(Seance, demo.id).questions_open = True
    return demo


def _is_english(body: str) -> bool:
    return '<html lang="en">' in body


def test_cached_pages_alternate_languages_under_concurrency(app, open_demo):
    """Many visitors at once on the cached pages (page cache, and the layer before Flask), half
    of them in English by cookie, header or query: each gets its own language, every time."""
    pages = ["/", "/seances", f"/seances/{open_demo.slug}", f"/seances/{open_demo.slug}/questions",
             f"/seances/{open_demo.slug}/questions/live"]
    ways = [({}, None, "fr"), (EN, None, "en"), ({}, "en", "en"), ({}, "fr", "fr"),
            ({"Accept-Language": "fr"}, None, "fr"), ({}, None, "en?")]
    wrong = []

    def visit(i):
        headers, cookie, lang = ways[i % len(ways)]
        client = app.test_client()
        if cookie:
            client.set_cookie("lang", cookie)
        for round_ in range(4):
            for page in pages:
                url = page + ("?lang=en" if lang == "en?" else "")
                response = client.get(url, headers={**headers, **(HTMX if "live" in page else {})})
                body = response.get_data(as_text=True)
                english = "Ask your questions" in body or "Join a session" in body or "Sessions" in body \
                    or "I support this" in body or _is_english(body)
                french = "Posez vos questions" in body or "Rejoindre une séance" in body \
                    or "Je soutiens" in body or '<html lang="fr">' in body
                if response.status_code != 200 or english == french or english != lang.startswith("en"):
                    wrong.append((url, lang, round_, response.status_code))

    with ThreadPoolExecutor(max_workers=12) as pool:
        list(pool.map(visit, range(48)))
    assert wrong == []


def test_the_live_polls_etag_depends_on_the_language(client, open_demo):
    url = f"/seances/{open_demo.slug}/questions/live"
    french = client.get(url, headers=HTMX)
    english = client.get(url, headers={**HTMX, **EN})
    assert french.headers["ETag"] != english.headers["ETag"]
    # An ETag of the French list never makes the English reader keep it (nor the reverse).
    assert client.get(url, headers={**HTMX, **EN, "If-None-Match": french.headers["ETag"]}).status_code == 200
    assert client.get(url, headers={**HTMX, "If-None-Match": english.headers["ETag"]}).status_code == 200
    assert client.get(url, headers={**HTMX, "If-None-Match": french.headers["ETag"]}).status_code == 304


@pytest.fixture
def server(open_demo, tmp_path, database_url):
    slug = open_demo.slug
    db.session.remove()
    server = Gunicorn(database_url, tmp_path / "fiches", workers=2, threads=4).start()
    server.slug = slug
    yield server
    server.stop()


def test_a_real_server_never_serves_the_other_language(server):
    """gunicorn, two workers: phones in French and in English, by cookie and by header, at once."""
    paths = ["/", f"/seances/{server.slug}", f"/seances/{server.slug}/questions"]
    barrier = threading.Barrier(16)

    def run(i):
        phone, lang = Phone(server.url), ("en" if i % 2 else "fr")
        headers = {"Accept-Language": "en"} if i % 4 == 1 else {}
        if i % 4 == 3:
            phone.get("/?lang=en")  # remembered in the cookie
        barrier.wait(timeout=60)
        seen = []
        for _ in range(5):
            for path in paths:
                status, _headers, body = phone.get(path, headers=headers)
                seen.append((status, re.search(r'<html lang="(\w+)">', body).group(1)))
        return lang, seen

    with ThreadPoolExecutor(max_workers=16) as pool:
        for lang, seen in pool.map(run, range(16)):
            assert set(seen) == {(200, lang)}, (lang, set(seen))


def test_a_visitor_with_a_language_cookie_gets_the_fast_path(app, client, demo):
    seen = []
    app.before_request_funcs.setdefault(None, []).append(lambda: seen.append(1) and None)
    client.get("/seances?lang=en")
    client.get("/seances")  # the first visit with the cookie (and a session) goes through Flask
    before = len(seen)
    for _ in range(3):
        assert _lang(client.get("/seances")) == "en"
    assert len(seen) == before  # answered before Flask


# --- the séance's own language --------------------------------------------------------------------

def test_screen_feed_and_pdf_speak_the_seances_language(client, auth, demo):
    with write_transaction() as session:
        session.get(Seance, demo.id).language = "en"
    screen = client.get(f"/seances/{demo.slug}/ecran")
    assert _lang(screen) == "en"
    feed = client.get("/flux.atom").get_data(as_text=True)
    assert 'xml:lang="en"' in feed and "Thursday 16 May 2019" in feed
    auth.login()
    pdf = client.get(f"/moderation/seances/{demo.slug}/fiche-brouillon.pdf", headers={"Accept-Language": "fr"})
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    with write_transaction() as session:
        session.get(Seance, demo.id).language = "fr"
    assert _lang(client.get(f"/seances/{demo.slug}/ecran", headers=EN)) == "fr"


def test_the_seance_form_sets_the_language(client, auth, demo):
    from .helpers import csrf_token

    auth.login()
    url = f"/moderation/seances/{demo.slug}/modifier"
    form = soup(client.get(url))
    assert form.select_one("select[name=language] option[selected]")["value"] == "fr"
    data = {field["name"]: field.get("value", "") for field in form.select("form.stack input")
            if field.get("type") not in ("checkbox", "submit")}
    data.update({field["name"]: field.get_text() for field in form.select("form.stack textarea")})
    data.update({"language": "en", "summary_format": "html", "csrf_token": csrf_token(client, url)})
    if form.select_one("input[name=published][checked]"):
        data["published"] = "y"
    response = client.post(url, data=data)
    assert response.status_code in (302, 303), response.get_data(as_text=True)[:2000]
    db.session.rollback()
    assert db.session.get(Seance, demo.id).language == "en"


# --- done when: every page, both languages --------------------------------------------------------

def _french_fragments() -> list[str]:
    """Pieces of French interface strings that an English page must not show."""
    english = {m.id if isinstance(m.id, str) else m.id[0]: m.string if isinstance(m.string, str) else m.string[0]
               for m in _catalog("en") if m.id}
    fragments = set()
    for french, translated in english.items():
        if french == translated:
            continue
        for piece in re.split(r"%\(\w+\)[sd]", french):
            piece = piece.strip(" .:;!?,«»()")
            if len(piece) >= 12 and " " in piece:
                fragments.add(piece.replace("'", "’"))
    return sorted(fragments)


def _visible_text_nodes(page: BeautifulSoup):
    for node in page.find_all(string=True):
        if node.parent.name in ("script", "style", "textarea", "code", "pre", "title") or \
                node.__class__.__name__ != "NavigableString":
            continue
        yield str(node)


def _pages(client, demo, question_id, fiche_id) -> list[str]:
    slug = demo.slug
    return ["/", "/seances", f"/seances/{slug}", "/recherche", "/recherche?q=emploi", "/favoris",
            "/rejoindre?code=ZZZZZZ", "/page-qui-n-existe-pas", f"/seances/{slug}/questions",
            f"/seances/{slug}/ecran", "/moderation/", "/moderation/seances/nouvelle",
            f"/moderation/seances/{slug}/modifier", f"/moderation/seances/{slug}/questions",
            f"/moderation/seances/{slug}/apercu", f"/moderation/seances/{slug}/fiche-brouillon",
            f"/moderation/questions/{question_id}/reponse", "/admin/utilisateurs"]


def test_every_page_in_both_languages(client, auth, demo, make_fiche, make_question):
    """No French interface string left in English; in French, no breaking space before ; : ! ?"""
    with write_transaction() as session:
        session.get(Seance, demo.id).questions_open = True
    question = make_question(demo, body="Une question en attente ?", status="pending")
    fiche = make_fiche(demo, title="Fiche : la synthèse")
    auth.login(role="admin")
    fragments = _french_fragments()
    assert len(fragments) > 200
    checked = 0
    for path in _pages(client, demo, question.id, fiche.id):
        for lang in ("fr", "en"):
            response = client.get(path + ("&" if "?" in path else "?") + "lang=" + lang)
            assert response.status_code in (200, 404), (path, response.status_code)
            page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
            assert page.html["lang"] == ("fr" if path.endswith("/ecran") else lang), path
            text = " ".join(_visible_text_nodes(page))
            if lang == "fr":
                breaking = re.findall(r"\S{0,40}[ \t\n][;:!?»]", text) + re.findall(r"«[ \t\n]", text)
                assert breaking == [], (path, breaking)
            elif not path.endswith("/ecran"):
                flat = " ".join(text.split())
                left = [f for f in fragments if f in flat]
                assert left == [], (path, left)
            checked += 1
    assert checked == 36
