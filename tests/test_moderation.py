"""Moderation: who may enter, and authoring séances."""

import re

import pytest
from sqlalchemy import func, select

from masterclass.db import write_transaction
from masterclass.extensions import db
from masterclass.models import AuditEntry, Seance, Theme

from .helpers import csrf_token, soup, text_of

PROTECTED_BLUEPRINTS = ("moderation", "admin")


def protected_routes(app, seance_slug, ids):
    """Every (method, url) of the moderation and admin blueprints, from the URL map itself."""
    routes = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.split(".")[0] not in PROTECTED_BLUEPRINTS:
            continue
        values = {}
        for arg in rule.arguments:
            values[arg] = seance_slug if arg == "slug" else ids.get(arg, 1)
        url = rule.build(values, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            routes.append((method, url, rule.endpoint))
    assert len(routes) >= 5
    return routes


@pytest.fixture
def routes(app, demo):
    return protected_routes(app, demo.slug, {})


def call(client, method, url, token=None):
    data = {"csrf_token": token} if token else {}
    return client.open(url, method=method, data=data)


def test_anonymous_and_participants_are_sent_to_login(client, routes):
    client.set_cookie("masterclass_participant", "un-participant")
    token = csrf_token(client)  # a valid token: the role check itself must refuse
    for method, url, _endpoint in routes:
        response = call(client, method, url, token)
        assert response.status_code == 302, (method, url)
        assert response.headers["Location"].startswith("/connexion?next="), (method, url)


def test_moderators_enter_moderation_but_not_admin(client, auth, routes):
    auth.login(role="moderator")
    token = csrf_token(client)
    for method, url, endpoint in routes:
        response = call(client, method, url, token)
        if endpoint.startswith("admin."):
            assert response.status_code == 403, (method, url)
            assert "Accès refusé" in text_of(response)
        else:
            assert response.status_code not in (302, 401, 403), (method, url, response.status_code)


def test_admins_enter_everywhere(client, auth, routes):
    auth.login(role="admin")
    token = csrf_token(client)
    for method, url, _endpoint in routes:
        response = call(client, method, url, token)
        assert response.status_code not in (401, 403), (method, url)
        if response.status_code == 302:
            assert not response.headers["Location"].startswith("/connexion"), (method, url)


@pytest.mark.parametrize("role", ["moderator", "admin"])
def test_every_post_without_csrf_is_refused_and_keeps_the_session(client, auth, routes, role):
    auth.login(role=role)
    before = [db.session.scalar(select(func.count()).select_from(m)) for m in (Seance, AuditEntry)]
    for method, url, _endpoint in routes:
        if method != "POST":
            continue
        response = client.post(url, data={"title": "Sans jeton", "date": "2026-01-01", "city": "X",
                                          "status": "approved", "open": "1"})
        assert response.status_code == 400, url
    db.session.rollback()
    after = [db.session.scalar(select(func.count()).select_from(m)) for m in (Seance, AuditEntry)]
    assert after == before
    assert client.get("/moderation/").status_code == 200


# --- authoring --------------------------------------------------------------------------------

FORM = {"title": "Séance Emploi des jeunes", "date": "2026-03-12", "time": "18:30", "city": "Denain",
        "venue": "Centre social", "speaker": "Claire Martin", "speaker_role": "Conseillère Mission locale",
        "theme": "Emploi", "concept": "Une professionnelle raconte son métier.",
        "summary": "<p>Un <strong>échange</strong> riche.</p><script>alert(1)</script>"}


@pytest.fixture
def moderator(client, auth):
    auth.login(role="moderator", email="mod@example.org")
    return client


def create(client, **overrides):
    data = {**FORM, **overrides, "csrf_token": csrf_token(client, "/moderation/seances/nouvelle")}
    data = {k: v for k, v in data.items() if v is not None}
    return client.post("/moderation/seances/nouvelle", data=data)


def test_create_a_seance_then_publish_it(moderator, client):
    response = create(moderator, published="y")
    assert response.status_code == 303
    assert response.headers["Location"] == "/moderation/seances/seance-emploi-des-jeunes-2026-03-12/modifier"
    seance = db.session.scalar(select(Seance))
    assert seance.published and seance.starts_at.isoformat() == "2026-03-12T18:30:00"
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{6}", seance.join_code)
    assert seance.summary_html == "<p>Un <strong>échange</strong> riche.</p>"
    assert seance.theme.name == "Emploi"
    public = text_of(client.get(f"/seances/{seance.slug}"))
    assert "Claire Martin, Conseillère Mission locale" in public and "alert" not in public
    assert "Séance Emploi des jeunes" in text_of(client.get("/seances"))
    edit = text_of(client.get(response.headers["Location"]))
    assert "mod@example.org a créé la séance" in edit and "mod@example.org a publié la séance" in edit


def test_a_draft_stays_private_but_can_be_previewed(moderator, client):
    create(moderator)
    seance = db.session.scalar(select(Seance))
    assert not seance.published
    preview = client.get(f"/moderation/seances/{seance.slug}/apercu")
    assert preview.status_code == 200 and "pas encore publiée" in text_of(preview)
    client.post("/deconnexion", data={"csrf_token": csrf_token(client)})
    assert client.get(f"/seances/{seance.slug}").status_code == 404


def test_contract_fields_alone_are_enough(moderator):
    data = {k: FORM[k] for k in ("title", "date", "city", "venue", "theme")}
    dropped = {k: None for k in FORM if k not in data}
    response = create(moderator, **{**dropped, "speaker": "Claire Martin",
                                    "summary": "Texte simple.\n\nDeux paragraphes."})
    assert response.status_code == 303
    seance = db.session.scalar(select(Seance))
    assert seance.starts_at.hour == 18 and seance.speaker_name == "Claire Martin"
    assert seance.summary_html == "<p>Texte simple.</p><p>Deux paragraphes.</p>"


@pytest.mark.parametrize(("overrides", "field", "message"), [
    ({"date": "2026-02-30"}, "date", "Indiquez une date valide, au format AAAA-MM-JJ"),
    ({"date": "demain"}, "date", "Indiquez une date valide"),
    ({"title": "x" * 10_000}, "title", "200 caractères au plus."),
    ({"title": "   "}, "title", "Donnez un titre à la séance."),
    ({"city": ""}, "city", "Indiquez la ville."),
    ({"time": "25:99"}, "time", ""),
])
def test_validation_errors_are_french_beside_the_field_and_keep_input(moderator, overrides, field, message):
    response = create(moderator, **overrides)
    assert response.status_code == 400
    page = soup(response)
    error = page.find(id=f"{field}-erreur")
    assert error is not None and message in error.get_text()
    assert page.find(id=field)["aria-invalid"] == "true"
    assert page.find(id="venue")["value"] == "Centre social"
    assert page.find(id="summary").get_text().strip().startswith("<p>Un <strong>")
    assert db.session.scalar(select(func.count(Seance.id))) == 0


def test_duplicate_title_on_the_same_date_is_refused(moderator):
    create(moderator)
    response = create(moderator, title="séance emploi des JEUNES")
    assert response.status_code == 400
    assert "Une séance porte déjà ce titre à cette date." in text_of(response)
    assert create(moderator, date="2026-03-13").status_code == 303


def test_scripts_in_plain_fields_are_stored_as_text_and_escaped(moderator, client):
    create(moderator, title="<script>alert(1)</script>", city="<b>Anzin</b>", published="y")
    seance = db.session.scalar(select(Seance))
    assert seance.title == "<script>alert(1)</script>"
    html = client.get(f"/seances/{seance.slug}").get_data(as_text=True)
    assert "<script>alert(1)</script>" not in html and "&lt;b&gt;Anzin&lt;/b&gt;" in html


def test_slug_follows_the_title_until_published_then_stays(moderator):
    create(moderator)
    url = "/moderation/seances/seance-emploi-des-jeunes-2026-03-12/modifier"
    data = {**FORM, "title": "Séance Emploi", "csrf_token": csrf_token(moderator, url)}
    response = moderator.post(url, data=data)
    assert response.headers["Location"] == "/moderation/seances/seance-emploi-2026-03-12/modifier"
    url = response.headers["Location"]
    moderator.post(url, data={**data, "published": "y", "csrf_token": csrf_token(moderator, url)})
    response = moderator.post(url, data={**data, "title": "Séance Travail", "published": "y",
                                         "csrf_token": csrf_token(moderator, url)})
    assert response.headers["Location"] == url
    db.session.rollback()
    seance = db.session.scalar(select(Seance))
    assert seance.title == "Séance Travail" and seance.slug == "seance-emploi-2026-03-12"
    trail = text_of(moderator.get(url))
    assert "a modifié : titre" in trail and "a publié la séance" in trail


def test_existing_theme_is_reused_and_a_deleted_theme_is_harmless(moderator, demo):
    create(moderator, theme="Développement économique")
    assert db.session.scalar(select(func.count(Theme.id))) == 1
    with write_transaction() as session:
        session.execute(db.delete(Theme))
    url = f"/moderation/seances/{demo.slug}/modifier"
    page = moderator.get(url)
    assert page.status_code == 200 and soup(page).find(id="theme")["value"] == ""
    assert moderator.get(f"/seances/{demo.slug}").status_code == 200


def test_edit_form_is_filled_with_the_seance(moderator, demo):
    page = soup(moderator.get(f"/moderation/seances/{demo.slug}/modifier"))
    assert page.find(id="title")["value"] == "Séance Développement économique"
    assert page.find(id="date")["value"] == "2019-05-16"
    assert page.find(id="time")["value"] == "14:00"
    assert page.find(id="published").has_attr("checked")
    assert demo.join_code in page.get_text()


def test_dashboard_lists_seances_with_their_counts(moderator, demo, make_seance, make_question):
    draft = make_seance(title="Séance Logement", published=False)
    make_question(draft, status="pending")
    page = text_of(moderator.get("/moderation/"))
    assert "Séance Développement économique" in page and "Séance Logement brouillon" in page
    assert "11 reçues · 0 en attente · 11 retenues · 1 fiche" in page
    assert "1 reçue · 1 en attente · 0 retenue · 0 fiche" in page


def test_unknown_seance_in_moderation_is_404(moderator):
    assert moderator.get("/moderation/seances/inconnue/modifier").status_code == 404


# --- two moderators editing one séance ---------------------------------------------------------

def opened_form(client, url) -> dict:
    """The edit form's fields as a browser would send them back (hidden ones included)."""
    return opened_form_from(soup(client.get(url)), url)


def test_a_stale_seance_save_is_refused_with_the_other_change_shown(app, moderator, demo, make_user):
    url = f"/moderation/seances/{demo.slug}/modifier"
    other = app.test_client()
    _user, password = make_user(email="bruno@example.org")
    other.post("/connexion", data={"email": "bruno@example.org", "password": password,
                                   "csrf_token": csrf_token(other, "/connexion")})
    mine, theirs = opened_form(moderator, url), opened_form(other, url)
    assert mine.get("edit_version") == theirs.get("edit_version")
    # B saves a summary, A then saves a venue change from the form opened before.
    theirs["summary"] = "Le compte rendu <b>de Bruno</b> & <script>x</script>"
    assert other.post(url, data=theirs).status_code == 303
    mine["venue"] = "Salle des fêtes"
    response = moderator.post(url, data=mine)
    assert response.status_code == 409
    page = text_of(response)
    assert "Vos modifications n’ont pas été enregistrées." in page
    assert "bruno@example.org a enregistré cette séance pendant que vous la modifiiez" in page
    alert = soup(response).select_one(".stale-edit")
    assert [dt.get_text() for dt in alert.find_all("dt")] == ["Compte rendu"]
    assert "Le compte rendu <b>de Bruno</b>" in alert.find("dd").get_text()  # escaped, as saved
    assert "<script>" not in response.get_data(as_text=True)
    # What A typed is kept, and nothing of it was saved.
    kept = soup(response)
    assert kept.find(id="venue")["value"] == "Salle des fêtes"
    db.session.rollback()
    saved = db.session.get(Seance, demo.id)
    assert saved.venue != "Salle des fêtes" and "de Bruno" in saved.summary_html
    # Saving again, knowingly, applies A's form (now carrying the current version).
    again = opened_form_from(kept, url)
    again["summary"] = saved.summary_html
    assert moderator.post(url, data=again).status_code == 303
    db.session.rollback()
    saved = db.session.get(Seance, demo.id)
    assert saved.venue == "Salle des fêtes" and "de Bruno" in saved.summary_html


def opened_form_from(page, url) -> dict:
    form = page.find("form", attrs={"action": url})
    data = {field["name"]: field.get("value", "") for field in form.find_all("input")
            if field.get("name") and field.get("type") not in ("checkbox", "submit")}
    data.update({area["name"]: area.get_text() for area in form.find_all("textarea")})
    for box in form.find_all("input", attrs={"type": "checkbox", "checked": True}):
        data[box["name"]] = box.get("value", "y")
    return data


def test_a_bad_edit_version_is_a_400_with_the_input_kept(moderator, demo):
    url = f"/moderation/seances/{demo.slug}/modifier"
    data = {**opened_form(moderator, url), "edit_version": "abc", "venue": "Ailleurs"}
    response = moderator.post(url, data=data)
    assert response.status_code == 400
    assert "rechargez la page" in text_of(response)
    assert soup(response).find(id="venue")["value"] == "Ailleurs"


def test_a_stale_save_after_the_slug_changed_is_a_409(app, moderator, make_user):
    """B renames a draft (its address follows the title); A's stale save is refused, not a 500."""
    create(moderator)
    url = "/moderation/seances/seance-emploi-des-jeunes-2026-03-12/modifier"
    other = app.test_client()
    _user, password = make_user(email="bruno@example.org")
    other.post("/connexion", data={"email": "bruno@example.org", "password": password,
                                   "csrf_token": csrf_token(other, "/connexion")})
    mine, theirs = opened_form(moderator, url), opened_form(other, url)
    renamed = other.post(url, data={**theirs, "title": "Séance Emploi"})
    assert renamed.headers["Location"] == "/moderation/seances/seance-emploi-2026-03-12/modifier"
    response = moderator.post(url, data={**mine, "city": "Anzin"})
    assert response.status_code == 409
    alert = soup(response).select_one(".stale-edit")
    assert [dt.get_text() for dt in alert.find_all("dt")] == ["Titre"]
    assert soup(response).find(id="city")["value"] == "Anzin"
    assert soup(response).find("form", attrs={"action": renamed.headers["Location"]}) is not None
