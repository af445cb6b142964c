"""ldredis.launchdarkly against the real LaunchDarkly Python SDK (launchdarkly-server-sdk).

The SDK's wheel does not ship its shared persistent-store test suite, so the cases of SPEC
section 7 (the ones that suite checks) run here as one parametrised suite against BOTH the SDK's
own Redis store and ours: same inputs, same expected results. Then the two share one Redis
(each reads what the other wrote, concurrent writers), and an LDClient evaluates flags, segments
and Big Segments from our stores.
"""

from __future__ import annotations

import json
import os
import time
import uuid

import pytest

ldclient = pytest.importorskip("ldclient", reason="launchdarkly-server-sdk is not installed")
pytest.importorskip("redis", reason="the redis package (for the SDK's own store) is missing")

from ldclient import Context  # noqa: E402
from ldclient.client import LDClient  # noqa: E402
from ldclient.config import BigSegmentsConfig, Config  # noqa: E402
from ldclient.feature_store import CacheConfig  # noqa: E402
from ldclient.impl.big_segments_common import _hash_for_user_key  # noqa: E402
from ldclient.integrations import Redis as SDKRedis  # noqa: E402
from ldclient.interfaces import (  # noqa: E402
    BigSegmentStore,
    BigSegmentStoreMetadata,
    FeatureStore,
)
from ldclient.versioned_data_kind import FEATURES, SEGMENTS  # noqa: E402

import ldredis  # noqa: E402
from ldredis import launchdarkly as ldr  # noqa: E402
from conftest import run_threads, wait_for  # noqa: E402

EXAMPLE_DATA = os.path.join(os.path.dirname(__file__), "..", "..", "..", "examples", "data",
                            "flags.json")


def make_flag(key, version, **extra):
    d = {"key": key, "version": version, "on": True, "variations": [True, False], "salt": "abc",
         "fallthrough": {"variation": 0}, "offVariation": 1}
    d.update(extra)
    return d


def close(store):
    for name in ("close", "stop"):
        fn = getattr(store, name, None)
        if callable(fn):
            fn()
            return


IMPLS = ["sdk", "ldredis"]


class Tester:
    """Creates stores of one implementation with one prefix and caching."""

    __test__ = False  # not a test class

    def __init__(self, impl, url, prefix, caching):
        self.impl, self.url, self.prefix, self.caching = impl, url, prefix, caching
        self.created = []

    def create(self, prefix="__same__", caching=None):
        prefix = self.prefix if prefix == "__same__" else prefix
        caching = caching or self.caching
        if self.impl == "sdk":
            s = SDKRedis.new_feature_store(url=self.url, prefix=prefix, caching=caching)
        else:
            s = ldr.new_feature_store(url=self.url, prefix=prefix, caching=caching)
        self.created.append(s)
        return s

    def other(self):
        """A store of the other implementation on the same prefix, without a cache."""
        t = Tester("ldredis" if self.impl == "sdk" else "sdk", self.url, self.prefix,
                   CacheConfig.disabled())
        self.created.append(t)
        return t.create()

    def close_all(self):
        for s in self.created:
            if isinstance(s, Tester):
                s.close_all()
            else:
                close(s)

    @property
    def key_prefix(self):
        return self.prefix or "launchdarkly"


@pytest.fixture(params=[(impl, p, c) for impl in IMPLS for p in (None, "testprefix")
                        for c in ("uncached", "cached")],
                ids=lambda p: f"{p[0]}-{'prefix' if p[1] else 'default'}-{p[2]}")
def tester(request, url):
    impl, prefix, caching = request.param
    t = Tester(impl, url, prefix, CacheConfig.default() if caching == "cached"
               else CacheConfig.disabled())
    yield t
    t.close_all()


def inited(tester):
    s = tester.create()
    s.init({FEATURES: {"foo": make_flag("foo", 10), "bar": make_flag("bar", 10)},
            SEGMENTS: {"seg": {"key": "seg", "version": 1, "included": ["u"]}}})
    return s


