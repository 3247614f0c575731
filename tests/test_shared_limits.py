"""Sign-in throttles shared by gunicorn workers through a shared Flask-Limiter storage (Redis),
as README's production set-up with MASTERCLASS_RATELIMIT_STORAGE_URI does."""

import os
import shutil
import subprocess
import time

import pytest

from .realserver import Gunicorn, Phone, free_port
from .tools import require


@pytest.fixture
def redis_url(tmp_path):
    """A Redis for the test: the run's own (MASTERCLASS_TEST_REDIS_URL, `make test-postgresql`),
    emptied after the test, or a redis-server started for this test alone."""
    shared = os.environ.get("MASTERCLASS_TEST_REDIS_URL")
    if shared:
        import redis

        client = redis.Redis.from_url(shared)
        client.flushdb()
        yield shared
        client.flushdb()
        client.close()
        return
    server = shutil.which("redis-server")
    require(bool(server), "redis-server")
    port = free_port()
    process = subprocess.Popen([server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(tmp_path)],
                               stdout=subprocess.DEVNULL)
    import redis

    client = redis.Redis(port=port)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.ConnectionError:
            if time.monotonic() > deadline or process.poll() is not None:
                process.kill()
                raise
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}"
    client.close()
    process.terminate()
    process.wait(timeout=10)


def test_failed_sign_ins_are_counted_across_workers(app, make_user, tmp_path, redis_url, database_url):
    from masterclass.extensions import db

    make_user(email="anne@example.org", password="mot de passe sûr")
    db.session.remove()
    db.engine.dispose()
    server = Gunicorn(database_url, tmp_path / "fiches", workers=2, threads=2)
    server.env.update({"MASTERCLASS_RATELIMIT_STORAGE_URI": redis_url, "MASTERCLASS_PROXY_COUNT": "1"})
    server.start()
    try:
        def attempt(address, password):
            phone = Phone(server.url)  # a new connection each time: either worker answers
            phone.open_page("/connexion")
            return phone.post("/connexion", {"email": "anne@example.org", "password": password},
                              headers={"X-Forwarded-For": address})[0]

        statuses = [attempt("203.0.113.5", "faux") for _ in range(12)]
        # Five failures in all, whichever worker counted them; then every attempt is refused.
        assert statuses[:5] == [401] * 5 and set(statuses[5:]) == {429}, statuses
        assert attempt("198.51.100.7", "mot de passe sûr") == 302  # the owner, elsewhere
    finally:
        server.stop()



def test_the_per_worker_store_takes_hits_from_every_thread_at_once(make_app):
    """The default store (memory://) in a threaded worker: threads hitting it at the same moment
    once its expiry timer has stopped must all be counted, none answered with a 500 (limits'
    own MemoryStorage can start one timer twice: RuntimeError in the request, KeyError in
    threading's bookkeeping, reported by pytest as an unhandled thread exception)."""
    import sys
    import threading

    from masterclass.extensions import limiter

    app = make_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://")
    with app.app_context():
        storage = limiter.storage
    threads, rounds, errors = 16, 150, []
    together = threading.Barrier(threads)

    def phone(n):
        for _ in range(rounds):
            together.wait()  # the timer has stopped by now (it runs 10 ms): all restart it at once
            try:
                storage.incr(f"phone-{n}", 60)
            except RuntimeError as error:
                errors.append(error)
            time.sleep(0.02)

    switch = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # threads interleave at every bytecode, as on a loaded server
    try:
        workers = [threading.Thread(target=phone, args=(n,)) for n in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
    finally:
        sys.setswitchinterval(switch)
    assert errors == []
    assert [storage.get(f"phone-{n}") for n in range(threads)] == [rounds] * threads
