"""Store lifetimes: close, context manager, use after close, finalizer, close during calls."""

from __future__ import annotations

import gc
import sys
import time
import warnings
import weakref

import pytest

import ldredis
from conftest import Threads, run_threads, wait_for
from ldredis import _lib

EVERY_CALL = [
    ("init", lambda s: s.init({})),
    ("get", lambda s: s.get("features", "k")),
    ("get_raw", lambda s: s.get_raw("features", "k")),
    ("all", lambda s: s.all("features")),
    ("all_raw", lambda s: s.all_raw("features")),
    ("upsert", lambda s: s.upsert("features", "k", {"key": "k", "version": 1})),
    ("delete", lambda s: s.delete("features", "k", 1)),
    ("initialized", lambda s: s.initialized),
    ("available", lambda s: s.available()),
    ("status", lambda s: s.status()),
    ("set_status_listener", lambda s: s.set_status_listener(lambda a, b: None)),
    ("stats", lambda s: s.stats()),
    ("describe", lambda s: s.describe()),
    ("big_segments_metadata", lambda s: s.big_segments_metadata()),
    ("big_segment_membership", lambda s: s.big_segment_membership("h")),
]


def test_close_is_idempotent(url):
    s = ldredis.Store(url)
    s.close()
    s.close()
    assert s.closed


def test_the_context_manager_closes_the_store(url):
    with ldredis.Store(url) as s:
        assert not s.closed
        s.init({})
    assert s.closed


@pytest.mark.parametrize("name,call", EVERY_CALL, ids=[n for n, _ in EVERY_CALL])
def test_every_call_after_close_raises_closed_error(url, name, call):
    s = ldredis.Store(url)
    s.close()
    with pytest.raises(ldredis.ClosedError) as e:
        call(s)
    assert e.value.status is None
    assert isinstance(e.value, ldredis.Error)


@pytest.fixture
def releases(monkeypatch):
    """Records each ldredis_store_free (the handle's address) and each unraisable exception
    (an exception in __del__ is only printed, never raised)."""
    freed, unraisable = [], []
    free = _lib.lib.ldredis_store_free

    def recording_free(handle):
        freed.append(handle.value)
        free(handle)

    monkeypatch.setattr(_lib.lib, "ldredis_store_free", recording_free)
    monkeypatch.setattr(sys, "unraisablehook", unraisable.append)
    return freed, unraisable


def test_a_store_that_is_never_closed_is_released_quietly(url, releases):
    freed, unraisable = releases
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = ldredis.Store(url)
        handle = s._handle.value
        s.get("features", "k")
        s.set_status_listener(lambda a, b: None)
        collected = weakref.ref(s)
        del s
        gc.collect()
    assert collected() is None, "the store was not garbage-collected"
    assert freed == [handle], "the finalizer did not free the library's store (exactly once)"
    assert unraisable == []


def test_a_store_whose_constructor_failed_is_released_quietly(releases):
    freed, unraisable = releases
    with pytest.raises(ldredis.InvalidArgumentError):
        ldredis.Store("bogus://")
    gc.collect()
    assert freed == []  # there was no store to free
    assert unraisable == []


def test_close_waits_for_calls_in_other_threads(own_redis):
    s = ldredis.Store(own_redis.url, cache_ttl=0, operation_timeout=5)
    s.init({"flags": {"k": {"key": "k", "version": 1}}})
    own_redis.pause()  # the next call blocks in Redis
    results = []

    def reader():
        try:
            s.get("features", "k")
            results.append("ok")
        except ldredis.Error as e:
            results.append(type(e).__name__)

    reading = Threads(reader).start()
    assert wait_for(lambda: len(s._calls) == 1)  # the reader is inside its call
    closing = Threads(s.close).start()
    time.sleep(0.2)
    assert closing.running(), "close() must wait for the call in progress"
    own_redis.resume()
    reading.join(10)
    closing.join(10)
    assert s.closed
    assert results == ["ok"]


def test_many_threads_closing_at_once_close_once(url):
    s = ldredis.Store(url)
    run_threads(*[s.close] * 8, timeout=30)
    assert s.closed


def test_close_from_a_status_listener_is_refused(own_redis, caplog):
    s = ldredis.Store(own_redis.url, cache_ttl=0)
    seen = []

    def listener(available, needs_refresh):
        try:
            s.close()
        except RuntimeError as e:
            seen.append(str(e))

    s.set_status_listener(listener)
    own_redis.stop()
    with pytest.raises(ldredis.UnavailableError):
        s.get("features", "k")
    deadline = time.monotonic() + 5
    while not seen and time.monotonic() < deadline:
        time.sleep(0.02)
    assert seen and "status listener" in seen[0]
    assert not s.closed
    s.close()


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="no fork()")
def test_a_forked_child_cannot_use_its_parents_store(url):
    import os

    s = ldredis.Store(url, cache_ttl=0)
    s.get("features", "k")
    pid = os.fork()
    if pid == 0:  # the child: report through the exit code only
        code = 1
        try:
            s.get("features", "k")
        except ldredis.ClosedError as e:
            code = 0 if "fork" in str(e) else 2
        except BaseException:  # noqa: BLE001
            code = 3
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 0
    assert s.get("features", "k") is None  # the parent's store is unaffected
    s.close()


def test_an_interpreter_exiting_with_open_stores_and_listeners_exits_cleanly(own_redis):
    import subprocess
    import sys
    import textwrap

    code = textwrap.dedent(f"""
        import ldredis
        stores = [ldredis.Store({own_redis.url!r}, cache_ttl=0) for _ in range(3)]
        for s in stores:
            s.set_status_listener(lambda a, r: print("status", a, r, flush=True))
            s.get("features", "k")
        print("done", flush=True)
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip().endswith("done")
    assert r.stderr == ""
