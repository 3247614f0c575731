"""wsgi:app for tests/stress/fts_crash.py, with the switches of knobs.py and one more:

FTS_STRESS_NO_LOCK=1   the search's per-process FTS5 lock replaced by a no-op.
"""

import contextlib
import os

import knobs  # noqa: F401 - first: it may replace sqlite3 or refuse compiled modules

import masterclass.search.routes as search_routes  # noqa: E402, I001
from wsgi import app  # noqa: E402, F401

if os.environ.get("FTS_STRESS_NO_LOCK") == "1":
    search_routes._one_search_at_a_time = contextlib.nullcontext()
