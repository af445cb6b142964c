"""demo.py - the same Redis data from Python: what examples/c/demo.c left under "launchdarkly".

    LDREDIS_LIBRARY=build/stage/lib/libldredis.so PYTHONPATH=bindings/python \
        python3 examples/python/demo.py [REDIS_URL]

REDIS_URL defaults to $LDREDIS_URL, then redis://localhost:6379/0. `make demo` runs it right
after the C demo, against the same throwaway redis-server. Read only: it writes nothing.
"""

import os
import sys

import ldredis


def main() -> int:
    url = (sys.argv[1] if len(sys.argv) > 1 else os.environ.get("LDREDIS_URL")) or \
        "redis://localhost:6379/0"
    with ldredis.Store(url, "launchdarkly", cache_ttl=30) as store:
        where = store.describe()["server"]  # the URL with any password redacted
        print(f'ldredis {ldredis.library_version} from Python: Redis at {where}, prefix "launchdarkly"\n')

        print(f"1. initialized: {store.initialized}")

        banner = store.get("features", "banner-color")  # a dict, or None
        assert banner is not None, "run the C demo first (examples/run-demo.sh does)"
        print(f"2. banner-color: version {banner['version']}, variations {banner['variations']}"
              " (the C demo's upsert of version 8)")

        print(f"3. pricing-page-config: {store.get('features', 'pricing-page-config')}"
              " (deleted by the C demo: a tombstone reads as None)")

        flags = store.all("features")
        print(f"4. all features: {', '.join(sorted(flags))}")
        segments = store.all("segments")
        print(f"   all segments: {', '.join(sorted(segments))}")

        for _ in range(1000):
            store.get("features", "banner-color")  # served by the in-process cache
        st = store.stats()
        print(f"5. 1000 more gets: cache_hits={st['cache_hits']}, "
              f"redis_round_trips={st['redis_round_trips']}")

    # The LaunchDarkly SDK with ldredis as its feature store (optional: needs the SDK).
    try:
        from ldclient import Context
        from ldclient.client import LDClient
        from ldclient.config import Config
        from ldredis.launchdarkly import Redis
    except ImportError:
        print("\n6. (launchdarkly-server-sdk is not installed: skipping the LDClient part)")
        return 0
    store = Redis.new_feature_store(url=url, prefix="launchdarkly")
    client = LDClient(Config("sdk-key-unused", use_ldd=True, send_events=False,
                             feature_store=store, diagnostic_opt_out=True))
    try:
        ctx = Context.builder("user-a81c33").set("email", "ana@example.com").build()
        print("\n6. LDClient (daemon mode) evaluating from the same data:")
        print(f"   new-checkout-flow for user-a81c33 (in segment beta-testers): "
              f"{client.variation('new-checkout-flow', ctx, None)}")
        print(f"   banner-color for user-design-lead (targeted): "
              f"{client.variation('banner-color', Context.create('user-design-lead'), None)}")
    finally:
        client.close()
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
