"""Search, the Atom feed and the sitemap."""

import re
import xml.etree.ElementTree as ET

import pytest
from sqlalchemy import select

from masterclass.db import write_transaction
from masterclass.extensions import db
from masterclass.models import Question, Seance

from .helpers import HTMX, csrf_token, soup, text_of

ATOM = "{http://www.w3.org/2005/Atom}"


def results(client, q):
    page = soup(client.get("/recherche", query_string={"q": q}))
    return {section["aria-labelledby"]: [" ".join(li.get_text(" ").split()) for li in section.select("li")]
            for section in page.select("#resultats-recherche section")}


def test_recruter_finds_the_anzin_question_its_seance_and_fiche(client, demo):
    response = client.get("/recherche?q=recruter")
    page = soup(response)
    questions = page.find(id="res-questions").find_parent("section")
    assert "Comment aider une entreprise à recruter ?" in questions.get_text()
    assert questions.find("mark").get_text() == "recruter"
    # Each question hit points at the question itself on its séance page.
    assert questions.find("a", href=re.compile(rf"^/seances/{demo.slug}#q-\d+$"))
    assert questions.find("a", href=f"/fiches/{demo.fiches[0].id}/telecharger")


@pytest.mark.parametrize(("q", "expected"), [
    ("economique", "res-seances"),          # accents do not matter
    ("ÉCONOMIQUE", "res-seances"),          # nor case
    ("Recrutement", "res-questions"),       # a rough French stem: recrutement → recruter
    ("banques", "res-questions"),
    ("formation", "res-questions"),
    ("capitalisation", "res-fiches"),
    ("Nouvelle Forge", "res-seances"),
    ("IREV", "res-fiches"),
])
def test_search_finds_across_kinds(client, demo, q, expected):
    assert expected in results(client, q)


def test_title_matches_rank_first(client, demo, make_seance):
    make_seance(title="Séance Logement", concept="On parle un peu de formation.")
    make_seance(title="Séance Formation professionnelle", concept="Le sujet du jour.")
    seances = results(client, "formation")["res-seances"]
    assert seances[0].startswith("Séance Formation professionnelle")


def test_hidden_things_never_appear(client, demo, make_seance, make_question):
    draft = make_seance(title="Séance secrète zanzibar", published=False)
    make_question(draft, body="Question zanzibar d’un brouillon ?")
    make_question(demo, body="Question zanzibar en attente ?", status="pending")
    make_question(demo, body="Question zanzibar écartée ?", status="rejected")
    assert results(client, "zanzibar") == {}
    assert "Aucun résultat pour « zanzibar »" in text_of(client.get("/recherche?q=zanzibar"))
    assert "Tapez au moins un mot de trois lettres" in text_of(client.get("/recherche?q=OR+de+la"))


def test_index_follows_status_changes_edits_and_deletions(client, auth, demo, make_question):
    question = make_question(demo, body="Comment financer un potager partagé ?", status="pending")
    assert results(client, "potager") == {}
    auth.login(role="moderator")
    token = csrf_token(client)
    client.post(f"/moderation/questions/{question.id}/statut", data={"status": "approved", "csrf_token": token})
    assert "res-questions" in results(client, "potager")
    client.post(f"/moderation/questions/{question.id}/modifier",
                data={"body": "Comment financer un jardin partagé ?", "csrf_token": token})
    assert results(client, "potager") == {} and "res-questions" in results(client, "jardin")
    client.post(f"/moderation/questions/{question.id}/statut", data={"status": "rejected", "csrf_token": token})
    assert results(client, "jardin") == {}
    client.post(f"/moderation/fiches/{demo.fiches[0].id}/supprimer", data={"csrf_token": token})
    assert "res-fiches" not in results(client, "capitalisation")


def test_unpublishing_a_seance_removes_it_and_its_questions(client, demo):
    with write_transaction() as session:
        session.get(Seance, demo.id).published = False
    assert results(client, "recruter") == {} and results(client, "economique") == {}
    with write_transaction() as session:
        session.get(Seance, demo.id).published = True
    assert "res-questions" in results(client, "recruter")


def test_reindex_rebuilds_the_same_index(client, runner, demo):
    db.session.execute(db.text("DELETE FROM search_index"))
    db.session.commit()
    assert results(client, "recruter") == {}
    assert "Search index rebuilt: 13 entries." in runner.invoke(args=["reindex"]).output
    assert "res-questions" in results(client, "recruter")


@pytest.mark.parametrize("q", ['"', "'", "*", "NEAR(", "recruter OR", "AND", "((recruter", "recruter)",
                               '"unbalanced', "-recruter", "^", "x" * 5000, "!!!???", "recruter:*",
                               "title:recruter", "\x00", "{recruter}", "NOT", "a" * 300 + " recruter"])
