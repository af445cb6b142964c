"""The memo of ldredis.launchdarkly's feature store: decoded model objects kept in Python with
the semantics of the configured cache (SPEC section 4, the SDK's CachingStoreWrapper), so that a
hit never calls into libldredis. Changes are made behind the store's back with raw Redis
commands, as another process sharing the Redis would make them."""

from __future__ import annotations

import json
import os
import threading
import time

import pytest

pytest.importorskip("ldclient", reason="launchdarkly-server-sdk is not installed")

from ldclient.feature_store import CacheConfig  # noqa: E402
from ldclient.versioned_data_kind import FEATURES, SEGMENTS  # noqa: E402

import ldredis  # noqa: E402
from conftest import Threads, run_threads, wait_for  # noqa: E402
from ldredis import launchdarkly as ldr  # noqa: E402

KEY = "launchdarkly:features"


def make_flag(key, version, **extra):
    d = {"key": key, "version": version, "on": True, "variations": [True, False], "salt": "abc",
         "fallthrough": {"variation": 0}, "offVariation": 1}
    d.update(extra)
    return d


def version(store, key):
    item = store.get(FEATURES, key)
    return None if item is None else item.version


def library_reads(store):
    """Reads that reached libldredis (its cache hits and misses)."""
    stats = store.store.stats()
    return stats["cache_hits"] + stats["cache_misses"]


@pytest.fixture
def open_store(url):
    created = []

    def make(caching, **options):
        s = ldr.new_feature_store(url=url, caching=caching, **options)
        created.append(s)
        return s

    yield make
    for s in created:
        s.close()


class TestHits:
    def test_a_hit_returns_the_same_object_without_calling_the_library(self, open_store):
        s = open_store(CacheConfig(expiration=60))
        s.init({FEATURES: {"f": make_flag("f", 1)}, SEGMENTS: {}})
        first = s.get(FEATURES, "f")
        reads = library_reads(s)
        for _ in range(100):
            assert s.get(FEATURES, "f") is first
        assert s.get(FEATURES, "f", lambda x: ("cb", x.key)) == ("cb", "f")
        assert library_reads(s) == reads

    def test_all_is_memoised_too(self, open_store):
        s = open_store(CacheConfig(expiration=60))
        s.init({FEATURES: {"f": make_flag("f", 1)}, SEGMENTS: {}})
        first = s.all(FEATURES)
        assert s.all(FEATURES) is first
        assert s.all(FEATURES, len) == 1


