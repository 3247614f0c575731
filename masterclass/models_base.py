"""Small helpers shared by the models."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    """Naive UTC timestamp (SQLite keeps no zone; every stored instant is UTC)."""
    return datetime.now(UTC).replace(tzinfo=None)


LOCAL_ZONE = ZoneInfo("Europe/Paris")


def local_now() -> datetime:
    """Naive wall-clock time where séances take place (how séance times are stored)."""
    return datetime.now(LOCAL_ZONE).replace(tzinfo=None)