class TestPersistentStoreSuite:
    """SPEC section 7, identical for the SDK's store and ours."""

    def test_returns_a_feature_store(self, tester):
        assert isinstance(tester.create(), FeatureStore)

    def test_not_initialized_before_init(self, tester):
        assert tester.create().initialized is False

    def test_initialized_after_init(self, tester):
        assert inited(tester).initialized is True

    def test_init_completely_replaces_previous_data(self, tester):
        s = inited(tester)
        s.init({FEATURES: {"new": make_flag("new", 1)}, SEGMENTS: {}})
        assert s.get(FEATURES, "foo", lambda x: x) is None
        assert set(s.all(FEATURES, lambda x: x)) == {"new"}
        assert s.all(SEGMENTS, lambda x: x) == {}

    def test_another_instance_sees_the_init(self, tester):
        inited(tester)
        other = tester.create()
        assert other.initialized is True
        assert other.get(FEATURES, "foo", lambda x: x) == FEATURES.decode(make_flag("foo", 10))

    def test_another_instance_sees_an_init_with_no_items(self, tester):
        tester.create().init({FEATURES: {}, SEGMENTS: {}})
        other = tester.create()
        assert other.initialized is True
        assert other.all(FEATURES, lambda x: x) == {}

    def test_get_existing_item(self, tester):
        s = inited(tester)
        assert s.get(FEATURES, "foo", lambda x: x) == FEATURES.decode(make_flag("foo", 10))
        assert s.get(SEGMENTS, "seg", lambda x: x).key == "seg"

    def test_get_missing_item(self, tester):
        assert inited(tester).get(FEATURES, "biz", lambda x: x) is None

    def test_get_applies_the_callback(self, tester):
        assert inited(tester).get(FEATURES, "foo", lambda x: ("cb", x.key)) == ("cb", "foo")

    def test_all_returns_only_that_kind(self, tester):
        s = inited(tester)
        result = s.all(FEATURES, lambda x: x)
        assert result == {"foo": FEATURES.decode(make_flag("foo", 10)),
                          "bar": FEATURES.decode(make_flag("bar", 10))}
        assert set(s.all(SEGMENTS, lambda x: x)) == {"seg"}
        assert s.all(FEATURES, len) == 2

    def test_upsert_with_newer_version(self, tester):
        s = inited(tester)
        s.upsert(FEATURES, make_flag("foo", 11))
        assert s.get(FEATURES, "foo", lambda x: x).version == 11
        assert tester.other().get(FEATURES, "foo", lambda x: x).version == 11

    def test_upsert_of_a_model_object(self, tester):
        s = inited(tester)
        s.upsert(FEATURES, FEATURES.decode(make_flag("foo", 12)))
        assert s.get(FEATURES, "foo", lambda x: x) == FEATURES.decode(make_flag("foo", 12))

    def test_upsert_with_older_version(self, tester):
        s = inited(tester)
        s.upsert(FEATURES, make_flag("foo", 9))
        assert s.get(FEATURES, "foo", lambda x: x).version == 10
        assert tester.other().get(FEATURES, "foo", lambda x: x).version == 10

    def test_upsert_with_equal_version_is_rejected(self, tester):
        s = inited(tester)
        s.upsert(FEATURES, make_flag("foo", 10, on=False))
        assert s.get(FEATURES, "foo", lambda x: x).on is True
        assert tester.other().get(FEATURES, "foo", lambda x: x).on is True

    def test_upsert_new_item(self, tester):
        s = inited(tester)
        s.upsert(FEATURES, make_flag("biz", 1))
        assert s.get(FEATURES, "biz", lambda x: x) == FEATURES.decode(make_flag("biz", 1))
        assert set(s.all(FEATURES, lambda x: x)) == {"foo", "bar", "biz"}

    def test_delete_with_newer_version_keeps_the_version_in_a_tombstone(self, tester, redis):
        s = inited(tester)
        s.delete(FEATURES, "foo", 11)
        assert s.get(FEATURES, "foo", lambda x: x) is None
        assert "foo" not in s.all(FEATURES, lambda x: x)
        raw = json.loads(redis.cmd("HGET", f"{tester.key_prefix}:features", "foo"))
        assert raw == {"key": "foo", "version": 11, "deleted": True}

    def test_delete_with_older_or_equal_version_is_rejected(self, tester):
        s = inited(tester)
        s.delete(FEATURES, "foo", 9)
        s.delete(FEATURES, "foo", 10)
        assert s.get(FEATURES, "foo", lambda x: x).version == 10
        assert tester.other().get(FEATURES, "foo", lambda x: x).version == 10

    def test_delete_unknown_item_writes_a_tombstone(self, tester, redis):
        s = inited(tester)
        s.delete(FEATURES, "biz", 11)
        assert s.get(FEATURES, "biz", lambda x: x) is None
        raw = json.loads(redis.cmd("HGET", f"{tester.key_prefix}:features", "biz"))
        assert raw["version"] == 11 and raw["deleted"] is True

    def test_upsert_older_version_after_delete(self, tester):
        s = inited(tester)
        s.delete(FEATURES, "foo", 11)
        s.upsert(FEATURES, make_flag("foo", 9))
        assert s.get(FEATURES, "foo", lambda x: x) is None
        assert tester.other().get(FEATURES, "foo", lambda x: x) is None

    @pytest.mark.parametrize("tombstone", [
        {"key": "gone", "version": 5, "deleted": True},
        {"version": 5, "deleted": True},
        {"key": "$deleted", "version": 5, "deleted": True, "on": False},
    ], ids=["python", "java", "go"])
    def test_every_tombstone_shape_reads_as_absent(self, tester, redis, tombstone):
        s = inited(tester)
        redis.cmd("HSET", f"{tester.key_prefix}:features", "gone", json.dumps(tombstone))
        fresh = tester.create()
        assert fresh.get(FEATURES, "gone", lambda x: x) is None
        assert set(fresh.all(FEATURES, lambda x: x)) == {"foo", "bar"}
        assert s.get(FEATURES, "foo", lambda x: x).version == 10

    def test_a_concurrent_writer_bumping_versions_during_an_upsert_of_10(self, tester):
        s = inited(tester)
        writer = tester.other()

        def bump():
            for v in (2, 3, 4):
                writer.upsert(FEATURES, make_flag("foo2", v))

        _during(tester, s, bump, lambda: s.upsert(FEATURES, make_flag("foo2", 10)))
        assert tester.other().get(FEATURES, "foo2", lambda x: x).version == 10
        assert s.get(FEATURES, "foo2", lambda x: x).version == 10

    def test_a_concurrent_writer_with_3_during_an_upsert_of_2(self, tester):
        s = inited(tester)
        writer = tester.other()
        _during(tester, s, lambda: writer.upsert(FEATURES, make_flag("foo3", 3)),
                lambda: s.upsert(FEATURES, make_flag("foo3", 2)))
        assert tester.other().get(FEATURES, "foo3", lambda x: x).version == 3
        assert s.get(FEATURES, "foo3", lambda x: x).version == 3

    def test_stores_with_different_prefixes_are_independent(self, tester):
        a = tester.create(prefix="a")
        b = tester.create(prefix="b")
        a.init({FEATURES: {"flagA1": make_flag("flagA1", 1)}})
        a.upsert(FEATURES, make_flag("flagA2", 1))
        assert b.initialized is False
        b.init({FEATURES: {"flagB1": make_flag("flagB1", 1)}})
        b.upsert(FEATURES, make_flag("flagB2", 1))
        b.upsert(FEATURES, make_flag("flagA2", 7))
        assert a.get(FEATURES, "flagB1", lambda x: x) is None
        assert set(a.all(FEATURES, lambda x: x)) == {"flagA1", "flagA2"}
        assert a.get(FEATURES, "flagA2", lambda x: x).version == 1
        assert set(b.all(FEATURES, lambda x: x)) == {"flagB1", "flagB2", "flagA2"}

    def test_an_unreachable_server_gives_errors(self, tester):
        from conftest import free_port
        down = Tester(tester.impl, f"redis://127.0.0.1:{free_port()}/0", tester.prefix,
                      tester.caching)
        try:
            s = down.create()
            for op in (lambda: s.get(FEATURES, "foo", lambda x: x),
                       lambda: s.all(FEATURES, lambda x: x),
                       lambda: s.init({FEATURES: {}}),
                       lambda: s.upsert(FEATURES, make_flag("foo", 1)),
                       lambda: s.delete(FEATURES, "foo", 1)):
                with pytest.raises(Exception):  # noqa: B017 - each store raises its own errors
                    op()
            assert s.is_available() is False
            if tester.impl == "ldredis":  # ours answers False; the SDK's raises
                assert s.initialized is False
        finally:
            down.close_all()

    def test_monitoring_is_enabled(self, tester):
        s = tester.create()
        assert s.is_monitoring_enabled() is True
        assert s.is_available() is True
        assert s.describe_configuration(Config("key")) == "Redis"


