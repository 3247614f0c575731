"""Authoring a séance: creating it, editing it (two moderators at once: a stale form is
refused), publishing it; every change audited."""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from markupsafe import escape
from sqlalchemy import select

from .. import audit
from ..audit import Action, AuditEntry
from ..db import write_transaction
from ..extensions import db
from ..models_base import utcnow
from ..sanitize import clean_html, markdown_to_html
from .models import Seance
from .services import get_or_create_theme, new_join_code, slugify, touch, unique_slug

# The hour of a séance whose time is left out: the usual one.
DEFAULT_TIME = time(18, 0)

# What a moderator edits, field by field: form field name -> Seance attribute.
EDITABLE = {
    "title": "title",
    "city": "city",
    "venue": "venue",
    "speaker": "speaker_name",
    "speaker_role": "speaker_role",
    "concept": "concept",
}


SUMMARY_FORMATS = ("markdown", "html")


def summary_to_html(text: str, fmt: str = "markdown") -> str:
    """A summary as typed, sanitised: Markdown (which also takes simple HTML and plain text), or,
    for summaries typed before Markdown ("html"), simple HTML kept and plain text as paragraphs."""
    text = (text or "").strip()
    if not text:
        return ""
    if fmt == "markdown":
        return markdown_to_html(text)
    if not re.search(r"<[a-zA-Z/]", text):
        paragraphs = re.split(r"\n\s*\n", text)
        text = "".join(
            "<p>" + "<br>".join(str(escape(line.strip())) for line in p.splitlines()) + "</p>"
            for p in paragraphs
            if p.strip()
        )
    return clean_html(text)


def duplicate_exists(title: str, day: date, exclude_id: int | None = None) -> bool:
    """Another séance with the same title (as its slug reads) on the same date?"""
    start = datetime.combine(day, time.min)
    query = select(Seance.title).where(Seance.starts_at >= start,
                                       Seance.starts_at < start + timedelta(days=1))
    if exclude_id is not None:
        query = query.where(Seance.id != exclude_id)
    wanted = slugify(title, 180)
    return any(slugify(other, 180) == wanted for other in db.session.scalars(query))


def _apply(seance: Seance, data: dict) -> list[str]:
    """Copy the form's values onto the séance; returns the names of what changed."""
    changed = []
    for name, attr in EDITABLE.items():
        value = (data.get(name) or "").strip()
        if getattr(seance, attr) != value:
            setattr(seance, attr, value)
            changed.append(name)
    starts_at = datetime.combine(data["date"], data.get("time") or DEFAULT_TIME)
    if seance.starts_at != starts_at:
        seance.starts_at = starts_at
        changed.append("date")
    premoderation = data.get("premoderation")
    if premoderation is not None and bool(premoderation) != bool(seance.premoderation):
        seance.premoderation = bool(premoderation)
        changed.append("premoderation")
    theme = get_or_create_theme(data.get("theme") or "")
    if seance.theme is not theme:
        seance.theme = theme
        changed.append("theme")
    language = data.get("language") or seance.language or "fr"  # left out: unchanged
    if seance.language != language:
        seance.language = language
        changed.append("language")
    # Left out (a script): the séance keeps its format; a new one is Markdown.
    fmt = data.get("summary_format") or seance.summary_format or "markdown"
    source = (data.get("summary") or "").strip()
    summary = summary_to_html(source, fmt)
    stored_source = source if fmt == "markdown" else ""
    if (seance.summary_html, seance.summary_format, seance.summary_source) != (summary, fmt, stored_source):
        if seance.summary_html != summary or seance.summary_source != stored_source:
            changed.append("summary")
        seance.summary_html, seance.summary_format, seance.summary_source = summary, fmt, stored_source
    return changed


def _set_published(seance: Seance, published: bool, user_id: int, session,
                   seance_version: int | None = None) -> bool:
    if published == bool(seance.published):
        return False
    seance.published = published
    if published and seance.published_at is None:
        seance.published_at = utcnow()
    audit.record(session, Action.PUBLISH if published else Action.UNPUBLISH, seance=seance, user_id=user_id,
                 seance_version=seance_version)
    return True


def create_seance(data: dict, user_id: int) -> Seance:
    """A new séance from the authoring form, with its slug and join code; audited."""
    with write_transaction() as session:
        seance = Seance(published=False, join_code=new_join_code(), premoderation=True)
        _apply(seance, data)
        seance.slug = unique_slug(seance.title, seance.starts_at.date())
        session.add(seance)
        audit.record(session, Action.CREATE, seance=seance, user_id=user_id)
        _set_published(seance, bool(data.get("published")), user_id, session)
    return seance


@dataclass
class StaleEdit(Exception):
    """The edit form was opened before someone else saved the séance: nothing was saved.
    ``changes`` are the other saves' fields, (name, current value), in form order."""

    version: int
    changes: list
    editors: list


# The form's fields in their order on the page, and how a current value reads.
_FIELD_VALUES = {
    "title": lambda s: s.title,
    "date": lambda s: s.starts_at.strftime("%d/%m/%Y %H:%M"),
    "city": lambda s: s.city,
    "venue": lambda s: s.venue,
    "theme": lambda s: s.theme.name if s.theme else "",
    "speaker": lambda s: s.speaker_name,
    "speaker_role": lambda s: s.speaker_role,
    "concept": lambda s: s.concept,
    "summary": lambda s: s.summary_source if s.summary_format == "markdown" else s.summary_html,
    "language": lambda s: s.language,
    "published": lambda s: bool(s.published),
    "premoderation": lambda s: bool(s.premoderation),
}
_VERSIONED_ACTIONS = (Action.EDIT, Action.PUBLISH, Action.UNPUBLISH)


def _stale_edit(session, seance: Seance, since: int) -> StaleEdit:
    """What was saved after version ``since`` of the form, and by whom."""
    entries = list(session.scalars(
        select(AuditEntry).where(AuditEntry.seance_id == seance.id,
                                 AuditEntry.action.in_(_VERSIONED_ACTIONS),
                                 AuditEntry.seance_version > since)
        .order_by(AuditEntry.id)))
    names = set()
    for entry in entries:
        names.update(entry.detail.split(", ") if entry.action == Action.EDIT else ["published"])
    editors = list(dict.fromkeys(entry.user.email for entry in entries if entry.user))
    changes = [(name, value(seance)) for name, value in _FIELD_VALUES.items() if name in names]
    return StaleEdit(seance.edit_version, changes, editors)


def update_seance(seance: Seance, data: dict, user_id: int,
                  expected_version: int | None = None) -> list[str]:
    """Apply an edit; the slug follows the title and date until the first publication.

    ``expected_version``: the edit_version the form was opened with; when another save came
    since, StaleEdit is raised and nothing changes (None: no check, e.g. a script)."""
    with write_transaction() as session:
        seance = session.get(Seance, seance.id)
        if expected_version is not None and expected_version != seance.edit_version:
            raise _stale_edit(session, seance, expected_version)
        changed = _apply(seance, data)
        if seance.published_at is None and ("title" in changed or "date" in changed):
            seance.slug = unique_slug(seance.title, seance.starts_at.date(), exclude_id=seance.id)
        published_changed = bool(data.get("published")) != bool(seance.published)
        if changed or published_changed:
            seance.edit_version += 1
        if changed:
            touch(session, seance.id)
            audit.record(session, Action.EDIT, seance=seance, user_id=user_id, detail=", ".join(changed),
                         seance_version=seance.edit_version)
        if _set_published(seance, bool(data.get("published")), user_id, session,
                          seance_version=seance.edit_version):
            changed.append("published")
    return changed
