"""The Nu HTML checker finds no error on the public pages (hx-* attributes aside)."""

import json
import subprocess

from .helpers import csrf_token
from .tools import VNU, require_vnu

PAGES = {
    "home": "/",
    "archive": "/seances",
    "archive-filtered-empty": "/seances?annee=1999",
    "seance": "/seances/seance-developpement-economique-2019-05-16",
    "not-found": "/nulle-part",
    "join-unknown": "/rejoindre?code=ZZZZZZ",
    "favourites-empty": "/favoris",
    "search": "/recherche?q=recruter",
    "search-empty": "/recherche",
    "search-one-kind": "/recherche?q=recruter&type=questions",
}


MODERATION_PAGES = {
    "login": "/connexion",
    "dashboard": "/moderation/",
    "new-seance": "/moderation/seances/nouvelle",
    "edit-seance": "/moderation/seances/seance-developpement-economique-2019-05-16/modifier",
    "preview": "/moderation/seances/seance-developpement-economique-2019-05-16/apercu",
    "users": "/admin/utilisateurs",
    "fiche-draft": "/moderation/seances/seance-developpement-economique-2019-05-16/fiche-brouillon",
    "answer": "/moderation/questions/1/reponse",
    "queue": "/moderation/seances/seance-developpement-economique-2019-05-16/questions",
    "queue-all": "/moderation/seances/seance-developpement-economique-2019-05-16/questions?statut=tous&q=a",
}


def test_public_pages_are_valid_html(client, demo, tmp_path):
    check_pages(client, PAGES, tmp_path)


def test_moderation_pages_are_valid_html(client, demo, auth, tmp_path):
    auth.login(role="admin")
    check_pages(client, MODERATION_PAGES, tmp_path)
    # The form as it comes back with errors beside its fields.
    response = client.post("/moderation/seances/nouvelle", data={
        "title": "", "date": "2026-02-30", "csrf_token": csrf_token(client)})
    check_pages(client, {}, tmp_path, extra={"form-errors": response.data})


def check_pages(client, pages, tmp_path, extra=None):
    java = require_vnu()
    files = []
    bodies = {name: client.get(url).data for name, url in pages.items()} | (extra or {})
    for name, body in bodies.items():
        path = tmp_path / f"{name}.html"
        path.write_bytes(body)
        files.append(str(path))
    result = subprocess.run(
        [java, "-jar", str(VNU), "--errors-only", "--format", "json", *files],
        capture_output=True, text=True, timeout=120,
    )
    messages = json.loads(result.stderr or result.stdout)["messages"]
    errors = [
        f"{m['url'].rsplit('/', 1)[-1]}:{m.get('lastLine')}: {m['message']}"
        for m in messages
        if m["type"] == "error" and not m["message"].startswith("Attribute “hx-")
    ]
    assert errors == []


def test_live_pages_are_valid_html(client, demo, auth, tmp_path):
    from masterclass.db import write_transaction
    from masterclass.models import Seance

    with write_transaction() as session:
        session.get(Seance, demo.id).questions_open = True
    base = f"/seances/{demo.slug}"
    client.post(f"{base}/questions", data={"body": "Une question <b>à moi</b> ?",
                                           "csrf_token": csrf_token(client, f"{base}/questions")})
    pages = {"participant": f"{base}/questions", "screen": f"{base}/ecran", "seance-open": base}
    bodies = {name: client.get(url).data for name, url in pages.items()}
    client.post(f"/favoris/seance/{demo.id}", data={"csrf_token": csrf_token(client)})
    client.post(f"/favoris/fiche/{demo.fiches[0].id}", data={"csrf_token": csrf_token(client)})
    bodies["favourites"] = client.get("/favoris").data
    auth.login(role="moderator")
    bodies["queue"] = client.get(f"/moderation/seances/{demo.slug}/questions").data
    check_pages(client, {}, tmp_path, extra=bodies)
