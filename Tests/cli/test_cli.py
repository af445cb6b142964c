"""The ldredis command against real redis-servers: exit codes, --json output, dump | load,
verify's findings, watch seeing the LaunchDarkly Python SDK's writes, status on a dead or
frozen server, --help everywhere, colour only on a terminal, passwords never printed."""

from __future__ import annotations

import json
import os
import pty
import select
import signal
import subprocess
import tempfile
import time
from typing import List

import pytest
from conftest import CLI, ROOT, RedisServer, free_port, ldredis

COMMANDS = ["status", "ls", "get", "eval", "dump", "load", "verify", "watch", "bench"]

FLAGS = {
    "alpha": {"key": "alpha", "version": 3, "on": True, "variations": [True, False],
              "rules": [{"id": "r1", "variation": 0, "clauses": []}], "fallthrough": {"variation": 0},
              "offVariation": 1, "salt": "s", "targets": [], "prerequisites": []},
    "beta": {"key": "beta", "version": 1, "on": False, "variations": ["a", "b", "c"], "rules": [],
             "fallthrough": {"variation": 0}, "offVariation": 1, "salt": "s"},
    "gone": {"key": "gone", "version": 9, "deleted": True},
}
SEGMENTS = {"seg": {"key": "seg", "version": 2, "included": ["u1"], "excluded": [], "rules": [], "salt": "x"}}


def sdk_store(server: RedisServer, prefix: str = "launchdarkly"):
    """The LaunchDarkly Python SDK's Redis store (no cache), as an SDK or Relay writes."""
    from ldclient.feature_store import CacheConfig
    from ldclient.integrations import Redis
    return Redis.new_feature_store(url=server.url, prefix=prefix, caching=CacheConfig.disabled())


def sdk_init(server: RedisServer, prefix: str = "launchdarkly") -> None:
    from ldclient.versioned_data_kind import FEATURES, SEGMENTS as SEG
    store = sdk_store(server, prefix)
    store.init({FEATURES: FLAGS, SEG: SEGMENTS})


def url_env(server: RedisServer, **extra: str):
    env = {"LDREDIS_URL": server.url}
    env.update(extra)
    return env


def json_lines(out: bytes) -> List[dict]:
    return [json.loads(line) for line in out.decode().splitlines() if line.strip()]


# --- help and usage -------------------------------------------------------------------------

def test_help_everywhere():
    top = ldredis("--help")
    assert top.returncode == 0 and b"usage: ldredis" in top.stdout
    for name in COMMANDS:
        assert name.encode() in top.stdout
        for form in (["--help"], ["-h"]):
            r = ldredis(name, *form)
            assert r.returncode == 0, (name, r.stderr)
            assert r.stdout.startswith(f"usage: ldredis {name}".encode()), (name, r.stdout[:80])
            assert b"--url URL" in r.stdout and b"LDREDIS_URL" in r.stdout
        r = ldredis("help", name)
        assert r.returncode == 0 and r.stdout.startswith(f"usage: ldredis {name}".encode())
    assert ldredis("--version").stdout.startswith(b"ldredis ")


def test_usage_errors_exit_64_on_stderr():
    for args in ([], ["nosuch"], ["status", "--nosuch"], ["get", "flag"], ["ls", "widgets"],
                 ["status", "--timeout", "abc"], ["--url", "http://x", "status"], ["ls", "--match"]):
        r = ldredis(*args)
        assert r.returncode == 64, (args, r.returncode, r.stderr)
        assert r.stderr.startswith(b"ldredis: error:"), (args, r.stderr)
        assert r.stdout == b"", args


