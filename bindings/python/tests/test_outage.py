"""Redis down, stalled and coming back: errors, available(), status and its listener."""

from __future__ import annotations

import json
import threading
import time

import pytest

import ldredis
from conftest import free_port, wait_for


@pytest.fixture
def down_url():
    return f"redis://127.0.0.1:{free_port()}/0"  # nothing listens there


class Recorder:
    def __init__(self):
        self.events = []
        self.threads = set()
        self.lock = threading.Lock()

    def __call__(self, available, needs_refresh):
        with self.lock:
            self.events.append((available, needs_refresh))
            self.threads.add(threading.get_ident())


def test_a_store_can_be_created_while_redis_is_down(down_url):
    with ldredis.Store(down_url) as s:
        assert s.available() is False


@pytest.mark.parametrize("call", [
    lambda s: s.init({}),
    lambda s: s.get("features", "k"),
    lambda s: s.all("features"),
    lambda s: s.upsert("features", "k", {"key": "k", "version": 1}),
    lambda s: s.delete("features", "k", 1),
    lambda s: s.initialized,
    lambda s: s.big_segments_metadata(),
    lambda s: s.big_segment_membership("h"),
], ids=["init", "get", "all", "upsert", "delete", "initialized", "bigseg_meta", "bigseg_member"])
def test_every_operation_on_an_unreachable_server_raises_unavailable(down_url, call):
    with ldredis.Store(down_url, cache_ttl=0, connect_timeout=0.5) as s:
        with pytest.raises(ldredis.UnavailableError) as e:
            call(s)
        assert e.value.status == -2
        assert "127.0.0.1" in str(e.value)
        st = s.status()
        assert st.available is False
        assert st.last_error


def test_errors_are_never_cached(own_redis):
    url = own_redis.url
    with ldredis.Store(url, cache_ttl=30) as s:
        own_redis.stop()
        with pytest.raises(ldredis.UnavailableError):
            s.get("features", "k")
        own_redis.start()
        c = own_redis.client()
        c.cmd("HSET", "launchdarkly:features", "k", json.dumps({"key": "k", "version": 3}))
        assert s.get("features", "k") == {"key": "k", "version": 3}


def test_a_stalled_server_gives_a_timeout_error(own_redis):
    with ldredis.Store(own_redis.url, cache_ttl=0, operation_timeout=0.3) as s:
        s.init({})
        own_redis.pause()
        try:
            started = time.monotonic()
            with pytest.raises(ldredis.RedisTimeoutError) as e:
                s.get("features", "k")
            elapsed = time.monotonic() - started
        finally:
            own_redis.resume()
        assert e.value.status == -3
        assert isinstance(e.value, ldredis.UnavailableError)
        assert not isinstance(e.value, TimeoutError)  # the builtin is not shadowed
        assert 0.2 < elapsed < 3


def test_the_status_listener_hears_an_outage_and_the_recovery(own_redis):
    rec = Recorder()
    with ldredis.Store(own_redis.url, cache_ttl=0, connect_timeout=0.5) as s:
        s.set_status_listener(rec)
        s.init({})
        own_redis.stop()
        with pytest.raises(ldredis.UnavailableError):
            s.get("features", "k")
        with pytest.raises(ldredis.UnavailableError):
            s.get("features", "k")  # a second failure publishes nothing new
        assert wait_for(lambda: rec.events == [(False, False)]), rec.events
        assert s.status().available is False
        assert s.available() is False

        own_redis.start()  # same port, empty
        assert wait_for(lambda: len(rec.events) >= 2), rec.events
        time.sleep(0.6)  # room for a wrong duplicate
        assert rec.events == [(False, False), (True, True)]
        st = s.status()
        assert st.available and st.needs_refresh
        assert threading.get_ident() not in rec.threads

        s.init({})  # the owner refreshes the data
        assert wait_for(lambda: s.status().needs_refresh is False)
        assert wait_for(lambda: rec.events[-1] == (True, False)), rec.events


def test_the_infinite_cache_writes_an_outage_upsert_back_after_recovery(own_redis):
    rec = Recorder()
    with ldredis.Store(own_redis.url, cache_ttl=None, connect_timeout=0.5) as s:
        s.set_status_listener(rec)
        s.init({"flags": {"a": {"key": "a", "version": 1}, "b": {"key": "b", "version": 1}}})
        own_redis.stop()
        with pytest.raises(ldredis.UnavailableError):
            s.upsert("features", "a", {"key": "a", "version": 2})
        assert s.get("features", "a") == {"key": "a", "version": 2}  # cached anyway
        own_redis.start()
        c = own_redis.client()

        def written_back():
            raw = c.cmd("HGET", "launchdarkly:features", "a")
            return raw is not None and json.loads(raw)["version"] == 2

        assert wait_for(written_back)
        assert c.cmd("HGET", "launchdarkly:features", "b") is not None
        assert wait_for(lambda: rec.events and rec.events[-1] == (True, False)), rec.events


def test_an_exception_in_the_listener_is_logged_not_propagated(own_redis, caplog):
    calls = []

    def bad(available, needs_refresh):
        calls.append(available)
        raise ValueError("listener bug")

    with ldredis.Store(own_redis.url, cache_ttl=0) as s:
        s.set_status_listener(bad)
        own_redis.stop()
        with pytest.raises(ldredis.UnavailableError):
            s.get("features", "k")
        assert wait_for(lambda: calls == [False])
        assert wait_for(lambda: "listener bug" in caplog.text)
        own_redis.start()
        assert wait_for(lambda: calls == [False, True])
        assert s.get("features", "k") is None  # the store still works


def test_a_replaced_or_removed_listener_is_not_called(own_redis):
    first, second = Recorder(), Recorder()
    with ldredis.Store(own_redis.url, cache_ttl=0) as s:
        s.set_status_listener(first)
        s.set_status_listener(second)
        own_redis.stop()
        with pytest.raises(ldredis.UnavailableError):
            s.get("features", "k")
        assert wait_for(lambda: second.events == [(False, False)])
        s.set_status_listener(None)
        own_redis.start()
        assert wait_for(lambda: s.status().available)
        time.sleep(0.2)
        assert first.events == [] and second.events == [(False, False)]


def test_the_listener_may_call_the_store(own_redis):
    seen = []
    with ldredis.Store(own_redis.url, cache_ttl=0) as s:
        s.set_status_listener(lambda a, r: seen.append((a, s.status().available)))
        own_redis.stop()
        with pytest.raises(ldredis.UnavailableError):
            s.get("features", "k")
        assert wait_for(lambda: seen == [(False, False)]), seen

