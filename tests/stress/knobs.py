"""Experiment switches for tests/stress (never used in production), read from the environment
when this module is imported, before the app or SQLAlchemy is.

FTS_STRESS_SQLITE=pysqlite3  the sqlite3 module replaced by pysqlite3 (pysqlite3-binary wheel, its
                             own current SQLite): SQLAlchemy's pysqlite dialect, the app's connect
                             hook and its fast reader all use it.
FTS_STRESS_PURE=a,b          these packages' compiled modules not loaded: SQLAlchemy's Cython
                             modules ("sqlalchemy") from their pure-Python twins, "markupsafe"
                             and "wrapt" from their Python fallbacks.
FTS_STRESS_GC=N              gc.set_threshold(N): the collector runs every N allocations, so an
                             object freed too early is walked (and crashes) much sooner.
FTS_STRESS_SWITCH=S          sys.setswitchinterval(S): threads change hands far more often.
"""

import gc
import importlib.machinery
import importlib.util
import os
import sys
from pathlib import Path

PURE = {name for name in os.environ.get("FTS_STRESS_PURE", "").split(",") if name}


class _PureFinder:
    """Compiled modules of the PURE packages: their .py twin, or an ImportError (fallback)."""

    def find_spec(self, name, path, target=None):
        if name.split(".")[0] not in PURE or "." not in name:
            return None
        spec = importlib.machinery.PathFinder.find_spec(name, path)
        if spec is None or not (spec.origin or "").endswith(".so"):
            return None
        twin = Path(spec.origin).parent / (name.rsplit(".", 1)[1] + ".py")
        if twin.exists():
            return importlib.util.spec_from_file_location(name, twin)
        raise ImportError(f"{name}: compiled module refused (FTS_STRESS_PURE)")


if PURE:
    sys.meta_path.insert(0, _PureFinder())

if os.environ.get("FTS_STRESS_SQLITE", "system") == "pysqlite3":
    import pysqlite3
    import pysqlite3.dbapi2

    sys.modules["sqlite3"] = pysqlite3
    sys.modules["sqlite3.dbapi2"] = pysqlite3.dbapi2

if os.environ.get("FTS_STRESS_GC"):
    gc.set_threshold(int(os.environ["FTS_STRESS_GC"]))
if os.environ.get("FTS_STRESS_SWITCH"):
    sys.setswitchinterval(float(os.environ["FTS_STRESS_SWITCH"]))