class TestExpiry:
    def test_a_change_made_in_redis_is_seen_once_the_ttl_has_passed(self, open_store, redis):
        s = open_store(CacheConfig(expiration=0.4))
        s.init({FEATURES: {"f": make_flag("f", 1)}, SEGMENTS: {}})
        assert version(s, "f") == 1
        redis.cmd("HSET", KEY, "f", json.dumps(make_flag("f", 2)))
        assert version(s, "f") == 1
        time.sleep(0.5)
        assert version(s, "f") == 2

    def test_a_busy_reader_sees_a_change_within_the_ttl_not_twice_it(self, open_store, redis):
        # The memo's entry must end after libldredis's own (stamped by a coarser clock):
        # otherwise the read at the memo's expiry renews the old answer for another TTL.
        ttl = 0.5
        s = open_store(CacheConfig(expiration=ttl))
        s.init({FEATURES: {"f": make_flag("f", 1)}, SEGMENTS: {}})
        start = time.monotonic()
        assert version(s, "f") == 1
        redis.cmd("HSET", KEY, "f", json.dumps(make_flag("f", 2)))
        while version(s, "f") == 1:
            assert time.monotonic() - start < ttl + 0.3, "the old item outlived the TTL"
            time.sleep(0.001)
        assert time.monotonic() - start >= ttl

    def test_an_item_first_read_late_after_init_expires_with_the_init_data(self, open_store, redis):
        # libldredis cached the whole init when it finished; a first read near the end of the
        # TTL is answered from that entry, so the memo must not keep it for a full TTL more.
        ttl = 0.6
        s = open_store(CacheConfig(expiration=ttl))
        s.init({FEATURES: {"f": make_flag("f", 1)}, SEGMENTS: {}})
        start = time.monotonic()
        redis.cmd("HSET", KEY, "f", json.dumps(make_flag("f", 2)))
        time.sleep(ttl * 0.6)
        assert version(s, "f") == 1  # the library's entry from the init
        time.sleep(max(0.0, start + ttl + 0.1 - time.monotonic()))
        assert version(s, "f") == 2

    def test_an_infinite_cache_never_expires(self, open_store, redis):
        s = open_store(CacheConfig(expiration=float("inf")))
        s.init({FEATURES: {"f": make_flag("f", 1)}, SEGMENTS: {}})
        assert version(s, "f") == 1
        assert set(s.all(FEATURES)) == {"f"}
        redis.cmd("HSET", KEY, "f", json.dumps(make_flag("f", 2)))
        redis.cmd("HSET", KEY, "g", json.dumps(make_flag("g", 1)))
        time.sleep(0.2)
        assert version(s, "f") == 1
        assert set(s.all(FEATURES)) == {"f"}

    def test_all_expires_with_the_ttl(self, open_store, redis):
        s = open_store(CacheConfig(expiration=0.3))
        s.init({FEATURES: {"f": make_flag("f", 1)}, SEGMENTS: {}})
        first = s.all(FEATURES)
        redis.cmd("HSET", KEY, "g", json.dumps(make_flag("g", 1)))
        assert s.all(FEATURES) is first
        time.sleep(0.4)
        second = s.all(FEATURES)
        assert set(second) == {"f", "g"}
        assert second["f"] is first["f"]  # unchanged items are not decoded again

    def test_refresh_ahead_keeps_entries_a_quarter_of_the_ttl(self, open_store):
        s = open_store(CacheConfig(expiration=8), refresh_ahead=True)
        assert s._lifetime == pytest.approx(2.0, abs=0.05)


class TestCachedMisses:
    def test_a_missing_item_stays_missing_until_the_ttl(self, open_store, redis):
        s = open_store(CacheConfig(expiration=0.3))
        s.init({FEATURES: {}, SEGMENTS: {}})
        assert s.get(FEATURES, "f") is None
        reads = library_reads(s)
        redis.cmd("HSET", KEY, "f", json.dumps(make_flag("f", 1)))
        assert s.get(FEATURES, "f") is None
        assert library_reads(s) == reads
        time.sleep(0.4)
        assert version(s, "f") == 1

    def test_a_deleted_item_is_remembered_as_missing(self, open_store, redis):
        s = open_store(CacheConfig(expiration=0.3))
        s.init({FEATURES: {"f": make_flag("f", 1)}, SEGMENTS: {}})
        redis.cmd("HSET", KEY, "f", json.dumps({"key": "f", "version": 2, "deleted": True}))
        time.sleep(0.4)
        assert s.get(FEATURES, "f") is None
        redis.cmd("HSET", KEY, "f", json.dumps(make_flag("f", 3)))
        assert s.get(FEATURES, "f") is None
        time.sleep(0.4)
        assert version(s, "f") == 3


