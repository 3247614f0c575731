"""Made-up archives of any size, through the real models (for the growth benchmark)."""

import random
from datetime import datetime, timedelta

from sqlalchemy import func, select

from .db import write_transaction
from .extensions import db
from .models_base import utcnow
from .questions.models import Question
from .seances.models import Seance
from .seances.services import get_or_create_theme, new_join_code

CITIES = ["Anzin", "Valenciennes", "Denain", "Maubeuge", "Roubaix", "Tourcoing", "Lille", "Lens",
          "Douai", "Cambrai", "Calais", "Dunkerque", "Arras", "Béthune", "Saint-Quentin", "Amiens"]
THEMES = ["Développement économique", "Emploi", "Logement", "Santé", "Éducation", "Mobilité",
          "Culture", "Sécurité", "Environnement", "Jeunesse", "Numérique", "Commerce"]
SUBJECTS = ["une entreprise", "un jeune créateur", "une association", "le quartier", "les habitants",
            "un commerce de proximité", "la mission locale", "les écoles", "un bailleur social",
            "la mairie", "les familles", "un chantier d'insertion"]
VERBS = ["aider", "financer", "accompagner", "recruter", "former", "loger", "soigner", "écouter",
         "informer", "rénover", "soutenir", "orienter"]
ASKS = ["Comment {verb} {subject} ?", "Qui peut {verb} {subject} dans nos quartiers ?",
        "Quels moyens pour {verb} {subject} ?", "Pourquoi est-il si difficile de {verb} {subject} ?",
        "Avec quels partenaires {verb} {subject} ?", "Quel budget pour {verb} {subject} cette année ?"]


def generate(seances: int, questions_per_seance: int, seed: int = 7, batch: int = 200) -> int:
    """Add published past séances with approved questions; returns the séances now stored."""
    rng = random.Random(seed)
    start = datetime(2012, 1, 10, 18, 0)
    made = 0
    while made < seances:
        with write_transaction() as session:
            for _ in range(min(batch, seances - made)):
                day = start + timedelta(days=rng.randrange(0, 14 * 365))
                theme = rng.choice(THEMES)
                title = f"Séance {theme} n°{made + 1}"
                seance = Seance(
                    title=title, slug=f"generee-{made + 1}-{day.date().isoformat()}",
                    starts_at=day, city=rng.choice(CITIES), venue="Maison de quartier",
                    theme=get_or_create_theme(theme), speaker_role=f"Professionnel·le ({theme.lower()})",
                    concept="Un professionnel raconte son métier aux conseillers citoyens.",
                    summary_html=f"<p>Échanges sur le thème {theme.lower()} à partir de cas concrets.</p>",
                    published=True, published_at=utcnow(), join_code=new_join_code())
                session.add(seance)
                for n in range(questions_per_seance):
                    body = rng.choice(ASKS).format(verb=rng.choice(VERBS), subject=rng.choice(SUBJECTS))
                    session.add(Question(seance=seance, body=body, status="approved",
                                         votes_count=rng.randrange(0, 30),
                                         submitted_at=day + timedelta(minutes=n)))
                made += 1
                session.flush()
    return db_count()


def db_count() -> int:
    return db.session.scalar(select(func.count(Seance.id)))
