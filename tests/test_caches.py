"""The one kind of per-process cache (masterclass/caches.py): bounded, stamped, made once."""

import threading
import time

import pytest

from masterclass.caches import StampedCache


def wait_until(condition, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition never came"
        time.sleep(0.001)


def test_a_value_wanted_by_many_threads_at_once_is_made_once():
    """Right after a vote every thread of a worker asks for the room's new list: one renders it,
    the others wait for that one instead of rendering it again."""
    cache, release, made = StampedCache(8), threading.Event(), []

    def make():
        made.append(1)
        release.wait(5)
        return "the list at version 2"

    results = []
    threads = [threading.Thread(target=lambda: results.append(cache.get_or_make("room", 2, make)))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    wait_until(lambda: len(made) == 1 and len(cache._made._waiters) == 7)
    release.set()
    for thread in threads:
        thread.join(5)
    assert made == [1] and results == ["the list at version 2"] * 8
    assert cache.get_or_make("room", 3, lambda: "version 3") == "version 3"  # a new stamp: made again
    assert cache.get("room", 2) is None and len(cache) == 1  # the old copy replaced, not kept beside


def test_a_failed_making_is_not_kept_and_the_next_one_tries_again():
    cache = StampedCache(8)

    def fail():
        raise RuntimeError("the database is away")

    with pytest.raises(RuntimeError):
        cache.get_or_make("room", 1, fail)
    assert cache.get_or_make("room", 1, lambda: "made") == "made"