class TestWrites:
    @pytest.mark.parametrize("expiration", [60, float("inf")], ids=["ttl", "infinite"])
    def test_an_applied_upsert_is_served_from_the_memo(self, open_store, expiration):
        s = open_store(CacheConfig(expiration=expiration))
        s.init({FEATURES: {"f": make_flag("f", 1)}, SEGMENTS: {}})
        assert version(s, "f") == 1
        s.upsert(FEATURES, make_flag("f", 2))
        reads = library_reads(s)
        assert version(s, "f") == 2
        assert library_reads(s) == reads

    def test_an_upserted_model_object_is_remembered_as_a_model_object(self, open_store):
        s = open_store(CacheConfig(expiration=60))
        s.init({FEATURES: {}, SEGMENTS: {}})
        s.upsert(FEATURES, FEATURES.decode(make_flag("f", 4)))
        assert s.get(FEATURES, "f") == FEATURES.decode(make_flag("f", 4))

    @pytest.mark.parametrize("expiration", [60, float("inf")], ids=["ttl", "infinite"])
    def test_a_rejected_upsert_leaves_the_stored_winner(self, open_store, redis, expiration):
        s = open_store(CacheConfig(expiration=expiration))
        s.init({FEATURES: {"f": make_flag("f", 1)}, SEGMENTS: {}})
        assert version(s, "f") == 1
        redis.cmd("HSET", KEY, "f", json.dumps(make_flag("f", 5)))  # another writer, unseen
        s.upsert(FEATURES, make_flag("f", 3))  # rejected: 5 is stored
        assert version(s, "f") == 5
        assert s.all(FEATURES)["f"].version == 5

    @pytest.mark.parametrize("expiration", [60, float("inf")], ids=["ttl", "infinite"])
    def test_a_delete_is_served_as_missing(self, open_store, expiration):
        s = open_store(CacheConfig(expiration=expiration))
        s.init({FEATURES: {"f": make_flag("f", 1), "g": make_flag("g", 1)}, SEGMENTS: {}})
        assert set(s.all(FEATURES)) == {"f", "g"}
        s.delete(FEATURES, "f", 2)
        assert s.get(FEATURES, "f") is None
        assert set(s.all(FEATURES)) == {"g"}
        s.upsert(FEATURES, {"key": "g", "version": 2, "deleted": True})
        assert s.get(FEATURES, "g") is None
        assert s.all(FEATURES) == {}

    def test_a_write_drops_the_kinds_all_with_a_finite_ttl(self, open_store, redis):
        s = open_store(CacheConfig(expiration=60))
        s.init({FEATURES: {"f": make_flag("f", 1)}, SEGMENTS: {"s": {"key": "s", "version": 1}}})
        features, segments = s.all(FEATURES), s.all(SEGMENTS)
        redis.cmd("HSET", KEY, "other", json.dumps(make_flag("other", 1)))  # unseen so far
        s.upsert(FEATURES, make_flag("g", 1))
        assert set(s.all(FEATURES)) == {"f", "g", "other"}  # read again: the new list
        assert set(features) == {"f"}  # the dict handed out earlier is unchanged
        assert s.all(SEGMENTS) is segments  # another kind keeps its entry

    def test_a_write_patches_the_kinds_all_with_the_infinite_cache(self, open_store, redis):
        s = open_store(CacheConfig(expiration=float("inf")))
        s.init({FEATURES: {"f": make_flag("f", 1)}, SEGMENTS: {}})
        first = s.all(FEATURES)
        redis.cmd("HSET", KEY, "other", json.dumps(make_flag("other", 1)))  # never seen
        s.upsert(FEATURES, make_flag("g", 1))
        second = s.all(FEATURES)
        assert set(second) == {"f", "g"}
        assert second["f"] is first["f"]
        assert set(first) == {"f"}  # patched as a copy: the dict handed out is unchanged
        s.delete(FEATURES, "f", 2)
        assert set(s.all(FEATURES)) == {"g"}

    def test_init_replaces_the_memo(self, open_store):
        s = open_store(CacheConfig(expiration=float("inf")))
        s.init({FEATURES: {"f": make_flag("f", 1), "g": make_flag("g", 1)}, SEGMENTS: {}})
        assert version(s, "f") == 1 and version(s, "g") == 1
        assert set(s.all(FEATURES)) == {"f", "g"}
        assert s.get(FEATURES, "h") is None
        s.init({FEATURES: {"f": make_flag("f", 2), "h": make_flag("h", 1)}, SEGMENTS: {}})
        assert version(s, "f") == 2
        assert s.get(FEATURES, "g") is None
        assert version(s, "h") == 1
        assert set(s.all(FEATURES)) == {"f", "h"}

    def test_concurrent_writers_leave_the_highest_version(self, open_store):
        s = open_store(CacheConfig(expiration=60))
        s.init({FEATURES: {}, SEGMENTS: {}})
        versions = list(range(1, 201))
        barrier = threading.Barrier(4)

        def writer(mine):
            barrier.wait(30)
            for v in mine:
                s.upsert(FEATURES, make_flag("f", v))

        run_threads(*(lambda i=i: writer(versions[i::4]) for i in range(4)))
        assert version(s, "f") == 200


