"""Participants: anonymous people identified by a random token in a long-lived cookie.

The token carries their questions, votes and favourites; no account, no personal data.
"""

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import db
from .models_base import utcnow


class Participant(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
