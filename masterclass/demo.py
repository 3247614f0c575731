"""The demo séance: the page the product grew from (Anzin, 16 May, développement économique)."""

import io
import textwrap
from datetime import date, datetime, time

from sqlalchemy import select

from .db import write_transaction
from .extensions import db
from .fiches.services import add_fiche, receive
from .models_base import utcnow
from .questions.models import Question
from .sanitize import clean_html
from .seances.models import Seance
from .seances.services import get_or_create_theme, new_join_code, slugify

DEMO_SLUG = "seance-developpement-economique-2019-05-16"

CONCEPT = (
    "Un professionnel intervenant dans les quartiers vient raconter son métier à un groupe "
    "de conseillers citoyens. Les participants lui posent des questions sur son métier, ses "
    "pratiques professionnelles, les freins et opportunités de sa politique publique. Un temps "
    "d’échange est ensuite organisé pour pouvoir resituer le témoignage dans l’optique des "
    "conseils citoyens et de la Politique de la ville."
)

SUMMARY = """
<p>La séance du 16 mai à Anzin nous a permis de découvrir la notion de
<strong>développement économique territorial</strong>.</p>
<p>Le lieu, la Nouvelle Forge, fait partie d'une nouvelle zone économique tournée vers le
numérique à cheval entre Anzin et Valenciennes. Ce lieu vise à accueillir un site d'excellence
autour du numérique. La Nouvelle Forge accueille de son côté un fablab, un espace de co-working,
une popschool et une ruche d'entreprises sur la thématique du numérique. Le site est une
ancienne friche suite à la fermeture de Vallourec.</p>
"""

# As raised on the day; one typo fixed by a moderator, the original kept.
QUESTIONS = [
    ("Quels sont les atouts pour faire venir une entreprise ?", None),
    ("Quels sont les politiques à interpeler sur ce sujet et qu'est-ce-qu'ils peuvent faire ? "
     "Est-ce qu'il y a des facilités à offrir aux entreprises ?", None),
    ("Qui va aider le jeune créateur au niveau de la confiance des banques ?",
     "Qui va aider le jeune créateur au nivea ude la confiance des banques ?"),
    ("Quelle concurrence entre les territoires et quel contrôle sur les fonds publics investis ?",
     None),
    ("Comment on fidélise une entreprise ?", None),
    ("Est-ce que tout le tissu économique est géré par les mêmes responsables que ceux qui "
     "s'occupent de faire venir les grandes entreprises ?", None),
    ("Comment on consolide les entreprises fleurons pour les aider à se développer ?", None),
    ("Par rapport à votre expérience, qu'est-ce qui marche pour redynamiser un quartier ?", None),
    ("Comment aider une entreprise à recruter ?", None),
    ("Quels sont les enjeux de formation ?", None),
    ("Comment détecter des gens qui ont envie dans nos quartiers ?", None),
]

FICHE_TITLE = "Masterclass : Fiche capitalisation Dev éco"
FICHE_DESCRIPTION = (
    "Fiche reprenant les éléments repères de la masterclass citoyenne réalisée par l'IREV "
    "lors de la séance sur le développement économique"
)
FICHE_NAME = "fiche-capitalisation-dev-eco.pdf"
# The seed page shows "Poids : 501.15 Ko": the generated PDF is padded to that exact size.
FICHE_SIZE = 513_178


