"""The app's per-process caches, all of one kind.

A cache here is bounded (the least recently used entry goes first, cachetools.LRUCache), shared
by a worker's threads (one lock), and keeps each entry with its *stamp*: what it was made from
(a séance's version, the public generation, the day…). An entry is used only while its stamp is
current, and made again it replaces the old one, so a cache never serves a stale copy and never
holds more than one copy of a thing. A value is made once: threads that want the same key and
stamp while another thread makes it wait for that one (a room's list, ~4 ms to render, is asked
for by every thread of a worker right after each vote). Each cache is named and kept per app
(``app.extensions["caches"]``), so tests and the next app in the same process start empty.

Who uses it: ``page_cache`` (one cache per view, so a flood of odd searches never pushes out the
séance pages), ``front`` (the same pages, answered before Flask), ``questions.live_cache`` (the
room's list per séance and order) and ``archive.services`` (counts and filter choices).
"""

import threading
from collections.abc import Callable, Hashable
from typing import Any

from cachetools import LRUCache

_registry_lock = threading.Lock()


class StampedCache:
    def __init__(self, maxsize: int):
        self.maxsize = maxsize
        self._entries: LRUCache = LRUCache(maxsize)
        self._lock = threading.Lock()
        self._made = threading.Condition(self._lock)  # a value being made is now kept
        self._making: set = set()  # (key, stamp) being made by some thread

    def entry(self, key: Hashable) -> tuple[Any, Any] | None:
        """(stamp, value) as kept, whether or not the stamp is still current."""
        with self._lock:
            return self._entries.get(key)

    def get(self, key: Hashable, stamp: Any, default: Any = None) -> Any:
        """The value kept under ``key`` if it was made from ``stamp``, else ``default``."""
        entry = self.entry(key)
        return entry[1] if entry is not None and entry[0] == stamp else default

    def put(self, key: Hashable, stamp: Any, value: Any) -> None:
        with self._lock:
            self._entries[key] = (stamp, value)

    def get_or_make(self, key: Hashable, stamp: Any, make: Callable[[], Any]) -> Any:
        """The current value, made (outside the lock) and kept when missing or stale; made by
        one thread at a time, the others waiting for its value."""
        with self._lock:
            while True:
                entry = self._entries.get(key)
                if entry is not None and entry[0] == stamp:
                    return entry[1]
                if (key, stamp) not in self._making:
                    self._making.add((key, stamp))
                    break
                self._made.wait()
        try:
            value = make()
        except BaseException:
            with self._lock:
                self._making.discard((key, stamp))
                self._made.notify_all()  # failed: a waiter makes it (and meets the error itself)
            raise
        with self._lock:
            self._entries[key] = (stamp, value)
            self._making.discard((key, stamp))
            self._made.notify_all()
        return value

    def __len__(self) -> int:
        return len(self._entries)


def cache(app, name: str, maxsize: int) -> StampedCache:
    """The app's cache called ``name`` (made on first use with room for ``maxsize`` entries)."""
    caches = app.extensions.setdefault("caches", {})
    found = caches.get(name)
    if found is None:
        with _registry_lock:
            found = caches.setdefault(name, StampedCache(maxsize))
    return found
