"""bench/eval: Python Store.evaluate (warm cache) against the LaunchDarkly SDK's own
LDClient.variation_detail over the SDK's Redis store with its cache on (daemon mode), same data,
same context. Prints one JSON object.

    python3 eval_bench.py REDIS_URL SECONDS
"""

import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import data  # noqa: E402

import ldredis  # noqa: E402


def per_call(fn, seconds):
    fn()
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        for _ in range(200):
            fn()
        n += 200
    return (time.perf_counter() - t0) / n * 1e9, n


def interleaved(a, b, seconds, rounds=10):
    """Alternates short runs of a and b (a shared machine's load then hits both alike) and
    keeps each side's best round: (a ns, a calls, b ns, b calls)."""
    best_a = best_b = float("inf")
    calls_a = calls_b = 0
    for _ in range(rounds):
        ns, n = per_call(a, seconds / rounds / 2)
        best_a, calls_a = min(best_a, ns), calls_a + n
        ns, n = per_call(b, seconds / rounds / 2)
        best_b, calls_b = min(best_b, ns), calls_b + n
    return best_a, calls_a, best_b, calls_b


def main():
    url, seconds = sys.argv[1], float(sys.argv[2])
    prefix = "evalbench-py"
    out = {}
    store = ldredis.Store(url, prefix, cache_ttl=3600)
    store.init(data.DATA)
    ctx = data.CONTEXT
    detail = store.evaluate("bench-flag", ctx)
    ours = lambda: store.evaluate("bench-flag", ctx)  # noqa: E731
    out["ldredis_evaluate_ns"], out["ldredis_evaluations"] = per_call(ours, seconds / 4)
    out["ldredis_detail"] = [detail.value, detail.variation_index, detail.reason]
    try:
        from ldclient import Context
        from ldclient.client import LDClient
        from ldclient.config import Config
        from ldclient.feature_store import CacheConfig
        from ldclient.integrations import Redis as SDKRedis
    except ImportError as e:
        out["sdk_skipped"] = "launchdarkly-server-sdk/redis not installed: %s" % e
    else:
        sdk_store = SDKRedis.new_feature_store(url=url, prefix=prefix, caching=CacheConfig(expiration=3600))
        client = LDClient(config=Config("sdk-key-not-used", send_events=False, use_ldd=True,
                                        feature_store=sdk_store, diagnostic_opt_out=True))
        context = Context.from_dict(ctx)
        d = client.variation_detail("bench-flag", context, None)
        out["sdk_detail"] = [d.value, d.variation_index, d.reason]
        (out["ldredis_evaluate_ns"], out["ldredis_evaluations"], out["sdk_variation_detail_ns"],
         out["sdk_evaluations"]) = interleaved(ours, lambda: client.variation_detail("bench-flag", context, None),
                                               seconds * 2)
        out["speedup"] = out["sdk_variation_detail_ns"] / out["ldredis_evaluate_ns"]
        client.close()
    store.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
