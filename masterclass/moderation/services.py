"""State changes and queries behind the moderation pages (testable without a request)."""

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from markupsafe import escape
from sqlalchemy import case, func, select

from .. import audit
from ..archive.models import Seance
from ..archive.services import get_or_create_theme, new_join_code, slugify, unique_slug
from ..audit import Action, AuditEntry
from ..db import write_transaction
from ..extensions import db
from ..fiches.models import Fiche
from ..models_base import utcnow
from ..questions.models import Question
from ..sanitize import clean_html, markdown_to_html
from .forms import DEFAULT_TIME

# What a moderator edits, field by field: form field name -> Seance attribute.
EDITABLE = {
    "title": "title",
    "city": "city",
    "venue": "venue",
    "speaker": "speaker_name",
    "speaker_role": "speaker_role",
    "concept": "concept",
}


def get_seance(slug: str) -> Seance | None:
    """Any séance, published or not (moderators see drafts)."""
    return db.session.scalar(select(Seance).where(Seance.slug == slug))


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
            seance.version += 1
            audit.record(session, Action.EDIT, seance=seance, user_id=user_id, detail=", ".join(changed),
                         seance_version=seance.edit_version)
        if _set_published(seance, bool(data.get("published")), user_id, session,
                          seance_version=seance.edit_version):
            changed.append("published")
    return changed


@dataclass
class SeanceCounts:
    received: int = 0
    pending: int = 0
    approved: int = 0
    fiches: int = 0


@dataclass
class Dashboard:
    live: list = field(default_factory=list)
    upcoming: list = field(default_factory=list)
    past: list = field(default_factory=list)
    counts: dict = field(default_factory=dict)


def dashboard(now: datetime, past_limit: int = 30) -> Dashboard:
    """Séances to run (live, to come) and past ones, with their counts in two grouped queries."""
    day_start = datetime.combine(now.date(), datetime.min.time())
    day_end = day_start + timedelta(days=1)
    running = (Seance.questions_open.is_(True)) | (
        (Seance.starts_at >= day_start) & (Seance.starts_at < day_end))
    board = Dashboard()
    board.live = list(db.session.scalars(select(Seance).where(running).order_by(Seance.starts_at)))
    board.upcoming = list(db.session.scalars(
        select(Seance).where(~running, Seance.starts_at >= day_end).order_by(Seance.starts_at)))
    board.past = list(db.session.scalars(
        select(Seance).where(~running, Seance.starts_at < day_start)
        .order_by(Seance.starts_at.desc()).limit(past_limit)))
    ids = [s.id for s in board.live + board.upcoming + board.past]
    counts = {seance_id: SeanceCounts() for seance_id in ids}
    if ids:
        rows = db.session.execute(
            select(
                Question.seance_id,
                func.count(Question.id),
                func.sum(case((Question.status == "pending", 1), else_=0)),
                func.sum(case((Question.status.in_(("approved", "answered")), 1), else_=0)),
            ).where(Question.seance_id.in_(ids)).group_by(Question.seance_id)
        )
        for seance_id, received, pending, approved in rows:
            counts[seance_id].received, counts[seance_id].pending = received, pending
            counts[seance_id].approved = approved
        for seance_id, n in db.session.execute(
            select(Fiche.seance_id, func.count(Fiche.id))
            .where(Fiche.seance_id.in_(ids)).group_by(Fiche.seance_id)
        ):
            counts[seance_id].fiches = n
    board.counts = counts
    return board


def csv_columns() -> list[str]:
    """The header row, in French (the interface's language when translated)."""
    return [_("N°"), _("Date"), _("Heure"), _("Statut"), _("Épinglée"), _("Votes"), _("Auteur"),
            _("Source"), _("Question"), _("Texte d'origine"), _("Fusionnée dans")]


def status_label(status: str) -> str:
    return {"pending": _("en attente"), "approved": _("retenue"), "answered": _("répondue"),
            "rejected": _("écartée")}[status]


def source_label(source: str) -> str:
    return {"papier": _("papier"), "micro": _("micro")}.get(source, _("téléphone"))

# Where a spreadsheet may start a cell: the start of the value, or after any character someone
# opening the file might take as a separator (";" "," tab) or a line break, with spaces or
# quotes before it. A cell starting there with = + - @ is a formula (or a DDE call).
_FORMULA_START = re.compile(r"^[ \t\r\n\"]*[=+\-@]|^[\t\r]")
_FORMULA_INSIDE = re.compile(r"([;,\t\r\n][ \t\r\n\"]*)(?=[=+\-@])")


def _csv_cell(value) -> str:
    """Neutralise what a spreadsheet could run as a formula (CSV injection), whichever
    separator the person opening the file picks: an apostrophe before every formula character
    that could start a cell inside the value, and before the value itself when it could start
    one. Every field is also quoted (questions_csv), so with ";" the value stays one cell."""
    text = _FORMULA_INSIDE.sub(r"\1'", str(value))
    if _FORMULA_START.match(text):
        return "'" + text
    return text


def _local(instant: datetime, zone: ZoneInfo) -> datetime:
    """A stored instant (naive UTC) as the séance's wall clock."""
    return instant.replace(tzinfo=UTC).astimezone(zone)


def questions_csv(questions, timezone: str = "Europe/Paris") -> str:
    """The séance's questions for a French spreadsheet: UTF-8 with BOM, ";" separator, every
    field quoted, a header row of French names, date and time in the séance's local time."""
    zone = ZoneInfo(timezone)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(csv_columns())
    for row in question_rows(questions, zone):
        writer.writerow([_csv_cell(value) if isinstance(value, str) else value for value in row])
    return "\ufeff" + out.getvalue()


def question_rows(questions, zone: ZoneInfo) -> list[list]:
    """One row per question, oldest first, as the export shows it (text cells as typed)."""
    rows = []
    for q in sorted(questions, key=lambda q: (q.submitted_at, q.id)):
        at = _local(q.submitted_at, zone)
        rows.append([q.id, at.strftime("%d/%m/%Y"), at.strftime("%H:%M"), status_label(q.status),
                     _("oui") if q.pinned else _("non"), q.votes_count, q.author or "",
                     source_label(q.source), q.body, q.original_body or "",
                     q.merged_into_id if q.merged_into_id is not None else ""])
    return rows


def questions_xlsx(questions, timezone: str = "Europe/Paris") -> bytes:
    """The same table as the CSV, as an .xlsx workbook; every text cell is stored as a string
    (openpyxl's data_type "s"), so nothing in it can be a formula, whatever it starts with."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import TYPE_STRING

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Questions")[:31]
    sheet.append(csv_columns())
    for row in question_rows(questions, ZoneInfo(timezone)):
        sheet.append(row)
        for cell in sheet[sheet.max_row]:
            if isinstance(cell.value, str):
                cell.data_type = TYPE_STRING
    sheet.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    workbook.close()
    return out.getvalue()