def _during(tester, store, concurrent, operation):
    """Runs `concurrent` inside `store`'s upsert: exactly between the SDK's WATCH and EXEC
    (through its test hook). Ours has no hook into native code, and needs none: its upsert is
    one server-side script, atomic in Redis, so a concurrent write lands either before it (what
    is run here: the write our read-compare-write must see) or after it (a later write of its
    own; concurrent races are in TestSharingOneRedis)."""
    if tester.impl == "sdk":
        core = store._core
        fired = []

        def hook(base_key, key):
            if not fired:
                fired.append(1)
                concurrent()

        core.test_update_hook = hook
        try:
            operation()
        finally:
            core.test_update_hook = None
        assert fired
    else:
        concurrent()
        operation()


class TestCacheConfig:
    @pytest.mark.parametrize("caching,cache,ttl_ms,capacity", [
        (CacheConfig.default(), "ttl", 15000, 1000),
        (CacheConfig(expiration=2.5, capacity=10), "ttl", 2500, 10),
        (CacheConfig.disabled(), "off", 0, 0),
        (CacheConfig(expiration=-1), "off", 0, 0),
        (CacheConfig(expiration=float("inf")), "infinite", None, 1000),
    ], ids=["default", "custom", "disabled", "negative-is-off", "inf-is-forever"])
    def test_cache_config_maps_to_the_library_cache(self, url, caching, cache, ttl_ms, capacity):
        s = ldr.new_feature_store(url=url, caching=caching)
        try:
            d = s.store.describe()
            assert d["cache"] == cache
            if ttl_ms is not None:
                assert d["cache_ttl_ms"] == ttl_ms
            assert d["cache_capacity"] == capacity
        finally:
            s.close()

    def test_cached_reads_are_served_until_the_expiration(self, url, redis):
        s = ldr.new_feature_store(url=url, caching=CacheConfig(expiration=0.5))
        try:
            s.init({FEATURES: {"f": make_flag("f", 1)}})
            assert s.get(FEATURES, "f", lambda x: x).version == 1
            redis.cmd("HSET", "launchdarkly:features", "f", json.dumps(make_flag("f", 2)))
            assert s.get(FEATURES, "f", lambda x: x).version == 1
            time.sleep(0.7)
            assert s.get(FEATURES, "f", lambda x: x).version == 2
        finally:
            s.close()

    def test_max_connections_and_redis_opts_reach_the_store(self, url):
        s = ldr.new_feature_store(url=url, max_connections=3,
                                  redis_opts={"socket_timeout": 0.75, "db": 0})
        try:
            d = s.store.describe()
            assert d["pool_size"] == 3 and d["operation_timeout_ms"] == 750
        finally:
            s.close()
        s = ldr.new_feature_store(url=url, redis_opts={"max_connections": 5}, refresh_ahead=True)
        try:
            assert s.store.describe()["pool_size"] == 5
            assert s.store.describe()["cache_refresh_ahead"] == "on"
        finally:
            s.close()

    def test_an_unsupported_redis_opt_is_refused(self, url):
        with pytest.raises(ldredis.InvalidArgumentError, match="health_check_interval"):
            ldr.new_feature_store(url=url, redis_opts={"health_check_interval": 30})


