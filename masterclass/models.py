"""Every model, imported in one place so relationships resolve and migrations see them all."""

from .accounts.models import User
from .audit import AuditEntry
from .favourites.models import Favourite
from .fiches.models import Fiche
from .generation import PublicGeneration
from .participants import Participant
from .questions.models import Question, Vote
from .seances.models import Seance, Theme

__all__ = [
    "AuditEntry",
    "Favourite",
    "Fiche",
    "Participant",
    "PublicGeneration",
    "Question",
    "Seance",
    "Theme",
    "User",
    "Vote",
]
