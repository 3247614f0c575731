"""Security by default: headers, cookies, no third-party request, vendored htmx."""

import hashlib
import re
from pathlib import Path

from .helpers import soup

PAGES = ["/", "/seances", "/seances/seance-developpement-economique-2019-05-16", "/nulle-part"]


def test_security_headers_on_every_page(client, demo):
    for url in PAGES:
        headers = client.get(url).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_session_cookie_is_httponly_and_lax(client, demo):
    cookie = client.get("/").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_session_cookie_is_secure_in_production(make_app):
    app = make_app(TESTING=False)
    assert app.config["SESSION_COOKIE_SECURE"] is True
    app = make_app(TESTING=False, SESSION_COOKIE_SECURE=False)
    assert app.config["SESSION_COOKIE_SECURE"] is False


def test_pages_load_nothing_from_another_host_and_no_inline_script(client, demo):
    for url in PAGES:
        page = soup(client.get(url))
        for tag in page.find_all(["script", "link", "img", "iframe"]):
            ref = tag.get("src") or tag.get("href") or ""
            assert not re.match(r"^(https?:)?//", ref), f"{url}: {tag}"
        for script in page.find_all("script"):
            assert script.get("src") and not script.string, f"{url}: inline script {script}"
        assert not page.find(attrs={"style": True}), f"{url}: inline style"


def test_htmx_is_vendored_with_its_version_and_csrf_header_is_on_body(client, demo):
    page = soup(client.get("/"))
    assert page.find("script", src=re.compile(r"^/static/js/htmx-2\.0\.11\.min\.js\?v=[0-9a-f]{12}$"))
    assert client.get("/static/js/htmx-2.0.11.min.js").status_code == 200
    assert '"X-CSRFToken"' in page.body["hx-headers"]


def test_static_files_are_served_compressed_to_who_accepts_it(client):
    import gzip

    plain = client.get("/static/js/htmx-2.0.11.min.js")
    packed = client.get("/static/js/htmx-2.0.11.min.js", headers={"Accept-Encoding": "gzip, br"})
    assert packed.headers["Content-Encoding"] == "gzip" and "Accept-Encoding" in packed.headers["Vary"]
    assert gzip.decompress(packed.data) == plain.data and len(packed.data) < len(plain.data) / 2
    assert packed.headers["Content-Type"].startswith("text/javascript")
    assert client.get("/static/../masterclass/config.py", headers={"Accept-Encoding": "gzip"}).status_code == 404
    assert client.get("/static/css/site.css", headers={"Accept-Encoding": "gzip"}).headers["Content-Encoding"] == "gzip"


def test_static_urls_change_with_the_file_so_browsers_keep_files_long(app, client):
    """A phone downloads htmx and the stylesheet once; a new version of a file gets a new URL."""
    page = client.get("/").get_data(as_text=True)
    url = re.search(r'href="(/static/css/site\.css\?v=[0-9a-f]{12})"', page).group(1)
    first = client.get(url, headers={"Accept-Encoding": "gzip"})
    assert first.status_code == 200 and first.headers["X-Content-Type-Options"] == "nosniff"
    assert "max-age=31536000" in first.headers["Cache-Control"]
    again = client.get(url, headers={"Accept-Encoding": "gzip", "If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and not again.data

    # The version is the file's content: a changed file is a new URL, an unchanged one is kept.
    digest = hashlib.sha256((Path(app.static_folder) / "css" / "site.css").read_bytes()).hexdigest()[:12]
    assert url.endswith(f"?v={digest}")
