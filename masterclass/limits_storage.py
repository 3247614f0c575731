"""The rate limits' per-worker store (``memory://``): limits' MemoryStorage, its expiry timer
restarted under a lock.

limits (5.8.0) restarts that timer with check-then-act: two threads of a worker that find it
stopped at the same moment can both start the same new Timer, and the second gets
RuntimeError("threads can only be started once"), a 500 on a vote in a busy room (seen once in
15,000 requests with 1,000 phones). Fixed upstream (alisaifee/limits pull request 352), in no
release yet; ``config.finish`` maps ``memory://`` here.
"""

import threading

from limits.storage import MemoryStorage

SCHEME = "masterclass-memory"


class LockedMemoryStorage(MemoryStorage):
    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options):
        self._timer_lock = threading.Lock()
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    def _MemoryStorage__schedule_expiry(self) -> None:  # what MemoryStorage calls on every hit
        with self._timer_lock:
            MemoryStorage._MemoryStorage__schedule_expiry(self)
