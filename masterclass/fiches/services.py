"""Fiches on disk and their counters."""

import hashlib
import os
import tempfile
import uuid
from contextlib import contextmanager
from pathlib import Path

from flask import current_app
from sqlalchemy import select, update

from ..archive.models import Seance
from ..db import write_transaction
from ..extensions import db
from .models import Fiche


def upload_dir() -> Path:
    path = Path(current_app.config["UPLOAD_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def stored_path(fiche: Fiche) -> Path:
    return upload_dir() / fiche.stored_name


def get_public(fiche_id: int) -> Fiche | None:
    """A fiche a visitor may download: its séance is published."""
    return db.session.scalar(
        select(Fiche).join(Seance).where(Fiche.id == fiche_id, Seance.published.is_(True))
    )


def record_download(fiche_id: int) -> None:
    """Count one download, atomically in SQL (concurrent downloads are all counted)."""
    with write_transaction() as session:
        session.execute(
            update(Fiche)
            .where(Fiche.id == fiche_id)
            .values(download_count=Fiche.download_count + 1)
        )


@contextmanager
def stored_file(data: bytes):
    """Store a file's content under a generated name, once per distinct content, for the
    database work in the ``with`` block; a file this call wrote is removed if the block fails.

    Yields (stored_name, checksum). The content goes to a temporary file first, then is
    moved into place, so a reader never sees half a file.
    """
    checksum = hashlib.sha256(data).hexdigest()
    directory = upload_dir()
    existing = db.session.scalar(select(Fiche.stored_name).where(Fiche.checksum == checksum).limit(1))
    if existing and (directory / existing).is_file():
        yield existing, checksum
        return
    stored_name = uuid.uuid4().hex
    fd, tmp = tempfile.mkstemp(dir=directory, prefix=".upload-")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, directory / stored_name)
    finally:
        Path(tmp).unlink(missing_ok=True)
    try:
        yield stored_name, checksum
    except BaseException:
        (directory / stored_name).unlink(missing_ok=True)
        raise
