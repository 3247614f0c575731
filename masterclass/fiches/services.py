"""Fiches on disk and their counters."""

import fcntl
import hashlib
import os
import tempfile
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select, update

from .. import audit
from ..audit import Action
from ..db import write_transaction
from ..extensions import db
from ..faults import StorageUnavailable
from ..seances.models import PUBLISHED, Seance
from ..seances.services import touch
from . import filetypes
from .models import Fiche
from .signals import fiche_deleted

CHUNK = 64 * 1024


TEMP_PREFIX = ".upload-"


def upload_dir() -> Path:
    """The upload folder. Made at start (prepare_upload_dir), never during a request: a missing
    folder is storage gone (unmounted, removed), and files must not land on another disk."""
    path = Path(current_app.config["UPLOAD_DIR"])
    if not path.is_dir():
        raise StorageUnavailable(path)
    return path


def prepare_upload_dir(path: Path, logger) -> None:
    """At start: make the upload folder if needed and remove the temporary files of uploads
    that a stop or a crash cut short. A file still being received is locked by its process
    (flock, released by the kernel when the process dies) and is left alone."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        leftovers = list(path.glob(TEMP_PREFIX + "*"))
    except OSError as error:
        logger.error("Upload folder %s is not usable: %s", path, error)
        return
    for leftover in leftovers:
        try:
            with open(leftover, "rb") as fh:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                leftover.unlink()
            logger.warning("Removed %s, left by an upload cut short", leftover)
        except BlockingIOError:
            continue  # another process is receiving it
        except OSError as error:
            logger.error("Could not remove %s: %s", leftover, error)


def stored_path(fiche: Fiche) -> Path:
    """Where the fiche's file should be (whether the folder is there or not)."""
    return Path(current_app.config["UPLOAD_DIR"]) / fiche.stored_name


def _remove_stored(stored_name: str) -> None:
    """Remove a stored file no row refers to any more; a failure leaves an orphan, logged."""
    path = Path(current_app.config["UPLOAD_DIR"]) / stored_name
    try:
        path.unlink(missing_ok=True)
    except OSError as error:
        current_app.logger.error("Could not remove %s: %s", path, error)


def get_public(fiche_id: int) -> Fiche | None:
    """A fiche a visitor may download: its séance is published."""
    return db.session.scalar(
        select(Fiche).join(Seance).where(Fiche.id == fiche_id, PUBLISHED)
    )


def record_download(fiche_id: int) -> None:
    """Count one download, atomically in SQL (concurrent downloads are all counted).

    The séance page shows the count through a hole (``downloads``), filled for each response,
    cached or not: a download moves no version and no signature, so the room's phones do not
    fetch their list again for it."""
    with write_transaction() as session:
        session.execute(
            update(Fiche)
            .where(Fiche.id == fiche_id)
            .values(download_count=Fiche.download_count + 1)
        )


@dataclass
class Received:
    """An upload written to a temporary file in the upload folder and accepted. ``lock`` is
    the file kept open (and flock-ed) until the upload is placed or given up, so that a start
    of another worker does not take it for a leftover."""

    path: Path
    original_name: str
    mime_type: str
    size: int
    checksum: str
    lock: object = None

    def release(self) -> None:
        self.path.unlink(missing_ok=True)
        if self.lock is not None:
            self.lock.close()
            self.lock = None


def receive(stream, original_name: str, max_bytes: int) -> Received:
    """Write an upload to a temporary file while hashing it, then check what it is.

    Raises filetypes.Refused (the temporary file is gone then)."""
    name = filetypes.clean_original_name(original_name or "")
    fd, tmp = tempfile.mkstemp(dir=upload_dir(), prefix=TEMP_PREFIX)
    path = Path(tmp)
    fh = os.fdopen(fd, "wb")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX)
        digest, size = hashlib.sha256(), 0
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > max_bytes:
                raise filetypes.Refused("too_large")
            digest.update(chunk)
            fh.write(chunk)
        fh.flush()
        os.fsync(fh.fileno())  # whole on disk (or ENOSPC now) before any row refers to it
        mime_type = filetypes.detect(path, name)
    except BaseException:
        path.unlink(missing_ok=True)
        fh.close()
        raise
    return Received(path, name, mime_type, size, digest.hexdigest(), lock=fh)


