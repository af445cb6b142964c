#!/usr/bin/env python3
"""The fault matrix (issue 16): does ldredis lose an acknowledged write, or roll anyone back?

Every cell of {fault} x {cache mode} x {one or two writer processes}:

* A throwaway redis-server (appendonly yes, appendfsync always) on a free loopback port.
* Writer processes (this file, ``--writer``), each with several threads doing version-increasing
  upserts (existing and new keys, features and segments), deletes and reads through the public
  Python API, for a few seconds. Every write's outcome is recorded: applied (True), rejected
  (False) - both "acknowledged" - or an error; so is every operation's latency.
* The harness injects the fault in the middle of the run and lifts it, while a sampler reads
  Redis directly every 100 ms (its own RESP client: never through ldredis).
* The data source is the source of truth, as in the SDKs. Every write a process is asked to make
  is logged first (the "truth": the latest version per key of every write anyone was asked to
  make, failed ones included). With the cache off or a TTL, a store that publishes
  ``needs_refresh`` makes its writer re-init from the truth, as the SDK's data source does (with
  two processes the truth is both logs: both SDKs get the same data from LaunchDarkly; the re-init
  is serialized against both processes' writes by a file lock, so that an init never races a
  write it does not contain). With the infinite cache the store writes back by itself.
* After the fault is lifted, the writing stops and the stores settle (status available, no
  refresh pending; with the infinite cache a little more for the write-back), Redis is read
  directly and checked.

Checks (a cell is OK only if all hold):

* lost: keys where Redis holds less than the highest version acknowledged as applied (upsert or
  delete returned True, or a successful init wrote it) - an acknowledged write is gone and no
  higher version was acknowledged by anyone;
* rolled back: keys where Redis held a version lower than one it was observed to hold earlier
  (sampled during the run, and at the end; for "restart empty", earlier means since the restart:
  what Redis lost is not anyone's to roll back);
* not at max: keys where Redis holds less than the highest acknowledged version (applied or
  rejected), or a value nobody was asked to write;
* overrun: the longest operation minus its budget (connect timeout + operation timeout) must be
  at most 100 ms;
* every writer finished and its store is available again; for "restart empty" with the cache off
  or a TTL, every store raised needs_refresh.

Usage: Tests/faults/run.sh [--quick] [--fault kill9,sigstop] [--mode infinite] [--procs 2]
"""

from __future__ import annotations

import argparse
import atexit
import fcntl
import json
import os
import queue
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Set, Tuple

FAULTS = ["kill9", "sigstop", "restart_empty", "client_kill", "oom", "wrongtype"]
FAULT_TITLES = {
    "kill9": "kill -9, restart with its data",
    "sigstop": "SIGSTOP, then SIGCONT",
    "restart_empty": "restart empty",
    "client_kill": "CLIENT KILL of the store's connections",
    "oom": "OOM (maxmemory below used)",
    "wrongtype": "WRONGTYPE planted (segments)",
}
MODES = ["off", "ttl", "infinite"]
MODE_TITLES = {"off": "off", "ttl": "TTL 5 s", "infinite": "infinite"}
TTL_SECONDS = 5.0
KINDS = ("features", "segments")
HARNESS_CLIENT_NAME = "ldredis-fault-harness"
PLANTED = "planted by the fault matrix"
OVERRUN_LIMIT_MS = 100.0

# The data set: features f0..f{N-1} (the first HOT are written most), segments s0..s{M-1}, and a
# pool of feature keys that do not exist until someone writes them.
N_FEATURES = 5000
HOT_FEATURES = 100
N_SEGMENTS = 50
NEW_KEYS = 300
PAYLOAD = "x" * 48


def item_body(key: str, version: int, deleted: bool) -> Dict[str, Any]:
    """The JSON of a write, the same whoever makes it (a re-init reproduces it exactly)."""
    if deleted:
        return {"key": key, "version": version, "deleted": True}
    return {"key": key, "version": version, "on": version % 3 == 0, "payload": PAYLOAD}


def initial_truth() -> Dict[Tuple[str, str], Tuple[int, bool]]:
    truth = {("features", f"f{i}"): (1, False) for i in range(N_FEATURES)}
    truth.update({("segments", f"s{i}"): (1, False) for i in range(N_SEGMENTS)})
    return truth


def read_truth(workdir: str) -> Dict[Tuple[str, str], Tuple[int, bool]]:
    """The latest version per key of every write anyone was asked to make (both logs)."""
    truth = initial_truth()
    for name in sorted(os.listdir(workdir)):
        if not name.startswith("truth-"):
            continue
        with open(os.path.join(workdir, name)) as f:
            for line in f:
                parts = line.split()
                if len(parts) != 4:
                    continue  # a line being written right now (only outside the lock)
                k = (parts[0], parts[1])
                v = int(parts[2])
                if k not in truth or v > truth[k][0]:
                    truth[k] = (v, parts[3] == "1")
    return truth