class TestInitDocument:
    def test_init_takes_model_objects_ordered_dicts_and_other_mappings(self, url, redis):
        from collections import OrderedDict
        from types import MappingProxyType

        s = ldr.new_feature_store(url=url, caching=CacheConfig.disabled())
        try:
            s.init(OrderedDict([
                (SEGMENTS, MappingProxyType({"seg": {"key": "seg", "version": 1}})),
                (FEATURES, OrderedDict([("a", FEATURES.decode(make_flag("a", 2))),
                                        ("b", MappingProxyType(make_flag("b", 3)))])),
            ]))
            assert json.loads(redis.cmd("HGET", "launchdarkly:features", "a")) == make_flag("a", 2)
            assert s.get(FEATURES, "b", lambda x: x) == FEATURES.decode(make_flag("b", 3))
            assert s.get(SEGMENTS, "seg", lambda x: x).version == 1
        finally:
            s.close()

    def test_init_refuses_an_item_that_is_not_json(self, url):
        s = ldr.new_feature_store(url=url, caching=CacheConfig.disabled())
        try:
            with pytest.raises(TypeError):
                s.init({FEATURES: {"a": object()}})
        finally:
            s.close()


class TestDecodeMemo:
    def test_an_unchanged_item_is_not_decoded_again(self, url, redis):
        s = ldr.new_feature_store(url=url, caching=CacheConfig.disabled())
        try:
            s.init({FEATURES: {"f": make_flag("f", 1), "g": make_flag("g", 1)}})
            a = s.get(FEATURES, "f", lambda x: x)
            assert s.get(FEATURES, "f", lambda x: x) is a
            all1 = s.all(FEATURES, lambda x: x)
            assert all1["f"] is a  # all() reuses an item decoded by get() at the same version
            assert s.all(FEATURES, lambda x: x) is all1
            redis.cmd("HSET", "launchdarkly:features", "f", json.dumps(make_flag("f", 2)))
            b = s.get(FEATURES, "f", lambda x: x)
            assert b is not a and b.version == 2
            all2 = s.all(FEATURES, lambda x: x)
            assert all2 is not all1 and all2["f"].version == 2 and all2["g"] is all1["g"]
            redis.cmd("HDEL", "launchdarkly:features", "f")
            assert s.get(FEATURES, "f", lambda x: x) is None
        finally:
            s.close()

    def test_disable_cache_stops_the_memo(self, url):
        s = ldr.new_feature_store(url=url, caching=CacheConfig.disabled())
        try:
            s.init({FEATURES: {"f": make_flag("f", 1)}})
            s.disable_cache()
            a = s.get(FEATURES, "f", lambda x: x)
            assert s.get(FEATURES, "f", lambda x: x) is not a
            assert s.get(FEATURES, "f", lambda x: x) == a
        finally:
            s.close()


