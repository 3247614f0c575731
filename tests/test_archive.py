"""The public archive as a visitor reads it: home, list of séances, one séance."""

from datetime import datetime, timedelta

import pytest

from masterclass.models_base import local_now

from .helpers import HTMX, soup, text_of, words

DEMO_URL = "/seances/seance-developpement-economique-2019-05-16"


def test_home_lists_latest_archive_and_offers_join_form(client, demo):
    page = soup(client.get("/"))
    latest = page.find(id="archives").find_parent("section")
    assert "Séance Développement économique" in latest.get_text()
    form = page.find("form", class_="join-form")
    assert form["action"] == "/rejoindre" and form["method"] == "get"
    field = form.find("input", attrs={"name": "code"})
    assert page.find("label", attrs={"for": field["id"]}).get_text(strip=True) == "Code de la séance"


def test_home_separates_upcoming_and_live(client, make_seance):
    now = local_now()
    make_seance(title="Séance Logement", starts_at=now + timedelta(days=10))
    make_seance(title="Séance Santé", starts_at=now - timedelta(days=400))
    make_seance(title="Séance Mobilité", starts_at=now + timedelta(days=2), questions_open=True)
    page = soup(client.get("/"))
    upcoming = page.find(id="a-venir").find_parent("section").get_text()
    live = page.find(id="en-cours").find_parent("section").get_text()
    latest = page.find(id="archives").find_parent("section").get_text()
    assert "Séance Logement" in upcoming and "Séance Logement" not in latest
    assert "Séance Santé" in latest
    assert "Séance Mobilité" in live and "Séance Mobilité" not in upcoming


def test_empty_home_explains_itself(client):
    text = text_of(client.get("/"))
    assert "Aucune séance n’est annoncée pour le moment" in text
    assert "Les séances passées apparaîtront ici" in text


def test_seance_page_shows_what_the_seed_page_shows(client, demo):
    response = client.get(DEMO_URL)
    assert response.status_code == 200
    page = soup(response)
    text = text_of(response)
    assert page.find("h1").get_text(strip=True) == "Séance Développement économique"
    assert "La master class citoyenne" in text
    assert "jeudi 16 mai 2019, 14 h 00" in text
    assert "La Nouvelle Forge, Anzin" in text
    assert "Développement économique" in text
    assert "Le concept ?" in text and "raconter son métier" in text
    assert "ancienne friche suite à la fermeture de Vallourec" in text
    questions = [" ".join(li.get_text(" ", strip=True).split()) for li in page.select("ul.questions li")]
    assert len(questions) == 11
    assert "Comment aider une entreprise à recruter ?" in questions
    # The typo fixed by a moderator shows corrected; the original stays for moderators only.
    assert "Qui va aider le jeune créateur au niveau de la confiance des banques ?" in questions
    assert "nivea ude" not in text
    fiche = page.select_one("li.fiche")
    assert fiche.find("h3").get_text(strip=True) == "Masterclass\u00a0: Fiche capitalisation Dev éco"  # typeset
    assert "réalisée par l'IREV" in fiche.get_text()
    assert "PDF · Poids : 501,15 Ko" in " ".join(fiche.get_text(" ").split())
    link = next(a for a in fiche.find_all("a") if a.get_text().startswith("Télécharger"))
    assert link["href"] == f"/fiches/{demo.fiches[0].id}/telecharger"


def test_seance_summary_is_rendered_as_sanitised_html(client, make_seance):
    seance = make_seance(summary_html="<p>Un <strong>bilan</strong> clair.</p>")
    page = soup(client.get(f"/seances/{seance.slug}"))
    assert page.select_one(".rich-text strong").get_text() == "bilan"


def test_user_text_is_escaped(client, make_seance, make_question):
    seance = make_seance(title="<script>alert(1)</script>", concept='<img src=x onerror="alert(1)">')
    make_question(seance, body='<b hx-get="/x">gras</b>')
    response = client.get(f"/seances/{seance.slug}")
    html = response.get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert '<b hx-get="/x">' not in html and "&lt;b hx-get=" in html
    assert "<img src=x" not in html


def test_archive_shows_only_approved_and_answered_questions(client, make_seance, make_question):
    seance = make_seance()
    make_question(seance, body="Question approuvée ?", status="approved")
    make_question(seance, body="Question répondue ?", status="answered")
    make_question(seance, body="Question en attente ?", status="pending")
    make_question(seance, body="Question écartée ?", status="rejected")
    page = soup(client.get(f"/seances/{seance.slug}"))
    items = [" ".join(li.get_text(" ").split()) for li in page.select("ul.questions li")]
    assert sorted(items) == ["Question approuvée ?", "Question répondue ? Répondue en séance"]


def test_unpublished_seance_is_invisible(client, make_seance, make_fiche):
    draft = make_seance(title="Séance Brouillon", published=False)
    fiche = make_fiche(draft)
    assert client.get(f"/seances/{draft.slug}").status_code == 404
    assert client.get(f"/fiches/{fiche.id}/telecharger").status_code == 404
    assert "Séance Brouillon" not in text_of(client.get("/"))
    assert "Séance Brouillon" not in text_of(client.get("/seances"))


