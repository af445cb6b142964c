#!/usr/bin/env python3
"""The Python side of ``make bench``: ldredis's drop-in store against the SDK's own.

    python3 bench/python/bench.py URL DATADIR INIT_N quick|full > py.json

Both stores are created as users create them and used through the SDK's ``FeatureStore``
interface, with the same data, the same redis-server and the same ``CacheConfig``:

- ldredis: ``ldredis.launchdarkly.new_feature_store(url=..., prefix=..., caching=...)``
- the SDK: ``ldclient.integrations.Redis.new_feature_store(url=..., prefix=..., caching=...)``

The items are read from a prefix written once (by ldredis's init: compact JSON, as Relay and
the Go SDK write it); both sides read the same keys. Writes go to one prefix per side. When
the SDK (``launchdarkly-server-sdk`` + ``redis``) is not installed its cases are skipped and a
note says so; the ldredis side always runs (it needs the SDK's model classes too, so without
the SDK only the plain ``ldredis.Store`` cases run).

Over TLS (``LDREDIS_TLS_URL`` and ``LDREDIS_TLS_CA_FILE`` set, as ``scripts/with-redis.sh
--tls`` sets them: the TLS port of the same server): get, cache off, on both sides, each
created the same way, ``url="rediss://..."``, ``redis_opts={"ssl_ca_certs": CA}``.

Rounds interleave the cases; a sample is one operation, or the mean of a batch for cache hits.
"""

from __future__ import annotations

import gc
import json
import os
import platform
import statistics
import sys
import threading
import time
from typing import Any, Callable, Dict, List, Optional

NOTES: List[str] = []

try:
    import ldclient  # noqa: F401
    from ldclient.feature_store import CacheConfig
    from ldclient.integrations import Redis as SDKRedis
    from ldclient.versioned_data_kind import FEATURES, SEGMENTS
    import redis as _redis_py

    HAVE_SDK = True
except ImportError as e:  # quick mode on a machine without the SDK: skip its side
    HAVE_SDK = False
    NOTES.append(f"the LaunchDarkly Python SDK is not importable ({e}); its column is skipped")

import ldredis
from ldredis import _json as ld_json

if HAVE_SDK:
    from ldredis.launchdarkly import new_feature_store as ld_new_feature_store


def now() -> int:
    return time.perf_counter_ns()


class Series:
    def __init__(self, name: str, desc: str, batch: int = 1) -> None:
        self.name, self.desc, self.batch = name, desc, batch
        self.samples: List[float] = []
        self.round_medians: List[float] = []

    def block(self, op: Callable[[int], Any], samples: int, start: int) -> int:
        """Adds `samples` samples; returns the next operation index."""
        i = start
        batch = self.batch
        out = self.samples
        for _ in range(samples):
            t0 = now()
            for _ in range(batch):
                op(i)
                i += 1
            out.append((now() - t0) / batch)
        return i

    def end_round(self, start: int) -> None:
        self.round_medians.append(statistics.median(self.samples[start:]))

    def to_json(self) -> Dict[str, Any]:
        v = sorted(self.samples)
        return {
            "desc": self.desc, "unit": "ns/op", "batch": self.batch, "samples": len(v),
            "median": quantile(v, 0.5), "p99": quantile(v, 0.99), "mean": sum(v) / len(v),
            "min": v[0], "round_medians": self.round_medians,
        }


def pair_block(sa: Series, a: Callable[[int], Any], sb: Series, b: Callable[[int], Any],
               samples: int, start: int) -> int:
    """Two cases measured op by op in turn (a b, b a, a b ...; the same key for both in each
    sample), so that both see the same moment of a shared machine; returns the next index."""
    i = start
    for k in range(samples):
        first, second = ((sa, a), (sb, b)) if k % 2 == 0 else ((sb, b), (sa, a))
        t0 = now()
        first[1](i)
        t1 = now()
        second[1](i)
        t2 = now()
        first[0].samples.append(t1 - t0)
        second[0].samples.append(t2 - t1)
        i += 1
    return i


