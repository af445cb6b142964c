"""Store.evaluate and Store.all_flags_state against the LaunchDarkly Python SDK's own evaluation
(LDClient.variation_detail / all_flags_state in daemon mode over the SDK's Redis store), on
hand-written flags that cover targets, rules, rollouts, experiments, segments and
prerequisites; and an SDK upsert seen by the next evaluation once the cache allows it."""

from __future__ import annotations

import time
import uuid

import pytest

ldclient = pytest.importorskip("ldclient", reason="launchdarkly-server-sdk is not installed")
pytest.importorskip("redis", reason="the redis package (for the SDK's own store) is missing")

from ldclient import Context  # noqa: E402
from ldclient.client import LDClient  # noqa: E402
from ldclient.config import Config  # noqa: E402
from ldclient.feature_store import CacheConfig  # noqa: E402
from ldclient.integrations import Redis as SDKRedis  # noqa: E402
from ldclient.versioned_data_kind import FEATURES, SEGMENTS  # noqa: E402

import ldredis  # noqa: E402

FLAGS = {
    "targeted": {"key": "targeted", "version": 1, "on": True, "salt": "s1",
                 "variations": ["hello", "hallo", "bonjour"], "offVariation": 0,
                 "fallthrough": {"variation": 0},
                 "targets": [{"variation": 1, "values": ["anna"]}],
                 "contextTargets": [{"contextKind": "org", "variation": 2, "values": ["acme"]},
                                    {"contextKind": "user", "variation": 1, "values": []}]},
    "rules": {"key": "rules", "version": 2, "on": True, "salt": "s2",
              "variations": [0, 1, 2, 3], "fallthrough": {"variation": 0},
              "rules": [
                  {"id": "email", "variation": 1, "clauses": [
                      {"attribute": "email", "op": "endsWith", "values": ["@example.com"]},
                      {"attribute": "email", "op": "matches", "values": ["^[a-z]+@"]}]},
                  {"id": "seg", "variation": 2, "clauses": [
                      {"attribute": "key", "op": "segmentMatch", "values": ["beta"]}]},
                  {"variation": 3, "clauses": [
                      {"contextKind": "user", "attribute": "/address/city", "op": "in", "values": ["Paris"]},
                      {"attribute": "version", "op": "semVerGreaterThan", "values": ["1.2.0"], "negate": True}]}]},
    "rollout": {"key": "rollout", "version": 3, "on": True, "salt": "salty",
                "variations": ["a", "b", "c"],
                "fallthrough": {"rollout": {"variations": [
                    {"variation": 0, "weight": 33333}, {"variation": 1, "weight": 33333},
                    {"variation": 2, "weight": 33334}]}}},
    "experiment": {"key": "experiment", "version": 1, "on": True, "salt": "x",
                   "variations": [False, True], "trackEventsFallthrough": True,
                   "fallthrough": {"rollout": {"kind": "experiment", "seed": 61, "variations": [
                       {"variation": 0, "weight": 50000}, {"variation": 1, "weight": 40000},
                       {"variation": 0, "weight": 10000, "untracked": True}]}}},
    "prereq": {"key": "prereq", "version": 1, "on": True, "variations": ["x", "y"],
               "offVariation": 0, "fallthrough": {"variation": 1},
               "prerequisites": [{"key": "targeted", "variation": 1}], "clientSide": True},
    "dates": {"key": "dates", "version": 1, "on": True, "variations": ["old", "new"],
              "fallthrough": {"variation": 0},
              "rules": [{"id": "d", "variation": 1, "clauses": [
                  {"attribute": "created", "op": "after", "values": ["2020-01-01T00:00:00Z"]}]}]},
    "off-null": {"key": "off-null", "version": 1, "on": False, "variations": [1]},
    "bad-index": {"key": "bad-index", "version": 1, "on": True, "variations": [1],
                  "fallthrough": {"variation": 5}},
    "cycle": {"key": "cycle", "version": 1, "on": True, "variations": [1, 2],
              "fallthrough": {"variation": 0}, "prerequisites": [{"key": "cycle2", "variation": 0}]},
    "cycle2": {"key": "cycle2", "version": 1, "on": True, "variations": [1, 2],
               "fallthrough": {"variation": 0}, "prerequisites": [{"key": "cycle", "variation": 0}]},
}
SEGMENTS_DATA = {
    "beta": {"key": "beta", "version": 1, "salt": "b", "included": ["inc"], "excluded": ["bob"],
             "rules": [{"clauses": [{"attribute": "country", "op": "in", "values": ["de"]}],
                        "weight": 60000, "bucketBy": "key"}]},
}

CONTEXTS = [
    {"kind": "user", "key": "anna"},
    {"kind": "user", "key": "bob", "email": "bob@example.com", "country": "de"},
    {"kind": "user", "key": "inc", "address": {"city": "Paris"}, "version": "1.10.0"},
    {"kind": "user", "key": "paul", "address": {"city": "Paris"}, "version": "1.1"},
    {"kind": "user", "key": "Émile", "country": "de", "created": 1600000000000},
    {"kind": "user", "key": "zoe", "created": "2021-06-01T12:00:00+02:00"},
    {"kind": "org", "key": "acme"},
    {"kind": "multi", "org": {"key": "acme"}, "user": {"key": "anna"}},
    {"kind": "device", "key": "d1"},
] + [{"kind": "user", "key": "u%d" % i, "country": "de"} for i in range(40)]


