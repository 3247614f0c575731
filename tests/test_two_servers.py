"""Several app servers on one database and one Redis: what one server is told, the other shows.

Two gunicorn servers (each its own workers, page caches and fast readers) on the test's
database and a shared Redis for the rate limits, as README's "Several servers" runs them. On
SQLite the two share the file (one machine); on PostgreSQL they share the server, which is
what a region's several machines do."""

import pytest
from sqlalchemy import select

from masterclass.db import write_transaction
from masterclass.extensions import db
from masterclass.models import Question, Seance

from .realserver import Gunicorn, Phone
from .test_shared_limits import redis_url  # noqa: F401  (the fixture: a Redis of the test's own)


@pytest.fixture
def servers(app, demo, make_user, database_url, tmp_path, redis_url):  # noqa: F811
    slug = demo.slug
    with write_transaction() as session:
        session.get(Seance, demo.id).questions_open = True
    make_user(email="moderatrice@example.org", password="mot de passe sûr")
    db.session.remove()
    env = {"MASTERCLASS_RATELIMIT_STORAGE_URI": redis_url}
    started = []
    try:
        for _ in range(2):
            server = Gunicorn(database_url, tmp_path / "fiches", workers=1, threads=4, extra_env=env)
            started.append(server.start())
        yield slug, started
    finally:
        for server in started:
            server.stop()


def test_two_servers_share_questions_moderation_pages_and_limits(servers):
    slug, (a, b) = servers
    page, live = f"/seances/{slug}", f"/seances/{slug}/questions/live"
    visitor_on_a = Phone(a.url)
    status, before = visitor_on_a.get(page)[::2]
    assert status == 200 and "Question posée sur le serveur A" not in before
    assert visitor_on_a.get(page)[0] == 200  # now in A's page cache

    # A phone asks on server A; the moderator, signed in on server B, has it in the queue.
    phone = Phone(a.url)
    phone.open_page(f"/seances/{slug}/questions")
    assert phone.post(f"/seances/{slug}/questions", {"body": "Question posée sur le serveur A ?",
                                                      "author": ""})[0] in (200, 303)
    moderator = Phone(b.url)
    moderator.open_page("/connexion")
    assert moderator.post("/connexion", {"email": "moderatrice@example.org",
                                         "password": "mot de passe sûr"})[0] == 302
    queue = moderator.open_page(f"/moderation/seances/{slug}/questions")[1]
    assert "Question posée sur le serveur A\u202f?" in queue
    question_id = db.session.scalar(select(Question.id).where(Question.body == "Question posée sur le serveur A ?"))
    db.session.remove()
    assert f"/moderation/questions/{question_id}/statut" in queue

    # Approved on B: A's cached public page and A's live list (at its next poll) show it.
    assert moderator.post(f"/moderation/questions/{question_id}/statut", {"status": "approved"})[0] in (200, 303)
    assert "Question posée sur le serveur A\u202f?" in visitor_on_a.get(page)[2]
    assert "Question posée sur le serveur A\u202f?" in Phone(a.url).get(live, headers={
        "HX-Request": "true", "HX-Current-URL": a.url + f"/seances/{slug}/questions"})[2]

    # Five questions a minute per phone, counted in the shared Redis whichever server answers.
    statuses = []
    for i in range(6):
        phone.base = (b if i % 2 == 0 else a).url  # the same phone (cookies), the other server
        statuses.append(phone.post(f"/seances/{slug}/questions", {"body": f"Encore une question {i} ?",
                                                                   "author": ""})[0])
    assert statuses[:4] == [statuses[0]] * 4 and statuses[0] in (200, 303), statuses
    assert statuses[4:] == [429, 429], statuses
