"""The room's séance, made through the app's own CLI and models (no SQL of the bench's own)."""

import random
from pathlib import Path

from common import MODERATOR, RETURNING_PHONE, SLUG, flask, project_env


def realistic_seance(path: Path) -> None:
    """The demo séance, open, with 50 approved questions carrying votes, its fiche, a moderator,
    and a phone that has asked and voted."""
    flask(path, "load-demo")
    flask(path, "create-user", MODERATOR[0], "--role", "moderator", "--password", MODERATOR[1])

    from sqlalchemy import select

    from masterclass import create_app
    from masterclass.accounts.models import User
    from masterclass.db import write_transaction
    from masterclass.extensions import db
    from masterclass.participants import Participant
    from masterclass.questions.models import Question, Vote
    from masterclass.seances.models import Seance
    from masterclass.seances.services import set_open, touch

    env = project_env(path)
    app = create_app({"SQLALCHEMY_DATABASE_URI": env["MASTERCLASS_DATABASE_URL"],
                      "SECRET_KEY": env["MASTERCLASS_SECRET_KEY"], "UPLOAD_DIR": env["MASTERCLASS_UPLOAD_DIR"]},
                     web_only=True)
    with app.app_context():
        seance = db.session.scalar(select(Seance).where(Seance.slug == SLUG))
        moderator = db.session.scalar(select(User).where(User.email == MODERATOR[0]))
        set_open(seance.id, True, moderator.id)
        rng = random.Random(3)
        with write_transaction() as session:
            for n in range(50 - 11):
                session.add(Question(seance_id=seance.id, status="approved",
                                     body=f"Question de la salle numéro {n} : comment recruter et former ?"))
            session.flush()
            approved = session.scalars(select(Question).where(Question.seance_id == seance.id,
                                                              Question.status == "approved")).all()
            for question in approved:  # counts as a room leaves them (the demo has no vote rows)
                question.votes_count = rng.randrange(0, 40)
            # A phone that has asked and voted: its pages carry its own part.
            phone = Participant(token=RETURNING_PHONE)
            session.add(phone)
            session.flush()
            for question in approved[:3]:
                session.add(Vote(question_id=question.id, participant_id=phone.id))
            session.add(Question(seance_id=seance.id, participant_id=phone.id, body="Ma question en attente ?"))
            touch(session, seance.id)
        db.session.remove()
        db.engine.dispose()
    flask(path, "reindex")