def test_eval_matches_the_sdk(server):
    """eval gives the SDK's variation_detail for flags the SDK wrote: a target match, the
    fallthrough, an off flag, a missing flag (exit 1) and bad JSON (exit 64)."""
    from ldclient import Context, LDClient, Config
    from ldclient.feature_store import CacheConfig
    sdk_init(server)
    client = LDClient(Config("sdk-key", feature_store=sdk_store(server), use_ldd=True,
                             send_events=False))
    try:
        for flag, context in (("alpha", {"kind": "user", "key": "u1"}),
                              ("alpha", {"kind": "user", "key": "someone"}),
                              ("beta", {"kind": "user", "key": "u1"})):
            r = ldredis("eval", flag, "--context", json.dumps(context), "--json", env=url_env(server))
            assert r.returncode == 0, (flag, r.stderr)
            got = json.loads(r.stdout)
            want = client.variation_detail(flag, Context.from_dict(context), None)
            assert got["value"] == want.value, (flag, context, got)
            assert got.get("variationIndex") == want.variation_index, (flag, context, got)
            assert got["reason"] == want.reason, (flag, context, got)
    finally:
        client.close()
    missing = ldredis("eval", "nosuch", "--context", '{"key":"u"}', "--default", '"d"', "--json",
                      env=url_env(server))
    assert missing.returncode == 1
    assert json.loads(missing.stdout) == {"value": "d", "reason": {"kind": "ERROR",
                                                                   "errorKind": "FLAG_NOT_FOUND"}}
    assert b"nosuch" in missing.stderr
    bad = ldredis("eval", "alpha", "--context", "{not json", env=url_env(server))
    assert bad.returncode == 64 and b"--context" in bad.stderr
    assert ldredis("eval", "alpha", env=url_env(server)).returncode == 64


def test_eval_with_redis_down_exits_2():
    r = ldredis("eval", "alpha", "--context", '{"key":"u"}', "--timeout", "500",
                env={"LDREDIS_URL": f"redis://127.0.0.1:{free_port()}/0"})
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert b"EXCEPTION" in r.stderr


# --- status ---------------------------------------------------------------------------------

def test_status_healthy_problems_and_json(server, redis):
    r = ldredis("status", "--json", env=url_env(server))
    assert r.returncode == 1, r.stdout           # empty: not initialized
    report = json.loads(r.stdout)
    assert report["verdict"] == "problems" and report["initialized"] is False

    sdk_init(server)
    r = ldredis("status", "--json", env=url_env(server))
    assert r.returncode == 0, r.stdout
    report = json.loads(r.stdout)
    assert report["verdict"] == "healthy" and report["reachable"] is True
    assert (report["flags"], report["flags_tombstones"], report["segments"]) == (2, 1, 1)
    assert report["memory_bytes"] > 0 and report["keys"] == 3
    assert report["big_segments_synchronized_on"] is None
    assert report["round_trip_ms"] >= 0

    text = ldredis("status", env=url_env(server))
    assert text.returncode == 0 and b"healthy" in text.stdout and b"\x1b[" not in text.stdout

    # Big Segments: a recent sync is fine, an old one is a problem.
    now = int(time.time() * 1000)
    redis.set("launchdarkly:big_segments_synchronized_on", str(now - 5000))
    report = json.loads(ldredis("status", "--json", env=url_env(server)).stdout)
    assert report["verdict"] == "healthy" and report["big_segments_age_ms"] >= 5000
    r = ldredis("status", "--json", "--stale-after", "1", env=url_env(server))
    assert r.returncode == 1 and "stale" in json.loads(r.stdout)["problems"][0]

    redis.hset("launchdarkly:features", "broken", "not json")
    r = ldredis("status", "--json", env=url_env(server))
    assert r.returncode == 1 and json.loads(r.stdout)["flags_malformed"] == 1


def test_status_dead_server_returns_2_quickly():
    start = time.monotonic()
    r = ldredis("status", "--json", "--connect-timeout", "1000", "--url", f"redis://127.0.0.1:{free_port()}")
    elapsed = time.monotonic() - start
    assert r.returncode == 2, r.stdout
    report = json.loads(r.stdout)
    assert report["verdict"] == "unreachable" and "cannot connect" in report["error"]
    assert elapsed < 1.0 + 5, elapsed   # the connect timeout plus a generous margin


def test_status_frozen_server_returns_2_within_the_timeouts(server):
    server.pause()
    try:
        start = time.monotonic()
        r = ldredis("status", "--connect-timeout", "500", "--timeout", "500", env=url_env(server))
        elapsed = time.monotonic() - start
    finally:
        server.resume()
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert b"unreachable" in r.stdout
    assert elapsed < 1.0 + 5, elapsed


