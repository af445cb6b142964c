#!/usr/bin/env python3
"""The evaluation differential test (issue 13): ldredis_evaluate / ldredis_all_flags_state against
the LaunchDarkly Python SDK (launchdarkly-server-sdk), the reference.

For each generated dataset (Tests/eval/gen.py) the test writes flags and segments to a
redis-server it starts (a free loopback port; stopped by pid) with the SDK's own Redis store
(``Redis.new_feature_store(...).init``), plus the items only another writer would produce (raw
HSET) and the Big Segment keys Relay writes. Then, for every context and every flag key, it
compares ``LDClient.variation_detail`` (``use_ldd=True``, the SDK's Redis store and Big Segment
store, ``send_events=False``) with ``ldredis_evaluate`` called through ctypes, member by member
(value, variationIndex, every member of reason), and ``LDClient.all_flags_state`` with
``ldredis_all_flags_state`` for each of the 8 option combinations.

On a difference it shrinks the case (other flags and segments, rules, clauses, values and context
attributes removed while the same difference remains), prints the reproduction (flag, segments,
Big Segment data, context, default, both results), writes it to build/eval-diff/, and exits 1.

    python3 Tests/eval/diff.py --seed 1 --evaluations 100000
    python3 Tests/eval/diff.py --candidate sdk          # SDK against SDK: must find nothing
    python3 Tests/eval/diff.py --self-test              # a mutated candidate: must be caught
    python3 Tests/eval/diff.py --replay build/eval-diff/repro-....json

The library is $LDREDIS_LIBRARY, or --library, or build/stage/lib/libldredis.so.

Old-style user JSON (no "kind"): the Python SDK 9 no longer reads it (its Context.from_dict makes
such a context invalid); the reference is then the conversion the SDK 8 made
(``Context.__from_dict_old_user``: built-in user attributes and ``custom`` attributes become the
user context's attributes, an empty key is allowed), reproduced in ``old_user_context`` below.
JSON that is not an object is an invalid context (``USER_NOT_SPECIFIED``).
"""

from __future__ import annotations

import argparse
import warnings
import base64
import copy
import ctypes
import glob
import hashlib
import json
import logging
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)

import redis  # noqa: E402
from ldclient import Context, LDClient  # noqa: E402
from ldclient.config import BigSegmentsConfig, Config  # noqa: E402
from ldclient.feature_store import CacheConfig  # noqa: E402
from ldclient.integrations import Redis  # noqa: E402
from ldclient.versioned_data_kind import FEATURES, SEGMENTS  # noqa: E402

from gen import EXCLUDABLE, Generator  # noqa: E402

warnings.simplefilter("ignore")  # the reference compiles the generated regexes (FutureWarning)
logging.getLogger("ldclient").setLevel(logging.CRITICAL + 1)
logging.getLogger("ldclient").propagate = False

OPTION_NAMES = {1: "with_reasons", 2: "client_side_only", 4: "details_only_for_tracked_flags"}
REASON_KINDS = ["OFF", "FALLTHROUGH", "TARGET_MATCH", "RULE_MATCH", "PREREQUISITE_FAILED",
                "ERROR:FLAG_NOT_FOUND", "ERROR:MALFORMED_FLAG", "ERROR:USER_NOT_SPECIFIED",
                "ERROR:EXCEPTION", "inExperiment", "bigSegmentsStatus:HEALTHY",
                "bigSegmentsStatus:STALE", "bigSegmentsStatus:STORE_ERROR",
                "bigSegmentsStatus:NOT_CONFIGURED"]


