"""ldredis.Store against a real redis-server: data operations, the schema it writes, caching,
diagnostics, Big Segments, configuration checks."""

from __future__ import annotations

import json
import time

import pytest

import ldredis

DATA = {
    "flags": {
        "f1": {"key": "f1", "version": 1, "on": True, "variations": [True, False]},
        "f2": {"key": "f2", "version": 5, "on": False},
    },
    "segments": {"s1": {"key": "s1", "version": 2, "included": ["u1"]}},
}


def flag(key, version, **extra):
    return {"key": key, "version": version, **extra}


@pytest.fixture
def store(url, prefix):
    with ldredis.Store(url, prefix, cache_ttl=0) as s:
        yield s


@pytest.fixture
def inited(store):
    store.init(DATA)
    return store


class TestInitAndRead:
    def test_a_store_is_not_initialized_before_init(self, store):
        assert store.initialized is False

    def test_init_marks_the_store_initialized_with_an_empty_string(self, store, redis, prefix):
        store.init(DATA)
        assert store.initialized is True
        assert redis.cmd("GET", f"{prefix}:$inited") == b""

    def test_init_writes_one_hash_per_kind(self, inited, redis, prefix):
        assert redis.cmd("TYPE", f"{prefix}:features") == "hash"
        assert sorted(redis.cmd("HKEYS", f"{prefix}:features")) == [b"f1", b"f2"]
        assert redis.cmd("HKEYS", f"{prefix}:segments") == [b"s1"]

    def test_init_accepts_a_dict_str_or_bytes(self, store):
        store.init(DATA)
        assert store.get("features", "f1") == DATA["flags"]["f1"]
        store.init(json.dumps({"flags": {"a": flag("a", 1)}}))
        assert store.get("features", "a") == flag("a", 1)
        store.init(b'{"flags":{"b":{"key":"b","version":2}}}')
        assert store.all("features") == {"b": flag("b", 2)}

    def test_init_completely_replaces_previous_data(self, inited):
        inited.init({"flags": {"f3": flag("f3", 1)}, "segments": {}})
        assert inited.get("features", "f1") is None
        assert inited.all("features") == {"f3": flag("f3", 1)}
        assert inited.all("segments") == {}

    def test_init_leaves_kinds_not_in_the_document_alone(self, inited):
        inited.init({"flags": {}})
        assert inited.all("segments") == {"s1": DATA["segments"]["s1"]}

    def test_an_init_with_no_items_still_marks_initialized(self, store, url, prefix):
        store.init({})
        with ldredis.Store(url, prefix, cache_ttl=0) as other:
            assert other.initialized is True

    def test_another_instance_on_the_same_prefix_sees_the_init(self, inited, url, prefix):
        with ldredis.Store(url, prefix) as other:
            assert other.initialized is True
            assert other.get("features", "f1") == DATA["flags"]["f1"]

    def test_get_returns_the_item_as_a_dict(self, inited):
        assert inited.get("features", "f1") == DATA["flags"]["f1"]
        assert inited.get("segments", "s1") == DATA["segments"]["s1"]

    def test_get_raw_returns_the_bytes_as_stored(self, store, prefix):
        text = '{"flags":{"x":{ "key" : "x", "version" : 3, "note": "caf\\u00e9 \u00e9" }}}'
        store.init(text)
        raw = store.get_raw("features", "x")
        assert raw == '{ "key" : "x", "version" : 3, "note": "caf\\u00e9 \u00e9" }'.encode()

    def test_get_of_a_missing_item_is_none(self, inited):
        assert inited.get("features", "nope") is None
        assert inited.get_raw("features", "nope") is None
        assert inited.get("nokind", "f1") is None

    def test_all_returns_only_that_kind(self, inited):
        assert inited.all("features") == DATA["flags"]
        assert inited.all("segments") == DATA["segments"]

    def test_all_of_an_empty_kind_is_an_empty_dict(self, store):
        assert store.all("features") == {}
        assert store.all_raw("features") == b"{}"

    def test_kinds_may_be_objects_with_a_namespace(self, inited):
        class Kind:
            namespace = "features"

        assert inited.get(Kind(), "f1") == DATA["flags"]["f1"]
        assert set(inited.all(Kind())) == {"f1", "f2"}

    def test_unicode_keys_round_trip(self, store):
        store.init({"flags": {"flag-é-🚀": flag("flag-é-🚀", 1)}})
        assert store.get("features", "flag-é-🚀") == flag("flag-é-🚀", 1)