# --- ls and get -----------------------------------------------------------------------------

def test_ls_json_match_deleted_and_table(server):
    sdk_init(server)
    rows = json_lines(ldredis("ls", "--json", env=url_env(server)).stdout)
    assert [(r["kind"], r["key"]) for r in rows] == [("flags", "alpha"), ("flags", "beta"), ("segments", "seg")]
    alpha = rows[0]
    assert (alpha["version"], alpha["on"], alpha["variations"], alpha["rules"]) == (3, True, 2, 1)
    assert rows[1]["on"] is False and rows[1]["variations"] == 3

    rows = json_lines(ldredis("ls", "flags", "--deleted", "--json", env=url_env(server)).stdout)
    assert [r["key"] for r in rows] == ["alpha", "beta", "gone"] and rows[2]["deleted"] is True

    rows = json_lines(ldredis("ls", "flags", "--match", "b*", "--json", env=url_env(server)).stdout)
    assert [r["key"] for r in rows] == ["beta"]

    table = ldredis("ls", "segments", env=url_env(server))
    assert table.returncode == 0
    lines = table.stdout.decode().splitlines()
    assert lines[0].split()[:3] == ["KIND", "KEY", "VERSION"] and lines[1].split()[:3] == ["segments", "seg", "2"]


def test_get_pretty_raw_and_missing(server, redis):
    sdk_init(server)
    r = ldredis("get", "flag", "alpha", env=url_env(server))
    assert r.returncode == 0 and json.loads(r.stdout) == FLAGS["alpha"]
    assert b"\n  " in r.stdout   # indented
    raw = ldredis("get", "flag", "alpha", "--raw", env=url_env(server))
    assert raw.stdout == redis.hget("launchdarkly:features", "alpha")
    assert json.loads(ldredis("get", "segment", "seg", env=url_env(server)).stdout) == SEGMENTS["seg"]
    tricky = '{"key":"t\\u00e9","version":1,"s":"a\\u00e9\\ud83d\\ude00\\"\\\\\\/\\n","n":[-1.5e3,0,{},[]],"b":[true,false,null]}'
    redis.hset("launchdarkly:features", "t\u00e9", tricky)
    pretty = ldredis("get", "flag", "t\u00e9", env=url_env(server))
    assert pretty.returncode == 0 and json.loads(pretty.stdout) == json.loads(tricky)
    missing = ldredis("get", "flag", "nope", env=url_env(server))
    assert missing.returncode == 1 and b"nope" in missing.stderr and missing.stdout == b""
    tomb = ldredis("get", "flag", "gone", env=url_env(server))
    assert tomb.returncode == 0 and b"tombstone" in tomb.stderr


def test_a_prefix_with_glob_characters_sees_only_its_own_keys(server, redis):
    sdk_init(server, prefix="p*")
    sdk_init(server, prefix="px")
    redis.set("px:stray", "x")
    env = url_env(server, LDREDIS_PREFIX="p*")
    assert json.loads(ldredis("status", "--json", env=env).stdout)["keys"] == 3
    r = ldredis("verify", env=env)
    assert r.returncode == 0, r.stdout
    assert ldredis("verify", "--prefix", "px", env=env).returncode == 1


# --- dump and load --------------------------------------------------------------------------

