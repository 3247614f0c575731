"""Accounts: creation, password resets."""

import secrets

from sqlalchemy import select

from ..db import write_transaction
from ..extensions import db
from .models import ROLES, User


def normalise_email(email: str) -> str:
    return email.strip().lower()


def create_or_update_user(email: str, role: str, password: str) -> tuple[User, bool]:
    """Create the account, or update its role and password; returns (user, created)."""
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    email = normalise_email(email)
    with write_transaction() as session:
        user = session.scalar(select(User).where(User.email == email))
        created = user is None
        if created:
            user = User(email=email, role=role)
            session.add(user)
        user.role = role
        user.active = True
        user.set_password(password)
    return user, created


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def load_user(user_id: str) -> User | None:
    """Flask-Login's loader: a deactivated account loses its open sessions at once."""
    try:
        user = db.session.get(User, int(user_id))
    except (TypeError, ValueError):
        return None
    return user if user is not None and user.active else None