class TestUpsertAndDelete:
    def test_upsert_of_a_newer_version_is_applied(self, inited):
        assert inited.upsert("features", "f1", flag("f1", 2, on=False)) is True
        assert inited.get("features", "f1") == flag("f1", 2, on=False)

    def test_upsert_of_an_older_version_is_rejected(self, inited):
        assert inited.upsert("features", "f2", flag("f2", 4)) is False
        assert inited.get("features", "f2") == DATA["flags"]["f2"]

    def test_upsert_of_an_equal_version_is_rejected(self, inited):
        assert inited.upsert("features", "f2", flag("f2", 5, on=True)) is False
        assert inited.get("features", "f2") == DATA["flags"]["f2"]

    def test_upsert_of_a_new_item_is_applied(self, inited):
        assert inited.upsert("features", "new", flag("new", 1)) is True
        assert inited.get("features", "new") == flag("new", 1)

    def test_upsert_accepts_json_text(self, inited):
        assert inited.upsert("features", "t", '{"key":"t","version":1}') is True
        assert inited.upsert("features", "t", b'{"key":"t","version":2}') is True
        assert inited.get("features", "t") == flag("t", 2)

    def test_delete_of_a_newer_version_writes_a_tombstone(self, inited, redis, prefix):
        assert inited.delete("features", "f1", 2) is True
        assert inited.get("features", "f1") is None
        assert "f1" not in inited.all("features")
        stored = json.loads(redis.cmd("HGET", f"{prefix}:features", "f1"))
        assert stored == {"key": "f1", "version": 2, "deleted": True}

    def test_delete_of_an_older_or_equal_version_is_rejected(self, inited):
        assert inited.delete("features", "f2", 4) is False
        assert inited.delete("features", "f2", 5) is False
        assert inited.get("features", "f2") == DATA["flags"]["f2"]

    def test_delete_of_an_unknown_item_writes_a_tombstone(self, inited, redis, prefix):
        assert inited.delete("features", "ghost", 7) is True
        assert json.loads(redis.cmd("HGET", f"{prefix}:features", "ghost"))["version"] == 7

    def test_upsert_older_than_a_delete_is_rejected(self, inited):
        inited.delete("features", "f1", 10)
        assert inited.upsert("features", "f1", flag("f1", 9)) is False
        assert inited.get("features", "f1") is None

    def test_upsert_newer_than_a_delete_resurrects_the_item(self, inited):
        inited.delete("features", "f1", 10)
        assert inited.upsert("features", "f1", flag("f1", 11)) is True
        assert inited.get("features", "f1") == flag("f1", 11)

    @pytest.mark.parametrize("mode", ["auto", "script", "watch"])
    def test_every_upsert_mode_follows_the_version_rule(self, url, prefix, mode):
        with ldredis.Store(url, prefix, cache_ttl=0, upsert_mode=mode) as s:
            assert s.upsert("features", "m", flag("m", 2)) is True
            assert s.upsert("features", "m", flag("m", 2)) is False
            assert s.upsert("features", "m", flag("m", 1)) is False
            assert s.upsert("features", "m", flag("m", 3)) is True
            assert s.delete("features", "m", 3) is False
            assert s.delete("features", "m", 4) is True
            assert s.get("features", "m") is None

    def test_versions_up_to_2_pow_53_minus_1_are_accepted(self, store):
        big = 2**53 - 1
        assert store.upsert("features", "big", flag("big", big)) is True
        assert store.get("features", "big")["version"] == big
        assert store.delete("features", "big2", big) is True


class TestForeignData:
    """Data other SDKs leave in Redis."""

    @pytest.mark.parametrize(
        "tombstone",
        [
            {"key": "gone", "version": 3, "deleted": True},
            {"version": 3, "deleted": True},
            {"key": "$deleted", "version": 3, "deleted": True, "on": False, "variations": []},
        ],
        ids=["python-shape", "java-shape", "go-shape"],
    )
    def test_every_tombstone_shape_reads_as_absent(self, inited, redis, prefix, tombstone):
        redis.cmd("HSET", f"{prefix}:features", "gone", json.dumps(tombstone))
        assert inited.get("features", "gone") is None
        assert set(inited.all("features")) == {"f1", "f2"}
        assert inited.upsert("features", "gone", flag("gone", 3)) is False
        assert inited.upsert("features", "gone", flag("gone", 4)) is True

    def test_python_sdk_json_dumps_spacing_reads(self, store, redis, prefix):
        redis.cmd("HSET", f"{prefix}:features", "p", json.dumps(flag("p", 4, on=True)))
        assert store.get("features", "p") == flag("p", 4, on=True)

    def test_a_stray_null_field_is_skipped_and_counted(self, inited, redis, prefix):
        redis.cmd("HSET", f"{prefix}:features", "null", "null")
        before = inited.stats()["malformed_skipped"]
        assert set(inited.all("features")) == {"f1", "f2"}
        assert inited.stats()["malformed_skipped"] == before + 1

    def test_get_of_a_value_that_is_not_an_item_is_malformed(self, inited, redis, prefix):
        redis.cmd("HSET", f"{prefix}:features", "bad", "not json")
        with pytest.raises(ldredis.MalformedDataError) as e:
            inited.get("features", "bad")
        assert e.value.status == -5