def test_dump_load_round_trip_byte_for_byte(server, redis):
    sdk_init(server)   # Python's json.dumps (spaces): bytes no other writer would produce
    redis.hset("launchdarkly:features", "unicode-\u00e9\u4e2d", json.dumps({"key": "unicode-\u00e9\u4e2d", "version": 5, "x": "\"q\"\n"}))
    # Enough fields for Redis's hashtable encoding, whose order depends on insertion history.
    for i in range(300, 0, -1):
        redis.hset("launchdarkly:features", f"bulk-{i * 7919 % 1000:03d}", json.dumps({"key": f"bulk-{i}", "version": i}))
    before = {k: v for k, v in redis.hgetall("launchdarkly:features").items()}
    first = ldredis("dump", "--with-deleted", env=url_env(server))
    assert first.returncode == 0
    payload = json.loads(first.stdout)
    assert set(payload) == {"flags", "segments"} and "gone" in payload["flags"]
    assert "gone" not in json.loads(ldredis("dump", env=url_env(server)).stdout)["flags"]

    # dump | load into another prefix through a shell pipe, then dump that prefix.
    pipe = subprocess.run(f"'{CLI}' dump --with-deleted | '{CLI}' load --prefix copy -", shell=True,
                          env={**os.environ, "LDREDIS_URL": server.url}, stderr=subprocess.PIPE)
    assert pipe.returncode == 0, pipe.stderr
    second = ldredis("dump", "--with-deleted", "--prefix", "copy", env=url_env(server))
    assert second.stdout == first.stdout
    assert redis.hgetall("copy:features") == before
    assert redis.exists("copy:$inited")

    # The same store wiped and reloaded from a file.
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "backup.json")
        assert ldredis("dump", path, "--with-deleted", env=url_env(server)).returncode == 0
        with open(path, "rb") as f:
            assert f.read() == first.stdout
        redis.flushall()
        assert ldredis("load", path, env=url_env(server)).returncode == 0
        assert ldredis("dump", "--with-deleted", env=url_env(server)).stdout == first.stdout
        assert redis.hgetall("launchdarkly:features") == before


def test_load_refuses_a_non_empty_store_without_force(server, redis):
    sdk_init(server)
    doc = json.dumps({"flags": {"only": {"key": "only", "version": 1}}, "segments": {}}).encode()
    r = ldredis("load", "-", input=doc, env=url_env(server))
    assert r.returncode == 1 and b"--force" in r.stderr
    assert redis.hexists("launchdarkly:features", "alpha")
    r = ldredis("load", "--force", "-", input=doc, env=url_env(server))
    assert r.returncode == 0, r.stderr
    assert redis.hkeys("launchdarkly:features") == [b"only"]
    assert b"\r[" not in r.stderr   # no progress bar off a terminal


def test_load_invalid_file_changes_nothing(server, redis):
    sdk_init(server)
    before = redis.hgetall("launchdarkly:features")
    for doc in (b"{", b'{"flags":{"x":{"key":"x"}}}', b"[]"):
        r = ldredis("load", "--force", "-", input=doc, env=url_env(server))
        assert r.returncode == 1 and r.stderr.startswith(b"ldredis: error:"), doc
    assert redis.hgetall("launchdarkly:features") == before
    missing = ldredis("load", "/nonexistent/file.json", env=url_env(server))
    assert missing.returncode == 1 and b"cannot read" in missing.stderr


# --- verify ---------------------------------------------------------------------------------

def test_verify_clean_store(server):
    sdk_init(server)
    r = ldredis("verify", env=url_env(server))
    assert r.returncode == 0 and b"no problems found" in r.stdout, r.stdout