def quantile(v: List[float], q: float) -> float:
    pos = q * (len(v) - 1)
    i = int(pos)
    frac = pos - i
    return v[i] * (1 - frac) + v[i + 1] * frac if i + 1 < len(v) else v[i]


def threads_ops_per_s(n: int, op: Callable[[int], Any], seconds: float) -> float:
    """Total ops/s of n threads calling op for `seconds`."""
    stop = threading.Event()
    barrier = threading.Barrier(n + 1)
    counts = [0] * n

    def worker(t: int) -> None:
        i = t * 97
        c = 0
        barrier.wait()
        while not stop.is_set():
            op(i)
            i += 1
            c += 1
        counts[t] = c

    ths = [threading.Thread(target=worker, args=(t,)) for t in range(n)]
    for th in ths:
        th.start()
    barrier.wait()
    t0 = now()
    time.sleep(seconds)
    stop.set()
    for th in ths:
        th.join()
    return sum(counts) / ((now() - t0) / 1e9)


def tls_drop_in(url: str, ca: str, prefix: str, caching: Any) -> Any:
    """ldredis's drop-in over TLS, created as the SDK's is (redis-py's ``ssl_ca_certs``), or
    None with a note when this binding has no TLS options yet."""
    try:
        return ld_new_feature_store(url=url, prefix=prefix, caching=caching,
                                    redis_opts={"ssl_ca_certs": ca})
    except ldredis.InvalidArgumentError as e:
        NOTES.append(f"Python over TLS skipped: this ldredis binding does not take "
                     f"redis_opts['ssl_ca_certs'] ({e})")
        return None


def tls_plain_store(url: str, ca: str, prefix: str, cache_ttl: float) -> Any:
    """An ldredis.Store over TLS (for the run without the SDK), or None with a note."""
    try:
        return ldredis.Store(url, prefix, cache_ttl=cache_ttl, tls_ca_file=ca)
    except TypeError as e:
        NOTES.append(f"Python over TLS skipped: ldredis.Store takes no tls_ca_file ({e})")
        return None