class TestSharingOneRedis:
    def test_data_written_by_the_sdk_reads_the_same_through_ours(self, url):
        data = _example_data()
        sdk = SDKRedis.new_feature_store(url=url, caching=CacheConfig.disabled())
        ours = ldr.new_feature_store(url=url, caching=CacheConfig.disabled())
        try:
            sdk.init(data)
            sdk.upsert(FEATURES, make_flag("extra", 3))
            sdk.delete(FEATURES, "pricing-page-config", 99)
            assert ours.initialized is True
            for kind in (FEATURES, SEGMENTS):
                assert ours.all(kind, lambda x: x) == sdk.all(kind, lambda x: x)
                for key in data[kind]:
                    assert ours.get(kind, key, lambda x: x) == sdk.get(kind, key, lambda x: x)
            assert ours.get(FEATURES, "pricing-page-config", lambda x: x) is None
        finally:
            close(sdk)
            ours.close()

    def test_data_written_by_ours_reads_the_same_through_the_sdk(self, url):
        data = _example_data()
        sdk = SDKRedis.new_feature_store(url=url, caching=CacheConfig.disabled())
        ours = ldr.new_feature_store(url=url, caching=CacheConfig.disabled())
        try:
            ours.init(data)
            ours.upsert(FEATURES, make_flag("extra", 3))
            ours.delete(FEATURES, "pricing-page-config", 99)
            assert sdk.initialized is True
            for kind in (FEATURES, SEGMENTS):
                assert sdk.all(kind, lambda x: x) == ours.all(kind, lambda x: x)
            assert sdk.get(FEATURES, "extra", lambda x: x) == FEATURES.decode(make_flag("extra", 3))
            assert sdk.get(FEATURES, "pricing-page-config", lambda x: x) is None
            sdk.upsert(FEATURES, make_flag("extra", 3, on=False))  # equal: rejected by the SDK
            assert ours.get(FEATURES, "extra", lambda x: x).on is True
        finally:
            close(sdk)
            ours.close()

    @pytest.mark.parametrize("mode", ["script", "watch"])
    def test_both_writing_the_same_keys_concurrently_leaves_the_highest_versions(self, url, mode):
        keys = [f"k{i}" for i in range(3)]
        sdk = SDKRedis.new_feature_store(url=url, caching=CacheConfig.disabled())
        ours = ldr.new_feature_store(url=url, caching=CacheConfig.disabled(), upsert_mode=mode)

        def writer(store, versions):
            try:
                for v in versions:
                    for k in keys:
                        store.upsert(FEATURES, make_flag(k, v))
            except Exception as e:  # a WATCH writer may lose 10 races; anything else fails
                if "after 10 attempts" not in str(e) and not isinstance(e, ldredis.ConflictError):
                    raise

        try:
            ours.init({FEATURES: {}})
            run_threads(
                lambda: writer(sdk, range(1, 200, 2)),
                lambda: writer(ours, range(2, 201, 2)),
                lambda: writer(sdk, range(150, 0, -1)),
                lambda: writer(ours, range(180, 100, -3)),
                timeout=120,
            )
            # Highest written: 200 by ours (even versions up to 200). Both read the same.
            for k in keys:
                assert ours.get(FEATURES, k, lambda x: x).version == 200
                assert sdk.get(FEATURES, k, lambda x: x).version == 200
        finally:
            close(sdk)
            ours.close()

    def test_python_sdk_shapes_written_raw_read_correctly(self, url, redis):
        """json.dumps spacing, the SDK's $inited value, a stray 'null' field."""
        redis.cmd("HSET", "launchdarkly:features", "a", json.dumps(make_flag("a", 4)))
        redis.cmd("HSET", "launchdarkly:features", "null", "null")
        redis.cmd("SET", "launchdarkly:$inited", "launchdarkly:$inited")
        ours = ldr.new_feature_store(url=url, caching=CacheConfig.disabled())
        try:
            assert ours.initialized is True
            assert ours.get(FEATURES, "a", lambda x: x) == FEATURES.decode(make_flag("a", 4))
            assert set(ours.all(FEATURES, lambda x: x)) == {"a"}
        finally:
            ours.close()