def test_archive_filters_by_theme_city_and_year(client, make_seance):
    make_seance(title="Séance A", theme="Emploi", city="Anzin", starts_at=datetime(2024, 5, 1, 18))
    make_seance(title="Séance B", theme="Logement", city="Anzin", starts_at=datetime(2025, 5, 1, 18))
    make_seance(title="Séance C", theme="Emploi", city="Denain", starts_at=datetime(2025, 6, 1, 18))

    def titles(query):
        page = soup(client.get("/seances" + query))
        return sorted(a.get_text(strip=True) for a in page.select(".seance-card h2 a"))

    assert titles("") == ["Séance A", "Séance B", "Séance C"]
    assert titles("?theme=emploi") == ["Séance A", "Séance C"]
    assert titles("?ville=Anzin") == ["Séance A", "Séance B"]
    assert titles("?annee=2025") == ["Séance B", "Séance C"]
    assert titles("?theme=emploi&ville=Anzin&annee=2024") == ["Séance A"]
    page = soup(client.get("/seances"))
    assert [o["value"] for o in page.select("#annee option")] == ["", "2025", "2024"]
    assert [o.get_text() for o in page.select("#ville option")][1:] == ["Anzin", "Denain"]


def test_archive_filters_that_match_nothing_say_so(client, make_seance):
    make_seance()
    text = text_of(client.get("/seances?annee=1999"))
    assert "Aucune séance ne correspond à ces critères" in text


def test_archive_paginates_newest_first(client, make_seance):
    for day in range(1, 15):
        make_seance(title=f"Séance {day:02d}", starts_at=datetime(2025, 1, day, 18))
    first = soup(client.get("/seances"))
    names = [a.get_text(strip=True) for a in first.select(".seance-card h2 a")]
    assert names[0] == "Séance 14" and len(names) == 12
    assert "Page 1 sur 2" in first.get_text()
    second = soup(client.get("/seances?page=2"))
    assert [a.get_text(strip=True) for a in second.select(".seance-card h2 a")] == [
        "Séance 02", "Séance 01"]
    assert second.find("a", rel="prev")["href"] == "/seances?page=1"


@pytest.mark.parametrize("query", ["?page=-1", "?page=abc", "?page=0", "?annee=abc",
                                   "?page=99999999999999999999", "?annee=99999", "?theme=%00",
                                   "?ville=" + "x" * 5000])
def test_archive_survives_bad_parameters(client, demo, query):
    response = client.get("/seances" + query)
    assert response.status_code == 200
    assert "Séances" in text_of(response) or "séance" in text_of(response)


def test_huge_page_is_clamped_to_the_last(client, demo):
    page = soup(client.get("/seances?page=500"))
    assert [a.get_text(strip=True) for a in page.select(".seance-card h2 a")] == [
        "Séance Développement économique"]


def test_archive_fragment_for_htmx(client, demo):
    response = client.get("/seances?ville=Anzin", headers=HTMX)
    html = response.get_data(as_text=True)
    assert "<html" not in html and "Séance Développement économique" in html
    assert "HX-Request" in response.headers["Vary"]
    full = client.get("/seances?ville=Anzin")
    assert "<html" in full.get_data(as_text=True)
    assert "HX-Request" in full.headers["Vary"]


@pytest.mark.parametrize("url", ["/seances/inconnue", "/seances/%00", "/fiches/999/telecharger",
                                 "/fiches/abc/telecharger", "/fiches/-1/telecharger", "/nulle-part"])
def test_unknown_things_get_a_french_404(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert "Page introuvable" in text_of(response)
    assert response.headers["Content-Type"].startswith("text/html")


def test_join_with_a_known_code_is_case_and_space_tolerant(client, demo):
    code = demo.join_code.lower()
    response = client.get(f"/rejoindre?code= {code[:3]} {code[3:]} ")
    assert response.status_code == 303


def test_join_with_an_unknown_code_shows_the_form_again(client, demo):
    response = client.get("/rejoindre?code=ZZZZZZ")
    assert response.status_code == 404
    page = soup(response)
    assert "Aucune séance ne porte le code « ZZZZZZ »" in words(page.get_text())
    assert page.find("input", attrs={"name": "code"})["value"] == "ZZZZZZ"


def test_archive_counts_and_filters_follow_new_seances(client, make_seance):
    make_seance(title="Séance A", city="Anzin", starts_at=datetime(2024, 5, 1, 18))
    assert "1 séance" in text_of(client.get("/seances"))
    make_seance(title="Séance B", city="Denain", starts_at=datetime(2025, 5, 1, 18))
    page = soup(client.get("/seances"))
    assert "2 séances" in page.get_text()
    assert [o.get_text() for o in page.select("#ville option")][1:] == ["Anzin", "Denain"]