def _place(session, received: Received) -> tuple[str, bool]:
    """Inside the write transaction: the stored name for this content (an identical file
    already stored is reused), and whether a new file was put in place."""
    existing = session.scalar(
        select(Fiche.stored_name).where(Fiche.checksum == received.checksum).limit(1))
    if existing and (upload_dir() / existing).is_file():
        return existing, False
    stored_name = uuid.uuid4().hex
    os.replace(received.path, upload_dir() / stored_name)
    return stored_name, True


@contextmanager
def _placed(received: Received):
    """Yield a function placing the file; whatever fails after that removes a new file."""
    placed = []

    def place(session):
        stored_name, created = _place(session, received)
        if created:
            placed.append(stored_name)
        return stored_name

    try:
        yield place
    except BaseException:
        for stored_name in placed:
            _remove_stored(stored_name)
        raise
    finally:
        received.release()


def add_fiche(seance_id: int, received: Received, title: str, description: str,
              user_id: int | None, drafted: bool = False) -> Fiche:
    """Attach an accepted upload to a séance, last in its list; audited."""
    with _placed(received) as place, write_transaction() as session:
        position = session.scalar(
            select(func.coalesce(func.max(Fiche.position), 0)).where(Fiche.seance_id == seance_id))
        fiche = Fiche(seance_id=seance_id, title=title, description=description or "",
                      original_name=received.original_name, stored_name=place(session),
                      mime_type=received.mime_type, size=received.size,
                      checksum=received.checksum, position=position + 1, drafted=drafted)
        session.add(fiche)
        audit.record(session, Action.FICHE_ADD, seance_id=seance_id, user_id=user_id, detail=title)
        touch(session, seance_id)
    return fiche


def replace_file(fiche_id: int, received: Received, user_id: int | None) -> Fiche | None:
    with _placed(received) as place, write_transaction() as session:
        fiche = session.get(Fiche, fiche_id)
        if fiche is None:
            return None
        old_name = fiche.stored_name
        fiche.stored_name = place(session)
        fiche.original_name, fiche.mime_type = received.original_name, received.mime_type
        fiche.size, fiche.checksum = received.size, received.checksum
        audit.record(session, Action.FICHE_REPLACE, seance_id=fiche.seance_id, user_id=user_id,
                     detail=fiche.title)
        touch(session, fiche.seance_id)
        # The new content may be the very same file (same bytes): only a name no fiche
        # points to any more, this one included, may go.
        orphan = _unreferenced(session, old_name)
    if orphan:
        _remove_stored(old_name)
    return fiche


def delete_fiche(fiche_id: int, user_id: int | None) -> Fiche | None:
    """Delete a fiche (what refers to it hears ``fiche_deleted``), and its file when no other
    fiche shares it."""
    with write_transaction() as session:
        fiche = session.get(Fiche, fiche_id)
        if fiche is None:
            return None
        fiche_deleted.send(session=session, fiche_id=fiche.id)
        audit.record(session, Action.FICHE_DELETE, seance_id=fiche.seance_id, user_id=user_id,
                     detail=fiche.title)
        touch(session, fiche.seance_id)
        session.delete(fiche)
        orphan = _unreferenced(session, fiche.stored_name)
    # After the commit: a failed transaction must not lose a file still referenced.
    if orphan:
        _remove_stored(fiche.stored_name)
    return fiche


def move_fiche(fiche_id: int, direction: str) -> Fiche | None:
    """Swap a fiche with its neighbour above or below."""
    with write_transaction() as session:
        fiche = session.get(Fiche, fiche_id)
        if fiche is None:
            return None
        siblings = list(session.scalars(select(Fiche).where(Fiche.seance_id == fiche.seance_id)
                                        .order_by(Fiche.position, Fiche.id)))
        index = siblings.index(fiche)
        other = index - 1 if direction == "up" else index + 1
        if 0 <= other < len(siblings):
            siblings[index], siblings[other] = siblings[other], siblings[index]
        for position, sibling in enumerate(siblings, start=1):
            sibling.position = position
        touch(session, fiche.seance_id)  # the séance page shows them in this order
    return fiche


def _unreferenced(session, stored_name: str) -> bool:
    """Inside the write transaction, once its changes are flushed: no fiche points to this
    stored file any more, so it may be removed after the commit (BEGIN IMMEDIATE keeps another
    writer from reusing it in between: a later upload finds no fiche with that checksum)."""
    session.flush()
    return session.scalar(select(func.count(Fiche.id)).where(
        Fiche.stored_name == stored_name)) == 0