def read_asked(workdir: str) -> Dict[Tuple[str, str], Dict[int, bool]]:
    """Every (version -> deleted) anyone was asked to write, per key (initial data included)."""
    asked: Dict[Tuple[str, str], Dict[int, bool]] = {}
    for k, (v, d) in initial_truth().items():
        asked.setdefault(k, {})[v] = d
    for name in sorted(os.listdir(workdir)):
        if name.startswith("truth-"):
            with open(os.path.join(workdir, name)) as f:
                for line in f:
                    parts = line.split()
                    if len(parts) == 4:
                        asked.setdefault((parts[0], parts[1]), {})[int(parts[2])] = parts[3] == "1"
    return asked


def init_document(truth: Dict[Tuple[str, str], Tuple[int, bool]]) -> Dict[str, Dict[str, Any]]:
    doc: Dict[str, Dict[str, Any]] = {"flags": {}, "segments": {}}
    for (kind, key), (v, d) in truth.items():
        doc["flags" if kind == "features" else kind][key] = item_body(key, v, d)
    return doc


# ---- a raw RESP client (the harness never reads Redis through ldredis) -------------------------

class Resp:
    """RESP2 over one socket, with a timeout on every call; raises OSError/RespError."""

    def __init__(self, port: int, timeout: float) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.buf = b""
        self.pos = 0

    def close(self) -> None:
        try:
            self.sock.close()
        except OSError:
            pass

    def __call__(self, *args: Any) -> Any:
        out = [b"*%d\r\n" % len(args)]
        for a in args:
            data = a if isinstance(a, bytes) else str(a).encode()
            out.append(b"$%d\r\n%s\r\n" % (len(data), data))
        self.sock.sendall(b"".join(out))
        return self._reply()

    def _fill(self, need: int) -> None:
        """Until the buffer holds `need` bytes past the read position (compacting first)."""
        if self.pos:
            self.buf, self.pos = self.buf[self.pos:], 0
        while len(self.buf) < need:
            chunk = self.sock.recv(1 << 18)
            if not chunk:
                raise ConnectionError("redis closed the connection")
            self.buf += chunk

    def _line(self) -> bytes:
        end = self.buf.find(b"\r\n", self.pos)
        while end < 0:
            self._fill(len(self.buf) - self.pos + 1)
            end = self.buf.find(b"\r\n", self.pos)
        line, self.pos = self.buf[self.pos:end], end + 2
        return line

    def _reply(self) -> Any:
        line = self._line()
        tag, rest = line[:1], line[1:]
        if tag == b"+":
            return rest.decode()
        if tag == b"-":
            raise RespError(rest.decode("utf-8", "replace"))
        if tag == b":":
            return int(rest)
        if tag == b"$":
            n = int(rest)
            if n < 0:
                return None
            if len(self.buf) - self.pos < n + 2:
                self._fill(n + 2)
            data, self.pos = self.buf[self.pos:self.pos + n], self.pos + n + 2
            return data
        if tag == b"*":
            n = int(rest)
            return None if n < 0 else [self._reply() for _ in range(n)]
        raise RespError(f"unexpected reply {line[:40]!r}")


class RespError(Exception):
    pass


def harness_client(port: int, timeout: float = 2.0) -> Resp:
    c = Resp(port, timeout)
    c("CLIENT", "SETNAME", HARNESS_CLIENT_NAME)
    return c


# ---- processes the harness starts (and stops, by pid, on every exit path) ----------------------

_children: Dict[int, subprocess.Popen] = {}
_children_lock = threading.Lock()


def _die_with_parent() -> None:
    """In the child: SIGKILL when the harness dies, even by SIGKILL (Linux's PR_SET_PDEATHSIG)."""
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def spawn(args: List[str], **kwargs: Any) -> subprocess.Popen:
    with _children_lock:
        proc = subprocess.Popen(args, preexec_fn=_die_with_parent, **kwargs)
        _children[proc.pid] = proc
    return proc


