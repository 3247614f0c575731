from datetime import datetime
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from ..models_base import utcnow


class Action(StrEnum):
    """What an entry records; the value is what the ``action`` column stores."""

    CREATE = "create"
    EDIT = "edit"
    PUBLISH = "publish"
    UNPUBLISH = "unpublish"
    OPEN = "open"
    CLOSE = "close"
    QUESTION_STATUS = "question_status"
    QUESTION_EDIT = "question_edit"
    PIN = "pin"
    UNPIN = "unpin"
    FICHE_ADD = "fiche_add"
    FICHE_REPLACE = "fiche_replace"
    FICHE_DELETE = "fiche_delete"
    ANSWER_ADD = "answer_add"
    ANSWER_EDIT = "answer_edit"
    ANSWER_REMOVE = "answer_remove"
    FICHE_DRAFT = "fiche_draft"
    QUESTION_FLOOR = "question_floor"
    QUESTION_MERGE = "question_merge"
    QUESTION_UNMERGE = "question_unmerge"

    @property
    def label(self) -> str:
        """How the trail words it, in the reader's language."""
        return LABELS[self]


LABELS = {
    Action.CREATE: _l("a créé la séance"),
    Action.EDIT: _l("a modifié"),
    Action.PUBLISH: _l("a publié la séance"),
    Action.UNPUBLISH: _l("a retiré la séance de la publication"),
    Action.OPEN: _l("a ouvert les questions"),
    Action.CLOSE: _l("a fermé les questions"),
    Action.QUESTION_STATUS: _l("a changé le statut d'une question"),
    Action.QUESTION_EDIT: _l("a corrigé une question"),
    Action.PIN: _l("a épinglé une question"),
    Action.UNPIN: _l("a désépinglé une question"),
    Action.FICHE_ADD: _l("a ajouté une fiche"),
    Action.FICHE_REPLACE: _l("a remplacé le fichier d'une fiche"),
    Action.FICHE_DELETE: _l("a supprimé une fiche"),
    Action.ANSWER_ADD: _l("a répondu par écrit à une question"),
    Action.ANSWER_EDIT: _l("a modifié la réponse écrite d'une question"),
    Action.ANSWER_REMOVE: _l("a retiré la réponse écrite d'une question"),
    Action.FICHE_DRAFT: _l("a modifié le texte de la fiche brouillon"),
    Action.QUESTION_FLOOR: _l("a ajouté une question de la salle"),
    Action.QUESTION_MERGE: _l("a fusionné deux questions"),
    Action.QUESTION_UNMERGE: _l("a annulé une fusion de questions"),
}


class AuditEntry(db.Model):
    """Who changed what, and when: shown on the séance's moderation page."""

    id: Mapped[int] = mapped_column(primary_key=True)
    seance_id: Mapped[int | None] = mapped_column(
        ForeignKey("seance.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(40))
    detail: Mapped[str] = mapped_column(Text, default="")
    # The séance's edit_version this entry's edit produced (edits and publication only).
    seance_version: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    seance: Mapped["Seance | None"] = relationship()  # noqa: F821
    user: Mapped["User | None"] = relationship()  # noqa: F821

    @property
    def label(self) -> str:
        """The action in words; an action this code no longer knows reads as stored."""
        try:
            return Action(self.action).label
        except ValueError:
            return self.action
