"""Configuration in layers: these defaults, then MASTERCLASS_* variables, then test settings."""

import os
import secrets
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import limits_storage


class Config:
    SQLALCHEMY_DATABASE_URI = None  # filled in from the instance folder when not set
    # None: chosen by the database's engine in finish() (engine_options); set to override.
    SQLALCHEMY_ENGINE_OPTIONS = None
    # PostgreSQL only: the app's connections per process (pool size + overflow). Each gunicorn
    # worker process has its own pool, plus the fast readers' one connection per thread: keep
    # servers x workers x (POOL_SIZE + POOL_OVERFLOW + threads) under max_connections (100 by
    # default) with room for migrations, backups and psql (README, "PostgreSQL").
    DATABASE_POOL_SIZE = 5
    DATABASE_POOL_OVERFLOW = 5
    # PostgreSQL only (milliseconds): how long a statement waits for a lock (then 503, "busy",
    # like a busy SQLite) and how long any statement may run.
    DATABASE_LOCK_TIMEOUT_MS = 5000
    DATABASE_STATEMENT_TIMEOUT_MS = 30000
    UPLOAD_DIR = None  # instance/fiches unless set
    MAX_UPLOAD_MB = 20
    # Where absolute links (the projector's QR code, the feed) point. Unset: the request's own
    # host, which a client chooses; in production set it, or list the names in TRUSTED_HOSTS.
    PUBLIC_URL = None
    # Host names the site answers to (Flask refuses others with 400), e.g.
    # MASTERCLASS_TRUSTED_HOSTS="masterclass.example.org,.irev.fr". Unset: any.
    TRUSTED_HOSTS = None
    # /sante fails (503) when the database's or the uploads' disk has less free space than this.
    MIN_FREE_MB = 50
    # Behind a reverse proxy: how many proxies' X-Forwarded-For/-Proto/-Host to trust
    # (0 = none, the default: a client could otherwise pick its own address).
    PROXY_COUNT = 0

    # A séance lasts three hours and more: a page left open must still submit.
    # Twelve hours covers the longest day; the token stays bound to the session.
    WTF_CSRF_TIME_LIMIT = 12 * 3600
    WTF_CSRF_SSL_STRICT = True

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # None: Secure in production (gunicorn), not under `flask run --debug` or in tests.
    # Serving plain http on purpose (a closed LAN)? MASTERCLASS_SESSION_COOKIE_SECURE=false
    SESSION_COOKIE_SECURE = None
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"

    BABEL_DEFAULT_LOCALE = "fr"
    BABEL_DEFAULT_TIMEZONE = "Europe/Paris"
    # Where séances take place: the export's dates and times (MASTERCLASS_TIMEZONE).
    TIMEZONE = "Europe/Paris"

    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True

    ARCHIVE_PAGE_SIZE = 12
    # Public pages kept per worker for visitors with no state of their own (page_cache.py).
    # MASTERCLASS_PAGE_CACHE=false renders every request (to measure, or to rule it out).
    PAGE_CACHE = True
    SEND_FILE_MAX_AGE_DEFAULT = 3600


def instance_secret_key(instance_path: str) -> str:
    """Read the instance's secret key, generating it once (owner-readable only)."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key)
    return key


def finish(config, instance_path: str, production: bool) -> None:
    """Derive the settings that depend on others or on the instance folder."""
    if config.get("DATABASE_URL"):
        config["SQLALCHEMY_DATABASE_URI"] = config["DATABASE_URL"]
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        db_path = Path(instance_path) / "masterclass.db"
        config["SQLALCHEMY_DATABASE_URI"] = f"sqlite:///{db_path}"
    config["SQLALCHEMY_DATABASE_URI"] = normalize_database_url(config["SQLALCHEMY_DATABASE_URI"])
    if config.get("SQLALCHEMY_ENGINE_OPTIONS") is None:
        config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(config)
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = instance_secret_key(instance_path)
    if config.get("RATELIMIT_STORAGE_URI") == "memory://":
        config["RATELIMIT_STORAGE_URI"] = f"{limits_storage.SCHEME}://"  # limits' own, made thread-safe
    if not config.get("UPLOAD_DIR"):
        config["UPLOAD_DIR"] = str(Path(instance_path) / "fiches")
    config["MAX_UPLOAD_BYTES"] = int(float(config["MAX_UPLOAD_MB"]) * 1024 * 1024)
    # A margin over the file limit for the form's other fields: a file just over the limit
    # is refused by the view, with the title and description kept; far over it, by Werkzeug.
    config["MAX_CONTENT_LENGTH"] = config["MAX_UPLOAD_BYTES"] + 1024 * 1024
    try:
        ZoneInfo(str(config["TIMEZONE"]))
    except (ValueError, ZoneInfoNotFoundError) as error:
        raise RuntimeError(f"MASTERCLASS_TIMEZONE={config['TIMEZONE']!r} is not a time zone "
                           "(e.g. Europe/Paris, America/Cayenne)") from error
    config["BABEL_DEFAULT_TIMEZONE"] = config["TIMEZONE"]
    if config.get("SESSION_COOKIE_SECURE") is None:
        config["SESSION_COOKIE_SECURE"] = production
    config["REMEMBER_COOKIE_SECURE"] = config["SESSION_COOKIE_SECURE"]
    if config.get("PUBLIC_URL"):
        config["PUBLIC_URL"] = str(config["PUBLIC_URL"]).rstrip("/")
    if isinstance(config.get("TRUSTED_HOSTS"), str):
        config["TRUSTED_HOSTS"] = [h.strip() for h in config["TRUSTED_HOSTS"].split(",") if h.strip()]


def normalize_database_url(url: str) -> str:
    """``postgresql://`` (what PostgreSQL's own tools write) means psycopg 3 here, the driver
    the ``postgresql`` extra installs (SQLAlchemy alone would pick psycopg2)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def engine_options(config) -> dict:
    """Connection settings for the configured engine: each driver refuses the other's."""
    url = config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 10}}
    if url.startswith("postgresql"):
        options = (f"-c lock_timeout={int(config['DATABASE_LOCK_TIMEOUT_MS'])} "
                   f"-c statement_timeout={int(config['DATABASE_STATEMENT_TIMEOUT_MS'])} "
                   "-c idle_in_transaction_session_timeout=60000")
        return {
            "connect_args": {"connect_timeout": 5, "options": options, "application_name": "masterclass"},
            # A server restarted or a connection cut by a firewall: found before use, not as a 500.
            "pool_pre_ping": True,
            "pool_size": int(config["DATABASE_POOL_SIZE"]),
            "max_overflow": int(config["DATABASE_POOL_OVERFLOW"]),
            "pool_timeout": 10,
            "pool_recycle": 1800,
        }
    return {}
