"""Round trips and Redis commands per ldredis operation, in script and WATCH mode.

    make stage && LIB=$PWD/build/stage/lib/libldredis.so scripts/with-redis.sh python3 bench/roundtrips.py

Counts commands with INFO commandstats (commands run inside the upsert script count too) and
round trips with the store's own redis_round_trips counter; the cache is off.
"""
import ctypes, os, subprocess, json
L = ctypes.CDLL(os.environ["LIB"])
L.ldredis_last_error.restype = ctypes.c_char_p
port = os.environ["LDREDIS_TEST_PORT"]
def cli(*a): return subprocess.run(["redis-cli","-p",port,*a],capture_output=True,text=True).stdout
def stats(st):
    p = ctypes.c_void_p(); n = ctypes.c_size_t()
    L.ldredis_store_stats_json(ctypes.byref(p), ctypes.byref(n), st); s = json.loads(ctypes.string_at(p, n.value)); L.ldredis_free(p); return s
def cmds():
    out = {}
    for line in cli("INFO","commandstats").splitlines():
        if line.startswith("cmdstat_"):
            name, rest = line[8:].split(":",1); out[name] = int(rest.split("calls=")[1].split(",")[0])
    return out
for mode in (1, 2):
    cfg = ctypes.c_void_p(); L.ldredis_config_new(ctypes.byref(cfg)); L.ldredis_config_set_url(cfg, os.environ["LDREDIS_URL"].encode())
    L.ldredis_config_set_cache_ttl_ms(cfg, ctypes.c_int64(0)); L.ldredis_config_set_upsert_mode(cfg, mode)
    L.ldredis_config_set_prefix(cfg, b"rt%d" % mode)
    st = ctypes.c_void_p(); L.ldredis_store_new(ctypes.byref(st), cfg)
    out = ctypes.c_int(); p = ctypes.c_void_p(); n = ctypes.c_size_t(); v = ctypes.c_int64()
    doc = json.dumps({"flags": {f"f{i}": {"key": f"f{i}", "version": 1} for i in range(2500)}, "segments": {"s": {"key":"s","version":1}}}).encode()
    L.ldredis_store_available(ctypes.byref(out), st)  # connect + warm up
    j = b'{"key":"f1","version":1}'; L.ldredis_store_upsert(ctypes.byref(out), st, b"features", b"warm", j, len(j))
    ops = [
      ("init (2,501 items, 2 kinds)", lambda: L.ldredis_store_init_json(st, doc, len(doc))),
      ("get", lambda: L.ldredis_store_get(ctypes.byref(p), ctypes.byref(n), st, b"features", b"f1")),
      ("all", lambda: L.ldredis_store_all_json(ctypes.byref(p), ctypes.byref(n), st, b"features")),
      ("upsert applied", lambda: L.ldredis_store_upsert(ctypes.byref(out), st, b"features", b"f1", b'{"version":5}', 13)),
      ("upsert rejected", lambda: L.ldredis_store_upsert(ctypes.byref(out), st, b"features", b"f1", b'{"version":4}', 13)),
      ("delete", lambda: L.ldredis_store_delete(ctypes.byref(out), st, b"features", b"f2", ctypes.c_int64(9))),
      ("initialized", lambda: L.ldredis_store_initialized(ctypes.byref(out), st)),
      ("available", lambda: L.ldredis_store_available(ctypes.byref(out), st)),
      ("big segments metadata", lambda: L.ldredis_store_big_segments_metadata(ctypes.byref(v), st)),
      ("big segments membership", lambda: L.ldredis_store_big_segments_membership(ctypes.byref(p), ctypes.byref(n), st, b"abc=")),
    ]
    print("mode", {1:"script",2:"watch"}[mode])
    for name, f in ops:
        before = cmds(); rt0 = stats(st)["redis_round_trips"]; rc = f(); after = cmds(); rt1 = stats(st)["redis_round_trips"]
        diff = {k: after.get(k,0)-before.get(k,0) for k in after if after.get(k,0)-before.get(k,0)>0 and k!="info"}
        print(f"  {name:28s} rc={rc:2d} round trips={rt1-rt0}  commands={diff}")
    L.ldredis_store_free(st); L.ldredis_config_free(cfg)
