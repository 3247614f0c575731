"""The séance's questions exported for a spreadsheet: CSV for a French spreadsheet and .xlsx,
both safe from formula injection."""

import csv
import io
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask_babel import gettext as _


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