def _example_data():
    with open(EXAMPLE_DATA) as f:
        doc = json.load(f)
    return {FEATURES: doc["flags"], SEGMENTS: doc["segments"]}


def _daemon_client(store, big_segments=None):
    config = Config("sdk-key-not-used", send_events=False, use_ldd=True, feature_store=store,
                    big_segments=big_segments, diagnostic_opt_out=True)
    return LDClient(config=config)


class TestLDClient:
    """An LDClient in daemon mode (use_ldd: reads only the store, never LaunchDarkly)."""

    def test_evaluates_flags_with_targets_rules_segment_matches_and_prerequisites(self, url):
        data = _example_data()
        seeder = ldr.new_feature_store(url=url, caching=CacheConfig.disabled())
        seeder.init(data)
        seeder.close()
        store = ldr.new_feature_store(url=url)
        client = _daemon_client(store)
        try:
            assert client.is_initialized()
            def user(key, **attrs):
                b = Context.builder(key)
                for name in ("country", "email", "betaOptIn"):
                    b.set(name, attrs.get(name))
                return b.build()

            # targets win over rules
            assert client.variation("new-checkout-flow", user("user-blocked-01"), None) is False
            assert client.variation("new-checkout-flow", user("user-4f2a9c"), None) is True
            # segmentMatch: included by key, and by the segment's rule
            d = client.variation_detail("new-checkout-flow", user("user-a81c33"), None)
            assert d.value is True and d.reason["kind"] == "RULE_MATCH"
            assert d.reason["ruleIndex"] == 0
            d = client.variation_detail("new-checkout-flow", user("u-x", betaOptIn=True), None)
            assert d.value is True and d.reason["ruleIndex"] == 0
            # fallthrough
            d = client.variation_detail("new-checkout-flow", user("nobody"), None)
            assert d.value is False and d.reason["kind"] == "FALLTHROUGH"
            # prerequisite + segment rule with weight
            staff = user("staff-1", email="a@example.com", betaOptIn=True)
            assert client.variation("search-page-size", staff, 0) == 50
            not_beta = user("staff-2", email="a@example.com")
            d = client.variation_detail("search-page-size", not_beta, 0)
            assert d.value == 10 and d.reason["kind"] == "PREREQUISITE_FAILED"
            # off flag
            assert client.variation("pricing-page-config", user("x"), None)["layout"] == "classic"
            # missing flag
            d = client.variation_detail("no-such-flag", user("x"), "dflt")
            assert d.value == "dflt" and d.reason["errorKind"] == "FLAG_NOT_FOUND"
            state = client.all_flags_state(user("user-4f2a9c"))
            assert state.valid
            assert set(state.to_values_map()) == set(data[FEATURES])
        finally:
            client.close()
            store.close()

    def test_sees_updates_made_through_the_sdk_after_the_ttl(self, url):
        sdk = SDKRedis.new_feature_store(url=url, caching=CacheConfig.disabled())
        sdk.init({FEATURES: {"f": make_flag("f", 1)}, SEGMENTS: {}})
        store = ldr.new_feature_store(url=url, caching=CacheConfig(expiration=0.3))
        client = _daemon_client(store)
        try:
            ctx = Context.create("u")
            assert client.variation("f", ctx, None) is True
            sdk.upsert(FEATURES, make_flag("f", 2, on=False))
            assert wait_for(lambda: client.variation("f", ctx, None) is False, timeout=5)
        finally:
            client.close()
            store.close()
            close(sdk)

    def test_data_store_status_follows_an_outage(self, own_redis):
        store = ldr.new_feature_store(url=own_redis.url, caching=CacheConfig.disabled(),
                                      connect_timeout=0.5)
        store.init({FEATURES: {"f": make_flag("f", 1)}, SEGMENTS: {}})
        client = _daemon_client(store)
        statuses = []
        try:
            provider = client.data_store_status_provider
            assert provider.is_monitoring_enabled() is True
            provider.add_listener(lambda s: statuses.append(s.available))
            ctx = Context.create("u")
            assert client.variation("f", ctx, "dflt") is True
            own_redis.stop()
            assert client.variation("f", ctx, "dflt") == "dflt"
            assert wait_for(lambda: statuses == [False])
            assert provider.status.available is False
            own_redis.start()
            assert wait_for(lambda: statuses == [False, True])
            store.init({FEATURES: {"f": make_flag("f", 1)}, SEGMENTS: {}})
            assert client.variation("f", ctx, "dflt") is True
        finally:
            client.close()
            store.close()


