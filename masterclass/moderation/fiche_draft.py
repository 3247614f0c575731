"""The fiche de capitalisation drafted from a séance: what it says, its free text, its PDF,
and attaching that PDF to the séance as an ordinary fiche."""

import io
from dataclasses import dataclass, field
from html.parser import HTMLParser

from flask import current_app
from sqlalchemy import select

from ..extensions import db
from ..fiches import services as fiche_services
from ..fiches.models import Fiche
from ..questions.models import Question
from ..questions.services import RecordCounts, record_counts
from ..sanitize import clean_html
from ..seances.models import Seance

MAX_DRAFT_TEXT = 10_000


@dataclass
class Draft:
    seance: Seance
    counts: RecordCounts
    answered: list = field(default_factory=list)  # answered live or in writing
    unanswered: list = field(default_factory=list)  # published, still without an answer

    @property
    def key_points(self) -> list[str]:
        return [line.strip(" -•*\t") for line in self.seance.fiche_key_points.splitlines()
                if line.strip(" -•*\t")]


def draft(seance: Seance) -> Draft:
    """The séance's public questions grouped by what became of them (most supported first),
    and its counts; set-aside and pending questions are counted, never shown."""
    questions = db.session.scalars(
        select(Question).where(Question.seance_id == seance.id,
                               Question.status.in_(("approved", "answered")),
                               Question.merged_into_id.is_(None))
        .order_by(Question.votes_count.desc(), Question.submitted_at, Question.id)).all()
    result = Draft(seance=seance, counts=record_counts(seance.id))
    for question in questions:
        (result.answered if question.is_answered else result.unanswered).append(question)
    return result


# --- rich text as PDF blocks ---------------------------------------------------------------------

class _Blocks(HTMLParser):
    """Sanitised HTML (sanitize.py's tags only) as blocks of plain text: (kind, text) with kind
    "p", "h", "li" or "quote". Links keep their address in brackets."""

    BLOCKS = {"p", "li", "h2", "h3", "h4", "blockquote"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[str, str]] = []
        self.kind, self.text, self.quote, self.href = "p", [], 0, None

    def _flush(self):
        text = " ".join("".join(self.text).split())
        if text:
            self.blocks.append((self.kind, text))
        self.text = []

    def handle_starttag(self, tag, attrs):
        if tag in self.BLOCKS or tag in ("ul", "ol"):
            self._flush()
            if tag == "blockquote":
                self.quote += 1
            self.kind = ("h" if tag[0] == "h" else "li" if tag == "li" else
                         "quote" if self.quote else "p")
        elif tag == "br":
            self.text.append("\n")
        elif tag == "a":
            self.href = dict(attrs).get("href")

    def handle_endtag(self, tag):
        if tag == "a" and self.href:
            if self.href not in "".join(self.text):
                self.text.append(f" ({self.href})")
            self.href = None
        if tag in self.BLOCKS or tag in ("ul", "ol"):
            self._flush()
            if tag == "blockquote":
                self.quote = max(0, self.quote - 1)
            self.kind = "quote" if self.quote else "p"

    def handle_data(self, data):
        self.text.append(data)


def html_blocks(html: str | None) -> list[tuple[str, str]]:
    parser = _Blocks()
    parser.feed(clean_html(html))  # sanitised again: whatever is stored, the PDF gets only text
    parser.close()
    parser._flush()
    return parser.blocks


def text_blocks(text: str) -> list[str]:
    return [" ".join(block.split()) for block in (text or "").replace("\r", "").split("\n\n")
            if block.strip()]


# --- attaching ------------------------------------------------------------------------------------

def pdf_name(seance: Seance) -> str:
    return f"fiche-{seance.slug}.pdf"[:200]


def attach(seance: Seance, pdf: bytes, user_id: int) -> tuple[Fiche, bool]:
    """The draft's PDF as a fiche of the séance. The first time, a new fiche (last in the list);
    after that, the file of the fiche made from the draft is replaced (its title, place,
    favourites and download count stay), so attaching twice never makes two copies. Returns
    the fiche and whether it replaced an earlier draft."""
    received = fiche_services.receive(io.BytesIO(pdf), pdf_name(seance),
                                      current_app.config["MAX_UPLOAD_BYTES"])
    previous = db.session.scalar(select(Fiche.id).where(
        Fiche.seance_id == seance.id, Fiche.drafted.is_(True)).order_by(Fiche.id.desc()).limit(1))
    if previous is not None:
        fiche = fiche_services.replace_file(previous, received, user_id)
        if fiche is not None:
            return fiche, True
        received = fiche_services.receive(io.BytesIO(pdf), pdf_name(seance),
                                          current_app.config["MAX_UPLOAD_BYTES"])
    fiche = fiche_services.add_fiche(
        seance.id, received, f"Fiche de capitalisation — {seance.title}"[:200],
        "Questions, réponses et points clés de la séance.", user_id, drafted=True)
    return fiche, False