@pytest.fixture
def stores(url):
    prefix = "eval-" + uuid.uuid4().hex[:8]
    sdk_store = SDKRedis.new_feature_store(url=url, prefix=prefix, caching=CacheConfig(expiration=30))
    sdk_store.init({FEATURES: FLAGS, SEGMENTS: SEGMENTS_DATA})
    client = LDClient(config=Config("sdk-key-not-used", send_events=False, use_ldd=True,
                                    feature_store=sdk_store, diagnostic_opt_out=True))
    ours = ldredis.Store(url, prefix, cache_ttl=30)
    try:
        yield client, ours, sdk_store, prefix
    finally:
        ours.close()
        client.close()


def _sdk_detail(client, key, context, default):
    d = client.variation_detail(key, Context.from_dict(context), default)
    return {"value": d.value, "variation_index": d.variation_index, "reason": d.reason}


def test_evaluate_matches_the_sdk(stores):
    client, ours, _, _ = stores
    compared = 0
    for key in list(FLAGS) + ["missing"]:
        for context in CONTEXTS:
            want = _sdk_detail(client, key, context, "dflt")
            got = ours.evaluate(key, context, "dflt")
            assert {"value": got.value, "variation_index": got.variation_index, "reason": got.reason} == want, \
                (key, context)
            compared += 1
    assert compared == (len(FLAGS) + 1) * len(CONTEXTS)


def test_reason_kinds_are_all_covered(stores):
    _, ours, _, _ = stores
    kinds = set()
    for key in list(FLAGS) + ["missing"]:
        for context in CONTEXTS + [{"kind": "user", "key": ""}]:
            r = ours.evaluate(key, context).reason
            kinds.add(r["kind"] + ("/" + r["errorKind"] if r["kind"] == "ERROR" else ""))
    assert {"OFF", "FALLTHROUGH", "TARGET_MATCH", "RULE_MATCH", "PREREQUISITE_FAILED",
            "ERROR/FLAG_NOT_FOUND", "ERROR/MALFORMED_FLAG", "ERROR/USER_NOT_SPECIFIED"} <= kinds


def test_experiment_reason_and_in_experiment(stores):
    client, ours, _, _ = stores
    seen = set()
    for i in range(200):
        ctx = {"kind": "user", "key": "k%d" % i}
        got = ours.evaluate("experiment", ctx, None)
        assert got.reason == _sdk_detail(client, "experiment", ctx, None)["reason"]
        seen.add(bool(got.reason.get("inExperiment")))
    assert seen == {True, False}


@pytest.mark.parametrize("options", [
    {}, {"with_reasons": True}, {"client_side_only": True},
    {"details_only_for_tracked_flags": True}, {"with_reasons": True, "details_only_for_tracked_flags": True},
])
def test_all_flags_state_matches_the_sdk(stores, options):
    client, ours, _, _ = stores
    for context in CONTEXTS[:9]:
        want = client.all_flags_state(Context.from_dict(context), **options).to_json_dict()
        assert ours.all_flags_state(context, **options) == want, context


def test_invalid_context_and_argument_errors(stores):
    _, ours, _, _ = stores
    d = ours.evaluate("targeted", {"kind": "user"}, 42)
    assert (d.value, d.variation_index, d.reason) == (42, None, {"kind": "ERROR", "errorKind": "USER_NOT_SPECIFIED"})
    assert ours.all_flags_state({"kind": "user"}) == {"$flagsState": {}, "$valid": False}
    with pytest.raises(ldredis.InvalidArgumentError):
        ours.evaluate("targeted", "{not json")
    with pytest.raises(TypeError):
        ours.evaluate("targeted", 5)
    # An ldclient.Context and JSON text are accepted too.
    assert ours.evaluate("targeted", Context.create("anna")).value == "hallo"
    assert ours.evaluate("targeted", '{"key":"anna"}').value == "hallo"


def test_sdk_upsert_is_seen_once_the_cache_allows(url):
    prefix = "eval-up-" + uuid.uuid4().hex[:8]
    sdk_store = SDKRedis.new_feature_store(url=url, prefix=prefix, caching=CacheConfig.disabled())
    sdk_store.init({FEATURES: {"f": dict(FLAGS["targeted"], key="f")}, SEGMENTS: {}})
    ours = ldredis.Store(url, prefix, cache_ttl=0.3)
    try:
        assert ours.evaluate("f", {"key": "anna"}).value == "hallo"
        changed = dict(FLAGS["targeted"], key="f", version=2, targets=[], contextTargets=[])
        sdk_store.upsert(FEATURES, changed)
        # Still cached: the old flag, decoded once, is served until the TTL.
        assert ours.evaluate("f", {"key": "anna"}).value == "hallo"
        deadline = time.monotonic() + 10
        while ours.evaluate("f", {"key": "anna"}).value != "hello":
            assert time.monotonic() < deadline, "the upsert was never seen"
            time.sleep(0.05)
        d = ours.evaluate("f", {"key": "anna"})
        assert (d.variation_index, d.reason) == (0, {"kind": "FALLTHROUGH"})
    finally:
        ours.close()


def test_big_integers_stay_exact(url):
    prefix = "eval-big-" + uuid.uuid4().hex[:8]
    ours = ldredis.Store(url, prefix, cache_ttl=30)
    try:
        ours.init({"flags": {"f": {"key": "f", "version": 1, "on": True, "variations": [10 ** 20, 2 ** 64 + 1],
                                   "fallthrough": {"variation": 1}}}, "segments": {}})
        assert ours.evaluate("f", {"key": "k"}).value == 2 ** 64 + 1
        assert ours.evaluate("nope", {"key": "k"}, 10 ** 30).value == 10 ** 30
        assert ours.all_flags_state({"key": "k"})["f"] == 2 ** 64 + 1
    finally:
        ours.close()
