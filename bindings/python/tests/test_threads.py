"""One store shared by many threads (ctypes releases the GIL during each call)."""

from __future__ import annotations

import threading
import time

import pytest

import ldredis

THREADS = 8


def hammer(store, seconds, worker):
    errors = []
    stop = time.monotonic() + seconds
    barrier = threading.Barrier(THREADS)

    def run(i):
        barrier.wait()
        n = 0
        try:
            while time.monotonic() < stop:
                worker(i, n)
                n += 1
        except BaseException as e:  # noqa: BLE001
            errors.append(e)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors[:3]


@pytest.mark.parametrize("cache_ttl", [0, 15.0], ids=["cache-off", "cache-on"])
@pytest.mark.parametrize("mode", ["script", "watch"])
def test_eight_threads_hammering_get_and_upsert_leave_the_highest_versions(url, prefix, cache_ttl,
                                                                           mode):
    keys = [f"k{i}" for i in range(4)]
    highest = {k: 0 for k in keys}
    lock = threading.Lock()
    with ldredis.Store(url, prefix, cache_ttl=cache_ttl, upsert_mode=mode, pool_size=4) as s:
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

        hammer(s, 1.5, worker)
    with ldredis.Store(url, prefix, cache_ttl=0) as fresh:
        for k in keys:
            assert fresh.get("features", k)["version"] == highest[k], k


def test_threads_really_run_in_parallel_while_a_call_blocks(own_redis):
    """A call blocked in Redis must not hold the GIL: other threads keep running."""
    with ldredis.Store(own_redis.url, cache_ttl=0, operation_timeout=1) as s:
        s.init({})
        own_redis.pause()
        ticks = []
        try:
            t = threading.Thread(target=lambda: pytest.raises(ldredis.RedisTimeoutError,
                                                              s.get, "features", "k"))
            t.start()
            start = time.monotonic()
            while t.is_alive() and time.monotonic() - start < 5:
                ticks.append(1)
                time.sleep(0.01)
            t.join()
        finally:
            own_redis.resume()
        assert len(ticks) > 20


def test_listener_changes_and_calls_from_many_threads_do_not_deadlock(url):
    with ldredis.Store(url, cache_ttl=0) as s:
        def worker(i, n):
            if n % 3 == 0:
                s.set_status_listener(lambda a, r: None)
            elif n % 3 == 1:
                s.set_status_listener(None)
            else:
                s.status()
                s.get("features", "x")

        hammer(s, 0.5, worker)


def test_closing_while_threads_are_calling_gives_closed_errors_only(url):
    s = ldredis.Store(url, cache_ttl=0)
    s.init({"flags": {"k": {"key": "k", "version": 1}}})
    errors = []
    go = threading.Event()

    def reader():
        go.wait()
        while True:
            try:
                s.get("features", "k")
            except ldredis.ClosedError:
                return
            except BaseException as e:  # noqa: BLE001
                errors.append(e)
                return

    threads = [threading.Thread(target=reader) for _ in range(THREADS)]
    for t in threads:
        t.start()
    go.set()
    time.sleep(0.2)
    s.close()
    for t in threads:
        t.join(10)
    assert not errors
    assert all(not t.is_alive() for t in threads)
