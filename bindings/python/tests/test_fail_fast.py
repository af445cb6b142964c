"""fail_fast, and what counts as an outage: a stalled redis-server (SIGSTOP) against a data
error reply (WRONGTYPE)."""

from __future__ import annotations

import json
import threading
import time
from typing import List

import pytest

import ldredis
from conftest import RedisServer, wait_for

# The OpenResty recipe's operation timeout: below the library's 500 ms probe interval.
SHORT_TIMEOUT = 0.25


def _outcomes(store: ldredis.Store, count: int) -> List[str]:
    """``count`` uncached reads (distinct keys), each as what happened: "refused" (fail fast:
    UnavailableError saying so, Redis not reached) or "reached Redis" (it timed out on the
    frozen server). Decided by the error, not by the time taken."""
    results = []
    for i in range(count):
        with pytest.raises(ldredis.Error) as e:
            store.get("features", f"k{i}")
        if isinstance(e.value, ldredis.RedisTimeoutError):
            results.append("reached Redis")
        elif isinstance(e.value, ldredis.UnavailableError) and "fail fast" in str(e.value):
            results.append("refused")
        else:
            results.append(repr(e.value))
    return results


def _reads_while_stalled(server: RedisServer, timeout: float, fail_fast: bool,
                         count: int) -> List[str]:
    """Pauses the server; one read marks the store unavailable, then ``count`` reads.
    Resumes the server and checks that the store recovers and reads work again."""
    with ldredis.Store(server.url, cache_ttl=0, operation_timeout=timeout,
                       fail_fast=fail_fast) as s:
        s.init({"flags": {"f": {"key": "f", "version": 1}}})
        server.pause()
        try:
            with pytest.raises(ldredis.RedisTimeoutError):
                s.get("features", "first")
            assert s.status().available is False
            results = _outcomes(s, count)
        finally:
            server.resume()
        assert wait_for(lambda: s.status().available), s.status()
        assert s.get("features", "f") == {"key": "f", "version": 1}
        return results


def test_fail_fast_is_off_by_default_and_every_read_goes_to_redis(own_redis):
    assert _reads_while_stalled(own_redis, SHORT_TIMEOUT, False, 3) == ["reached Redis"] * 3


def test_fail_fast_reads_are_refused_while_unavailable_and_work_after_recovery(own_redis):
    """One read per 500 ms may still go to Redis as a probe; the others are refused without
    reaching it. (The interval itself is tested with a manual clock in RecoveryTests.)"""
    results = _reads_while_stalled(own_redis, SHORT_TIMEOUT, True, 6)
    assert set(results) <= {"refused", "reached Redis"}, results
    assert results[0] == "refused", results  # the interval counts from the outage
    assert results.count("refused") >= 3, results


def test_fail_fast_with_a_timeout_longer_than_the_probe_interval(own_redis):
    """The read after a probe is refused, whatever the timeout (issue 16: "an uncached read
    returns UNAVAILABLE at once instead of waiting for a timeout")."""
    results = _reads_while_stalled(own_redis, 1.0, True, 4)
    assert set(results) <= {"refused", "reached Redis"}, results
    for before, after in zip(results, results[1:]):
        assert not (before == after == "reached Redis"), results  # never two probes in a row


def test_fail_fast_does_not_hold_back_writes(own_redis):
    with ldredis.Store(own_redis.url, cache_ttl=0, operation_timeout=SHORT_TIMEOUT,
                       fail_fast=True) as s:
        s.init({})
        own_redis.pause()
        try:
            with pytest.raises(ldredis.RedisTimeoutError):
                s.get("features", "first")
            for v in (1, 2):
                with pytest.raises(ldredis.RedisTimeoutError):  # it went to Redis
                    s.upsert("features", "k", {"key": "k", "version": v})
        finally:
            own_redis.resume()


def test_fail_fast_still_serves_the_cache(own_redis):
    with ldredis.Store(own_redis.url, cache_ttl=None, operation_timeout=SHORT_TIMEOUT,
                       fail_fast=True) as s:
        s.init({"flags": {"f": {"key": "f", "version": 1}}})
        own_redis.pause()
        try:
            with pytest.raises(ldredis.RedisTimeoutError):
                s.upsert("features", "g", {"key": "g", "version": 1})
            assert s.status().available is False
            assert s.get("features", "f") == {"key": "f", "version": 1}
            assert s.get("features", "g") == {"key": "g", "version": 1}
        finally:
            own_redis.resume()


def test_the_sdk_factory_passes_fail_fast_to_the_store(monkeypatch):
    launchdarkly = pytest.importorskip("ldredis.launchdarkly")
    seen = {}

    class FakeStore:
        def __init__(self, url, prefix, **settings):
            seen.update(settings)

    monkeypatch.setattr(launchdarkly, "Store", FakeStore)
    monkeypatch.setattr(launchdarkly, "LDRedisFeatureStore", lambda store: store)
    launchdarkly.Redis.new_feature_store(fail_fast=True)
    assert seen["fail_fast"] is True


@pytest.mark.parametrize("cache_ttl", [0, None], ids=["cache_off", "infinite"])
def test_a_wrongtype_reply_is_a_redis_error_and_no_outage(url, redis, prefix, cache_ttl):
    """An error reply about data is that operation's error: it changes no status (and in
    infinite mode starts no write-back that could roll back another writer's newer version)."""
    events = []
    with ldredis.Store(url, prefix, cache_ttl=cache_ttl, fail_fast=True) as s:
        s.set_status_listener(lambda available, refresh: events.append((available, refresh)))
        s.init({"segments": {"s": {"key": "s", "version": 5}}})
        redis.cmd("HSET", f"{prefix}:segments", "s", json.dumps({"key": "s", "version": 10}))
        redis.cmd("SET", f"{prefix}:features", "a string, not a hash")
        errors_before = s.stats()["redis_errors"]
        for _ in range(2):  # the second would fail fast if the first had been an outage
            with pytest.raises(ldredis.RedisError) as e:
                s.get("features", "f")
            assert e.value.status == -4
            assert "WRONGTYPE" in str(e.value)
        st = s.status()
        assert st.available is True and st.needs_refresh is False
        assert s.available() is True
        assert s.stats()["redis_errors"] >= errors_before + 2
        time.sleep(0.7)  # more than a background tick: room for a wrong write-back
        assert events == []
        assert json.loads(redis.cmd("HGET", f"{prefix}:segments", "s"))["version"] == 10