# --- redis-server ------------------------------------------------------------------------------
class RedisServer:
    """A throwaway redis-server on a free loopback port, stopped by its pid."""

    def __init__(self) -> None:
        exe = shutil.which("redis-server")
        if exe is None:
            raise SystemExit("diff.py: redis-server is not installed")
        self.dir = tempfile.mkdtemp(prefix="ldredis-evaldiff-")
        self.proc: Optional[subprocess.Popen] = None
        for _ in range(20):
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
            proc = subprocess.Popen(
                [exe, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly",
                 "no", "--dir", self.dir, "--logfile", os.path.join(self.dir, "redis.log")],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and proc.poll() is None:
                try:
                    if redis.Redis(host="127.0.0.1", port=port, socket_timeout=1).ping():
                        self.proc, self.port = proc, port
                        self.url = f"redis://127.0.0.1:{port}/0"
                        return
                except redis.exceptions.ConnectionError:
                    time.sleep(0.02)
            self._kill(proc)
        raise SystemExit("diff.py: could not start redis-server on a free loopback port")

    @staticmethod
    def _kill(proc: subprocess.Popen) -> None:
        if proc.poll() is None:
            os.kill(proc.pid, signal.SIGTERM)
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait()

    def stop(self) -> None:
        if self.proc is not None:
            self._kill(self.proc)
            self.proc = None
        shutil.rmtree(self.dir, ignore_errors=True)


# --- writing a dataset -------------------------------------------------------------------------
def context_hash(key: str) -> str:
    return base64.b64encode(hashlib.sha256(key.encode("utf-8")).digest()).decode("ascii")


def write_dataset(url: str, r: redis.Redis, prefix: str, ds: Dict[str, Any]) -> None:
    """Flags and segments through the SDK's own Redis store (init), then the raw items and the
    Big Segment keys as Relay writes them."""
    store = Redis.new_feature_store(url=url, prefix=prefix, caching=CacheConfig.disabled())
    store.init({FEATURES: copy.deepcopy(ds["flags"]), SEGMENTS: copy.deepcopy(ds["segments"])})
    pipe = r.pipeline(transaction=False)
    for key, text in ds["raw_flags"].items():
        pipe.hset(f"{prefix}:features", key, text)
    for key, text in ds["raw_segments"].items():
        pipe.hset(f"{prefix}:segments", key, text)
    big = ds["big"]
    now_ms = int(time.time() * 1000)
    sync = {"fresh": str(now_ms), "stale": str(now_ms - 86_400_000), "garbage": "not-a-number"}
    if big["sync"] in sync:
        pipe.set(f"{prefix}:big_segments_synchronized_on", sync[big["sync"]])
    for side in ("include", "exclude"):
        for ckey, refs in big[side].items():
            pipe.sadd(f"{prefix}:big_segment_{side}:{context_hash(ckey)}", *refs)
    if not ds.get("inited", True):
        pipe.delete(f"{prefix}:$inited")
    for ckey in big["wrongtype"]:
        pipe.delete(f"{prefix}:big_segment_include:{context_hash(ckey)}")
        pipe.set(f"{prefix}:big_segment_include:{context_hash(ckey)}", "not a set")
    pipe.execute()


# --- contexts as the SDK gets them -------------------------------------------------------------
_USER_STRING_ATTRS = {"name", "firstName", "lastName", "email", "country", "avatar", "ip"}


def old_user_context(props: dict) -> Context:
    """The SDK 8 reading of an old-style user (Context.__from_dict_old_user), with SDK 9's
    builder."""
    invalid = Context.from_dict({"kind": 5})
    b = Context.builder("").kind("user")
    has_key = False
    for k, v in props.items():
        if k == "custom":
            if v is None:
                continue
            if not isinstance(v, dict):
                return invalid
            for k1, v1 in v.items():
                b.set(k1, v1)
        elif k == "privateAttributeNames":
            if v is None:
                continue
            if not isinstance(v, list) or not all(isinstance(p, str) for p in v):
                return invalid
            b.private(*v)
        elif k in _USER_STRING_ATTRS:
            if v is None:
                continue
            if not isinstance(v, str):
                return invalid
            b.set(k, v)
        else:
            if k == "anonymous" and v is None:
                v = False
            if not b.try_set(k, v):
                return invalid
            if k == "key":
                has_key = True
    b._allow_empty_key(has_key)
    return b.build()


def sdk_context(text: str) -> Context:
    props = json.loads(text)
    if not isinstance(props, dict):
        return Context.from_dict(None)  # invalid: "Cannot use None as a context"
    if "kind" not in props:
        return old_user_context(props)
    return Context.from_dict(props)


def normalize(value: Any) -> Any:
    return json.loads(json.dumps(value))


def detail_json(detail: Any) -> Dict[str, Any]:
    out = {"value": detail.value, "reason": detail.reason}
    if detail.variation_index is not None:
        out["variationIndex"] = detail.variation_index
    return normalize(out)


# --- the two sides -----------------------------------------------------------------------------
class SdkSide:
    """LDClient in daemon mode over the SDK's Redis store and Big Segment store."""

    def __init__(self, url: str, prefix: str, cached: bool = True) -> None:
        store = Redis.new_feature_store(url=url, prefix=prefix, **({} if cached else {"caching": CacheConfig.disabled()}))
        config = Config("sdk-key-unused", use_ldd=True, send_events=False, diagnostic_opt_out=True,
                        feature_store=store,
                        big_segments=BigSegmentsConfig(store=Redis.new_big_segment_store(url=url, prefix=prefix)))
        self.client = LDClient(config=config, start_wait=0)

    def evaluate(self, flag_key: str, context: str, default: str) -> Dict[str, Any]:
        return detail_json(self.client.variation_detail(flag_key, sdk_context(context), json.loads(default)))

    def all_flags_state(self, context: str, options: int) -> Dict[str, Any]:
        state = self.client.all_flags_state(sdk_context(context), with_reasons=bool(options & 1),
                                            client_side_only=bool(options & 2),
                                            details_only_for_tracked_flags=bool(options & 4))
        return normalize(state.to_json_dict())

    def close(self) -> None:
        self.client.close()


class CandidateError(Exception):
    pass


class LdredisLib:
    def __init__(self, path: str) -> None:
        self.path = path
        lib = ctypes.CDLL(path)
        vp, sz, i = ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int
        self.missing = [n for n in ("ldredis_evaluate", "ldredis_all_flags_state") if not hasattr(lib, n)]
        sig = {
            "ldredis_config_new": (i, [ctypes.POINTER(vp)]),
            "ldredis_config_free": (None, [vp]),
            "ldredis_config_set_url": (i, [vp, ctypes.c_char_p]),
            "ldredis_config_set_prefix": (i, [vp, ctypes.c_char_p]),
            "ldredis_config_set_cache_ttl_ms": (i, [vp, ctypes.c_int64]),
            "ldredis_store_new": (i, [ctypes.POINTER(vp), vp]),
            "ldredis_store_free": (None, [vp]),
            "ldredis_free": (None, [vp]),
            "ldredis_last_error": (ctypes.c_char_p, []),
            "ldredis_status_name": (ctypes.c_char_p, [i]),
            "ldredis_evaluate": (i, [ctypes.POINTER(vp), ctypes.POINTER(sz), vp, ctypes.c_char_p,
                                     ctypes.c_char_p, sz, ctypes.c_char_p, sz]),
            "ldredis_all_flags_state": (i, [ctypes.POINTER(vp), ctypes.POINTER(sz), vp,
                                            ctypes.c_char_p, sz, i]),
        }
        for name, (res, args) in sig.items():
            if name in self.missing:
                continue
            fn = getattr(lib, name)
            fn.restype, fn.argtypes = res, args
        self.lib = lib

    def fail(self, what: str, status: int) -> CandidateError:
        name = (self.lib.ldredis_status_name(status) or b"?").decode()
        return CandidateError(f"{what}: {name} ({status}): {self.lib.ldredis_last_error().decode('utf-8', 'replace')}")

    def take(self, out: ctypes.c_void_p, n: ctypes.c_size_t) -> Any:
        text = ctypes.string_at(out.value, n.value)
        self.lib.ldredis_free(out)
        try:
            return json.loads(text.decode("utf-8"))
        except ValueError as e:
            raise CandidateError(f"output is not JSON ({e}): {text[:300]!r}")


class LdredisSide:
    """libldredis through ctypes: its own store (default configuration) on the same prefix."""

    def __init__(self, lib: LdredisLib, url: str, prefix: str, cache_ttl_ms: Optional[int] = None) -> None:
        self.l = lib
        c = lib.lib
        cfg = ctypes.c_void_p()
        st = c.ldredis_config_new(ctypes.byref(cfg))
        if st != 0:
            raise lib.fail("ldredis_config_new", st)
        try:
            for name, arg in (("ldredis_config_set_url", url), ("ldredis_config_set_prefix", prefix)):
                st = getattr(c, name)(cfg, arg.encode())
                if st != 0:
                    raise lib.fail(name, st)
            if cache_ttl_ms is not None:
                st = c.ldredis_config_set_cache_ttl_ms(cfg, cache_ttl_ms)
                if st != 0:
                    raise lib.fail("ldredis_config_set_cache_ttl_ms", st)
            self.store = ctypes.c_void_p()
            st = c.ldredis_store_new(ctypes.byref(self.store), cfg)
            if st != 0:
                raise lib.fail("ldredis_store_new", st)
        finally:
            c.ldredis_config_free(cfg)

    def evaluate(self, flag_key: str, context: str, default: str) -> Dict[str, Any]:
        out, n = ctypes.c_void_p(), ctypes.c_size_t()
        ctx, dflt = context.encode("utf-8"), default.encode("utf-8")
        st = self.l.lib.ldredis_evaluate(ctypes.byref(out), ctypes.byref(n), self.store,
                                         flag_key.encode("utf-8"), ctx, len(ctx), dflt, len(dflt))
        if st != 0:
            raise self.l.fail("ldredis_evaluate", st)
        return self.l.take(out, n)

    def all_flags_state(self, context: str, options: int) -> Dict[str, Any]:
        out, n = ctypes.c_void_p(), ctypes.c_size_t()
        ctx = context.encode("utf-8")
        st = self.l.lib.ldredis_all_flags_state(ctypes.byref(out), ctypes.byref(n), self.store,
                                                ctx, len(ctx), options)
        if st != 0:
            raise self.l.fail("ldredis_all_flags_state", st)
        return self.l.take(out, n)

    def close(self) -> None:
        self.l.lib.ldredis_store_free(self.store)


# The self-test's candidate: the SDK over data with operators swapped. It must be caught.
_MUTATIONS = {"startsWith": "endsWith", "endsWith": "startsWith", "lessThan": "lessThanOrEqual",
              "lessThanOrEqual": "lessThan", "greaterThan": "greaterThanOrEqual",
              "greaterThanOrEqual": "greaterThan", "before": "after", "after": "before",
              "semVerLessThan": "semVerGreaterThan", "semVerGreaterThan": "semVerLessThan"}


def mutated(ds: Dict[str, Any]) -> Dict[str, Any]:
    m = copy.deepcopy(ds)
    for flag in m["flags"].values():
        for rule in flag.get("rules") or []:
            for clause in rule.get("clauses") or []:
                if isinstance(clause, dict) and clause.get("op") in _MUTATIONS:
                    clause["op"] = _MUTATIONS[clause["op"]]
    return m


class Harness:
    def __init__(self, server: RedisServer, candidate: str, lib: Optional[LdredisLib],
                 cache_ttl_ms: Optional[int] = None) -> None:
        self.cache_ttl_ms = cache_ttl_ms
        self.server = server
        self.r = redis.Redis(host="127.0.0.1", port=server.port)
        self.candidate = candidate
        self.lib = lib
        self.serial = 0
        self.changes = False
        self.prefix = ""

    def open(self, ds: Dict[str, Any]) -> Tuple[SdkSide, Any]:
        """Writes ds under a new prefix; returns (reference, candidate) reading it. With
        self.changes, the reference reads without a cache (the candidate's is set by the caller),
        and self.writer (the SDK's store, no cache) writes changes to both."""
        self.r.flushdb()
        self.serial += 1
        prefix = f"evaldiff{self.serial}"
        write_dataset(self.server.url, self.r, prefix, ds)
        self.prefix = prefix
        if self.candidate == "mutant":
            write_dataset(self.server.url, self.r, prefix + "-m", mutated(ds))
            cand: Any = SdkSide(self.server.url, prefix + "-m", cached=not self.changes)
        elif self.candidate == "sdk":
            cand = SdkSide(self.server.url, prefix, cached=not self.changes)
        else:
            assert self.lib is not None
            cand = LdredisSide(self.lib, self.server.url, prefix, self.cache_ttl_ms)
        return SdkSide(self.server.url, prefix, cached=not self.changes), cand

    def write_change(self, kind: str, item: Dict[str, Any]) -> None:
        """Another writer: the SDK's store (no cache) upserts item, version rule included."""
        targets = [(self.prefix, item)]
        if self.candidate == "mutant":
            targets.append((self.prefix + "-m", mutated({"flags": {"x": item}})["flags"]["x"] if kind == "flags" else item))
        for prefix, it in targets:
            store = Redis.new_feature_store(url=self.server.url, prefix=prefix, caching=CacheConfig.disabled())
            # the SDK's Redis core (its WATCH/MULTI upsert with the version rule): the wrapper
            # would also decode the item, which fails for items the SDK cannot decode
            store._core.upsert_internal(FEATURES if kind == "flags" else SEGMENTS, copy.deepcopy(it))


# --- comparing ---------------------------------------------------------------------------------
def differences(a: Any, b: Any, path: str = "") -> List[str]:
    """Where two JSON values differ. Numbers compare by value (1 and 1.0 are one JSON number; a
    large integer and its nearest double are not), booleans are not numbers."""
    if isinstance(a, bool) or isinstance(b, bool):
        return [] if type(a) is type(b) and a == b else [path or "/"]
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return [] if a == b else [path or "/"]
    if isinstance(a, dict) and isinstance(b, dict):
        out = []
        for k in sorted(set(a) | set(b), key=str):
            p = f"{path}/{k}"
            if k not in a or k not in b:
                out.append(p + (" (only in reference)" if k in a else " (only in ldredis)"))
            else:
                out += differences(a[k], b[k], p)
        return out
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{path or '/'} (length)"]
        out = []
        for i, (x, y) in enumerate(zip(a, b)):
            out += differences(x, y, f"{path}/{i}")
        return out
    if type(a) is not type(b) or a != b:
        return [path or "/"]
    return []


def check_comparator() -> None:
    """The comparison itself must be able to fail: checked at the start of every run."""
    must_differ = [(1, True), (0, False), (12345678901234567890, 1.2345678901234567e19),
                   ({"ruleId": None}, {}), ({"a": 1}, {"a": 1, "b": 2}), ([1, 2], [2, 1]),
                   ("é", "e\u0301"), (None, False), ("1", 1), ({"reason": {"kind": "OFF"}},
                   {"reason": {"kind": "OFF", "inExperiment": False}})]
    must_agree = [(1, 1.0), (0, -0.0), ({"a": [1, {"b": None}]}, {"a": [1.0, {"b": None}]})]
    for a, b in must_differ:
        assert differences(a, b) and differences(b, a), f"comparator misses {a!r} vs {b!r}"
    for a, b in must_agree:
        assert not differences(a, b), f"comparator sees a difference in {a!r} vs {b!r}"


class Case:
    """One comparison: mode "eval" (flag_key, default) or "all" (options)."""

    def __init__(self, mode: str, context: str, flag_key: str = "", default: str = "null",
                 options: int = 0) -> None:
        self.mode, self.context, self.flag_key, self.default, self.options = mode, context, flag_key, default, options

    def run(self, side: Any) -> Any:
        try:
            if self.mode == "eval":
                return side.evaluate(self.flag_key, self.context, self.default)
            return side.all_flags_state(self.context, self.options)
        except CandidateError as e:
            return {"<candidate error>": str(e)}

    def describe(self) -> str:
        if self.mode == "eval":
            return f"ldredis_evaluate(flag {self.flag_key!r}, default {self.default})"
        names = [n for bit, n in OPTION_NAMES.items() if self.options & bit] or ["no options"]
        return f"ldredis_all_flags_state(options {self.options}: {', '.join(names)})"


def _reason_name(result: Any) -> Optional[str]:
    reason = result.get("reason") if isinstance(result, dict) else None
    if not isinstance(reason, dict):
        return None
    return f"ERROR:{reason.get('errorKind')}" if reason.get("kind") == "ERROR" else reason.get("kind")


def signature(case: Case, ref: Any, cand: Any, diffs: List[str]) -> Tuple:
    """What kind of difference this is: a shrunk case must keep it, and reports are per kind.
    For all_flags_state, flag keys are left out (/$flagsState/KEY/reason/kind -> reason/kind)."""
    if case.mode == "eval":
        leaves = tuple(sorted({d.split(" (")[0].rsplit("/", 1)[-1] for d in diffs}))
        return (case.mode, _reason_name(ref), _reason_name(cand), leaves)
    members = set()
    for d in diffs:
        parts = d.split(" (")[0].split("/")[1:]
        if parts[0] == "$flagsState":
            members.add("/".join(["$flagsState", "*"] + parts[2:]) + (" (presence)" if " (" in d else ""))
        elif parts[0] == "$valid":
            members.add("$valid")
        else:
            members.add("value" + (" (presence)" if " (" in d else ""))
    return (case.mode, tuple(sorted(members)))


def compare(h: Harness, ds: Dict[str, Any], case: Case) -> Tuple[Any, Any, List[str]]:
    ref, cand = h.open(ds)
    try:
        a, b = case.run(ref), case.run(cand)
    finally:
        ref.close()
        cand.close()
    return a, b, differences(a, b)


# --- shrinking ---------------------------------------------------------------------------------
def _removals(value: Any, path: Tuple = ()) -> List[Tuple]:
    """Paths of list elements and object members that could be removed, outermost first."""
    out: List[Tuple] = []
    if isinstance(value, dict):
        for k, v in value.items():
            if k not in ("key", "version", "kind"):
                out.append(path + (k,))
            out += _removals(v, path + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.append(path + (i,))
            out += _removals(v, path + (i,))
    return out


def _without(value: Any, path: Tuple) -> Any:
    v = copy.deepcopy(value)
    parent = v
    for p in path[:-1]:
        parent = parent[p]
    del parent[path[-1]]
    return v


def shrink(h: Harness, ds: Dict[str, Any], case: Case, sig: Tuple, budget_s: float = 60.0) -> Tuple[Dict[str, Any], Case]:
    deadline = time.monotonic() + budget_s
    ds = {k: ds[k] for k in ("flags", "segments", "raw_flags", "raw_segments", "big", "inited") if k in ds}

    def still(d: Dict[str, Any], c: Case) -> bool:
        a, b, diffs = compare(h, d, c)
        return bool(diffs) and signature(c, a, b, diffs) == sig

    # Whole items first (flags, segments, raw items, Big Segment entries), then their insides,
    # then the context's attributes.
    for top in ("flags", "segments", "raw_flags", "raw_segments"):
        for key in list(ds[top]):
            if time.monotonic() > deadline:
                break
            if top == "flags" and key == case.flag_key and case.mode == "eval":
                continue
            trial = dict(ds)
            trial[top] = {k: v for k, v in ds[top].items() if k != key}
            if still(trial, case):
                ds = trial
    changed = True
    while changed and time.monotonic() < deadline:
        changed = False
        for target in ("data", "context"):
            subject = ds if target == "data" else json.loads(case.context)
            if not isinstance(subject, dict):
                continue
            for path in _removals(subject):
                if time.monotonic() > deadline:
                    break
                if target == "data" and (len(path) < 3 and path[0] in ("flags", "segments", "raw_flags", "raw_segments")):
                    continue  # whole items were tried above
                if target == "data" and path[0] == "big" and len(path) < 3:
                    continue
                try:
                    smaller = _without(subject, path)
                except (KeyError, IndexError, TypeError):
                    continue  # an earlier removal in this pass moved it
                if target == "data":
                    trial_ds, trial_case = smaller, case
                else:
                    trial_ds, trial_case = ds, copy.copy(case)
                    trial_case.context = json.dumps(smaller, ensure_ascii=False)
                if still(trial_ds, trial_case):
                    ds, case, changed = trial_ds, trial_case, True
                    break
            if changed:
                break
    return ds, case


def report(h: Harness, ds: Dict[str, Any], case: Case, seed: int, index: int, out_dir: str,
           minimize: bool) -> str:
    a, b, diffs = compare(h, ds, case)
    if not diffs:
        a, b, diffs = compare(h, ds, case)
        if not diffs:
            return "(the difference did not reproduce in a fresh store: flaky?)"
    if minimize:
        ds, case = shrink(h, ds, case, signature(case, a, b, diffs))
        a, b, diffs = compare(h, ds, case)
    os.makedirs(out_dir, exist_ok=True)
    repro = {"seed": seed, "dataset": index, "mode": case.mode, "flag_key": case.flag_key,
             "context": case.context, "default": case.default, "options": case.options,
             "data": ds, "reference": a, "ldredis": b, "differences": diffs}
    name = f"repro-s{seed}-d{index}-{case.mode}-{int(time.time() * 1000) % 10 ** 8}.json"
    path = os.path.join(out_dir, name)
    with open(path, "w") as f:
        json.dump(repro, f, indent=1, ensure_ascii=False)
    lines = [f"DIFFERENCE (seed {seed}, dataset {index}): {case.describe()}",
             f"  differing members: {', '.join(diffs)}",
             f"  context: {case.context}"]
    for kind in ("flags", "segments", "raw_flags", "raw_segments"):
        for key, item in ds[kind].items():
            lines.append(f"  {kind[:-1]} {key!r}: {item if isinstance(item, str) else json.dumps(item, ensure_ascii=False)}")
    big = ds["big"]
    if big["include"] or big["exclude"] or big["wrongtype"] or any(s.get("unbounded") for s in ds["segments"].values() if isinstance(s, dict)):
        lines.append(f"  big segments: {json.dumps(big, ensure_ascii=False)}")
    if not ds.get("inited", True):
        lines.append("  (no PREFIX:$inited in the store)")
    lines.append(f"  reference (LDClient): {json.dumps(a, ensure_ascii=False)}")
    lines.append(f"  ldredis:              {json.dumps(b, ensure_ascii=False)}")
    lines.append(f"  saved: {os.path.relpath(path, ROOT)}  (re-run: python3 Tests/eval/diff.py --replay {os.path.relpath(path, ROOT)})")
    return "\n".join(lines)


# --- the run -----------------------------------------------------------------------------------
def note_reason(seen: Counter, result: Any) -> None:
    reason = result.get("reason") if isinstance(result, dict) else None
    if not isinstance(reason, dict):
        return
    kind = reason.get("kind")
    seen[f"ERROR:{reason.get('errorKind')}" if kind == "ERROR" else kind] += 1
    if reason.get("inExperiment"):
        seen["inExperiment"] += 1
    if "bigSegmentsStatus" in reason:
        seen[f"bigSegmentsStatus:{reason['bigSegmentsStatus']}"] += 1


def cases(ds: Dict[str, Any], index: int, args: argparse.Namespace) -> List[Case]:
    """Every context against every flag key (each with a default from the pool), and
    all_flags_state with the 8 option sets for every Nth context. Odd datasets in that order
    (context by context, as a request would); even ones shuffled, so that consecutive calls
    rarely share a context or a flag (caches keyed by the last context or flag see both)."""
    out: List[Case] = []
    for ci, context in enumerate(ds["contexts"]):
        for fi, key in enumerate(ds["flag_keys"]):
            out.append(Case("eval", context, key, json.dumps(ds["defaults"][(ci * 7 + fi) % len(ds["defaults"])])))
        if ci % args.all_flags_every == 0:
            out += [Case("all", context, options=options) for options in range(8)]
    if index % 2 == 0:
        random.Random(f"{args.seed}:{index}:order").shuffle(out)
    return out


def outage(args: argparse.Namespace, h: Harness, gen: Generator) -> Dict[Tuple, str]:
    """Last: one more dataset, read by both sides without a cache, then redis-server stopped
    (the run's server: this ends the run). Both must answer as the SDK does during an outage:
    EXCEPTION with the default, all_flags_state invalid."""
    ds = gen.dataset(10 ** 6 + args.first_dataset)
    h.changes, h.cache_ttl_ms = True, 0
    ref, cand = h.open(ds)
    out: Dict[Tuple, str] = {}
    try:
        h.server.stop()
        todo = cases(ds, 1, args)[:300]
        seen: Counter = Counter()
        for case in todo:
            a, b = case.run(ref), case.run(cand)
            note_reason(seen, a)
            diffs = differences(a, b)
            if diffs and signature(case, a, b, diffs) not in out:
                out[signature(case, a, b, diffs)] = "\n".join([
                    f"DIFFERENCE (seed {args.seed}, Redis stopped): {case.describe()}",
                    f"  differing members: {', '.join(diffs)}", f"  context: {case.context}",
                    f"  reference (LDClient): {json.dumps(a, ensure_ascii=False)}",
                    f"  ldredis:              {json.dumps(b, ensure_ascii=False)}"])
        print(f"eval-diff: with Redis stopped, {len(todo)} comparisons ({seen['ERROR:EXCEPTION']} "
              f"EXCEPTION, {seen['ERROR:USER_NOT_SPECIFIED']} USER_NOT_SPECIFIED from the reference), "
              f"{len(out)} distinct difference(s)")
    finally:
        ref.close()
        cand.close()
    return out


def run(args: argparse.Namespace, h: Harness) -> int:
    check_comparator()
    gen = Generator(args.seed, set(args.exclude.split(",")) if args.exclude else None)
    if not args.replay:
        for old in os.listdir(args.out) if os.path.isdir(args.out) else []:
            if old.startswith("repro-") and old.endswith(".json"):
                os.remove(os.path.join(args.out, old))
    seen: Counter = Counter()
    evaluations = all_states = 0
    found: Dict[Tuple, str] = {}
    start = time.monotonic()
    index = args.first_dataset
    while evaluations < args.evaluations:
        ds = gen.dataset(index)
        if args.max_contexts:
            ds["contexts"] = ds["contexts"][:args.max_contexts]
        ref, cand = h.open(ds)
        failures: List[Tuple[Case, Tuple, Dict[str, Any]]] = []
        try:
            todo = cases(ds, index, args)
            if evaluations + len(todo) > args.evaluations:
                left = args.evaluations - evaluations
                todo = [c for c in todo if c.mode == "all" or (left := left - 1) >= 0]
            if args.threads > 1:
                # the candidate called from several threads at once, the reference serially
                with ThreadPoolExecutor(max_workers=args.threads) as pool:
                    theirs = list(pool.map(lambda c: c.run(cand), todo, chunksize=7))
            else:
                theirs = [None] * len(todo)
            for n, (case, b) in enumerate(zip(todo, theirs)):
                if args.changes and n and n % args.changes == 0:
                    kind, key, item = gen.change(ds)
                    h.write_change(kind, item)
                    if item["version"] > ds[kind][key].get("version", 0):
                        ds[kind][key] = item  # the store applies only a higher version
                a = case.run(ref)
                if args.threads <= 1:
                    b = case.run(cand)
                if case.mode == "eval":
                    evaluations += 1
                    note_reason(seen, a)
                else:
                    all_states += 1
                diffs = differences(a, b)
                if diffs:
                    sig = signature(case, a, b, diffs)
                    if sig not in found and all(sig != f[1] for f in failures):
                        # the data as it is now (changes may have come since the dataset began)
                        failures.append((case, sig, copy.deepcopy(ds) if args.changes else ds))
        finally:
            ref.close()
            cand.close()
        for case, sig, data in failures:
            if sig in found:
                continue
            text = report(h, data, case, args.seed, index, args.out, not args.no_shrink)
            found[sig] = text
            if not args.self_test:
                print(text, flush=True)
            if len(found) >= args.max_reports:
                break
        if not args.quiet:
            print(f"dataset {index}: {len(ds['flags'])} flags, {len(ds['segments'])} segments, "
                  f"{len(ds['contexts'])} contexts; total {evaluations} evaluations, "
                  f"{all_states} all_flags_state, {len(found)} distinct differences "
                  f"({time.monotonic() - start:.0f} s)", flush=True)
        index += 1
        if found and (len(found) >= args.max_reports or not args.keep_going):
            break
    if args.outage and not found and not args.self_test:
        outage_found = outage(args, h, gen)
        for sig, text in outage_found.items():
            found[("outage",) + sig] = text
            print(text, flush=True)
    args.found = len(found)
    if args.self_test:
        return 1 if found else 0
    print(f"eval-diff: seed {args.seed}, candidate {args.candidate}: {evaluations} evaluations "
          f"and {all_states} all_flags_state comparisons over {index - args.first_dataset} datasets "
          f"in {time.monotonic() - start:.0f} s; {len(found)} distinct difference(s)")
    print("  reference reasons: " + ", ".join(f"{k} {seen[k]}" for k in REASON_KINDS))
    missing_reasons = [k for k in REASON_KINDS if not seen[k]]
    missing_cov = [c for c in gen.expected_coverage() if c not in gen.covered]
    if missing_cov:
        print("  generator coverage not reached: " + ", ".join(missing_cov))
    if missing_reasons:
        print("  reasons never produced by the reference: " + ", ".join(missing_reasons))
    args.found = len(found)
    if found:
        return 1
    if args.require_coverage and (missing_cov or missing_reasons):
        print("eval-diff: FAIL (coverage)")
        return 1
    return 0


def replay(args: argparse.Namespace, h: Harness) -> int:
    with open(args.replay) as f:
        repro = json.load(f)
    case = Case(repro["mode"], repro["context"], repro["flag_key"], repro["default"], repro["options"])
    ds = repro["data"]
    a, b, diffs = compare(h, ds, case)
    print(f"replay {args.replay}: {case.describe()}")
    print(f"  reference (LDClient): {json.dumps(a, ensure_ascii=False)}")
    print(f"  ldredis:              {json.dumps(b, ensure_ascii=False)}")
    print("  differences: " + (", ".join(diffs) if diffs else "none"))
    return 1 if diffs else 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--evaluations", type=int, default=100_000)
    p.add_argument("--first-dataset", type=int, default=0, help="start at this dataset index")
    p.add_argument("--all-flags-every", type=int, default=4,
                   help="all_flags_state (8 option sets) for every Nth context")
    p.add_argument("--candidate", choices=["ldredis", "sdk", "mutant"], default="ldredis")
    p.add_argument("--self-test", action="store_true",
                   help="candidate 'mutant' (operators swapped); succeeds only if a difference is caught")
    p.add_argument("--library", default=os.environ.get("LDREDIS_LIBRARY") or
                   os.path.join(ROOT, "build", "stage", "lib", "libldredis.so"))
    p.add_argument("--cache-ttl-ms", type=int, default=None,
                   help="the ldredis store's cache TTL (0 off, -1 infinite; default: the library's)")
    p.add_argument("--threads", type=int, default=1,
                   help="call the candidate from N threads at once (the reference stays serial)")
    p.add_argument("--changes", type=int, default=0, metavar="N",
                   help="every N calls, another writer (the SDK's store) upserts or deletes a flag or "
                        "segment; the reference then reads without a cache and ldredis with "
                        "--cache-ttl-ms 0 unless given")
    p.add_argument("--outage", action="store_true",
                   help="at the end, stop redis-server and compare evaluations during the outage")
    p.add_argument("--keep-going", action="store_true", help="collect distinct differences")
    p.add_argument("--max-reports", type=int, default=20)
    p.add_argument("--no-shrink", action="store_true")
    p.add_argument("--max-contexts", type=int, default=0,
                   help="at most N contexts per dataset (more, smaller datasets)")
    p.add_argument("--require-coverage", action="store_true",
                   help="fail if a generator item or a reason kind was never produced")
    p.add_argument("--out", default=os.path.join(ROOT, "build", "eval-diff"))
    p.add_argument("--replay", help="re-run a saved reproduction")
    p.add_argument("--exclude", default="",
                   help="comma-separated families of cases to leave out: " + ", ".join(EXCLUDABLE))
    p.add_argument("--quiet", action="store_true")
    args = p.parse_args()
    if args.self_test:
        args.candidate = "mutant"
        args.max_reports = 1
    lib = None
    if args.candidate == "ldredis" or args.replay:
        if not os.path.exists(args.library):
            print(f"eval-diff: no library at {args.library} (make stage, or --library)", file=sys.stderr)
            return 2
        lib = LdredisLib(args.library)
        if lib.missing:
            print(f"eval-diff: {args.library} does not export {', '.join(lib.missing)} (issue 13)",
                  file=sys.stderr)
            return 2
        if args.replay:
            args.candidate = "ldredis"
    # a SIGTERM (make interrupted, a timeout) still stops the redis-server this run started
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    server = RedisServer()
    try:
        if args.changes and args.cache_ttl_ms is None:
            args.cache_ttl_ms = 0
        if args.changes and args.threads > 1:
            print("eval-diff: --changes and --threads do not go together", file=sys.stderr)
            return 2
        h = Harness(server, args.candidate, lib, args.cache_ttl_ms)
        h.changes = bool(args.changes)
        if args.replay:
            return replay(args, h)
        status = run(args, h)
        if args.self_test:
            if args.found:
                saved = sorted(glob.glob(os.path.join(args.out, "repro-*.json")))
                print("eval-diff self-test: OK (a candidate with swapped operators was caught: "
                      + (os.path.relpath(saved[0], ROOT) if saved else "?") + ")")
                return 0
            print("eval-diff self-test: FAIL (a candidate with swapped operators was not caught)")
            return 1
        return status
    finally:
        server.stop()


if __name__ == "__main__":
    sys.exit(main())