# ---- Big Segments ----------------------------------------------------------------------------

BIG_IMPLS = ["sdk", "ldredis"]


@pytest.fixture(params=[(impl, p) for impl in BIG_IMPLS for p in (None, "testprefix")],
                ids=lambda p: f"{p[0]}-{'prefix' if p[1] else 'default'}")
def big(request, url, redis):
    impl, prefix = request.param
    if impl == "sdk":
        store = SDKRedis.new_big_segment_store(url=url, prefix=prefix)
    else:
        store = ldr.new_big_segment_store(url=url, prefix=prefix)
    yield store, (prefix or "launchdarkly"), redis
    store.stop()


def set_segments(redis, prefix, context_hash, includes, excludes):
    for ref in includes:
        redis.cmd("SADD", f"{prefix}:big_segment_include:{context_hash}", ref)
    for ref in excludes:
        redis.cmd("SADD", f"{prefix}:big_segment_exclude:{context_hash}", ref)


class TestBigSegmentStoreSuite:
    """The SDK's Big Segment store cases, for the SDK's store and ours."""

    def test_is_a_big_segment_store(self, big):
        assert isinstance(big[0], BigSegmentStore)

    def test_get_metadata_valid_value(self, big):
        store, prefix, redis = big
        redis.cmd("SET", f"{prefix}:big_segments_synchronized_on", "1234567890")
        md = store.get_metadata()
        assert isinstance(md, BigSegmentStoreMetadata) and md.last_up_to_date == 1234567890

    def test_get_metadata_no_value(self, big):
        assert big[0].get_metadata().last_up_to_date is None

    def test_get_membership_not_found(self, big):
        assert big[0].get_membership("userhash") in (None, {})

    def test_get_membership_includes_only(self, big):
        store, prefix, redis = big
        set_segments(redis, prefix, "userhash", ["key1", "key2"], [])
        assert store.get_membership("userhash") == {"key1": True, "key2": True}

    def test_get_membership_excludes_only(self, big):
        store, prefix, redis = big
        set_segments(redis, prefix, "userhash", [], ["key1", "key2"])
        assert store.get_membership("userhash") == {"key1": False, "key2": False}

    def test_get_membership_includes_and_excludes_include_wins(self, big):
        store, prefix, redis = big
        set_segments(redis, prefix, "userhash", ["key1", "key2"], ["key2", "key3"])
        assert store.get_membership("userhash") == {"key1": True, "key2": True, "key3": False}

    def test_hashes_with_plus_slash_and_padding(self, big):
        store, prefix, redis = big
        h = "ab+/cd+/ef=="
        set_segments(redis, prefix, h, ["s.g1"], [])
        assert store.get_membership(h) == {"s.g1": True}
        assert store.get_membership("ab+/cd+/ef=") in (None, {})
        assert store.get_membership("ab cd ef==") in (None, {})