def test_verify_finds_each_planted_problem(server):
    sdk_init(server)
    plant = [
        ["HSET", "launchdarkly:features", "notjson", "{oops"],
        ["HSET", "launchdarkly:features", "array", "[1,2]"],
        ["HSET", "launchdarkly:features", "noversion", '{"key":"noversion"}'],
        ["HSET", "launchdarkly:features", "fraction", '{"key":"fraction","version":1.5}'],
        ["HSET", "launchdarkly:features", "badtomb", '{"key":"badtomb","version":2,"deleted":"yes"}'],
        ["HSET", "launchdarkly:features", "fulltomb", '{"key":"fulltomb","version":2,"deleted":true,"on":true}'],
        ["HSET", "launchdarkly:features", "mismatch", '{"key":"other","version":1}'],
        ["HSET", "launchdarkly:features", "foreign", '{"key":"foreign","version":1,"color":"red"}'],
        ["HSET", "launchdarkly:segments", "gotomb", '{"key":"$deleted","version":4}'],
        ["SET", "launchdarkly:stray", "x"],
        ["SET", "launchdarkly:big_segment_include:abc", "not a set"],
        ["SET", "launchdarkly:big_segments_synchronized_on", "yesterday"],
        ["DEL", "launchdarkly:$inited"],
    ]
    for command in plant:
        subprocess.run(["redis-cli", "-p", str(server.port), *command], check=True, stdout=subprocess.DEVNULL)
    r = ldredis("verify", "--json", env=url_env(server))
    assert r.returncode == 1
    found = {(p["key"], p["field"]): p["problem"] for p in json_lines(r.stdout)}
    f = "launchdarkly:features"
    expected = {
        (f, "notjson"): "does not parse as JSON",
        (f, "array"): "is not a JSON object",
        (f, "noversion"): "has no version",
        (f, "fraction"): "not a whole number",
        (f, "badtomb"): '"deleted" is not a boolean',
        (f, "fulltomb"): "a tombstone with item fields",
        (f, "mismatch"): "not the hash field",
        (f, "foreign"): 'foreign field "color"',
        ("launchdarkly:stray", None): "not part of the LaunchDarkly schema",
        ("launchdarkly:big_segment_include:abc", None): "expected a set",
        ("launchdarkly:big_segments_synchronized_on", None): "not a decimal number",
        ("launchdarkly:$inited", None): "missing",
    }
    for place, text in expected.items():
        assert place in found and text in found[place], (place, found.get(place))
    # The Go SDK's tombstone and the SDK-written items are fine.
    assert ("launchdarkly:segments", "gotomb") not in found
    assert not any(field in ("alpha", "beta", "gone") for (_, field) in found)
    text = ldredis("verify", env=url_env(server))
    assert text.returncode == 1 and b"problems found" in text.stdout


# --- watch ----------------------------------------------------------------------------------

class Watcher:
    """`ldredis watch --json` in the background; lines read as they come."""

    def __init__(self, server: RedisServer, *args: str) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LDREDIS_")}
        env["LDREDIS_URL"] = server.url
        self.proc = subprocess.Popen([CLI, "watch", "--json", *args], env=env, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE)
        self.buffer = b""
        # It says on stderr that it is watching once its snapshot and subscription are made.
        self.banner = self._read(self.proc.stderr, b"watching", 20)

    def _read(self, stream, needle: bytes, timeout: float) -> bytes:
        data = b""
        deadline = time.monotonic() + timeout
        while needle not in data and time.monotonic() < deadline:
            ready, _, _ = select.select([stream], [], [], 0.1)
            if ready:
                chunk = os.read(stream.fileno(), 4096)
                if not chunk:
                    break
                data += chunk
        return data

    def next_change(self, timeout: float = 20) -> dict:
        deadline = time.monotonic() + timeout
        while b"\n" not in self.buffer and time.monotonic() < deadline:
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.1)
            if ready:
                chunk = os.read(self.proc.stdout.fileno(), 4096)
                if not chunk:
                    break
                self.buffer += chunk
        assert b"\n" in self.buffer, "no change reported"
        line, self.buffer = self.buffer.split(b"\n", 1)
        return json.loads(line)

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGINT)
        try:
            return self.proc.wait(10)
        finally:
            if self.proc.poll() is None:
                self.proc.kill()
                self.proc.wait()


@pytest.mark.parametrize("mode", [[], ["--poll", "--interval", "100"]])
def test_watch_sees_the_python_sdk_upsert(server, redis, mode):
    from ldclient.versioned_data_kind import FEATURES
    sdk_init(server)
    before = redis.config_get("notify-keyspace-events")["notify-keyspace-events"]
    w = Watcher(server, *mode)
    try:
        assert (b"keyspace notifications" if not mode else b"polling") in w.banner, w.banner
        store = sdk_store(server)
        store.upsert(FEATURES, dict(FLAGS["alpha"], version=4))
        change = w.next_change()
        assert (change["kind"], change["key"], change["old_version"], change["new_version"], change["deleted"]) == \
            ("flags", "alpha", 3, 4, False)
        store.delete(FEATURES, "beta", 2)
        change = w.next_change()
        assert (change["key"], change["old_version"], change["new_version"], change["deleted"]) == ("beta", 1, 2, True)
    finally:
        code = w.stop()
    assert code == 0   # Ctrl-C stops it cleanly
    # The server's notification setting is as it was.
    assert redis.config_get("notify-keyspace-events")["notify-keyspace-events"] == before


