"""The app under the production server (gunicorn) on loopback, and a participant's browser
reduced to what a load needs: cookies, the CSRF token of the page, form posts."""

import contextlib
import html
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
        # Its own process group: whatever it leaves (workers of a killed master, the gunicorn a
        # wrapper such as faketime forked) is stopped with it.
        self.process = subprocess.Popen(self.args, cwd=ROOT, env=self.env, start_new_session=True)
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
        if self.process:
            self._stop_group()

    def _stop_group(self):
        """Stop what is left of the process group: SIGTERM, then SIGKILL after 10 s."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            for pid in _live_members(self.process.pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, sig)
            deadline = time.monotonic() + 10
            while _live_members(self.process.pid) and time.monotonic() < deadline:
                time.sleep(0.05)


def _live_members(group: int) -> list[int]:
    """Processes of a group that still run (zombies excluded: they are only waiting to be reaped)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[2]) == group:
            members.append(int(stat.parent.name))
    return members


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

    def post_until_taken(self, path: str, data: dict, attempts: int = 3):
        """Post as a person does on a busy site: a 503 must say when to try again and give back
        what was typed (the page shows the form again); the person sends it again then."""
        for _ in range(attempts):
            status, headers, text = self.post(path, data)
            if status != 503:
                break
            assert "Retry-After" in headers, "a busy answer must say when to try again"
            assert all(html.escape(value) in text for value in data.values()), "what was typed is lost"
            time.sleep(min(float(headers["Retry-After"]), 2))
        return status, headers, text

    def _open(self, request):
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode(errors="replace")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