class TestCapacity:
    def test_the_memo_never_holds_more_items_than_the_capacity(self, open_store):
        s = open_store(CacheConfig(expiration=60, capacity=5))
        s.init({FEATURES: {f"f{i}": make_flag(f"f{i}", 1) for i in range(20)}, SEGMENTS: {}})
        for i in range(20):
            assert version(s, f"f{i}") == 1
            assert len(s._items) <= 5
        for i in range(20):
            s.upsert(FEATURES, make_flag(f"f{i}", 2))
            assert len(s._items) <= 5
        assert [version(s, f"f{i}") for i in range(20)] == [2] * 20

    def test_the_oldest_entry_is_evicted_first(self, open_store):
        s = open_store(CacheConfig(expiration=60, capacity=3))
        s.init({FEATURES: {k: make_flag(k, 1) for k in "abcd"}, SEGMENTS: {}})
        for k in "abc":
            s.get(FEATURES, k)
        reads = library_reads(s)
        s.get(FEATURES, "d")  # evicts "a"
        assert library_reads(s) == reads + 1
        for k in "bcd":
            s.get(FEATURES, k)
        assert library_reads(s) == reads + 1
        s.get(FEATURES, "a")
        assert library_reads(s) == reads + 2

    def test_readers_in_many_threads_stay_within_the_capacity(self, open_store):
        s = open_store(CacheConfig(expiration=60, capacity=10))
        s.init({FEATURES: {f"f{i}": make_flag(f"f{i}", 1) for i in range(50)}, SEGMENTS: {}})
        sizes = []

        def reader(t):
            for i in range(400):
                key = f"f{(i * 7 + t) % 50}"
                assert s.get(FEATURES, key).key == key
                sizes.append(len(s._items))

        run_threads(*(lambda t=t: reader(t) for t in range(8)))
        assert max(sizes) <= 10


class TestDisabled:
    def test_every_get_reaches_redis(self, open_store, redis):
        s = open_store(CacheConfig.disabled())
        s.init({FEATURES: {"f": make_flag("f", 1)}, SEGMENTS: {}})
        assert version(s, "f") == 1
        assert s.get(FEATURES, "g") is None
        redis.cmd("HSET", KEY, "f", json.dumps(make_flag("f", 2)))
        redis.cmd("HSET", KEY, "g", json.dumps(make_flag("g", 1)))
        assert version(s, "f") == 2
        assert version(s, "g") == 1
        assert set(s.all(FEATURES)) == {"f", "g"}
        redis.cmd("HDEL", KEY, "g")
        assert s.get(FEATURES, "g") is None
        assert set(s.all(FEATURES)) == {"f"}

    def test_unchanged_bytes_are_not_decoded_again(self, open_store):
        s = open_store(CacheConfig.disabled())
        s.init({FEATURES: {"f": make_flag("f", 1)}, SEGMENTS: {}})
        assert s.get(FEATURES, "f") is s.get(FEATURES, "f")