def test_watch_polls_and_status_copes_when_commands_are_refused():
    server = RedisServer(args=["--rename-command", "CONFIG", "", "--rename-command", "MEMORY", "",
                               "--rename-command", "INFO", ""])
    try:
        sdk_init(server)
        r = ldredis("status", "--json", env=url_env(server))
        assert r.returncode == 0, r.stdout   # no MEMORY USAGE, no INFO: still healthy
        report = json.loads(r.stdout)
        assert report["memory_bytes"] is None and "redis_version" not in report
        w = Watcher(server, "--interval", "100")
        try:
            assert b"polling" in w.banner, w.banner
            from ldclient.versioned_data_kind import SEGMENTS as SEG
            sdk_store(server).upsert(SEG, dict(SEGMENTS["seg"], version=7))
            change = w.next_change()
            assert (change["kind"], change["key"], change["old_version"], change["new_version"]) == ("segments", "seg", 2, 7)
        finally:
            assert w.stop() == 0
    finally:
        server.cleanup()


def test_sentinel_options_url_and_watch(server):
    sentinel = RedisServer.sentinel(server)
    try:
        sdk_init(server)
        options = ["--sentinel", f"127.0.0.1:{sentinel.port}", "--master", "ldmaster"]
        r = ldredis("status", "--json", *options)
        assert r.returncode == 0, r.stdout
        assert json.loads(r.stdout)["flags"] == 2
        env = {"LDREDIS_SENTINELS": f"127.0.0.1:{sentinel.port}", "LDREDIS_SENTINEL_MASTER": "ldmaster"}
        assert len(json_lines(ldredis("ls", "--json", env=env).stdout)) == 3
        url = {"LDREDIS_URL": f"redis-sentinel://127.0.0.1:{sentinel.port}/ldmaster"}
        assert ldredis("verify", env=url).returncode == 0
        assert ldredis("status", "--sentinel", f"127.0.0.1:{sentinel.port}").returncode == 64   # no master name

        proc = subprocess.Popen([CLI, "watch", "--json", *options], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env={k: v for k, v in os.environ.items() if not k.startswith("LDREDIS_")})
        w = Watcher.__new__(Watcher)
        w.proc, w.buffer = proc, b""
        w.banner = w._read(proc.stderr, b"watching", 20)
        try:
            assert b"keyspace notifications" in w.banner, w.banner
            from ldclient.versioned_data_kind import FEATURES
            sdk_store(server).upsert(FEATURES, dict(FLAGS["beta"], version=5))
            change = w.next_change()
            assert (change["key"], change["old_version"], change["new_version"]) == ("beta", 1, 5)
        finally:
            assert w.stop() == 0
    finally:
        sentinel.cleanup()


