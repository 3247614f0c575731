"""What every part of the bench shares: paths, the gunicorn command, servers, the flask CLI."""

import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
WORK = ROOT / ".bench"
# Exactly the README's production command line, and its environment, for both apps.
GUNICORN_ARGS = ["--workers", "2", "--threads", "4"]
GUNICORN_ENV = {"MALLOC_ARENA_MAX": "2"}
SLUG = "seance-developpement-economique-2019-05-16"
RETURNING_PHONE = "bench-returning-phone-0123456789abcdef"
MODERATOR = ("bench@example.org", "bench-password-123")
# What htmx sends with each of its requests (the project answers a fragment only then).
HTMX = {"HX-Request": "true", "HX-Current-URL": f"http://127.0.0.1/seances/{SLUG}/questions"}


# gunicorn closes a connection idle for 2 s (its --keep-alive default); a client that sent a
# request on it just then would see "connection reset" for a request the server never read.
# Browsers retry those; the bench's clients stop reusing a connection after 1 s instead.
CLIENT_KEEPALIVE_S = 1


def log(message: str) -> None:
    print(message, flush=True)


class Server:
    def __init__(self, app: str, port: int, env: dict | None = None, cwd: Path = ROOT):
        self.app, self.port, self.cwd = app, port, cwd
        self.env = {**os.environ, **GUNICORN_ENV, **(env or {})}
        self.url = f"http://127.0.0.1:{port}"
        self.process = None

    def __enter__(self):
        self.process = subprocess.Popen(
            [str(BIN / "gunicorn"), *GUNICORN_ARGS, "--bind", f"127.0.0.1:{self.port}",
             "--log-level", "warning", self.app],
            cwd=self.cwd, env=self.env)
        for _ in range(300):
            try:
                urllib.request.urlopen(self.url + "/", timeout=1).read()
                return self
            except Exception:  # noqa: BLE001 - not up yet
                time.sleep(0.1)
        raise RuntimeError(f"{self.app} did not start")

    def __exit__(self, *exc):
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=30)

    def worker_pids(self) -> list[int]:
        out = subprocess.run(["ps", "--ppid", str(self.process.pid), "-o", "pid="],
                             capture_output=True, text=True).stdout.split()
        return sorted(int(pid) for pid in out)

    def memory_kb(self) -> list[int]:
        """VmRSS of each worker now."""
        return [int(re.search(r"VmRSS:\s+(\d+)", Path(f"/proc/{pid}/status").read_text()).group(1))
                for pid in self.worker_pids()]

    def peak_memory_kb(self) -> list[int]:
        """VmHWM of each worker (the master's children)."""
        out = subprocess.run(["ps", "--ppid", str(self.process.pid), "-o", "pid="],
                             capture_output=True, text=True).stdout.split()
        peaks = []
        for pid in out:
            status = Path(f"/proc/{pid}/status").read_text()
            peaks.append(int(re.search(r"VmHWM:\s+(\d+)", status).group(1)))
        return peaks


# `make bench-postgresql` sets this to a PostgreSQL server (a throwaway cluster): each of the
# bench's databases is then a database of that server, named after its folder under .bench/.
POSTGRESQL = os.environ.get("BENCH_POSTGRESQL_URL", "").rstrip("/")


def database_url(db: Path) -> str:
    if POSTGRESQL:
        return f"{POSTGRESQL}/bench_{db.parent.name.replace('-', '_')}"
    return f"sqlite:///{db}"


def project_env(db: Path) -> dict:
    return {"MASTERCLASS_DATABASE_URL": database_url(db),
            "MASTERCLASS_UPLOAD_DIR": str(db.parent / "fiches"),
            "MASTERCLASS_SECRET_KEY": "bench-secret",
            "MASTERCLASS_SESSION_COOKIE_SECURE": "false"}


def flask(db: Path, *args: str) -> str:
    env = {**os.environ, **project_env(db)}
    return subprocess.run([str(BIN / "flask"), "--app", "masterclass", *args], cwd=ROOT, env=env,
                          check=True, capture_output=True, text=True).stdout


def fresh_database(path: Path) -> Path:
    if path.parent.exists():
        shutil.rmtree(path.parent)
    path.parent.mkdir(parents=True)
    if POSTGRESQL:
        import psycopg

        name = database_url(path).rsplit("/", 1)[1]
        with psycopg.connect(f"{POSTGRESQL}/postgres", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            conn.execute(f"CREATE DATABASE {name}")
    flask(path, "db", "upgrade")
    return path


def query(db: Path, sql: str, **params) -> list[tuple]:
    """Rows of one read of the bench's database, whatever its engine (to check what was stored)."""
    from sqlalchemy import create_engine, text

    engine = create_engine(database_url(db).replace("postgresql://", "postgresql+psycopg://", 1))
    try:
        with engine.connect() as conn:
            return [tuple(row) for row in conn.execute(text(sql), params)]
    finally:
        engine.dispose()