def _key_with_hash_chars():
    """Context keys whose SDK hash contains '+' and '/' (and always '=' padding)."""
    found = []
    for i in range(10000):
        key = f"big-user-{i}"
        h = _hash_for_user_key(key)
        if "+" in h and "/" in h:
            found.append(key)
            if len(found) == 2:
                return found
    raise AssertionError("no key found")


class TestBigSegmentsWithLDClient:
    def test_a_rule_on_a_big_segment_uses_membership_written_the_relay_way(self, url, redis):
        prefix = "bigp" + uuid.uuid4().hex[:6]
        included, excluded = _key_with_hash_chars()
        generation = 3
        flag = make_flag("big-flag", 1, fallthrough={"variation": 1}, rules=[{
            "id": "r0", "variation": 0, "trackEvents": False,
            "clauses": [{"attribute": "", "op": "segmentMatch", "values": ["big-seg"],
                         "negate": False}],
        }])
        segment = {"key": "big-seg", "version": 1, "unbounded": True, "generation": generation,
                   "included": [], "excluded": [], "rules": [], "salt": "s"}
        seeder = ldr.new_feature_store(url=url, prefix=prefix, caching=CacheConfig.disabled())
        seeder.init({FEATURES: {"big-flag": flag}, SEGMENTS: {"big-seg": segment}})
        seeder.close()
        # What the Relay Proxy writes.
        ref = f"big-seg.g{generation}"
        redis.cmd("SADD", f"{prefix}:big_segment_include:{_hash_for_user_key(included)}", ref)
        redis.cmd("SADD", f"{prefix}:big_segment_exclude:{_hash_for_user_key(excluded)}", ref)
        redis.cmd("SADD", f"{prefix}:big_segment_include:{_hash_for_user_key(excluded)}",
                  "big-seg.g2")  # an older generation: ignored
        redis.cmd("SET", f"{prefix}:big_segments_synchronized_on", str(int(time.time() * 1000)))

        store = ldr.new_feature_store(url=url, prefix=prefix)
        bigs = ldr.new_big_segment_store(url=url, prefix=prefix)
        client = _daemon_client(store, BigSegmentsConfig(store=bigs))
        try:
            d = client.variation_detail("big-flag", Context.create(included), None)
            assert d.value is True
            assert d.reason["kind"] == "RULE_MATCH"
            assert d.reason.get("bigSegmentsStatus") == "HEALTHY"
            d = client.variation_detail("big-flag", Context.create(excluded), None)
            assert d.value is False and d.reason["kind"] == "FALLTHROUGH"
            assert d.reason.get("bigSegmentsStatus") == "HEALTHY"
            d = client.variation_detail("big-flag", Context.create("unknown-user"), None)
            assert d.value is False
            status = client.big_segment_store_status_provider.status
            assert status.available is True and status.stale is False
        finally:
            client.close()
            store.close()
        assert bigs.store.closed  # the client stopped it

    def test_stale_sync_time_is_reported(self, url, redis):
        prefix = "bigs" + uuid.uuid4().hex[:6]
        flag = make_flag("big-flag", 1, fallthrough={"variation": 1}, rules=[{
            "id": "r0", "variation": 0,
            "clauses": [{"attribute": "", "op": "segmentMatch", "values": ["big-seg"],
                         "negate": False}],
        }])
        segment = {"key": "big-seg", "version": 1, "unbounded": True, "generation": 1,
                   "salt": "s"}
        store = ldr.new_feature_store(url=url, prefix=prefix)
        store.init({FEATURES: {"big-flag": flag}, SEGMENTS: {"big-seg": segment}})
        redis.cmd("SADD", f"{prefix}:big_segment_include:{_hash_for_user_key('u1')}", "big-seg.g1")
        redis.cmd("SET", f"{prefix}:big_segments_synchronized_on", "1000")
        bigs = ldr.new_big_segment_store(url=url, prefix=prefix)
        client = _daemon_client(store, BigSegmentsConfig(store=bigs))
        try:
            d = client.variation_detail("big-flag", Context.create("u1"), None)
            assert d.value is True and d.reason.get("bigSegmentsStatus") == "STALE"
        finally:
            client.close()
            store.close()
