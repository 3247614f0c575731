"""Who may open moderation and admin pages: checked once per blueprint, never per view."""

from urllib.parse import urlsplit

from flask import Blueprint, abort, redirect, request, url_for
from flask_login import current_user


def require_roles(blueprint: Blueprint, *roles: str) -> None:
    """Every route of ``blueprint``: anonymous → /connexion, logged in without a role → 403."""

    @blueprint.before_request
    def _check_role():
        if not current_user.is_authenticated:
            back = request.script_root + request.full_path.rstrip("?")  # the prefix too, if any
            return redirect(url_for("accounts.login", next=back))
        if current_user.role not in roles:
            abort(403)
        return None


def safe_next(target: str | None) -> str | None:
    """A same-site path to go back to after logging in, or None.

    Refuses absolute URLs, scheme-relative ``//host``, ``/\\host`` (browsers read the
    backslash as a slash), ``javascript:`` and anything with control characters.
    """
    if not target or len(target) > 2000:
        return None
    if any(ord(ch) < 32 or ch == "\\" for ch in target):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