class TestPrefixes:
    def test_two_prefixes_are_independent(self, url):
        with ldredis.Store(url, "a", cache_ttl=0) as a, ldredis.Store(url, "b", cache_ttl=0) as b:
            a.init({"flags": {"x": flag("x", 1)}})
            assert b.initialized is False
            assert b.get("features", "x") is None
            b.upsert("features", "x", flag("x", 5))
            assert a.upsert("features", "x", flag("x", 2)) is True
            assert a.get("features", "x") == flag("x", 2)
            assert b.get("features", "x") == flag("x", 5)

    def test_none_and_empty_prefix_mean_launchdarkly(self, url, redis):
        for p in (None, ""):
            with ldredis.Store(url, p, cache_ttl=0) as s:
                assert s.describe()["prefix"] == "launchdarkly"
                s.init({"flags": {"d": flag("d", 1)}})
        assert redis.cmd("HKEYS", "launchdarkly:features") == [b"d"]

    def test_the_store_touches_only_its_own_keys(self, url, redis, prefix):
        redis.cmd("SET", "unrelated", "1")
        redis.cmd("SET", f"{prefix}x:features", "1")
        with ldredis.Store(url, prefix, cache_ttl=0) as s:
            s.init(DATA)
            s.upsert("features", "z", flag("z", 1))
        keys = sorted(redis.cmd("KEYS", "*"))
        assert keys == sorted([b"unrelated", f"{prefix}x:features".encode(),
                               f"{prefix}:features".encode(), f"{prefix}:segments".encode(),
                               f"{prefix}:$inited".encode()])


class TestCache:
    def test_a_cached_hit_is_served_after_redis_changes_until_the_ttl(self, url, prefix, redis):
        with ldredis.Store(url, prefix, cache_ttl=0.5) as s:
            s.init(DATA)
            assert s.get("features", "f1")["version"] == 1
            redis.cmd("HSET", f"{prefix}:features", "f1", json.dumps(flag("f1", 9)))
            assert s.get("features", "f1")["version"] == 1
            time.sleep(0.7)
            assert s.get("features", "f1")["version"] == 9

    def test_a_cached_miss_is_served_until_the_ttl(self, url, prefix, redis):
        with ldredis.Store(url, prefix, cache_ttl=0.5) as s:
            assert s.get("features", "late") is None
            redis.cmd("HSET", f"{prefix}:features", "late", json.dumps(flag("late", 1)))
            assert s.get("features", "late") is None
            time.sleep(0.7)
            assert s.get("features", "late") == flag("late", 1)

    def test_a_cache_hit_costs_no_redis_round_trip(self, url, prefix):
        with ldredis.Store(url, prefix, cache_ttl=30) as s:
            s.init(DATA)
            s.get("features", "f1")
            before = s.stats()
            for _ in range(100):
                s.get("features", "f1")
            after = s.stats()
            assert after["redis_round_trips"] == before["redis_round_trips"]
            assert after["cache_hits"] >= before["cache_hits"] + 100

    def test_with_the_cache_off_every_read_goes_to_redis(self, url, prefix, redis):
        with ldredis.Store(url, prefix, cache_ttl=0) as s:
            s.init(DATA)
            s.get("features", "f1")
            redis.cmd("HSET", f"{prefix}:features", "f1", json.dumps(flag("f1", 9)))
            assert s.get("features", "f1")["version"] == 9
            assert s.describe()["cache"] == "off"

    def test_the_infinite_cache_keeps_serving_after_the_data_is_wiped(self, url, prefix, redis):
        with ldredis.Store(url, prefix, cache_ttl=None) as s:
            assert s.describe()["cache"] == "infinite"
            s.init(DATA)
            redis.cmd("DEL", f"{prefix}:features")
            assert s.get("features", "f1") == DATA["flags"]["f1"]
            assert set(s.all("features")) == {"f1", "f2"}

    def test_a_rejected_upsert_leaves_the_winner_cached(self, url, prefix, redis):
        with ldredis.Store(url, prefix, cache_ttl=30) as s:
            s.init(DATA)
            redis.cmd("HSET", f"{prefix}:features", "f1", json.dumps(flag("f1", 7)))
            assert s.upsert("features", "f1", flag("f1", 6)) is False
            assert s.get("features", "f1")["version"] == 7

    @pytest.mark.parametrize("ttl,mode,ms", [
        (15.0, "ttl", 15000), (0, "off", 0), (0.0001, "ttl", 1),
        (None, "infinite", -1), (float("inf"), "infinite", -1), (-1, "infinite", -1),
    ])
    def test_cache_ttl_seconds_map_to_the_library_setting(self, url, ttl, mode, ms):
        with ldredis.Store(url, cache_ttl=ttl) as s:
            d = s.describe()
            assert d["cache"] == mode
            if mode != "infinite":
                assert d["cache_ttl_ms"] == ms
            else:
                assert d["cache_ttl_ms"] < 0

    def test_capacity_bounds_the_cache(self, url, prefix):
        with ldredis.Store(url, prefix, cache_ttl=30, cache_capacity=2) as s:
            s.init({"flags": {f"k{i}": flag(f"k{i}", 1) for i in range(10)}})
            for i in range(10):
                s.get("features", f"k{i}")
            st = s.stats()
            # cache_entries also counts the per-kind "all" lists, which capacity does not bound
            # (one here, from init): see the report on the header's wording.
            assert st["cache_entries"] <= 2 + 1
            assert st["cache_evictions"] > 0

    def test_refresh_ahead_serves_the_stale_value_then_the_new_one(self, url, prefix, redis):
        with ldredis.Store(url, prefix, cache_ttl=0.2, refresh_ahead=True) as s:
            s.init(DATA)
            assert s.describe()["cache_refresh_ahead"] == "on"
            s.get("features", "f1")
            redis.cmd("HSET", f"{prefix}:features", "f1", json.dumps(flag("f1", 9)))
            time.sleep(0.3)
            first = s.get("features", "f1")
            assert first["version"] in (1, 9)
            deadline = time.monotonic() + 5
            while s.get("features", "f1")["version"] != 9:
                assert time.monotonic() < deadline
                time.sleep(0.02)


