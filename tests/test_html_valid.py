"""The Nu HTML checker finds no error on the public pages (hx-* attributes aside)."""

import json
import subprocess

from .tools import VNU, require_vnu

PAGES = {
    "home": "/",
    "archive": "/seances",
    "archive-filtered-empty": "/seances?annee=1999",
    "seance": "/seances/seance-developpement-economique-2019-05-16",
    "not-found": "/nulle-part",
    "join-unknown": "/rejoindre?code=ZZZZZZ",
}


def test_public_pages_are_valid_html(client, demo, tmp_path):
    java = require_vnu()
    files = []
    for name, url in PAGES.items():
        response = client.get(url)
        path = tmp_path / f"{name}.html"
        path.write_bytes(response.data)
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