class TestErrors:
    def test_errors_are_never_cached(self, own_redis):
        s = ldr.new_feature_store(url=own_redis.url, caching=CacheConfig(expiration=0.3),
                                  connect_timeout=0.5, operation_timeout=0.5)
        try:
            s.init({FEATURES: {"f": make_flag("f", 1)}, SEGMENTS: {}})
            assert version(s, "f") == 1
            own_redis.stop()
            assert version(s, "f") == 1  # within the TTL: the memo answers
            with pytest.raises(ldredis.UnavailableError):
                s.get(FEATURES, "g")
            time.sleep(0.4)
            with pytest.raises(ldredis.UnavailableError):
                s.get(FEATURES, "f")  # expired: not served stale, and the error not kept
            own_redis.start()
            s.init({FEATURES: {"f": make_flag("f", 2), "g": make_flag("g", 1)}, SEGMENTS: {}})
            assert version(s, "f") == 2
            assert version(s, "g") == 1
        finally:
            s.close()

    def test_a_failed_write_leaves_a_finite_memo_untouched(self, own_redis):
        s = ldr.new_feature_store(url=own_redis.url, caching=CacheConfig(expiration=60),
                                  connect_timeout=0.5, operation_timeout=0.5)
        try:
            s.init({FEATURES: {"f": make_flag("f", 1)}, SEGMENTS: {}})
            assert version(s, "f") == 1
            own_redis.stop()
            with pytest.raises(ldredis.UnavailableError):
                s.upsert(FEATURES, make_flag("f", 2))
            assert version(s, "f") == 1
        finally:
            s.close()

    def test_a_failed_write_reaches_the_infinite_cache_anyway(self, own_redis):
        s = ldr.new_feature_store(url=own_redis.url, caching=CacheConfig(expiration=float("inf")),
                                  connect_timeout=0.5, operation_timeout=0.5)
        try:
            s.init({FEATURES: {"f": make_flag("f", 1)}, SEGMENTS: {}})
            assert version(s, "f") == 1
            own_redis.stop()
            with pytest.raises(ldredis.UnavailableError):
                s.upsert(FEATURES, make_flag("f", 2))
            assert version(s, "f") == 2  # the library kept the write, to replay it later
        finally:
            s.close()

    def test_a_failed_init_leaves_a_finite_cache_empty(self, own_redis):
        s = ldr.new_feature_store(url=own_redis.url, caching=CacheConfig(expiration=60),
                                  connect_timeout=0.5, operation_timeout=0.5)
        try:
            s.init({FEATURES: {"f": make_flag("f", 1)}, SEGMENTS: {}})
            assert version(s, "f") == 1
            own_redis.stop()
            with pytest.raises(ldredis.UnavailableError):
                s.init({FEATURES: {"f": make_flag("f", 2)}, SEGMENTS: {}})
            with pytest.raises(ldredis.UnavailableError):
                s.get(FEATURES, "f")
        finally:
            s.close()


class TestThreads:
    def test_a_read_that_overlapped_a_write_does_not_store_its_older_answer(self, open_store):
        s = open_store(CacheConfig(expiration=60))
        s.init({FEATURES: {"f": make_flag("f", 1)}, SEGMENTS: {}})
        s.upsert(FEATURES, make_flag("f", 2))  # the memo holds 2 ...
        s._items.clear()  # ... no more: the next get asks the library
        read, resume = threading.Event(), threading.Event()
        get_raw = s.store.get_raw

        def slow_get_raw(kind, key):
            raw = get_raw(kind, key)
            read.set()
            resume.wait(5)
            return raw

        s.store.get_raw = slow_get_raw
        reader = Threads(lambda: s.get(FEATURES, "f")).start()
        assert read.wait(5)  # the reader holds version 2 ...
        del s.store.get_raw
        s.upsert(FEATURES, make_flag("f", 3))  # ... when version 3 is written
        resume.set()
        reader.join(10)
        assert version(s, "f") == 3

    def test_a_slower_write_of_a_lower_version_does_not_replace_a_higher_one(self, open_store):
        s = open_store(CacheConfig(expiration=60))
        s.init({FEATURES: {}, SEGMENTS: {}})
        written, resume = threading.Event(), threading.Event()
        upsert = s.store.upsert

        def slow_upsert(kind, key, item):
            applied = upsert(kind, key, item)
            written.set()
            resume.wait(5)
            return applied

        s.store.upsert = slow_upsert
        first = Threads(lambda: s.upsert(FEATURES, make_flag("f", 2))).start()
        assert written.wait(5)  # version 2 is in Redis; its memo update not made yet
        del s.store.upsert
        s.upsert(FEATURES, make_flag("f", 3))
        resume.set()
        first.join(10)
        assert version(s, "f") == 3

    def test_readers_racing_a_writer_end_with_the_last_write(self, open_store):
        s = open_store(CacheConfig(expiration=60))
        s.init({FEATURES: {"f": make_flag("f", 1)}, SEGMENTS: {}})
        stop = threading.Event()

        def reader():
            while not stop.is_set():
                s.get(FEATURES, "f")
                s.all(FEATURES)

        readers = Threads(*[reader] * 6).start()
        try:
            for v in range(2, 150):
                s.upsert(FEATURES, make_flag("f", v))
        finally:
            stop.set()
            readers.join(60)
        assert version(s, "f") == 149
        assert s.all(FEATURES)["f"].version == 149


