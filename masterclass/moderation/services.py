"""State changes and queries behind the moderation pages (testable without a request)."""

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from sqlalchemy import case, func, select

from ..extensions import db
from ..fiches.models import Fiche
from ..questions.models import Question
from ..seances.models import Seance


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