def load_demo() -> bool:
    """Load the demo séance with its questions and fiche; False when it is already there."""
    if db.session.scalar(select(Seance.id).where(Seance.slug == DEMO_SLUG)) is not None:
        return False
    with write_transaction() as session:
        seance = Seance(
            title="Séance Développement économique",
            slug=DEMO_SLUG,
            starts_at=datetime(2019, 5, 16, 14, 0),
            city="Anzin",
            venue="La Nouvelle Forge",
            theme=get_or_create_theme("Développement économique"),
            speaker_name="",
            speaker_role="Chargé de développement économique territorial",
            concept=CONCEPT,
            summary_html=clean_html(SUMMARY),
            published=True,
            published_at=utcnow(),
            join_code=new_join_code(),
            questions_open=False,
        )
        session.add(seance)
        for index, (body, original) in enumerate(QUESTIONS):
            session.add(
                Question(
                    seance=seance,
                    body=body,
                    original_body=original,
                    status="approved",
                    submitted_at=datetime(2019, 5, 16, 12, 15 + index),
                    status_changed_at=datetime(2019, 5, 16, 12, 16 + index),
                )
            )
    pdf = demo_pdf()
    received = receive(io.BytesIO(pdf), FICHE_NAME, max_bytes=len(pdf))
    add_fiche(seance.id, received, FICHE_TITLE, FICHE_DESCRIPTION, user_id=None)
    return True


def demo_pdf(target_size: int = FICHE_SIZE) -> bytes:
    """A one-page PDF (title, description, the questions), padded to ``target_size`` bytes."""
    lines = [("F1", 18, FICHE_TITLE), ("F2", 11, "")]
    for paragraph in (FICHE_DESCRIPTION, "Séance du 16 mai, Anzin, La Nouvelle Forge.", ""):
        lines += [("F2", 11, line) for line in textwrap.wrap(paragraph, 85) or [""]]
    lines.append(("F1", 13, "Parmi les questionnements"))
    for body, _ in QUESTIONS:
        wrapped = textwrap.wrap(body, 80)
        lines.append(("F2", 11, "- " + wrapped[0]))
        lines += [("F2", 11, "  " + rest) for rest in wrapped[1:]]
    text = ["BT", "50 790 Td", "16 TL"]
    for font, size, line in lines:
        escaped = line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        text.append(f"/{font} {size} Tf ({escaped}) Tj T*")
    text.append("ET")
    content = "\n".join(text).encode("cp1252")

    def build(padding: int) -> bytes:
        objects = [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> /Contents 6 0 R >>",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
            b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
            b"<< /Length %d >>\nstream\n" % padding + b" " * padding + b"\nendstream",
        ]
        out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
        offsets = []
        for number, body in enumerate(objects, start=1):
            offsets.append(len(out))
            out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
        xref = len(out)
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
        out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
        out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
            len(objects) + 1,
            xref,
        )
        return bytes(out)

    padding = 0
    for _ in range(10):
        pdf = build(padding)
        if len(pdf) == target_size:
            return pdf
        padding = max(0, padding + target_size - len(pdf))
    return pdf


ROOM_TITLE = "Séance Logement : le métier de bailleur social"
ROOM_QUESTIONS = [
    ("Combien de temps faut-il attendre pour obtenir un logement social ?", 3),
    ("Qui décide des attributions de logements dans le quartier ?", 1),
]


def demo_room(today: date) -> Seance:
    """An open séance of today that a newcomer can join at once (created once per day; the
    rooms of earlier days are closed)."""
    slug = f"{slugify(ROOM_TITLE, 180)}-{today.isoformat()}"
    with write_transaction() as session:
        seance = session.scalar(select(Seance).where(Seance.slug == slug))
        for earlier in session.scalars(select(Seance).where(
                Seance.title == ROOM_TITLE, Seance.slug != slug, Seance.questions_open.is_(True))):
            earlier.questions_open = False
        if seance is None:
            seance = Seance(
                title=ROOM_TITLE, slug=slug, starts_at=datetime.combine(today, time(18, 0)),
                city="Anzin", venue="Maison de quartier du Faubourg",
                theme=get_or_create_theme("Logement"),
                speaker_role="Chargée de clientèle chez un bailleur social",
                concept=CONCEPT, published=True, published_at=utcnow(), join_code=new_join_code(),
                questions_open=True)
            session.add(seance)
            for body, votes in ROOM_QUESTIONS:
                session.add(Question(seance=seance, body=body, status="approved", votes_count=votes))
        else:
            seance.questions_open = True
    return seance