def test_cluster_status_verify_ls_and_watch():
    """--cluster-node / redis-cluster://: the commands work against a real 3+3 cluster (the
    admin commands go to the node that owns the store's slot, where all its keys are)."""
    work = tempfile.mkdtemp(prefix="ldredis-cli-cluster-")
    started = subprocess.run(["bash", os.path.join(ROOT, "scripts", "redis-cluster.sh"), "start",
                              os.path.join(work, "c")], stdout=subprocess.PIPE, timeout=180)
    assert started.returncode == 0
    url = started.stdout.decode().strip().splitlines()[-1]
    seed = url.split("//", 1)[1].split(",")[0]
    try:
        env = {"LDREDIS_URL": url}
        data = os.path.join(work, "data.json")
        with open(data, "w") as f:
            json.dump({"flags": FLAGS, "segments": SEGMENTS}, f)
        assert ldredis("load", data, env=env).returncode == 0
        r = ldredis("status", "--json", "--cluster-node", seed)
        assert r.returncode == 0, (r.stdout, r.stderr)
        assert json.loads(r.stdout)["flags"] == 2
        assert ldredis("verify", env=env).returncode == 0
        assert len(json_lines(ldredis("ls", "--json", env=env).stdout)) == 3
        assert ldredis("status", "--cluster-node", seed, "--db", "1").returncode == 64
        proc = subprocess.Popen([CLI, "watch", "--json"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                env=dict({k: v for k, v in os.environ.items() if not k.startswith("LDREDIS_")}, **env))
        w = Watcher.__new__(Watcher)
        w.proc, w.buffer = proc, b""
        w.banner = w._read(proc.stderr, b"watching", 20)
        try:
            assert b"keyspace notifications" in w.banner, w.banner
            host, port = seed.rsplit(":", 1)
            beta = json.dumps(dict(FLAGS["beta"], version=5), separators=(",", ":"))
            subprocess.run(["redis-cli", "-c", "-h", host, "-p", port, "HSET",
                            "{ld}.launchdarkly:features", "beta", beta], check=True,
                           stdout=subprocess.DEVNULL, timeout=30)
            change = w.next_change()
            assert (change["key"], change["old_version"], change["new_version"]) == ("beta", 1, 5)
        finally:
            assert w.stop() == 0
    finally:
        subprocess.run(["bash", os.path.join(ROOT, "scripts", "redis-cluster.sh"), "stop",
                        os.path.join(work, "c")], timeout=60)


# --- bench ----------------------------------------------------------------------------------

def test_bench_table_and_scratch_prefix_removed(server, redis):
    sdk_init(server)
    keys_before = sorted(redis.keys("*"))
    r = ldredis("bench", "--iterations", "50", "--json", env=url_env(server))
    assert r.returncode == 0, r.stderr
    rows = json_lines(r.stdout)
    assert [row["operation"] for row in rows] == ["get (cache off)", "get (cache hit)", "upsert"]
    assert all(row["ops"] == 50 and row["p50_us"] > 0 for row in rows)
    assert sorted(redis.keys("*")) == keys_before
    table = ldredis("bench", "--iterations", "20", env=url_env(server))
    assert table.returncode == 0 and b"OPERATION" in table.stdout and b"upsert" in table.stdout


# --- secrets, TLS, terminals ----------------------------------------------------------------

def test_password_never_printed():
    secret = "pw-S3cr3t-value-4711"
    server = RedisServer(args=["--requirepass", secret])
    try:
        good = f"redis://:{secret}@127.0.0.1:{server.port}/0"
        runs = [
            ldredis("status", "--json", "--url", good),
            ldredis("status", env={"LDREDIS_URL": server.url, "LDREDIS_PASSWORD": secret}),
            ldredis("ls", "--password", secret, "--url", server.url),
            ldredis("verify", "--url", good),
            ldredis("bench", "--iterations", "5", "--url", good),
            ldredis("status", "--url", f"redis://:{secret}x@127.0.0.1:{server.port}/0"),   # refused
            ldredis("status", "--json", "--url", f"redis://:{secret}@127.0.0.1:{server.port}/99999"),  # SELECT refused
            ldredis("status", "--url", good.replace(str(server.port), "1")),               # unreachable
            ldredis("get", "flag", "x", "--url", good),
            ldredis("--help", env={"LDREDIS_PASSWORD": secret}),
        ]
        with tempfile.NamedTemporaryFile("w", delete=False) as f:
            f.write(secret + "\n")
        try:
            runs.append(ldredis("status", "--password-file", f.name, "--url", server.url))
        finally:
            os.unlink(f.name)
        assert runs[0].returncode == 1 and b"xxxxx" in runs[0].stdout   # reachable; not initialized
        assert runs[1].returncode == 1 and runs[-1].returncode == 1
        assert runs[5].returncode == 2 and b"refused authentication" in runs[5].stdout
        for r in runs:
            assert secret.encode() not in r.stdout + r.stderr, r.args
            assert secret[:8].encode() not in r.stdout + r.stderr, r.args
    finally:
        server.cleanup()


def test_unix_socket_db_and_prefix_options():
    d = tempfile.mkdtemp(prefix="ldredis-cli-sock-")
    sock = os.path.join(d, "redis.sock")
    server = RedisServer(args=["--unixsocket", sock, "--unixsocketperm", "700"])
    try:
        doc = b'{"flags":{"f":{"key":"f","version":1}},"segments":{}}'
        r = ldredis("load", "--url", f"unix://{sock}", "--db", "3", "--prefix", "team", "-", input=doc)
        assert r.returncode == 0, r.stderr
        import redis as redis_py
        client = redis_py.Redis(unix_socket_path=sock, db=3)
        assert client.hget("team:features", "f") == b'{"key":"f","version":1}'
        client.close()
        env = {"LDREDIS_URL": f"unix://{sock}?db=3", "LDREDIS_PREFIX": "team"}
        report = json.loads(ldredis("status", "--json", env=env).stdout)
        assert report["verdict"] == "healthy" and report["flags"] == 1 and report["prefix"] == "team"
        # The command line wins over the environment.
        assert json.loads(ldredis("status", "--json", "--db", "0", env=env).stdout)["initialized"] is False
    finally:
        server.cleanup()
        subprocess.run(["rm", "-rf", d])


def test_tls_options():
    d = tempfile.mkdtemp(prefix="ldredis-cli-tls-")
    subprocess.run(["bash", os.path.join(ROOT, "scripts", "make-test-certs.sh"), d], check=True)
    server = RedisServer(tls_dir=d)
    try:
        sdk_init(server)
        url = f"redis://127.0.0.1:{server.tls_port}/0"
        r = ldredis("status", "--json", "--url", url, "--tls", "--tls-ca-file", f"{d}/ca.crt")
        assert r.returncode == 0, r.stdout
        assert json.loads(r.stdout)["server"].startswith("rediss://")
        r = ldredis("ls", "--json", env={"LDREDIS_URL": url.replace("redis:", "rediss:"),
                                         "LDREDIS_TLS_CA_FILE": f"{d}/ca.crt"})
        assert r.returncode == 0 and len(json_lines(r.stdout)) == 3
        untrusted = ldredis("status", "--url", url, "--tls", "--tls-ca-file", f"{d}/other-ca.crt")
        assert untrusted.returncode == 2
        insecure = ldredis("status", "--url", url, "--tls", "--tls-insecure")
        assert insecure.returncode == 0
        missing = ldredis("status", "--url", url, "--tls", "--tls-ca-file", f"{d}/nope.crt")
        assert missing.returncode in (1, 2) and b"nope.crt" in missing.stderr + missing.stdout
    finally:
        server.cleanup()
        subprocess.run(["rm", "-rf", d])


def run_on_terminal(args: List[str], env: dict) -> bytes:
    """Runs the command with stdout and stderr on a pseudo-terminal; what it wrote."""
    pid, fd = pty.fork()
    if pid == 0:
        os.execve(CLI, [CLI, *args], env)
    out = b""
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            break
        if not chunk:
            break
        out += chunk
    os.waitpid(pid, 0)
    os.close(fd)
    return out


def test_colour_only_on_a_terminal_and_no_color_honoured(server):
    sdk_init(server)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LDREDIS_")}
    env.update({"LDREDIS_URL": server.url, "TERM": "xterm"})
    env.pop("NO_COLOR", None)
    assert b"\x1b[" in run_on_terminal(["status"], env)
    assert b"\x1b[" not in run_on_terminal(["status"], {**env, "NO_COLOR": "1"})
    assert b"\x1b[" not in ldredis("status", env=url_env(server)).stdout


def test_load_progress_bar_on_a_terminal(server):
    doc = {"flags": {f"f{i}": {"key": f"f{i}", "version": 1} for i in range(3000)}, "segments": {}}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(doc, f)
    try:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LDREDIS_")}
        env.update({"LDREDIS_URL": server.url, "TERM": "xterm"})
        out = run_on_terminal(["load", f.name], env)
        assert b"3000/3000 items" in out and b"loaded 3000 flags" in out, out[-200:]
    finally:
        os.unlink(f.name)
