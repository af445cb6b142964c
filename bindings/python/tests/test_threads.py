"""One store shared by many threads (ctypes releases the GIL during each call)."""

from __future__ import annotations

import functools
import threading
import time

import pytest

import ldredis
from conftest import Threads, run_threads

THREADS = 8


def hammer(seconds, worker):
    """Calls worker(i, n) in THREADS threads for about `seconds`; fails on any exception in a
    thread, and when a thread has not finished a minute after that (a deadlock)."""
    stop = time.monotonic() + seconds
    barrier = threading.Barrier(THREADS)

    def run(i):
        barrier.wait(30)
        n = 0
        while time.monotonic() < stop:
            worker(i, n)
            n += 1

    run_threads(*(functools.partial(run, i) for i in range(THREADS)), timeout=seconds + 60)


@pytest.mark.parametrize("cache_ttl", [0, 15.0], ids=["cache-off", "cache-on"])
@pytest.mark.parametrize("mode", ["script", "watch"])
def test_eight_threads_hammering_get_and_upsert_leave_the_highest_versions(url, prefix, cache_ttl,
                                                                           mode):
    keys = [f"k{i}" for i in range(4)]
    highest = {k: 0 for k in keys}
    lock = threading.Lock()
    # Closed only after hammer() passed: close() waits for calls in progress, so after a
    # deadlock it would hang instead of letting the test fail (the same below).
    s = ldredis.Store(url, prefix, cache_ttl=cache_ttl, upsert_mode=mode, pool_size=4)
    s.init({"flags": {k: {"key": k, "version": 0} for k in keys}})

    def worker(i, n):
        key = keys[(i + n) % len(keys)]
        version = n * THREADS + i + 1
        try:
            s.upsert("features", key, {"key": key, "version": version, "by": i})
        except ldredis.ConflictError:
            return  # WATCH lost 10 races in a row: a legitimate outcome under contention
        with lock:
            highest[key] = max(highest[key], version)
        item = s.get("features", keys[n % len(keys)])
        assert item is not None and item["version"] >= 0
        assert set(s.all("features")) == set(keys)

    hammer(1.5, worker)
    s.close()
    with ldredis.Store(url, prefix, cache_ttl=0) as fresh:
        for k in keys:
            assert fresh.get("features", k)["version"] == highest[k], k


def test_threads_really_run_in_parallel_while_a_call_blocks(own_redis):
    """A call blocked in Redis must not hold the GIL: other threads keep running."""
    with ldredis.Store(own_redis.url, cache_ttl=0, operation_timeout=1) as s:
        s.init({})
        own_redis.pause()
        ticks = []

        def blocked_get():
            with pytest.raises(ldredis.RedisTimeoutError):
                s.get("features", "k")

        try:
            blocked = Threads(blocked_get).start()
            start = time.monotonic()
            while blocked.running() and time.monotonic() - start < 5:
                ticks.append(1)
                time.sleep(0.01)
            blocked.join(10)
        finally:
            own_redis.resume()
        assert len(ticks) > 20


def test_listener_changes_and_calls_from_many_threads_do_not_deadlock(url):
    s = ldredis.Store(url, cache_ttl=0)

    def worker(i, n):
        if n % 3 == 0:
            s.set_status_listener(lambda a, r: None)
        elif n % 3 == 1:
            s.set_status_listener(None)
        else:
            s.status()
            s.get("features", "x")

    hammer(0.5, worker)
    s.close()


def test_closing_while_threads_are_calling_gives_closed_errors_only(url):
    s = ldredis.Store(url, cache_ttl=0)
    s.init({"flags": {"k": {"key": "k", "version": 1}}})
    go = threading.Event()

    def reader():
        go.wait(30)
        while True:
            try:
                s.get("features", "k")
            except ldredis.ClosedError:
                return  # any other exception fails the test (Threads.join re-raises it)

    readers = Threads(*[reader] * THREADS).start()
    go.set()
    time.sleep(0.2)
    s.close()
    readers.join(10)