class TestDiagnostics:
    def test_stats_has_every_counter(self, inited):
        st = inited.stats()
        assert set(st) == {"cache_hits", "cache_misses", "coalesced_waits",
                           "redis_round_trips", "redis_errors", "malformed_skipped",
                           "cache_evictions", "cache_entries", "write_back_written",
                           "write_back_refused", "failovers", "redirects_moved",
                           "redirects_ask", "slot_map_refreshes"}
        assert all(isinstance(v, int) for v in st.values())

    def test_describe_shows_settings_and_key_names(self, url, prefix):
        with ldredis.Store(url, prefix, cache_ttl=2, cache_capacity=7, pool_size=3,
                           connect_timeout=0.5, operation_timeout=0.25,
                           upsert_mode="watch") as s:
            d = s.describe()
        assert d["prefix"] == prefix
        assert d["features_key"] == f"{prefix}:features"
        assert d["segments_key"] == f"{prefix}:segments"
        assert d["inited_key"] == f"{prefix}:$inited"
        assert (d["cache_ttl_ms"], d["cache_capacity"], d["pool_size"]) == (2000, 7, 3)
        assert (d["connect_timeout_ms"], d["operation_timeout_ms"]) == (500, 250)
        assert d["upsert_mode"] == "watch"

    def test_describe_and_errors_never_show_the_password(self, redis_server):
        secret = "s3cr3t-pw"
        with ldredis.Store(f"redis://user:{secret}@127.0.0.1:{redis_server.port}/0",
                           cache_ttl=0) as s:
            assert secret not in json.dumps(s.describe())
            with pytest.raises(ldredis.Error) as e:
                s.get("features", "x")  # the server has no such user: AUTH fails
            assert secret not in str(e.value)
            assert secret not in (s.status().last_error or "")
        with ldredis.Store(f"redis://127.0.0.1:{redis_server.port}/0", password=secret) as s:
            assert secret not in json.dumps(s.describe())

    def test_status_starts_available(self, store):
        st = store.status()
        assert st.available is True and st.needs_refresh is False and st.last_error is None
        assert abs(st.changed_at.timestamp() - time.time()) < 60

    def test_repr_says_open_or_closed(self, url):
        s = ldredis.Store(url)
        assert "open" in repr(s)
        s.close()
        assert "closed" in repr(s)


