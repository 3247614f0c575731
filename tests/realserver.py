"""The app under the production server (gunicorn) on loopback, and a participant's browser
reduced to what a load needs: cookies, the CSRF token of the page, form posts."""

import http.cookiejar
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GUNICORN = Path(sys.executable).parent / "gunicorn"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Gunicorn:
    """gunicorn wsgi:app with the README's worker settings, on a database of the test's."""

    def __init__(self, db_path: Path | str, upload_dir: Path, workers: int = 2, threads: int = 8,
                 extra_env: dict | None = None):
        """``db_path``: a SQLite file, or a database URL (the ``database_url`` fixture's)."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **os.environ,
            **(extra_env or {}),
            "MASTERCLASS_DATABASE_URL": db_path if isinstance(db_path, str) else f"sqlite:///{db_path}",
            "MASTERCLASS_UPLOAD_DIR": str(upload_dir),
            "MASTERCLASS_SECRET_KEY": "real-server-test-key",
            "MASTERCLASS_SESSION_COOKIE_SECURE": "false",
        }
        self.args = [str(GUNICORN), "--workers", str(workers), "--threads", str(threads),
                     "--bind", f"127.0.0.1:{self.port}", "--graceful-timeout", "10",
                     "--log-level", "warning", "wsgi:app"]
        self.process = None

    def start(self, healthy: bool = True):
        """Start and wait for /sante to answer 200 (or, healthy=False, to answer at all)."""
        self.process = subprocess.Popen(self.args, cwd=ROOT, env=self.env)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/sante", timeout=1) as response:
                    if response.status == 200:
                        return self
            except urllib.error.HTTPError:
                if not healthy:
                    return self
                time.sleep(0.1)
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.1)
        self.stop()
        raise RuntimeError("gunicorn did not start")

    def stop(self, sig=signal.SIGTERM):
        if self.process and self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Phone:
    """One participant: their own cookies (session and participant token)."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), NoRedirect())
        self.token = None

    def get(self, path: str, headers=None):
        request = urllib.request.Request(self.base + path, headers=headers or {})
        return self._open(request)

    def open_page(self, path: str):
        status, _headers, body = self.get(path)
        match = re.search(r'hx-headers=\'(\{[^\']*\})\'', body)
        self.token = json.loads(match.group(1))["X-CSRFToken"] if match else None
        return status, body

    def post(self, path: str, data: dict, headers=None):
        payload = urllib.parse.urlencode({**data, "csrf_token": self.token}).encode()
        request = urllib.request.Request(self.base + path, data=payload, headers=headers or {})
        return self._open(request)

    def _open(self, request):
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode(errors="replace")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