def test_hostile_queries_are_words_never_errors(client, demo, q):
    response = client.get("/recherche", query_string={"q": q})
    assert response.status_code == 200


def test_fts_syntax_is_taken_as_words(client, demo):
    assert "res-questions" in results(client, 'recruter" OR "entreprise')
    assert results(client, 'recruter" OR "zzz') == {}  # every word counts


def test_search_fragment_for_htmx(client, demo):
    response = client.get("/recherche?q=recruter", headers=HTMX)
    assert "<html" not in response.get_data(as_text=True) and "recruter" in response.get_data(as_text=True)
    assert "HX-Request" in response.headers["Vary"]


def test_matches_are_highlighted_but_text_is_escaped(client, demo, make_question):
    make_question(demo, body="<script>alert(1)</script> tomate <b>grasse</b> ?")
    html = client.get("/recherche?q=tomate").get_data(as_text=True)
    assert "<mark>tomate</mark>" in html and "<script>alert(1)" not in html and "&lt;b&gt;" in html


def test_search_box_in_every_header(client, demo):
    for url in ("/", "/seances", f"/seances/{demo.slug}", "/favoris"):
        form = soup(client.get(url)).find("form", attrs={"role": "search"})
        assert form["action"] == "/recherche" and form.find("input", attrs={"name": "q"})


def test_atom_feed_is_valid_xml_with_absolute_links(client, demo, make_seance):
    make_seance(title="Séance Brouillon", published=False)
    make_seance(title="Séance <Santé> & soins", summary_html="<p>Un <em>résumé</em></p>")
    response = client.get("/flux.atom")
    assert response.headers["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = ET.fromstring(response.data)
    assert feed.tag == f"{ATOM}feed"
    entries = feed.findall(f"{ATOM}entry")
    titles = [e.find(f"{ATOM}title").text for e in entries]
    assert titles == ["Séance <Santé> & soins", "Séance Développement économique"]
    for entry in entries:
        assert entry.find(f"{ATOM}link").get("href").startswith("http://localhost/seances/")
        assert entry.find(f"{ATOM}id").text.startswith("http://")
        assert entry.find(f"{ATOM}updated").text.endswith("Z")
    content = entries[0].find(f"{ATOM}content")
    assert content.get("type") == "html" and content.text == "<p>Un <em>résumé</em></p>"
    assert soup(client.get("/")).find("link", rel="alternate")["href"] == "/flux.atom"


def test_sitemap_lists_public_pages_only(client, demo, make_seance):
    draft = make_seance(title="Séance Brouillon", published=False)
    root = ET.fromstring(client.get("/sitemap.xml").data)
    locs = [loc.text for loc in root.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert "http://localhost/" in locs and f"http://localhost/seances/{demo.slug}" in locs
    assert not any(draft.slug in loc for loc in locs)


def test_feed_uses_the_public_url(make_app):
    app = make_app(PUBLIC_URL="https://mc.example.org")
    with app.app_context():
        from masterclass.demo import load_demo

        load_demo()
        feed = app.test_client().get("/flux.atom").get_data(as_text=True)
        assert "https://mc.example.org/seances/" in feed
        db.session.remove()
        db.engine.dispose()


def test_question_model_is_what_search_links(demo):
    assert db.session.scalar(select(Question).where(Question.body.like("%recruter%"))).seance_id == demo.id


def test_many_matches_show_the_best_few_then_page_by_page(client, make_seance):
    seance = make_seance(title="Séance Jardins partagés")
    with write_transaction() as session:
        for n in range(45):
            session.add(Question(seance_id=seance.id, body=f"Question {n:02d} sur le potager partagé ?",
                                 status="approved"))
    overview = soup(client.get("/recherche?q=potager"))
    questions = overview.find(id="res-questions").find_parent("section")
    assert len(questions.select("li")) == 10
    see_all = questions.find("a", string="Toutes les questions trouvées")
    assert see_all["href"] == "/recherche?q=potager&type=questions"

    seen, url = [], see_all["href"]
    while url:
        page = soup(client.get(url))
        items = page.select("#res-questions ~ ul li, section[aria-labelledby=res-questions] li")
        seen += [" ".join(li.get_text(" ").split()) for li in items]
        following = page.find("a", rel="next")
        url = following["href"] if following else None
    assert len(seen) == 45 and len(set(seen)) == 45  # every one of them, once
    last = soup(client.get("/recherche?q=potager&type=questions&page=3"))
    assert last.find("a", rel="prev")["href"] == "/recherche?q=potager&type=questions&page=2"
    assert last.find("a", string="Tous les résultats pour «\u00a0potager\u00a0»")
    assert "Aucun résultat" in text_of(client.get("/recherche?q=potager&type=questions&page=9"))