class TestLifetime:
    def test_a_closed_store_raises_even_for_memoised_items(self, url):
        s = ldr.new_feature_store(url=url, caching=CacheConfig(expiration=float("inf")))
        s.init({FEATURES: {"f": make_flag("f", 1)}, SEGMENTS: {}})
        assert version(s, "f") == 1
        assert set(s.all(FEATURES)) == {"f"}
        s.close()
        with pytest.raises(ldredis.ClosedError):
            s.get(FEATURES, "f")
        with pytest.raises(ldredis.ClosedError):
            s.all(FEATURES)

    @pytest.mark.skipif(not hasattr(os, "fork"), reason="no fork()")
    def test_a_forked_child_does_not_answer_from_its_parents_memo(self, url):
        s = ldr.new_feature_store(url=url, caching=CacheConfig(expiration=float("inf")))
        try:
            s.init({FEATURES: {"f": make_flag("f", 1)}, SEGMENTS: {}})
            assert version(s, "f") == 1
            pid = os.fork()
            if pid == 0:  # the child: report through the exit status only
                code = 1
                try:
                    s.get(FEATURES, "f")
                except ldredis.ClosedError:
                    code = 0
                except BaseException:  # noqa: BLE001
                    code = 2
                os._exit(code)
            _, status = os.waitpid(pid, 0)
            assert os.WEXITSTATUS(status) == 0
            assert version(s, "f") == 1  # the parent's memo is untouched
        finally:
            s.close()


class TestInfiniteMemoAfterAnOutage:
    def test_the_memo_learns_what_the_write_back_learned(self, own_redis):
        """Infinite cache: a write made during an outage is written back after it, version-
        checked; where another writer holds a higher version, libldredis learns it, and so must
        the memo (it used to keep serving the write the outage swallowed, forever)."""
        s = ldr.new_feature_store(url=own_redis.url, prefix="memo-outage",
                                  caching=CacheConfig(expiration=float("inf")),
                                  operation_timeout=0.3, connect_timeout=0.3)
        try:
            s.init({FEATURES: {"f": make_flag("f", 5)}, SEGMENTS: {}})
            assert version(s, "f") == 5
            own_redis.client().cmd("HSET", "memo-outage:features", "f", json.dumps(make_flag("f", 9)))
            own_redis.pause()
            try:
                s.upsert(FEATURES, make_flag("f", 6))     # fails: the infinite cache keeps it
            except ldredis.Error:
                pass
            finally:
                own_redis.resume()
            assert not s.store.status().available
            assert version(s, "f") == 6
            assert wait_for(lambda: s.store.status().available), "the write-back ran"
            assert version(s, "f") == 9, "the other writer's higher version, which Redis kept"
        finally:
            s.close()
