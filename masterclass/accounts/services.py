"""Accounts: creation, password resets."""

import secrets

from sqlalchemy import select
from werkzeug.security import check_password_hash

from ..db import write_transaction
from ..extensions import db
from ..models_base import utcnow
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


def load_user(session_id: str) -> User | None:
    """Flask-Login's loader: a deactivated account loses its open sessions at once, and a
    session from before a logout, a password change or a deactivation is no session at all."""
    try:
        user_id, version = (int(part) for part in str(session_id).split(":"))
    except (TypeError, ValueError):
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.active or user.session_version != version:
        return None
    return user


def end_sessions(user_id: int) -> None:
    """Every session of this account ends (logout: on every device)."""
    with write_transaction() as session:
        user = session.get(User, user_id)
        if user is not None:
            user.end_sessions()


# Checked when the e-mail is unknown, so a wrong address costs as long as a wrong password:
# the scrypt hash (Werkzeug's default parameters) of a random password no one kept. A constant,
# not computed at import: scrypt takes 32 MB and 0.15 s, in every worker that starts.
_DUMMY_HASH = ("scrypt:32768:8:1$BWMi2bXKWGDU3wYV$025d4c3104035723f6a7d108e5f31a4af72c"
               "acb83615934fb77f21a94a34a3a6504f34910fc13e8667e947ead6fa9d3ff931bdad827cd26e9bede65c0ee85506")


def authenticate(email: str, password: str) -> User | None:
    """The active account with this e-mail and password, or None (no hint which was wrong)."""
    user = db.session.scalar(select(User).where(User.email == normalise_email(email)))
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not user.check_password(password) or not user.active:
        return None
    return user


def record_login(user: User) -> None:
    with write_transaction() as session:
        session.get(User, user.id).last_login_at = utcnow()


def list_users() -> list[User]:
    return list(db.session.scalars(select(User).order_by(User.active.desc(), User.email)))


def set_active(user_id: int, active: bool) -> User | None:
    with write_transaction() as session:
        user = session.get(User, user_id)
        if user is not None and user.active != active:
            user.active = active
            user.end_sessions()
    return user


def reset_password(user_id: int) -> tuple[User | None, str]:
    password = generate_password()
    with write_transaction() as session:
        user = session.get(User, user_id)
        if user is not None:
            user.set_password(password)
    return user, password
