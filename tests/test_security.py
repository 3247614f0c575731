"""Security by default: headers, cookies, no third-party request, vendored htmx."""

import gzip
import hashlib
import os
import re

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

    # The version is the content served: a changed file is a new URL, an unchanged one is kept.
    digest = hashlib.sha256(client.get(url).data).hexdigest()[:12]
    assert url.endswith(f"?v={digest}")


def test_our_styles_and_scripts_are_served_minified_and_never_stale(tmp_path):
    """Phones get the stylesheet and scripts without their comments; a source edited after the
    last set-up is served as it is (never an older minified copy) until the next set-up."""
    from flask import Flask

    from masterclass import static_files

    rules = "".join(f"/* rule {n}, for the developers */\n.q-{n} {{\n  margin: 0;\n}}\n" for n in range(50))
    minified = "".join(f".q-{n}{{margin:0}}" for n in range(50)).encode()
    source = tmp_path / "static" / "css" / "site.css"
    source.parent.mkdir(parents=True)
    source.write_text(rules)
    (tmp_path / "static" / "js").mkdir()
    (tmp_path / "static" / "js" / "lib.min.js").write_text("/*! kept */ var a = 1;\n")

    def served(compress: bool, path: str = "/static/css/site.css", **headers) -> tuple[bytes, dict]:
        app = Flask("site", static_folder=str(tmp_path / "static"), instance_path=str(tmp_path / "instance"))
        static_files.init_app(app, compress=compress)
        with app.test_client().get(path, headers=headers) as response:
            return response.data, response.headers

    assert served(compress=True)[0] == minified
    assert served(compress=False)[0] == minified  # a web worker serves what the set-up made
    packed, headers = served(compress=False, **{"Accept-Encoding": "gzip"})
    assert headers["Content-Encoding"] == "gzip" and gzip.decompress(packed) == minified
    assert served(compress=True, path="/static/js/lib.min.js")[0] == b"/*! kept */ var a = 1;\n"

    # Edited, and given an older time than the copies (as a deployment keeping files' times can).
    source.write_text("/* edited */\n" + rules.replace("margin", "padding"))
    os.utime(source, ns=(source.stat().st_atime_ns, source.stat().st_mtime_ns - 100 * 10**9))
    assert served(compress=False)[0].startswith(b"/* edited */")  # not the older copy
    edited = minified.replace(b"margin", b"padding")
    assert served(compress=True)[0] == edited
    packed, _headers = served(compress=False, **{"Accept-Encoding": "gzip"})
    assert gzip.decompress(packed) == edited  # its compressed copy too
