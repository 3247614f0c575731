"""Faults of the disks and the database, as answers a person understands.

One place knows what a failed write means: the database is busy (locked), full, read-only
or cannot be opened; the upload folder is full, read-only, not ours or missing. Each becomes
a :class:`Fault`: an HTTP status (503 with ``Retry-After``, or 507 when file storage is full)
and a French message. ``errors.py`` answers with it; a view that holds a form
(``errors.recovers_from_faults``) gives the form back with what was typed.
"""

import errno
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import DBAPIError

from .db import READ_ERRORS

DATABASE_ERRORS = (DBAPIError, *READ_ERRORS)  # READ_ERRORS: sqlite3's, a fast read's on PostgreSQL


@dataclass(frozen=True)
class Fault:
    kind: str  # busy, database_full/_readonly/_unavailable, storage_full/_unavailable
    status: int
    retry_after: int  # seconds
    message: object  # a lazy French string

    @property
    def headers(self) -> dict:
        return {"Retry-After": str(self.retry_after)}


BUSY = Fault("busy", 503, 2, _l("Le site est très sollicité. Réessayez dans quelques secondes."))
DATABASE_FULL = Fault("database_full", 503, 30, _l(
    "Le serveur manque de place pour enregistrer : rien n'a été enregistré. Réessayez dans un "
    "moment ; l'équipe du site doit libérer de l'espace disque."))
DATABASE_READONLY = Fault("database_readonly", 503, 60, _l(
    "Le site est en lecture seule pour l'instant : les pages se consultent, mais rien ne peut "
    "être enregistré. Réessayez plus tard ; l'équipe du site doit rétablir l'écriture."))
DATABASE_UNAVAILABLE = Fault("database_unavailable", 503, 30, _l(
    "La base de données est momentanément inaccessible : rien n'a été enregistré. Réessayez dans "
    "un moment."))
STORAGE_FULL = Fault("storage_full", 507, 60, _l(
    "L'espace de stockage des fichiers est plein : le fichier n'a pas été enregistré. "
    "Réessayez plus tard ; l'équipe du site doit libérer de l'espace."))
STORAGE_UNAVAILABLE = Fault("storage_unavailable", 503, 60, _l(
    "Le dossier des fichiers est inaccessible pour l'instant (absent ou protégé en écriture) : "
    "le fichier n'a pas été enregistré. Réessayez plus tard ; l'équipe du site doit le rétablir."))


class StorageUnavailable(OSError):
    """The upload folder is missing (storage unmounted?): never recreated behind its back."""

    def __init__(self, path):
        super().__init__(errno.ENOENT, "upload folder missing", str(path))


_DATABASE_TEXTS = (
    # SQLite's busy; PostgreSQL's lock timeout, deadlock, serialization failure, statement timeout.
    (("locked", "busy", "lock timeout", "deadlock detected", "could not serialize access",
      "statement timeout"), BUSY),
    (("database or disk is full", "disk full", "no space left", "could not extend file"), DATABASE_FULL),
    (("readonly", "read-only", "read only"), DATABASE_READONLY),
    (("unable to open", "disk i/o error", "cannot open",
      # PostgreSQL: the server is down, restarting, or cut the connection.
      "could not connect", "connection refused", "server closed the connection", "terminating connection",
      "connection is closed", "connection timeout expired", "the database system is", "connection failed",
      "consuming input failed", "ssl connection has been closed"), DATABASE_UNAVAILABLE),
)
_STORAGE_ERRNOS = {
    errno.ENOSPC: STORAGE_FULL,
    errno.EDQUOT: STORAGE_FULL,
    errno.EROFS: STORAGE_UNAVAILABLE,
    errno.EACCES: STORAGE_UNAVAILABLE,
    errno.EPERM: STORAGE_UNAVAILABLE,
    errno.EIO: STORAGE_UNAVAILABLE,
}


def classify(error: BaseException) -> Fault | None:
    """The fault behind an exception, or None when it is not one of the disk or the database."""
    if isinstance(error, DATABASE_ERRORS):
        text = str(getattr(error, "orig", None) or error).lower()
        for needles, fault in _DATABASE_TEXTS:
            if any(needle in text for needle in needles):
                return fault
        return None
    if isinstance(error, StorageUnavailable):
        return STORAGE_UNAVAILABLE
    if isinstance(error, OSError):
        return _STORAGE_ERRNOS.get(error.errno)
    return None


def is_busy(error: BaseException) -> bool:
    """The database answered "locked/busy" even after waiting busy_timeout."""
    return classify(error) is BUSY