class TestBigSegments:
    def test_metadata_is_none_before_any_sync(self, store):
        assert store.big_segments_metadata() is None

    def test_metadata_reads_epoch_milliseconds(self, store, redis, prefix):
        redis.cmd("SET", f"{prefix}:big_segments_synchronized_on", "1700000000123")
        assert store.big_segments_metadata() == 1700000000123

    def test_malformed_metadata_is_an_error(self, store, redis, prefix):
        redis.cmd("SET", f"{prefix}:big_segments_synchronized_on", "yesterday")
        with pytest.raises(ldredis.MalformedDataError):
            store.big_segments_metadata()

    def test_membership_is_none_without_data(self, store):
        assert store.big_segment_membership("abc=") is None

    def test_membership_includes_excludes_and_include_wins(self, store, redis, prefix):
        h = "a+b/c=="
        redis.cmd("SADD", f"{prefix}:big_segment_include:{h}", "s1.g1", "s2.g1")
        redis.cmd("SADD", f"{prefix}:big_segment_exclude:{h}", "s2.g1", "s3.g2")
        assert store.big_segment_membership(h) == {"s1.g1": True, "s2.g1": True, "s3.g2": False}
        assert store.big_segment_membership("a+b/c=") is None

    def test_membership_excludes_only(self, store, redis, prefix):
        redis.cmd("SADD", f"{prefix}:big_segment_exclude:x", "k1", "k2")
        assert store.big_segment_membership("x") == {"k1": False, "k2": False}


class TestArguments:
    @pytest.mark.parametrize("url", [
        "http://localhost", "redis://host:99999/0", "redis://host/-1", "rediss://host:0/0",
        "redis://[::1/0", "",
    ])
    def test_a_bad_url_is_an_invalid_argument_error(self, url):
        with pytest.raises(ldredis.InvalidArgumentError) as e:
            ldredis.Store(url)
        assert isinstance(e.value, ValueError)
        assert e.value.status == -1
        assert str(e.value)

    @pytest.mark.parametrize("kwargs", [
        {"pool_size": 0}, {"pool_size": 1025}, {"database": -1},
        {"connect_timeout": 0}, {"operation_timeout": -1}, {"cache_capacity": -1},
        {"upsert_mode": "optimistic"}, {"pool_size": 2**40}, {"operation_timeout": 7200},
    ])
    def test_a_bad_setting_is_an_invalid_argument_error(self, kwargs):
        with pytest.raises(ldredis.InvalidArgumentError):
            ldredis.Store("redis://127.0.0.1:6379/0", **kwargs)

    @pytest.mark.parametrize("kwargs", [
        {"pool_size": "8"}, {"cache_ttl": "15"}, {"url": 5}, {"prefix": 1.5},
        {"connect_timeout": None}, {"database": 1.0}, {"refresh_ahead": None, "url": b"\x00"},
    ])
    def test_a_wrong_type_is_a_type_error(self, kwargs):
        with pytest.raises((TypeError, ldredis.InvalidArgumentError)):
            ldredis.Store(**kwargs)

    def test_bad_item_json_is_an_invalid_argument_error(self, store):
        for bad in ['{"key":"x"', '{"key":"x"}', '{"key":"x","version":-1}',
                    '{"key":"x","version":1.5}', "[1]", '{"key":"x","version":"1"}']:
            with pytest.raises(ldredis.InvalidArgumentError):
                store.upsert("features", "x", bad)

    def test_bad_init_json_is_an_invalid_argument_error(self, store):
        for bad in ["{", '{"flags":{"a":1}}', '{"flags":{"":{"key":"","version":1}}}',
                    '{"flags":{},"features":{}}']:
            with pytest.raises(ldredis.InvalidArgumentError):
                store.init(bad)
        assert store.initialized is False

    def test_a_nul_in_a_key_is_refused_not_truncated(self, store):
        with pytest.raises(ldredis.InvalidArgumentError):
            store.get("features", "a\0b")
        with pytest.raises(ldredis.InvalidArgumentError):
            store.upsert("features\0x", "a", flag("a", 1))

    def test_wrong_argument_types_are_type_errors(self, store):
        with pytest.raises(TypeError):
            store.get("features", 5)
        with pytest.raises(TypeError):
            store.upsert("features", "k", [1, 2])
        with pytest.raises(TypeError):
            store.delete("features", "k", "3")
        with pytest.raises(TypeError):
            store.init(None)
        with pytest.raises(ldredis.InvalidArgumentError):
            store.delete("features", "k", 2**64)
        with pytest.raises(ldredis.InvalidArgumentError):
            store.delete("features", "k", -1)
