"""Real-browser journeys: the app served on loopback, headless system Chromium, a phone viewport."""

import threading

import pytest
from werkzeug.serving import make_server

from masterclass.demo import load_demo

from ..tools import AXE, CHROMIUM, require, require_chromium

PHONE = {"width": 360, "height": 740}


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    require_chromium()
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "headless": True,
        "args": ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "viewport": PHONE, "is_mobile": True, "has_touch": True,
            "locale": "fr-FR", "accept_downloads": True}


class _Gate:
    """The app behind a gate that the fixture closes before the app is thrown away: a page
    still open in the browser (its polls arrive on kept-alive connections, which outlive
    server.shutdown()) then gets a 503 without touching the database, and the requests already
    inside are waited for, so no thread opens a connection after the app's are closed."""

    def __init__(self, app):
        self.app = app
        self.open = True
        self.inside = 0
        self.changed = threading.Condition()

    def __call__(self, environ, start_response):
        with self.changed:
            if not self.open:
                start_response("503 Service Unavailable",
                               [("Content-Type", "text/plain"), ("Connection", "close")])
                return [b"stopped"]
            self.inside += 1
        try:
            response = self.app(environ, start_response)
            try:
                return list(response)
            finally:
                getattr(response, "close", lambda: None)()
        finally:
            with self.changed:
                self.inside -= 1
                self.changed.notify_all()

    def close(self, timeout: float = 10) -> None:
        with self.changed:
            self.open = False
            if not self.changed.wait_for(lambda: self.inside == 0, timeout=timeout):
                raise AssertionError(f"{self.inside} request(s) still running {timeout} s after the test")


@pytest.fixture
def live_server(app):
    """The app on a free loopback port, in a thread, for the length of one test."""
    load_demo()
    gate = _Gate(app)
    server = make_server("127.0.0.1", 0, gate, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    gate.close()
    server.shutdown()
    thread.join(timeout=5)


@pytest.fixture
def no_js_page(browser):
    """A phone with JavaScript off: every form must still work."""
    context = browser.new_context(java_script_enabled=False, viewport=PHONE, locale="fr-FR")
    yield context.new_page()
    context.close()


@pytest.fixture
def console_errors(page):
    """Errors the browser reports (a CSP violation, a failed script): a page should have none."""
    errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


@pytest.fixture
def axe_check(browser):
    """Run axe-core on a URL; returns its serious and critical violations."""
    require(AXE.exists(), "axe-core (npm)")
    # axe is injected as a script: this context alone bypasses our CSP to allow it.
    context = browser.new_context(bypass_csp=True, viewport=PHONE, locale="fr-FR")

    def _check(url, login=None):
        page = context.new_page()
        if login:
            page.goto(url.split("/", 3)[0] + "//" + url.split("/", 3)[2] + "/connexion")
            page.get_by_label("Adresse e-mail").fill(login[0])
            page.get_by_label("Mot de passe").fill(login[1])
            page.get_by_role("button", name="Se connecter").click()
            page.wait_for_url("**/moderation/")
        page.goto(url)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        page.close()
        return [
            f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']]}"
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]

    yield _check
    context.close()


class Room:
    """A séance of today, published and open to questions, served by ``live_server``."""

    def __init__(self, base, seance):
        self.base, self.slug, self.title, self.id = base, seance.slug, seance.title, seance.id
        self.url = f"{base}/seances/{seance.slug}"
        self.join_code = seance.join_code


@pytest.fixture
def room(live_server, make_seance, make_question):
    from masterclass.models_base import local_now

    seance = make_seance(title="Séance Logement", starts_at=local_now().replace(second=0, microsecond=0),
                         city="Denain", theme="Logement", questions_open=True)
    for body, votes in [("Comment obtenir un logement social plus vite ?", 4),
                        ("Qui décide des attributions dans le quartier ?", 2)]:
        make_question(seance, body=body, votes_count=votes)
    return Room(live_server, seance)