def reap(proc: Optional[subprocess.Popen]) -> None:
    """Stops one child started here (SIGCONT first: it may be stopped), by its pid."""
    if proc is None:
        return
    if proc.poll() is None:
        try:
            os.kill(proc.pid, signal.SIGCONT)
            os.kill(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        pass
    with _children_lock:
        _children.pop(proc.pid, None)


def reap_all() -> None:
    with _children_lock:
        procs = list(_children.values())
    for p in procs:
        reap(p)


def _on_signal(signum: int, _frame: Any) -> None:
    raise SystemExit(128 + signum)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class RedisServer:
    """One redis-server with an append-only file fsynced on every write."""

    def __init__(self, workdir: str) -> None:
        self.dir = os.path.join(workdir, "redis")
        os.makedirs(self.dir)
        self.port = free_port()
        self.proc: Optional[subprocess.Popen] = None
        self.binary = shutil.which("redis-server") or "redis-server"

    def start(self) -> None:
        for _attempt in range(30):
            self.proc = spawn(
                [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", self.dir,
                 "--save", "", "--appendonly", "yes", "--appendfsync", "always",
                 "--maxmemory-policy", "noeviction",
                 "--logfile", os.path.join(self.dir, "redis.log")],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    c = Resp(self.port, 1.0)
                    try:
                        if c("PING") == "PONG":
                            return
                    finally:
                        c.close()
                except (OSError, RespError):  # not listening yet, or LOADING
                    pass
                time.sleep(0.01)
            reap(self.proc)  # the port was taken (a restart must keep it: retry)
            time.sleep(0.1)
        raise RuntimeError(f"could not start redis-server on port {self.port}")

    def signal(self, sig: int) -> None:
        assert self.proc is not None
        self.proc.send_signal(sig)

    def kill9(self) -> None:
        reap(self.proc)
        self.proc = None

    def wipe(self) -> None:
        for name in os.listdir(self.dir):
            if name != "redis.log":
                path = os.path.join(self.dir, name)
                shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)

    def stop(self) -> None:
        reap(self.proc)
        self.proc = None


# ---- the sampler: Redis as it was, every 100 ms ------------------------------------------------

def parse_item(raw: bytes) -> Optional[Tuple[int, bool]]:
    try:
        doc = json.loads(raw)
        v = doc["version"]
        if isinstance(v, int) and not isinstance(v, bool):
            return v, doc.get("deleted") is True
    except (ValueError, KeyError, TypeError):
        pass
    return None


def read_raw(client: Resp, prefix: str) -> Tuple[Dict[Tuple[str, str], bytes], List[str]]:
    """Every field of both kinds' hashes, (kind, key) -> stored bytes; and the kinds whose key
    was not a hash."""
    state: Dict[Tuple[str, str], bytes] = {}
    odd: List[str] = []
    for kind in KINDS:
        try:
            flat = client("HGETALL", f"{prefix}:{kind}")
        except RespError:  # WRONGTYPE: the planted string
            odd.append(kind)
            continue
        for i in range(0, len(flat), 2):
            state[(kind, flat[i].decode("utf-8", "replace"))] = flat[i + 1]
    return state, odd


class Sampler(threading.Thread):
    def __init__(self, port: int, prefix: str, interval: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.port, self.prefix, self.interval = port, prefix, interval
        self.stop_event = threading.Event()
        self.lock = threading.Lock()
        self.seen: Dict[Tuple[str, str], int] = {}  # highest version Redis was seen holding
        self.last_raw: Dict[Tuple[str, str], bytes] = {}
        self.rollbacks: Dict[Tuple[str, str], Tuple[int, int, float]] = {}
        self.samples = 0
        self.epoch = 0
        self.t0 = time.monotonic()

    def forget(self) -> None:
        """Redis lost its data (restarted empty): what it held before is no one's to roll back;
        from now on a rollback is a version lower than one seen since."""
        with self.lock:
            self.epoch += 1
            self.seen.clear()
            self.last_raw.clear()

    def observe(self, state: Dict[Tuple[str, str], bytes], epoch: Optional[int] = None) -> None:
        now = time.monotonic() - self.t0
        with self.lock:
            if epoch is not None and epoch != self.epoch:
                return  # read before Redis was wiped
            self.samples += 1
            for k, raw in state.items():
                if self.last_raw.get(k) == raw:
                    continue  # unchanged since the last sample
                self.last_raw[k] = raw
                item = parse_item(raw)
                if item is None:
                    continue
                v = item[0]
                before = self.seen.get(k)
                if before is not None and v < before:
                    self.rollbacks.setdefault(k, (before, v, now))
                if before is None or v > before:
                    self.seen[k] = v

    def run(self) -> None:
        client: Optional[Resp] = None
        while not self.stop_event.wait(self.interval):
            try:
                if client is None:
                    client = harness_client(self.port, timeout=0.2)
                with self.lock:
                    epoch = self.epoch
                state, _odd = read_raw(client, self.prefix)
                self.observe(state, epoch)
            except (OSError, RespError):  # down, stopped, loading: no sample this time
                if client is not None:
                    client.close()
                client = None
        if client is not None:
            client.close()


# ---- faults ------------------------------------------------------------------------------------

class Fault:
    """inject() at the fault's start; hold(until) until it is lifted; lift()."""

    def __init__(self, redis: RedisServer, prefix: str) -> None:
        self.redis, self.prefix = redis, prefix
        self.notes: List[str] = []

    def admin(self) -> Resp:
        return harness_client(self.redis.port)

    def inject(self) -> None:
        raise NotImplementedError

    def hold(self, until: float) -> None:
        time.sleep(max(0.0, until - time.monotonic()))

    def lift(self) -> None:
        raise NotImplementedError


class Kill9(Fault):
    def inject(self) -> None:
        self.redis.kill9()

    def lift(self) -> None:
        self.redis.start()


class RestartEmpty(Kill9):
    def inject(self) -> None:
        self.redis.kill9()
        self.redis.wipe()


class SigStop(Fault):
    def inject(self) -> None:
        self.redis.signal(signal.SIGSTOP)

    def lift(self) -> None:
        self.redis.signal(signal.SIGCONT)


class ClientKill(Fault):
    """Kills every connection but the harness's, again every 100 ms while the fault lasts."""

    def __init__(self, redis: RedisServer, prefix: str) -> None:
        super().__init__(redis, prefix)
        self.killed = 0

    def kill_once(self, c: Resp) -> None:
        listing = c("CLIENT", "LIST").decode()
        for line in listing.splitlines():
            fields = dict(p.split("=", 1) for p in line.split() if "=" in p)
            if fields.get("name") != HARNESS_CLIENT_NAME and "id" in fields:
                try:
                    self.killed += c("CLIENT", "KILL", "ID", fields["id"])
                except RespError:
                    pass

    def inject(self) -> None:
        pass

    def hold(self, until: float) -> None:
        c = self.admin()
        try:
            while time.monotonic() < until:
                self.kill_once(c)
                time.sleep(0.1)
        finally:
            c.close()

    def lift(self) -> None:
        self.notes.append(f"{self.killed} connections killed")


class Oom(Fault):
    def inject(self) -> None:
        c = self.admin()
        try:
            info = c("INFO", "memory").decode()
            used = next(int(line.split(":")[1]) for line in info.splitlines()
                        if line.startswith("used_memory:"))
            c("CONFIG", "SET", "maxmemory", str(max(1, used // 2)))
        finally:
            c.close()

    def lift(self) -> None:
        c = self.admin()
        try:
            c("CONFIG", "SET", "maxmemory", "0")
        finally:
            c.close()


# The segments hash is put aside and a string planted in its place; lifting puts the hash back
# only if the string is still there (if a store replaced it, its hash stays: the copy is dropped).
PLANT = """
if redis.call('TYPE', KEYS[1]).ok == 'hash' then redis.call('RENAME', KEYS[1], KEYS[2]) end
redis.call('SET', KEYS[1], ARGV[1])
return 1
"""
UNPLANT = """
if redis.call('TYPE', KEYS[1]).ok == 'string' and redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('DEL', KEYS[1])
  if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('RENAME', KEYS[2], KEYS[1]) end
  return 1
end
redis.call('DEL', KEYS[2])
return 0
"""


class WrongType(Fault):
    def keys(self) -> Tuple[str, str]:
        return f"{self.prefix}:segments", f"{self.prefix}:fault-matrix-saved-segments"

    def inject(self) -> None:
        c = self.admin()
        try:
            c("EVAL", PLANT, 2, *self.keys(), PLANTED)
        finally:
            c.close()

    def lift(self) -> None:
        c = self.admin()
        try:
            if c("EVAL", UNPLANT, 2, *self.keys(), PLANTED) == 0:
                self.notes.append("the planted string was replaced by a store")
        finally:
            c.close()


FAULT_CLASSES = {"kill9": Kill9, "sigstop": SigStop, "restart_empty": RestartEmpty,
                 "client_kill": ClientKill, "oom": Oom, "wrongtype": WrongType}


# ---- one cell ----------------------------------------------------------------------------------

@dataclass
class Timing:
    warm: float          # writing before the fault
    fault: float         # how long the fault lasts
    after: float         # writing after it is lifted
    settle: float        # at most this long for the stores to be available again
    writeback: float     # infinite cache: extra wait after available, for the write-back
    op_timeout: float = 0.5
    connect_timeout: float = 0.25
    threads: int = 4


QUICK = Timing(warm=0.7, fault=1.0, after=1.0, settle=5.0, writeback=0.5)
FULL = Timing(warm=2.0, fault=2.0, after=2.5, settle=10.0, writeback=1.5)


@dataclass
class Result:
    fault: str
    mode: str
    procs: int
    acknowledged: int = 0
    applied: int = 0
    errors: int = 0
    lost: int = 0
    rolled_back: int = 0
    not_at_max: int = 0
    overrun_ms: float = 0.0
    problems: List[str] = field(default_factory=list)
    notes: List[str] = field(default_factory=list)
    examples: List[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return (self.lost == 0 and self.rolled_back == 0 and self.not_at_max == 0
                and self.overrun_ms <= OVERRUN_LIMIT_MS and not self.problems)

    def verdict(self) -> str:
        if self.ok:
            return "OK"
        reasons = []
        if self.lost:
            reasons.append("lost")
        if self.rolled_back:
            reasons.append("rolled back")
        if self.not_at_max:
            reasons.append("not at max")
        if self.overrun_ms > OVERRUN_LIMIT_MS:
            reasons.append("overrun")
        reasons.extend(self.problems)
        return "FAIL: " + "; ".join(reasons)


class Writer:
    """A writer process and the lines it prints (ready, done)."""

    def __init__(self, cfg: Dict[str, Any], workdir: str) -> None:
        path = os.path.join(workdir, f"writer-{cfg['index']}.json")
        with open(path, "w") as f:
            json.dump(cfg, f)
        self.result_path = cfg["result"]
        self.stderr = open(os.path.join(workdir, f"writer-{cfg['index']}.stderr"), "w")
        self.proc = spawn([sys.executable, os.path.abspath(__file__), "--writer", path],
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr,
                          text=True, bufsize=1)
        self.lines: "queue.Queue[str]" = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.put(line.strip())
        self.lines.put("<eof>")

    def expect(self, word: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self.lines.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                return False
            if line == word:
                return True
            if line == "<eof>":
                return False

    def send(self, word: str) -> None:
        try:
            assert self.proc.stdin is not None
            self.proc.stdin.write(word + "\n")
            self.proc.stdin.flush()
        except (OSError, ValueError):
            pass

    def result(self) -> Optional[Dict[str, Any]]:
        try:
            with open(self.result_path) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def close(self) -> None:
        reap(self.proc)
        self.stderr.close()

    def stderr_tail(self) -> str:
        self.stderr.flush()
        try:
            with open(self.stderr.name) as f:
                return f.read()[-600:].strip()
        except OSError:
            return ""


def sabotage_one(c: Resp, prefix: str, raw: Dict[Tuple[str, str], bytes]) -> str:
    """The harness's self-check: puts the feature with the highest version back to version 1,
    a rollback and a lost write the check must report."""
    items = [(parse_item(v), k) for k, v in raw.items() if k[0] == "features"]
    (version, _deleted), (_kind, key) = max((i, k) for i, k in items if i is not None)
    c("HSET", f"{prefix}:features", key, json.dumps(item_body(key, 1, False)))
    return f"sabotage: features/{key} put back from v{version} to v1"


def run_cell(fault: str, mode: str, procs: int, timing: Timing, keep: bool,
             verbose: bool, sabotage: bool = False) -> Result:
    result = Result(fault, mode, procs)
    started = time.monotonic()
    workdir = tempfile.mkdtemp(prefix=f"ldredis-faults-{fault}-{mode}-{procs}-")
    prefix = "fm"
    redis = RedisServer(workdir)
    writers: List[Writer] = []
    sampler: Optional[Sampler] = None
    try:
        redis.start()
        t0 = time.time()
        for p in range(procs):
            cfg = {
                "index": p, "procs": procs, "url": f"redis://127.0.0.1:{redis.port}/0",
                "prefix": prefix, "mode": mode, "ttl": TTL_SECONDS, "t0": t0,
                "threads": timing.threads, "op_timeout": timing.op_timeout,
                "connect_timeout": timing.connect_timeout, "settle": timing.settle,
                "writeback": timing.writeback, "workdir": workdir,
                "result": os.path.join(workdir, f"result-{p}.json"),
                "seed": random.randrange(1 << 30),
            }
            writers.append(Writer(cfg, workdir))
        for w in writers:
            if not w.expect("ready", 30):
                result.problems.append(f"writer {w.proc.pid} did not start: {w.stderr_tail()}")
                return result
        sampler = Sampler(redis.port, prefix)
        sampler.start()
        go = time.monotonic()
        for w in writers:
            w.send("go")
        injector = FAULT_CLASSES[fault](redis, prefix)
        time.sleep(max(0.0, go + timing.warm - time.monotonic()))
        injector.inject()
        if fault == "restart_empty":
            sampler.forget()
        injector.hold(go + timing.warm + timing.fault)
        injector.lift()
        result.notes.extend(injector.notes)
        time.sleep(max(0.0, go + timing.warm + timing.fault + timing.after - time.monotonic()))
        for w in writers:
            w.send("stop")
        budget = timing.settle + timing.writeback + timing.op_timeout * 4 + 30
        for p, w in enumerate(writers):
            if not w.expect("done", budget):
                result.problems.append(f"writer p{p} did not finish")
        sampler.stop_event.set()
        sampler.join()
        c = harness_client(redis.port, timeout=10)
        try:
            raw, odd = read_raw(c, prefix)
            if sabotage:
                sampler.observe(raw)
                result.notes.append(sabotage_one(c, prefix, raw))
                raw, odd = read_raw(c, prefix)
        finally:
            c.close()
        sampler.observe(raw)
        final = {k: parse_item(v) for k, v in raw.items()}
        check(result, workdir, writers, sampler, final, odd, timing)
        return result
    except (OSError, RespError, RuntimeError) as e:  # the harness failed: that cell fails
        result.problems.append(f"harness error: {e!r}")
        return result
    finally:
        if sampler is not None:
            sampler.stop_event.set()
        for w in writers:
            if verbose and w.stderr_tail():
                print(f"--- writer stderr ({fault}/{mode}/{procs}):\n{w.stderr_tail()}",
                      file=sys.stderr)
            w.close()
        redis.stop()
        result.seconds = time.monotonic() - started
        if keep:
            print(f"kept {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def check(result: Result, workdir: str, writers: List[Writer], sampler: Sampler,
          final: Dict[Tuple[str, str], Any], odd: List[str], timing: Timing) -> None:
    max_applied: Dict[Tuple[str, str], int] = {}
    max_acked: Dict[Tuple[str, str], int] = {}

    def ack(k: Tuple[str, str], v: int, applied: bool) -> None:
        if v > max_acked.get(k, -1):
            max_acked[k] = v
        if applied and v > max_applied.get(k, -1):
            max_applied[k] = v

    overrun = float("-inf")
    budget_ms = (timing.op_timeout + timing.connect_timeout) * 1000
    errors: Dict[str, int] = {}
    for w in writers:
        r = w.result()
        if r is None:
            result.problems.append(f"writer {w.proc.pid} left no result: {w.stderr_tail()}")
            continue
        for kind, key, v, _deleted, applied in r["acked"]:
            ack((kind, key), v, bool(applied))
            result.acknowledged += 1
            result.applied += bool(applied)
        for content in r["inits"]:
            for kind, key, v, _deleted in content:
                ack((kind, key), v, True)
        for name, n in r["errors"].items():
            errors[name] = errors.get(name, 0) + n
        result.errors += sum(r["errors"].values())
        overrun = max(overrun, r["max_latency_ms"] - budget_ms)
        if r["max_latency_ms"] - budget_ms > OVERRUN_LIMIT_MS:
            result.examples.append(f"slowest op: {r['slowest']}")
        if not r["final_status"]["available"]:
            error = r["final_status"]["last_error"]
            result.problems.append(f"store unavailable at the end ({error})")
        elif r["final_status"]["needs_refresh"]:
            result.problems.append("needs_refresh still set at the end")
        if result.fault == "restart_empty" and result.mode != "infinite" and not r["refreshes"]:
            result.problems.append("needs_refresh never raised")
        result.notes.append(f"p{r['index']}: {r['operations']} operations, latency p50 "
                            f"{r['p50_ms']:.1f} ms, p99 {r['p99_ms']:.1f} ms, max "
                            f"{r['max_latency_ms']:.0f} ms")
        result.notes.extend(f"p{r['index']}: {e}" for e in r["error_samples"])
        if r["refreshes"]:
            result.notes.append(f"p{r['index']}: {r['refreshes']} re-init(s)")
        if r["unavailable_events"]:
            result.notes.append(f"p{r['index']}: unavailable {r['unavailable_events']}x")
    result.overrun_ms = round(overrun, 1) if overrun != float("-inf") else 0.0
    if errors:
        result.notes.append("errors " + ", ".join(f"{k} {v}" for k, v in sorted(errors.items())))
    if odd:
        result.problems.append(f"{', '.join(odd)} not a hash at the end")

    asked = read_asked(workdir)
    for k in sorted(set(max_acked) | set(final)):
        held = final.get(k)
        v = held[0] if held is not None else -1
        if k in max_applied and v < max_applied[k]:
            result.lost += 1
            if len(result.examples) < 6:
                result.examples.append(f"lost {k[0]}/{k[1]}: acknowledged v{max_applied[k]}, "
                                       f"Redis {'v%d' % v if held else 'nothing'}")
        foreign = k in final and (held is None or asked.get(k, {}).get(held[0]) != held[1])
        if (k in max_acked and v < max_acked[k]) or foreign:
            result.not_at_max += 1
            if foreign and len(result.examples) < 6:
                result.examples.append(f"{k[0]}/{k[1]} holds a value nobody wrote: {held}")
    with sampler.lock:
        result.rolled_back = len(sampler.rollbacks)
        for k, (before, after, t) in list(sampler.rollbacks.items())[:3]:
            result.examples.append(f"rolled back {k[0]}/{k[1]}: v{before} -> v{after} at {t:.2f}s")
        result.notes.append(f"{sampler.samples} samples")


def percentile(values: List[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else 0.0


# ---- the writer process ------------------------------------------------------------------------

class FileLocks:
    """Writes hold the shared lock; a re-init holds the exclusive one (both processes). Writers
    pass a gate first, so that a waiting re-init is not starved by a stream of writes.
    flock is per open file: each thread opens its own."""

    def __init__(self, workdir: str) -> None:
        self.gate = os.open(os.path.join(workdir, "gate.lock"), os.O_RDWR | os.O_CREAT, 0o600)
        self.main = os.open(os.path.join(workdir, "main.lock"), os.O_RDWR | os.O_CREAT, 0o600)

    def shared(self) -> None:
        fcntl.flock(self.gate, fcntl.LOCK_SH)
        fcntl.flock(self.main, fcntl.LOCK_SH)
        fcntl.flock(self.gate, fcntl.LOCK_UN)

    def exclusive(self) -> None:
        fcntl.flock(self.gate, fcntl.LOCK_EX)
        fcntl.flock(self.main, fcntl.LOCK_EX)

    def release(self) -> None:
        fcntl.flock(self.main, fcntl.LOCK_UN)
        fcntl.flock(self.gate, fcntl.LOCK_UN)

    def close(self) -> None:
        os.close(self.gate)
        os.close(self.main)


def writer_main(cfg_path: str) -> int:
    import ldredis  # only the writers use the library

    with open(cfg_path) as f:
        cfg = json.load(f)
    index, procs, workdir = cfg["index"], cfg["procs"], cfg["workdir"]
    mode = cfg["mode"]
    ttl = {"off": 0, "ttl": cfg["ttl"], "infinite": None}[mode]
    store = ldredis.Store(cfg["url"], cfg["prefix"], cache_ttl=ttl,
                          operation_timeout=cfg["op_timeout"],
                          connect_timeout=cfg["connect_timeout"],
                          repopulate_on_restart=(mode == "infinite"))
    log_fd = os.open(os.path.join(workdir, f"truth-{index}.log"),
                     os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    t0 = cfg["t0"]
    mono0 = time.monotonic()
    vlock = threading.Lock()
    last_version = [0]

    def next_version() -> int:
        # Time-based, so that both processes' versions interleave; this process's are
        # congruent to its index modulo the number of processes (disjoint sequences).
        with vlock:
            v = int((time.time() - t0) * 100000) * procs + index + 1000
            v = max(v, last_version[0] + procs)
            last_version[0] = v
            return v

    stats_lock = threading.Lock()
    acked: List[List[Any]] = []
    inits: List[List[List[Any]]] = []
    errors: Dict[str, int] = {}
    error_samples: List[str] = []  # the first few distinct error messages
    latencies: List[float] = []
    slowest = {"ms": 0.0, "what": ""}
    status_events: List[Tuple[float, bool, bool]] = []
    refresh_wanted = threading.Event()
    refreshes = [0]

    def timed(what: str, fn: Any, *args: Any) -> Any:
        start = time.perf_counter()
        err: Optional[BaseException] = None
        try:
            return fn(*args)
        except ldredis.Error as e:
            err = e
            raise
        finally:
            ms = (time.perf_counter() - start) * 1000
            with stats_lock:
                latencies.append(ms)
                if err is not None:
                    name = type(err).__name__
                    errors[name] = errors.get(name, 0) + 1
                    sample = f"{what}: {name}: {str(err)[:100]}"
                    if len(error_samples) < 3 and sample not in error_samples:
                        error_samples.append(sample)
                if ms > slowest["ms"]:
                    at = time.monotonic() - mono0
                    slowest["ms"] = ms
                    why = f" ({type(err).__name__}: {str(err)[:80]})" if err else ""
                    slowest["what"] = f"{what} {ms:.0f} ms at {at:.2f}s{why}"

    def listener(available: bool, needs_refresh: bool) -> None:
        status_events.append((time.monotonic() - mono0, available, needs_refresh))
        if needs_refresh:
            refresh_wanted.set()

    store.set_status_listener(listener)

    def reinit(locks: FileLocks) -> bool:
        locks.exclusive()
        try:
            truth = read_truth(workdir)
            try:
                timed("init", store.init, init_document(truth))
            except ldredis.Error:
                return False
            with stats_lock:
                inits.append([[k[0], k[1], v, d] for k, (v, d) in truth.items()])
            return True
        finally:
            locks.release()

    # The initial init: everyone's same initial data (under the lock, from the truth).
    boot_locks = FileLocks(workdir)
    deadline = time.monotonic() + 10
    while not reinit(boot_locks):
        if time.monotonic() > deadline:
            print("initial init failed", file=sys.stderr)
            return 2
        time.sleep(0.1)

    print("ready", flush=True)
    if sys.stdin.readline().strip() != "go":
        return 2
    stop = threading.Event()

    def work(seed: int) -> None:
        rng = random.Random(seed)
        locks = FileLocks(workdir)
        try:
            while not stop.is_set():
                r = rng.random()
                if r < 0.62:
                    write(rng, r, locks)
                else:
                    read(rng)
                time.sleep(0.002)
        finally:
            locks.close()

    def write(rng: random.Random, r: float, locks: FileLocks) -> None:
        # r < 0.62: 40% existing features (mostly hot ones), 8% new keys, 7% segments, 7% deletes.
        deleted = r >= 0.55 or rng.random() < 0.03
        if r < 0.40:
            span = HOT_FEATURES if rng.random() < 0.8 else N_FEATURES
            kind, key = "features", f"f{rng.randrange(span)}"
        elif r < 0.48:
            kind, key = "features", f"n{rng.randrange(NEW_KEYS)}"
        elif r < 0.55:
            kind, key = "segments", f"s{rng.randrange(N_SEGMENTS)}"
        else:
            kind, key = "features", f"f{rng.randrange(HOT_FEATURES)}"
        locks.shared()
        try:
            v = next_version()
            os.write(log_fd, f"{kind} {key} {v} {int(deleted)}\n".encode())
            try:
                if deleted:
                    applied = timed("delete", store.delete, kind, key, v)
                else:
                    applied = timed("upsert", store.upsert, kind, key, item_body(key, v, False))
            except ldredis.Error:
                return
        finally:
            locks.release()
        with stats_lock:
            acked.append([kind, key, v, deleted, applied])

    def read(rng: random.Random) -> None:
        r = rng.random()
        try:
            if r < 0.8:
                timed("get", store.get, "features", f"f{rng.randrange(N_FEATURES)}")
            elif r < 0.95:
                timed("get", store.get, "segments", f"s{rng.randrange(N_SEGMENTS)}")
            else:
                timed("all", store.all_raw, "segments")
        except ldredis.Error:
            pass

    def data_source(locks: FileLocks) -> None:
        # The SDK's data source: on needs_refresh, init again from the full data set.
        while not ds_stop.is_set():
            refresh_wanted.wait(0.1)
            try:
                st = store.status()
            except ldredis.Error:
                continue
            if not (refresh_wanted.is_set() or st.needs_refresh):
                continue
            refresh_wanted.clear()
            if reinit(locks):
                refreshes[0] += 1
            else:
                refresh_wanted.set()
                time.sleep(0.2)

    ds_stop = threading.Event()
    threads = [threading.Thread(target=work, args=(cfg["seed"] + i,), daemon=True)
               for i in range(cfg["threads"])]
    if mode != "infinite":
        threads.append(threading.Thread(target=data_source, args=(boot_locks,), daemon=True))
    for t in threads:
        t.start()
    sys.stdin.readline()  # "stop"
    stop.set()
    for t in threads[:cfg["threads"]]:
        t.join()

    # Settle: available again, no refresh pending (the data source keeps running meanwhile).
    deadline = time.monotonic() + cfg["settle"]
    while time.monotonic() < deadline:
        st = store.status()
        if st.available and not st.needs_refresh and not refresh_wanted.is_set():
            break
        time.sleep(0.05)
    if mode == "infinite":
        time.sleep(cfg["writeback"])
    ds_stop.set()
    for t in threads[cfg["threads"]:]:
        t.join()
    st = store.status()
    result = {
        "index": index,
        "acked": acked,
        "inits": inits,
        "errors": errors,
        "max_latency_ms": slowest["ms"],
        "p50_ms": percentile(latencies, 0.50),
        "p99_ms": percentile(latencies, 0.99),
        "operations": len(latencies),
        "error_samples": error_samples,
        "slowest": slowest["what"],
        "refreshes": refreshes[0],
        "unavailable_events": sum(1 for _t, a, _n in status_events if not a),
        "status_events": status_events[:50],
        "final_status": {"available": st.available, "needs_refresh": st.needs_refresh,
                         "last_error": st.last_error},
    }
    store.set_status_listener(None)
    store.close()
    with open(cfg["result"] + ".tmp", "w") as f:
        json.dump(result, f)
    os.replace(cfg["result"] + ".tmp", cfg["result"])
    print("done", flush=True)
    return 0


# ---- the table ---------------------------------------------------------------------------------

def table(results: List[Result], timing: Timing) -> str:
    lines = [
        "| fault | cache | processes | acknowledged writes | lost | rolled back | not at max "
        "| max overrun ms | verdict |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in results:
        lines.append(
            f"| {FAULT_TITLES[r.fault]} | {MODE_TITLES[r.mode]} | {r.procs} | {r.acknowledged} "
            f"| {r.lost} | {r.rolled_back} | {r.not_at_max} | {r.overrun_ms:.0f} | {r.verdict()} |")
    ok = sum(r.ok for r in results)
    lines.append("")
    lines.append(
        f"{ok} of {len(results)} cells OK. Each cell: {timing.threads} threads per process, "
        f"{timing.warm + timing.fault + timing.after:.1f} s of writes, the fault lasting "
        f"{timing.fault:.1f} s; operation timeout {timing.op_timeout * 1000:.0f} ms + connect "
        f"timeout {timing.connect_timeout * 1000:.0f} ms is each operation's budget; the "
        f"overrun is the slowest operation minus that budget (at most "
        f"{OVERRUN_LIMIT_MS:.0f} ms; negative: within it).")
    return "\n".join(lines) + "\n"


def pick(values: Optional[List[str]], allowed: List[str], what: str) -> List[str]:
    if not values:
        return list(allowed)
    chosen = [v for arg in values for v in arg.split(",") if v]
    for v in chosen:
        if v not in allowed:
            raise SystemExit(f"unknown {what} {v!r}; choose from {', '.join(allowed)}")
    return [v for v in allowed if v in chosen]


def main(argv: List[str]) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="fewer seconds per cell (CI)")
    ap.add_argument("--fault", action="append", help=f"only these ({', '.join(FAULTS)})")
    ap.add_argument("--mode", action="append", help=f"only these ({', '.join(MODES)})")
    ap.add_argument("--procs", action="append", help="only these process counts (1, 2)")
    ap.add_argument("--markdown-out", help="also write the table to this file")
    ap.add_argument("--keep", action="store_true", help="keep each cell's directory")
    ap.add_argument("--verbose", action="store_true", help="notes and writers' stderr")
    ap.add_argument("--sabotage", action="store_true",
                    help="self-check: roll a key back before the final read (every cell must FAIL)")
    ap.add_argument("--writer", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.writer:
        return writer_main(args.writer)

    faults = pick(args.fault, FAULTS, "fault")
    modes = pick(args.mode, MODES, "mode")
    procs = [int(p) for p in pick(args.procs, ["1", "2"], "process count")]
    timing = QUICK if args.quick else FULL
    if shutil.which("redis-server") is None:
        print("matrix.py: redis-server is not installed", file=sys.stderr)
        return 2

    atexit.register(reap_all)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, _on_signal)
    results: List[Result] = []
    began = time.monotonic()
    try:
        for fault in faults:
            for mode in modes:
                for n in procs:
                    r = run_cell(fault, mode, n, timing, args.keep, args.verbose, args.sabotage)
                    results.append(r)
                    print(f"[{time.monotonic() - began:6.1f}s] {fault:13} {mode:8} {n}p "
                          f"acked {r.acknowledged:6} (applied {r.applied}) errors {r.errors:5} "
                          f"lost {r.lost} rolled back {r.rolled_back} not at max {r.not_at_max} "
                          f"overrun {r.overrun_ms:.0f} ms {r.seconds:.1f}s -> {r.verdict()}",
                          file=sys.stderr, flush=True)
                    if args.verbose or not r.ok:
                        for line in r.examples + r.notes:
                            print(f"           {line}", file=sys.stderr)
    finally:
        reap_all()
    text = table(results, timing)
    print(text, end="")
    if args.markdown_out:
        with open(args.markdown_out, "w") as f:
            f.write(text)
    if args.sabotage:  # the check works only if it caught every sabotage
        caught = all(r.lost and r.rolled_back for r in results)
        print(f"sabotage {'caught' if caught else 'MISSED'} in every cell" if caught
              else "sabotage MISSED in some cell", file=sys.stderr)
        return 0 if caught else 1
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
