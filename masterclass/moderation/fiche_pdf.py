"""The fiche draft as a PDF (fpdf2, pure Python; DejaVu Sans bundled in masterclass/fonts, so
every French character is drawn: accents, « », œ, the narrow no-break space U+202F)."""

from datetime import datetime
from pathlib import Path

from flask_babel import gettext as _
from flask_babel import ngettext
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from .. import i18n
from ..formatting import local_date, time_short
from ..typography import typeset
from .fiche_draft import Draft, html_blocks, text_blocks

FONTS = Path(__file__).resolve().parent.parent / "fonts"
NNBSP = "\u202f"
NEXT = {"new_x": XPos.LMARGIN, "new_y": YPos.NEXT}


class _Fiche(FPDF):
    def __init__(self, title: str):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.fiche_title = title
        self.add_font("DejaVu", "", FONTS / "DejaVuSans.ttf")
        self.add_font("DejaVu", "B", FONTS / "DejaVuSans-Bold.ttf")
        self.set_margins(20, 18, 20)
        self.set_auto_page_break(True, margin=18)

    def footer(self):
        self.set_y(-12)
        self.set_font("DejaVu", "", 8)
        self.set_text_color(90)
        self.cell(0, 5, f"{self.fiche_title[:90]} — " + _("page %(num)s", num=self.page_no()) + "/{nb}",
                  align="C")
        self.set_text_color(0)


def _heading(pdf: FPDF, text: str, size: int = 13) -> None:
    pdf.ln(3)
    pdf.set_font("DejaVu", "B", size)
    pdf.multi_cell(0, size * 0.5, text, **NEXT)
    pdf.ln(1)


def _para(pdf: FPDF, text: str, size: float = 10.5, indent: float = 0, bold: bool = False) -> None:
    pdf.set_font("DejaVu", "B" if bold else "", size)
    pdf.set_x(pdf.l_margin + indent)
    pdf.multi_cell(pdf.epw - indent, size * 0.48, text, **NEXT)
    pdf.ln(1)


def _rich(pdf: FPDF, html: str, indent: float = 0) -> None:
    for kind, text in html_blocks(html):
        if kind == "h":
            _para(pdf, text, 11, indent, bold=True)
        elif kind == "li":
            _para(pdf, "•" + NNBSP + text, indent=indent + 4)
        elif kind == "quote":
            _para(pdf, _("« %(quote)s »", quote=text), indent=indent + 6)
        else:
            _para(pdf, text, indent=indent)


def _question(pdf: FPDF, number: int, question, written: bool) -> None:
    _para(pdf, f"{number}. {_user(question.body)}", bold=True)
    if written and question.answer_html:
        pdf.set_font("DejaVu", "", 9)
        pdf.set_x(pdf.l_margin + 6)
        pdf.cell(0, 5, _("Réponse écrite :"), **NEXT)
        _rich(pdf, question.answer_html, indent=6)
    elif question.status == "answered":
        _para(pdf, _("Répondue pendant la séance."), 9.5, indent=6)


def _user(text: str) -> str:
    """User text as the séance's language shows it (French: typeset)."""
    return typeset(text) if i18n.current() == "fr" else text


def render_pdf(d: Draft, now: datetime) -> bytes:
    """The draft in its séance's language, whoever asks."""
    with i18n.language(d.seance.language):
        return _render_pdf(d, now)


def _render_pdf(d: Draft, now: datetime) -> bytes:
    seance = d.seance
    pdf = _Fiche(seance.title)
    pdf.set_title(_("Fiche de capitalisation — %(title)s", title=seance.title))
    pdf.set_lang(i18n.current())
    pdf.set_creator("masterclass")
    pdf.set_creation_date(now)
    pdf.add_page()
    pdf.set_font("DejaVu", "", 9)
    pdf.cell(0, 5, _("Fiche de capitalisation — master class citoyenne"), **NEXT)
    pdf.set_font("DejaVu", "B", 18)
    pdf.multi_cell(0, 8.5, _user(seance.title), **NEXT)
    pdf.ln(2)
    when = f"{local_date(seance.starts_at, 'EEEE d MMMM y')}, {time_short(seance.starts_at)}"
    facts = [(_("Date :"), when),
             (_("Lieu :"), ", ".join(x for x in (seance.venue, seance.city) if x))]
    speaker = ", ".join(x for x in (seance.speaker_name, seance.speaker_role) if x)
    if speaker:
        facts.append((_("Intervenant·e :"), speaker))
    if seance.theme:
        facts.append((_("Thème :"), seance.theme.name))
    for label, value in facts:
        _para(pdf, f"{label} {_user(value)}", 10.5)

    if seance.fiche_intro.strip():
        _heading(pdf, _("Introduction"))
        for block in text_blocks(seance.fiche_intro):
            _para(pdf, _user(block))
    if seance.concept.strip():
        _heading(pdf, _("Le concept"))
        for block in text_blocks(seance.concept):
            _para(pdf, _user(block))
    if seance.summary_html:
        _heading(pdf, _("La séance"))
        _rich(pdf, seance.summary_html)
    if d.key_points:
        _heading(pdf, _("Points clés"))
        for point in d.key_points:
            _para(pdf, "•" + NNBSP + _user(point), indent=4)

    c = d.counts
    _heading(pdf, _("Les questions en chiffres"))
    for n, label, always in (
            (c.received, ngettext("%(num)s question reçue", "%(num)s questions reçues", c.received), True),
            (c.published, ngettext("%(num)s publiée", "%(num)s publiées", c.published), True),
            (c.answered, ngettext("%(num)s répondue (en séance ou par écrit)",
                                  "%(num)s répondues (en séance ou par écrit)", c.answered), True),
            (c.written, ngettext("dont %(num)s réponse écrite", "dont %(num)s réponses écrites", c.written),
             False),
            (c.set_aside, ngettext("%(num)s écartée", "%(num)s écartées", c.set_aside), True),
            (c.pending, ngettext("%(num)s encore en attente de relecture",
                                 "%(num)s encore en attente de relecture", c.pending), False)):
        if n or always:
            _para(pdf, label, indent=4)

    _heading(pdf, _("Questions répondues"))
    if d.answered:
        for number, question in enumerate(d.answered, start=1):
            _question(pdf, number, question, written=True)
    else:
        _para(pdf, _("Aucune question n'a encore reçu de réponse."))
    if d.unanswered:
        _heading(pdf, _("Questions encore sans réponse"))
        for number, question in enumerate(d.unanswered, start=1):
            _question(pdf, number, question, written=False)
    if not (d.answered or d.unanswered):
        _para(pdf, _("Aucune question n'a été publiée pour cette séance."))
    return bytes(pdf.output())