def main(argv: List[str]) -> int:
    url, datadir, init_n, mode = argv[1], argv[2], int(argv[3]), argv[4]
    tls_url, tls_ca = os.environ.get("LDREDIS_TLS_URL"), os.environ.get("LDREDIS_TLS_CA_FILE")
    if not tls_url or not tls_ca:
        tls_url = tls_ca = None
        NOTES.append("no TLS port (LDREDIS_TLS_URL, LDREDIS_TLS_CA_FILE unset): TLS cases skipped")
    quick = mode == "quick"
    # rounds, blocks per round, samples per round (get, hit x batch, all, init, upsert), and the
    # seconds of each thread measurement
    if quick:
        rounds, blocks, get_n, hit_n, hit_batch, all_n, init_n_samples, up_n, thr_s = \
            2, 1, 100, 50, 100, 2, 1, 50, 0.05
    else:
        rounds, blocks, get_n, hit_n, hit_batch, all_n, init_n_samples, up_n, thr_s = \
            9, 4, 1600, 800, 200, 12, 4, 800, 1.0

    with open(os.path.join(datadir, "data-1000.json"), "rb") as f:
        raw1k = f.read()
    with open(os.path.join(datadir, f"data-{init_n}.json"), "rb") as f:
        raw_init = f.read()
    data1k = json.loads(raw1k)
    data_init = json.loads(raw_init)
    keys = list(data1k["flags"])
    by_size = sorted(data1k["flags"].values(), key=lambda it: len(json.dumps(it, separators=(",", ":"))))
    median_flag = by_size[len(by_size) // 2]

    # The data both sides read, written once.
    with ldredis.Store(url, "py1k", cache_ttl=0) as setup:
        setup.init(raw1k)

    series: Dict[str, Series] = {}
    throughput: Dict[str, Dict[str, Any]] = {}
    cases: List[tuple] = []  # (series, op, samples)
    pairs: List[tuple] = []  # (series a, op a, series b, op b, samples): measured in turn

    def pair(a: tuple, b: tuple, samples: int) -> None:
        """Two cases, each (name, desc, op), measured op by op in turn (pair_block)."""
        sa, sb = Series(a[0], a[1]), Series(b[0], b[1])
        series[a[0]], series[b[0]] = sa, sb
        pairs.append((sa, a[2], sb, b[2], samples))

    def case(name: str, desc: str, op: Callable[[int], Any], samples: int, batch: int = 1) -> None:
        s = Series(name, desc, batch)
        series[name] = s
        cases.append((s, op, samples))

    hit_cfg_args = dict(expiration=3600.0, capacity=100000)
    stores: List[Any] = []

    if HAVE_SDK:
        ld_off = ld_new_feature_store(url=url, prefix="py1k", caching=CacheConfig.disabled())
        ld_hit = ld_new_feature_store(url=url, prefix="py1k", caching=CacheConfig(**hit_cfg_args))
        sdk_off = SDKRedis.new_feature_store(url=url, prefix="py1k", caching=CacheConfig.disabled())
        sdk_hit = SDKRedis.new_feature_store(url=url, prefix="py1k", caching=CacheConfig(**hit_cfg_args))
        ld_init = ld_new_feature_store(url=url, prefix="pyinit-ld", caching=CacheConfig.disabled())
        sdk_init = SDKRedis.new_feature_store(url=url, prefix="pyinit-sdk", caching=CacheConfig.disabled())
        ld_up = ld_new_feature_store(url=url, prefix="pyup", caching=CacheConfig.disabled())
        sdk_up = SDKRedis.new_feature_store(url=url, prefix="pyup", caching=CacheConfig.disabled())
        stores += [ld_off, ld_hit, ld_init, ld_up]
        ld_off_tls = sdk_off_tls = None
        if tls_url and tls_ca:
            ld_off_tls = tls_drop_in(tls_url, tls_ca, "py1k", CacheConfig.disabled())
            if ld_off_tls is not None:
                stores.append(ld_off_tls)
                sdk_off_tls = SDKRedis.new_feature_store(url=tls_url, prefix="py1k", caching=CacheConfig.disabled(),
                                                         redis_opts={"ssl_ca_certs": tls_ca})
        all_init = {FEATURES: data_init["flags"], SEGMENTS: data_init["segments"]}

        nkeys = len(keys)

        def getter(store: Any) -> Callable[[int], Any]:
            def op(i: int) -> Any:
                item = store.get(FEATURES, keys[i % nkeys])
                if item is None:
                    raise RuntimeError("get: missing item")
                return item
            return op

        for s in (ld_hit, sdk_hit):  # warm the caches
            for k in keys:
                s.get(FEATURES, k)

        def aller(store: Any) -> Callable[[int], Any]:
            def op(i: int) -> Any:
                items = store.all(FEATURES)
                if len(items) != nkeys:
                    raise RuntimeError("all: wrong count")
                return items
            return op

        def initer(store: Any) -> Callable[[int], Any]:
            return lambda i: store.init(all_init)

        class Upserter:
            """Upserts a copy of a median-size flag: a higher version each time (applied) or
            the same low version (rejected, once a higher one is stored)."""

            def __init__(self, store: Any, key: str) -> None:
                self.store, self.key = store, key
                self.next = 1_000_000_001
                self.base = dict(median_flag, key=key)
                self.rejected = False

            def __call__(self, i: int) -> None:
                if self.rejected:
                    v = 1_000_000_000
                else:
                    v = self.next
                    self.next += 1
                self.store.upsert(FEATURES, dict(self.base, version=v))

        up_ld = Upserter(ld_up, "py-upsert-ld")
        up_sdk = Upserter(sdk_up, "py-upsert-sdk")
        up_ld(0)
        up_sdk(0)
        ld_up_watch = ld_new_feature_store(url=url, prefix="pyup", caching=CacheConfig.disabled(),
                                           upsert_mode="watch")
        stores.append(ld_up_watch)
        up_ld_watch = Upserter(ld_up_watch, "py-upsert-ld-watch")
        up_ld_watch(0)

        def initialized(store: Any) -> Callable[[int], Any]:
            def op(i: int) -> None:
                if not store.initialized:
                    raise RuntimeError("not initialized")
            return op

        case("ld_get_off", "ldredis get, cache off", getter(ld_off), get_n)
        case("sdk_get_off", "SDK Redis store get, cache off", getter(sdk_off), get_n)
        if ld_off_tls is not None:
            # In their own blocks, as the plain TCP gets are (for TLS ÷ plain TCP per side) ...
            case("ld_get_off_tls_blocks", "ldredis get, cache off, over TLS (own blocks)", getter(ld_off_tls), get_n)
            case("sdk_get_off_tls_blocks", "SDK Redis store get, cache off, over TLS (own blocks)",
                 getter(sdk_off_tls), get_n)
            # ... and in turn with each other (the target: ldredis vs the SDK at the same moments)
            pair(("ld_get_off_tls", "ldredis get, cache off, over TLS (in turn with the SDK's)", getter(ld_off_tls)),
                 ("sdk_get_off_tls", "SDK Redis store get, cache off, over TLS (redis-py rediss://; in turn "
                  "with ldredis's)", getter(sdk_off_tls)), get_n)
        case("ld_get_hit", "ldredis get, cache hit", getter(ld_hit), hit_n, hit_batch)
        case("sdk_get_hit", "SDK Redis store get, cache hit", getter(sdk_hit), hit_n, hit_batch)
        case("ld_all_off", "ldredis all(FEATURES), 1,000 flags, cache off", aller(ld_off), all_n)
        case("sdk_all_off", "SDK all(FEATURES), 1,000 flags, cache off", aller(sdk_off), all_n)
        case("ld_init", f"ldredis init, {init_n} flags, cache off", initer(ld_init), init_n_samples)
        case("sdk_init", f"SDK init, {init_n} flags, cache off", initer(sdk_init), init_n_samples)
        case("ld_upsert_applied", "ldredis upsert, applied, cache off", up_ld, up_n)
        case("sdk_upsert_applied", "SDK upsert, applied, cache off", up_sdk, up_n)
        case("ld_upsert_watch_applied", "ldredis upsert (WATCH mode), applied, cache off", up_ld_watch, up_n)
        case("ld_initialized", "ldredis initialized, cache off", initialized(ld_off), get_n)
        case("sdk_initialized", "SDK initialized, cache off", initialized(sdk_off), get_n)
        rejected_cases = [
            ("ld_upsert_rejected", "ldredis upsert, rejected, cache off", up_ld),
            ("sdk_upsert_rejected", "SDK upsert, rejected, cache off", up_sdk),
        ]
        for name, desc, up in rejected_cases:
            def rej(i: int, up: Any = up) -> None:
                up.rejected = True
                try:
                    up(i)
                finally:
                    up.rejected = False
            case(name, desc, rej, up_n)

        thread_cases = [("ld_get_off", getter(ld_off)), ("sdk_get_off", getter(sdk_off)),
                        ("ld_get_hit", getter(ld_hit)), ("sdk_get_hit", getter(sdk_hit))]
    else:
        # Without the SDK: the plain ldredis.Store, so that the harness still runs end to end.
        store_off = ldredis.Store(url, "py1k", cache_ttl=0)
        store_hit = ldredis.Store(url, "py1k", cache_ttl=3600)
        stores += [store_off, store_hit]
        nkeys = len(keys)
        for k in keys:
            store_hit.get_raw("features", k)
        case("ld_store_get_off", "ldredis.Store.get_raw, cache off (no SDK installed)",
             lambda i: store_off.get_raw("features", keys[i % nkeys]), get_n)
        case("ld_store_get_hit", "ldredis.Store.get_raw, cache hit (no SDK installed)",
             lambda i: store_hit.get_raw("features", keys[i % nkeys]), hit_n, hit_batch)
        store_tls = tls_plain_store(tls_url, tls_ca, "py1k", 0) if tls_url and tls_ca else None
        if store_tls is not None:
            stores.append(store_tls)
            case("ld_store_get_off_tls", "ldredis.Store.get_raw, cache off, over TLS (no SDK installed)",
                 lambda i: store_tls.get_raw("features", keys[i % nkeys]), get_n)
        thread_cases = [("ld_store_get_off", lambda i: store_off.get_raw("features", keys[i % nkeys]))]

    # The harness's own objects (the data sets as dicts, the warmed caches) go to the permanent
    # generation, so that the garbage collector's full passes, which both sides trigger, do not
    # also walk the benchmark's data: they would be the harness's cost, not the stores'.
    gc.collect()
    gc.freeze()

    # Warm-up: a few calls of every case, not recorded.
    for s, op, samples in cases:
        for i in range(min(samples, 3)):
            op(i)
    for _, a, _, b, _ in pairs:
        for i in range(3):
            a(i)
            b(i)

    # Each round runs every case in `blocks` alternating blocks, so that the two sides of a
    # comparison are measured close together in time; both walk the same keys.
    for r in range(rounds):
        print(f"bench.py: Python round {r + 1}/{rounds}", file=sys.stderr)
        starts = [len(s.samples) for s, _, _ in cases]
        pair_starts = [(len(sa.samples), len(sb.samples)) for sa, _, sb, _, _ in pairs]
        index = [r * 7919] * len(cases)
        pair_index = [r * 7919] * len(pairs)
        for _ in range(blocks):
            for k, (s, op, samples) in enumerate(cases):
                index[k] = s.block(op, max(1, samples // blocks), index[k])
            for k, (sa, a, sb, b, samples) in enumerate(pairs):
                pair_index[k] = pair_block(sa, a, sb, b, max(1, samples // blocks), pair_index[k])
        for k, (s, _, _) in enumerate(cases):
            s.end_round(starts[k])
        for (sa, _, sb, _, _), (fa, fb) in zip(pairs, pair_starts):
            sa.end_round(fa)
            sb.end_round(fb)

    for name, op in thread_cases:
        for n in (1, 8):
            threads_ops_per_s(n, op, 0.05)  # warm-up (opens pooled connections)
    for name, op in thread_cases:
        for n in (1, 8):
            throughput[f"{name}_t{n}"] = {"desc": f"{name}, {n} thread(s)", "unit": "ops/s", "rounds": []}
    for r in range(1 if quick else max(2, rounds // 2)):
        print(f"bench.py: Python threads round {r + 1}", file=sys.stderr)
        for name, op in thread_cases:
            for n in (1, 8):
                throughput[f"{name}_t{n}"]["rounds"].append(threads_ops_per_s(n, op, thr_s))
    for t in throughput.values():
        v = sorted(t["rounds"])
        t.update(median=statistics.median(v), min=v[0], max=v[-1])

    for s in stores:
        close = getattr(s, "close", None)
        if close:
            close()

    env: Dict[str, Any] = {
        "python": platform.python_version(),
        "ldredis_library": ldredis.library_version,
        "orjson": ld_json.HAVE_ORJSON,
        "quick": quick,
        "rounds": rounds,
        "blocks": blocks,
        "gc_frozen_after_setup": True,
        "init_flags": len(data_init["flags"]),
        "tls": tls_url is not None,
        "sdk": None,
    }
    if HAVE_SDK:
        from ldclient.version import VERSION as sdk_version
        env["sdk"] = sdk_version
        env["redis_py"] = _redis_py.__version__
        try:
            import hiredis  # noqa: F401
            env["redis_py_hiredis_parser"] = True
        except ImportError:
            env["redis_py_hiredis_parser"] = False
    json.dump({"env": env, "notes": NOTES,
               "series": {k: s.to_json() for k, s in series.items()},
               "throughput": throughput}, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
