from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import utcnow

# What a visitor reads beside the size: the format of the stored type.
FORMAT_LABELS = {
    "application/pdf": "PDF",
    "application/vnd.oasis.opendocument.text": "ODT",
    "application/vnd.oasis.opendocument.spreadsheet": "ODS",
    "application/vnd.oasis.opendocument.presentation": "ODP",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "DOCX",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "XLSX",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": "PPTX",
    "image/png": "PNG",
    "image/jpeg": "JPEG",
}


class Fiche(db.Model):
    """A downloadable document attached to a séance (fiche de capitalisation...)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    seance_id: Mapped[int] = mapped_column(ForeignKey("seance.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    original_name: Mapped[str] = mapped_column(String(255))
    # Generated name in UPLOAD_DIR; identical files (same checksum) share one.
    stored_name: Mapped[str] = mapped_column(String(80))
    mime_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int]
    checksum: Mapped[str] = mapped_column(String(64), index=True)  # sha256, hex
    download_count: Mapped[int] = mapped_column(default=0)
    position: Mapped[int] = mapped_column(default=0)
    # Made from the séance's fiche draft (fiche-brouillon/joindre): attaching again replaces it.
    drafted: Mapped[bool] = mapped_column(default=False, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    seance: Mapped["Seance"] = relationship(back_populates="fiches")  # noqa: F821

    @property
    def format_label(self) -> str:
        return FORMAT_LABELS.get(self.mime_type, self.original_name.rsplit(".", 1)[-1].upper())

    def __repr__(self) -> str:
        return f"<Fiche {self.id} {self.original_name}>"
