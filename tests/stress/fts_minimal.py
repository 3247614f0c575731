"""The search's FTS5 queries from threads, without Flask or gunicorn (issue 12 item 10).

Each run is a fresh process (cold, as a new worker) in which --threads threads run the two
queries of masterclass.search.index.query with varied words at once, for --queries each;
a run whose process dies of a signal is a crash. Layers (--layer):

  sqlite3     the stdlib sqlite3 module alone: one connection per thread, the same pragmas
              and SQL as the app (or pysqlite3 with --sqlite pysqlite3);
  sqlalchemy  SQLAlchemy Core: one engine (its pool hands connections from thread to thread,
              as in the app), the same text() statements;
  orm         masterclass.search.index.query itself on a Session per thread (no Flask);
  flask       the whole app in-process (create_app, its test client per thread, page cache
              off): the search page as gunicorn serves it, without gunicorn.

    .venv/bin/python tests/stress/fts_minimal.py --db .stress/archive-10000-100000.db --runs 30 --layer sqlite3
"""

import argparse
import importlib
import os
import random
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path[:0] = [str(HERE), str(ROOT)]

from fts_crash import WORDS  # noqa: E402

FIRST = """SELECT min(rowid) FROM (SELECT rowid FROM search_index
    WHERE search_index MATCH :match AND rowid BETWEEN :lo AND :hi ORDER BY rowid DESC LIMIT 100)"""
SECOND = """SELECT kind, ref_id, seance_id, highlight(search_index, 3, :start, :end),
       snippet(search_index, 4, :start, :end, '…', 32)
    FROM search_index WHERE search_index MATCH :match AND rowid BETWEEN :lowest AND :hi
    ORDER BY bm25(search_index, 0, 0, 0, 5.0, 1.0) LIMIT :limit OFFSET :offset"""
PRAGMAS = ["PRAGMA foreign_keys = ON", "PRAGMA busy_timeout = 5000", "PRAGMA journal_mode = WAL",
           "PRAGMA synchronous = NORMAL", "PRAGMA cache_size = -16000"]


def child(args) -> None:
    os.environ["FTS_STRESS_SQLITE"] = args.sqlite
    importlib.import_module("knobs")  # its switches (FTS_STRESS_GC, ...), before sqlite3 is imported
    import sqlite3

    from masterclass.search.index import END, START, kind_range, query, to_match

    rng = random.Random(os.getpid())
    plans = [[(" ".join(rng.sample(WORDS, rng.randint(1, 3))), kind)
              for kind in ("seance", "question", "fiche")] for _ in range(args.threads * args.queries)]
    barrier = threading.Barrier(args.threads)

    if args.layer == "flask":
        os.environ.update(MASTERCLASS_DATABASE_URL=f"sqlite:///{args.db}", MASTERCLASS_SECRET_KEY="stress",
                          MASTERCLASS_UPLOAD_DIR=str(Path(args.db).parent / "fiches"),
                          MASTERCLASS_PAGE_CACHE="false", MASTERCLASS_SESSION_COOKIE_SECURE="false")
        from urllib.parse import urlencode

        from masterclass import create_app

        app = create_app()

        def work(i):
            client = app.test_client()
            barrier.wait()
            for plan in plans[i::args.threads]:
                response = client.get("/recherche?" + urlencode({"q": plan[0][0]}))
                assert response.status_code == 200, response.status_code
    elif args.layer == "sqlite3":
        def work(i):
            conn = sqlite3.connect(args.db, check_same_thread=False, isolation_level=None)
            for pragma in PRAGMAS:
                conn.execute(pragma)
            barrier.wait()
            for plan in plans[i::args.threads]:
                for raw, kind in plan:
                    params = {"match": to_match(raw), **kind_range(kind)}
                    lowest = conn.execute(FIRST, params).fetchone()[0]
                    if lowest is not None:
                        conn.execute(SECOND, {**params, "lowest": lowest, "limit": 6, "offset": 0,
                                              "start": START, "end": END}).fetchall()
    else:
        from sqlalchemy import create_engine, event, text
        from sqlalchemy.orm import Session

        engine = create_engine(f"sqlite:///{args.db}")

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection, _record):
            for pragma in PRAGMAS:
                dbapi_connection.execute(pragma)

        def work(i):
            barrier.wait()
            for plan in plans[i::args.threads]:
                if args.layer == "orm":
                    with Session(engine) as session:
                        for raw, kind in plan:
                            query(session, raw, kind, 5)
                    continue
                with engine.connect() as conn:
                    for raw, kind in plan:
                        params = {"match": to_match(raw), **kind_range(kind)}
                        lowest = conn.execute(text(FIRST), params).scalar()
                        if lowest is not None:
                            conn.execute(text(SECOND), {**params, "lowest": lowest, "limit": 6, "offset": 0,
                                                        "start": START, "end": END}).all()

    threads = [threading.Thread(target=work, args=(i,)) for i in range(args.threads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True)
    parser.add_argument("--layer", choices=["sqlite3", "sqlalchemy", "orm", "flask"], default="sqlite3")
    parser.add_argument("--sqlite", choices=["system", "pysqlite3"], default="system")
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--queries", type=int, default=20, help="searches per thread per run")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return 0
    crashes = 0
    env = {**os.environ, "PYTHONFAULTHANDLER": "1"}
    for n in range(1, args.runs + 1):
        started = time.monotonic()
        run = subprocess.run([args.python, __file__, "--child", *sys.argv[1:]], env=env,
                             capture_output=True, text=True)
        crashed = run.returncode != 0
        crashes += crashed
        print(f"run {n}: exit {run.returncode} in {time.monotonic() - started:.1f} s", flush=True)
        if crashed:
            print(run.stderr[-4000:], flush=True)
    print(f"SUMMARY layer={args.layer} sqlite={args.sqlite} python={args.python} threads={args.threads} "
          f"runs={args.runs} crashes={crashes}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
