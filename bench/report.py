#!/usr/bin/env python3
"""Merges the raw results of one benchmark run, computes the ratios, and writes the report.

    python3 bench/report.py --raw DIR --out DIR [--command CMD] [--started ISO] [--elapsed S]
                            [--note TEXT ...]

DIR (raw) holds c.json, mem.json, tls.json, py.json, lua.json, cluster.json, reshard.json and redis-version.txt, as bench/run.sh
writes them. Writes OUT/latest.md (the tables), OUT/latest.json (everything, ratios included)
and OUT/ratios.svg (a bar chart of the target ratios, hand-written SVG: no dependency), and
prints the Markdown on stdout. Every ratio compares two measurements of the same run; the
targets use the ratio of medians. Nothing here passes or fails on the numbers.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
from typing import Any, Callable, Dict, List, Optional, Tuple


def load(path: str) -> Dict[str, Any]:
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        return {"env": {"skipped": True}, "notes": [f"{os.path.basename(path)}: {e}"], "series": {}}


def fmt_ns(ns: Optional[float]) -> str:
    if ns is None:
        return "–"
    if ns < 1_000:
        return f"{ns:.0f} ns"
    if ns < 1_000_000:
        return f"{ns / 1e3:.1f} µs"
    if ns < 1_000_000_000:
        return f"{ns / 1e6:.1f} ms"
    return f"{ns / 1e9:.2f} s"


def fmt_ops(v: Optional[float]) -> str:
    if v is None:
        return "–"
    if v >= 1e6:
        return f"{v / 1e6:.2f} M/s"
    if v >= 1e3:
        return f"{v / 1e3:.1f} k/s"
    return f"{v:.0f}/s"


def fmt_ratio(r: Optional[float]) -> str:
    if r is None:
        return "–"
    if r < 0.1:
        return f"{r:.4f} (1/{1 / r:.0f})" if r > 0 else "0"
    if r < 10:
        return f"{r:.2f}"
    return f"{r:.1f}"


class Run:
    def __init__(self, raw: str) -> None:
        self.c = load(os.path.join(raw, "c.json"))
        self.mem = load(os.path.join(raw, "mem.json"))
        self.tls = load(os.path.join(raw, "tls.json"))
        self.py = load(os.path.join(raw, "py.json"))
        self.lua = load(os.path.join(raw, "lua.json"))
        self.cluster = load(os.path.join(raw, "cluster.json"))
        self.reshard = load(os.path.join(raw, "reshard.json"))
        try:
            with open(os.path.join(raw, "redis-version.txt"), encoding="utf-8") as f:
                self.redis_version = f.read().strip()
        except OSError:
            self.redis_version = "?"

    @staticmethod
    def _get(doc: Dict[str, Any], section: str, name: str, field: str) -> Optional[float]:
        entry = doc.get(section, {}).get(name)
        return None if entry is None else entry.get(field)

    def cs(self, name: str, field: str = "median") -> Optional[float]:
        return self._get(self.c, "series", name, field)

    def ct(self, name: str) -> Optional[float]:
        return self._get(self.c, "throughput", name, "median")

    def ps(self, name: str, field: str = "median") -> Optional[float]:
        return self._get(self.py, "series", name, field)

    def pt(self, name: str) -> Optional[float]:
        return self._get(self.py, "throughput", name, "median")

    def ls(self, name: str, field: str = "median") -> Optional[float]:
        return self._get(self.lua, "series", name, field)

    def cls(self, name: str, field: str = "median") -> Optional[float]:
        return self._get(self.cluster, "series", name, field)

    def round_ratio_range(self, doc: Dict[str, Any], num: str, den: str) -> Optional[Tuple[float, float]]:
        a = doc.get("series", {}).get(num, {}).get("round_medians")
        b = doc.get("series", {}).get(den, {}).get("round_medians")
        if not a or not b or len(a) != len(b):
            return None
        rs = [x / y for x, y in zip(a, b) if y]
        return (min(rs), max(rs)) if rs else None


def div(a: Optional[float], b: Optional[float]) -> Optional[float]:
    if a is None or b is None or b == 0:
        return None
    return a / b


def targets(run: Run) -> List[Dict[str, Any]]:
    init_n = run.c.get("env", {}).get("init_flags", 10000)
    py_init_n = run.py.get("env", {}).get("init_flags", init_n)
    mem_n = run.mem.get("flags", init_n)
    rss = None
    if "rss_after_kb" in run.mem:
        rss = (run.mem["rss_after_kb"] - run.mem["rss_before_kb"]) * 1024
    rows = [
        ("C get, cache off", "ldredis get ÷ raw hiredis HGET (time)", div(run.cs("ld_get_off"), run.cs("raw_hget")), "<=", 1.1),
        ("C get, cache hit", "ldredis get (hit) ÷ raw hiredis HGET (time)", div(run.cs("ld_get_hit"), run.cs("raw_hget")), "<=", 1 / 40),
        ("C upsert (script mode), applied", "ldredis upsert ÷ raw HGET of the same item (time)",
         div(run.cs("ld_upsert_script_applied"), run.cs("raw_hget_upsert_item")), "<=", 1.4),
        ("C upsert (script mode), rejected", "ldredis upsert ÷ raw HGET of the same item (time)",
         div(run.cs("ld_upsert_script_rejected"), run.cs("raw_hget_upsert_item")), "<=", 1.4),
        ("C all, 1,000 flags, cache off", "ldredis all_json ÷ raw hiredis HGETALL (time)",
         div(run.cs("ld_all_off"), run.cs("raw_hgetall")), "<=", 1.6),
        (f"C init, {init_n:,} flags", "ldredis init ÷ raw hiredis pipelined init (time)", div(run.cs("ld_init"), run.cs("raw_init")), "<=", 1.3),
        ("C get, cache off, over TLS", "ldredis get over TLS ÷ the same over plain TCP, in turn (time)",
         div(run.cs("ld_get_off_tls"), run.cs("ld_get_off_paired")), "<=", 1.3),
        ("C get, cache off, Redis Cluster", "cluster get ÷ standalone get, in turn (time)",
         div(run.cls("cluster_get_off"), run.cls("standalone_get_off")), "<=", 1.15),
        (f"C init, {run.cluster.get('env', {}).get('init_flags', init_n):,} flags, Redis Cluster",
         "cluster init ÷ standalone init, in turn (time)", div(run.cls("cluster_init"), run.cls("standalone_init")), "<=", 1.2),
        ("C get, cache hit, 2 threads", "2-thread ops/s ÷ 1-thread ops/s", div(run.ct("ld_get_hit_t2"), run.ct("ld_get_hit_t1")), ">=", 1.6),
        ("Python get, cache off", "SDK time ÷ ldredis time", div(run.ps("sdk_get_off"), run.ps("ld_get_off")), ">=", 5),
        ("Python get, cache off, over TLS", "SDK time ÷ ldredis time, both over TLS, in turn",
         div(run.ps("sdk_get_off_tls"), run.ps("ld_get_off_tls")), ">=", 3),
        ("Python get, cache hit", "SDK time ÷ ldredis time", div(run.ps("sdk_get_hit"), run.ps("ld_get_hit")), ">=", 1),
        ("Python all, 1,000 flags, cache off", "SDK time ÷ ldredis time", div(run.ps("sdk_all_off"), run.ps("ld_all_off")), ">=", 10),
        (f"Python init, {py_init_n:,} flags", "SDK time ÷ ldredis time", div(run.ps("sdk_init"), run.ps("ld_init")), ">=", 5),
        ("Python upsert, applied", "SDK time ÷ ldredis time", div(run.ps("sdk_upsert_applied"), run.ps("ld_upsert_applied")), ">=", 5),
        ("Python upsert, rejected", "SDK time ÷ ldredis time", div(run.ps("sdk_upsert_rejected"), run.ps("ld_upsert_rejected")), ">=", 5),
        ("Python get, cache off, 8 threads", "ldredis total ops/s ÷ SDK total ops/s", div(run.pt("ld_get_off_t8"), run.pt("sdk_get_off_t8")), ">=", 10),
        (f"memory, {mem_n:,} cached flags", "resident growth ÷ their JSON bytes", div(rss, run.mem.get("json_bytes")), "<=", 2.5),
    ]
    out = []
    for label, meaning, ratio, op, goal in rows:
        met = None if ratio is None else (ratio <= goal if op == "<=" else ratio >= goal)
        out.append({"target": label, "ratio_is": meaning, "ratio": ratio, "op": op, "goal": goal, "met": met})
    return out


def handshake_runs(run: Run) -> List[Dict[str, Any]]:
    """The handshake counts (tls.json): per run, the threads, the connections the server
    received during the gets, and the most a pool of that size could open for them."""
    out = []
    for r in run.tls.get("runs", []):
        client = r.get("client", {})
        bound = min(int(r.get("threads", 0)), int(client.get("pool_size", 16)))
        out.append({"threads": r.get("threads"), "gets": client.get("gets", run.tls.get("gets")),
                    "connections": r.get("server_connections"), "pool_bound": bound,
                    "seconds": client.get("seconds"),
                    "ok": r.get("server_connections") is not None and 1 <= r["server_connections"] <= bound})
    return out


def reported(run: Run) -> List[str]:
    """The figures reported without a goal: store creation + first operation over TLS,
    resharding under load (Redis Cluster), and the TLS handshakes per N gets."""
    lines = []
    a, b = run.cs("ld_open_first_tls"), run.cs("ld_open_first")
    if a is not None:
        lines.append(f"Store creation + first get over TLS (a full handshake): {fmt_ns(a)} median "
                     f"(plain TCP: {fmt_ns(b)}).")
    rs = run.reshard
    if "operations" in rs:
        st = rs.get("stats", {})
        lines.append(f"Resharding the {{ld}} slot to another master during {rs['seconds']:g} s of upserts and gets "
                     f"(cache off): {rs['operations']:,} operations, {rs['failed']} failed, the longest took "
                     f"{rs['longest_ms']:.1f} ms (MOVED {st.get('redirects_moved', '?')}, ASK "
                     f"{st.get('redirects_ask', '?')}).")
    hs = handshake_runs(run)
    if hs:
        parts = [f"{h['connections']} with {h['threads']} thread{'s' if h['threads'] != 1 else ''}"
                 f" (at most {h['pool_bound']}: {'yes' if h['ok'] else '**no**'})" for h in hs]
        lines.append(f"TLS handshakes (connections the server received) per {hs[0]['gets']:,} gets, "
                     f"cache off, one store: " + "; ".join(parts) + ".")
    return lines


def goal_text(t: Dict[str, Any]) -> str:
    g = t["goal"]
    gs = f"1/{1 / g:.0f}" if g < 0.1 else f"{g:g}"
    return ("≤ " if t["op"] == "<=" else "≥ ") + gs


def md_table(header: List[str], rows: List[List[str]]) -> List[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return lines


def pair_rows(run: Run, doc: Dict[str, Any], pairs: List[Tuple[str, str, str]], invert: bool) -> List[List[str]]:
    """Rows for (label, ours, theirs): both medians and p99s, the ratio of medians and of p99s,
    and the range of the per-round ratios. invert: the ratio is theirs ÷ ours (a speed-up)."""
    rows = []
    s = doc.get("series", {})
    for label, ours, theirs in pairs:
        a, b = s.get(ours), s.get(theirs)
        if a is None and b is None:
            continue
        am, ap = (a or {}).get("median"), (a or {}).get("p99")
        bm, bp = (b or {}).get("median"), (b or {}).get("p99")
        if invert:
            rm, rp = div(bm, am), div(bp, ap)
            rr = run.round_ratio_range(doc, theirs, ours)
        else:
            rm, rp = div(am, bm), div(ap, bp)
            rr = run.round_ratio_range(doc, ours, theirs)
        rows.append([label, fmt_ns(am), fmt_ns(ap), fmt_ns(bm), fmt_ns(bp), fmt_ratio(rm), fmt_ratio(rp),
                     "–" if rr is None else f"{fmt_ratio(rr[0])} – {fmt_ratio(rr[1])}"])
    return rows


def machine() -> Dict[str, Any]:
    info: Dict[str, Any] = {"kernel": platform.release(), "cpus": os.cpu_count()}
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    try:
        info["loadavg_at_report"] = open("/proc/loadavg", encoding="utf-8").read().split()[:3]
    except OSError:
        pass
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    try:
        commit = subprocess.run(["git", "-C", root, "rev-parse", "--short", "HEAD"], capture_output=True,
                                text=True, check=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", root, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, check=True).stdout.strip()
        info["git"] = commit + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        info["git"] = "?"
    return info


def markdown(run: Run, tg: List[Dict[str, Any]], meta: Dict[str, Any]) -> str:
    c_env, py_env, lua_env = run.c.get("env", {}), run.py.get("env", {}), run.lua.get("env", {})
    quick = bool(c_env.get("quick"))
    L: List[str] = []
    L.append("# ldredis benchmark results" + (" (quick mode: NOT meaningful numbers)" if quick else ""))
    L.append("")
    L.append(f"`{meta['command']}` started {meta['started']}, took {meta['elapsed']} s. "
             f"Machine: {meta['machine'].get('cpus')} CPUs ({meta['machine'].get('cpu', '?')}), "
             f"Linux {meta['machine'].get('kernel')}; {run.redis_version.split(' sha=')[0]} on loopback TCP; "
             f"ldredis {c_env.get('ldredis_version', '?')} (git {meta['machine'].get('git')}), "
             f"hiredis {c_env.get('hiredis_version', '?')}; Python {py_env.get('python', '?')}, "
             f"launchdarkly-server-sdk {py_env.get('sdk') or 'not installed'}, redis-py {py_env.get('redis_py', '–')}, "
             f"orjson {'yes' if py_env.get('orjson') else 'no'}; {lua_env.get('luajit', 'LuaJIT: skipped')}.")
    L.append("")
    L.append(f"Medians and p99 over {c_env.get('rounds', '?')} interleaved rounds (C, Lua; Python "
             f"{py_env.get('rounds', '?')}); every ratio compares two measurements of this run. "
             "Targets use the ratio of medians. The machine is shared and noisy: the per-round ratio "
             "ranges show how much a ratio moved between rounds.")
    L.append("")
    L.append("## Targets")
    L.append("")
    rows = []
    for t in tg:
        met = "n/a" if t["met"] is None else ("**met**" if t["met"] else "**missed**")
        rows.append([t["target"], t["ratio_is"], fmt_ratio(t["ratio"]), goal_text(t), met])
    L += md_table(["target", "ratio", "measured", "goal", "result"], rows)
    L.append("")
    rep = reported(run)
    if rep:
        L.append("Reported (no goal): " + " ".join(rep))
        L.append("")
    L.append("![ratios](ratios.svg)")
    L.append("")

    L.append("## C: libldredis against raw hiredis (same server, keys, item bytes, TCP loopback)")
    L.append("")
    c_pairs = [
        ("get, cache off ÷ HGET", "ld_get_off", "raw_hget"),
        ("get, cache hit ÷ HGET", "ld_get_hit", "raw_hget"),
        ("all 1,000 flags, cache off ÷ HGETALL", "ld_all_off", "raw_hgetall"),
        ("all, every value changed since the last call ÷ HGETALL", "ld_all_off_changed", "raw_hgetall"),
        (f"init {c_env.get('init_flags', '?'):,} flags ÷ pipelined MULTI/DEL/HSET/SET/EXEC" if isinstance(c_env.get('init_flags'), int) else "init", "ld_init", "raw_init"),
        ("upsert script, applied ÷ HGET same item", "ld_upsert_script_applied", "raw_hget_upsert_item"),
        ("upsert script, rejected ÷ HGET same item", "ld_upsert_script_rejected", "raw_hget_upsert_item"),
        ("upsert script, applied ÷ raw EVALSHA same script", "ld_upsert_script_applied", "raw_evalsha_applied"),
        ("upsert script, rejected ÷ raw EVALSHA same script", "ld_upsert_script_rejected", "raw_evalsha_rejected"),
        ("raw EVALSHA (applied) ÷ HGET same item", "raw_evalsha_applied", "raw_hget_upsert_item"),
        ("upsert WATCH, applied ÷ HGET same item", "ld_upsert_watch_applied", "raw_hget_upsert_item"),
        ("upsert WATCH, rejected ÷ HGET same item", "ld_upsert_watch_rejected", "raw_hget_upsert_item"),
        ("raw HSET ÷ HGET same item", "raw_hset", "raw_hget_upsert_item"),
        ("initialized, cache off ÷ EXISTS", "ld_initialized_off", "raw_exists"),
        ("initialized, cached ÷ EXISTS", "ld_initialized_hit", "raw_exists"),
    ]
    L += md_table(["ldredis ÷ reference", "ldredis median", "p99", "reference median", "p99",
                   "ratio (medians)", "ratio (p99s)", "per-round ratio range"],
                  pair_rows(run, run.c, c_pairs, invert=False))
    L.append("")
    L.append(f"Upserts write a copy of a median-size flag ({c_env.get('upsert_item_bytes', '?')} bytes); "
             f"the raw EVALSHA case runs ldredis's own script (SHA {c_env.get('upsert_script_sha', '?')[:12]}…, taken with "
             "MONITOR from the library's first upsert) on the same server, so "
             "ldredis ÷ EVALSHA is what the library adds and EVALSHA ÷ HGET what the script costs Redis.")
    L.append("")

    L.append("### C threads: gets on one shared store, total ops/s")
    L.append("")
    rows = []
    for name, label in (("ld_get_hit", "ldredis get, cache hit"), ("ld_get_off", "ldredis get, cache off"),
                        ("raw_hget", "raw hiredis HGET, a connection per thread"),
                        ("cpu_spin", "control: CPU-only loop, no library")):
        t1, t2, t8 = run.ct(f"{name}_t1"), run.ct(f"{name}_t2"), run.ct(f"{name}_t8")
        if t1 is None:
            continue
        rows.append([label, fmt_ops(t1), fmt_ops(t2), fmt_ops(t8), fmt_ratio(div(t2, t1)), fmt_ratio(div(t8, t1))])
    L += md_table(["operation", "1 thread", "2 threads", "8 threads", "2t ÷ 1t", "8t ÷ 1t"], rows)
    L.append("")
    L.append(f"{c_env.get('cpus', '?')} CPUs; the control row is the most this machine gave two threads in this run.")
    L.append("")

    L.append("## Python: ldredis.launchdarkly against the SDK's ldclient.integrations.Redis")
    L.append("")
    if run.py.get("series", {}).get("sdk_get_off"):
        p_pairs = [
            ("get, cache off", "ld_get_off", "sdk_get_off"),
            ("get, cache hit", "ld_get_hit", "sdk_get_hit"),
            ("all 1,000 flags, cache off", "ld_all_off", "sdk_all_off"),
            (f"init {py_env.get('init_flags', '?'):,} flags, cache off" if isinstance(py_env.get('init_flags'), int) else "init", "ld_init", "sdk_init"),
            ("upsert, applied, cache off", "ld_upsert_applied", "sdk_upsert_applied"),
            ("upsert, rejected, cache off", "ld_upsert_rejected", "sdk_upsert_rejected"),
            ("upsert (ldredis WATCH mode), applied", "ld_upsert_watch_applied", "sdk_upsert_applied"),
            ("initialized", "ld_initialized", "sdk_initialized"),
        ]
        L += md_table(["operation", "ldredis median", "p99", "SDK median", "p99", "SDK ÷ ldredis (medians)",
                       "(p99s)", "per-round range"], pair_rows(run, run.py, p_pairs, invert=True))
        L.append("")
        floor = run.cs("raw_hget")
        if floor and run.ps("sdk_get_off"):
            L.append(f"For scale: one raw hiredis HGET from C took {fmt_ns(floor)} (median) in this run, so no "
                     f"store can make a cache-off Python get more than {fmt_ratio(div(run.ps('sdk_get_off'), floor))}× "
                     f"faster than the SDK's {fmt_ns(run.ps('sdk_get_off'))} here; ldredis's Python get, cache off, "
                     f"is {fmt_ratio(div(run.ps('ld_get_off'), floor))}× that HGET.")
            L.append("")
        rows = []
        for name, label in (("get_off", "get, cache off"), ("get_hit", "get, cache hit")):
            a1, a8 = run.pt(f"ld_{name}_t1"), run.pt(f"ld_{name}_t8")
            b1, b8 = run.pt(f"sdk_{name}_t1"), run.pt(f"sdk_{name}_t8")
            if a1 is None:
                continue
            rows.append([label, fmt_ops(a1), fmt_ops(a8), fmt_ops(b1), fmt_ops(b8), fmt_ratio(div(a1, b1)), fmt_ratio(div(a8, b8))])
        L.append("### Python threads: total ops/s")
        L.append("")
        L += md_table(["operation", "ldredis 1 thread", "ldredis 8 threads", "SDK 1 thread", "SDK 8 threads",
                       "ldredis ÷ SDK, 1 thread", "ldredis ÷ SDK, 8 threads"], rows)
        L.append("")
    else:
        rows = [[k, fmt_ns(v.get("median")), fmt_ns(v.get("p99"))] for k, v in run.py.get("series", {}).items()]
        L += md_table(["case", "median", "p99"], rows)
        L.append("")

    L += tls_section(run)

    L.append("## Lua: the FFI module (bindings/lua/ldredis.lua)")
    L.append("")
    if run.lua.get("series"):
        rows = []
        for label, name, ffi, cname in (("get, cache off", "lua_get_off", "ffi_get_off", "ld_get_off"),
                                        ("get, cache hit", "lua_get_hit", "ffi_get_hit", "ld_get_hit"),
                                        ("all 1,000 flags, cache off", "lua_all_off", "ffi_all_off", "ld_all_off")):
            rows.append([label, fmt_ns(run.ls(name)), fmt_ns(run.ls(name, "p99")), fmt_ns(run.ls(ffi)),
                         fmt_ratio(div(run.ls(name), run.ls(ffi))), fmt_ns(run.cs(cname)),
                         fmt_ratio(div(run.ls(name), run.cs(cname)))])
        L += md_table(["operation", "module median", "p99", "direct FFI call (same process)", "module ÷ direct",
                       "C (ldbench)", "module ÷ C"], rows)
        L.append("")
        L.append("`direct FFI call` is the same C function called straight through ffi in the same LuaJIT "
                 "process (+ ffi.string + ldredis_free): module ÷ direct is what the module's wrapper adds.")
    else:
        L.append("Skipped: " + "; ".join(run.lua.get("notes", [])))
    L.append("")

    L.append("## Memory")
    L.append("")
    if "rss_after_kb" in run.mem:
        m = run.mem
        grow = (m["rss_after_kb"] - m["rss_before_kb"]) * 1024
        L += md_table(["flags cached", "their JSON", "resident before", "resident after", "growth", "growth ÷ JSON"],
                      [[f"{m['flags']:,}", f"{m['json_bytes'] / 2**20:.1f} MiB", f"{m['rss_before_kb'] / 1024:.1f} MiB",
                        f"{m['rss_after_kb'] / 1024:.1f} MiB", f"{grow / 2**20:.1f} MiB",
                        fmt_ratio(div(grow, m["json_bytes"]))]])
        L.append("")
        L.append("A C process with an infinite-TTL store reads every flag once (each get a cache miss that "
                 "fills the cache); resident size (VmRSS) before and after. A second pass was all cache hits "
                 f"(resident after it: {m.get('rss_after_second_pass_kb', 0) / 1024:.1f} MiB).")
    else:
        L.append("Not measured: " + "; ".join(run.mem.get("notes", [])))
    L.append("")

    L += cluster_section(run)

    notes = (list(meta.get("notes", [])) + run.py.get("notes", []) + run.lua.get("notes", []) + run.c.get("notes", [])
             + run.cluster.get("notes", []))
    if notes:
        L.append("## Notes")
        L.append("")
        L += [f"- {n}" for n in notes]
        L.append("")
    L.append("How to read this, and what each case does: [bench/README.md](../README.md).")
    L.append("")
    return "\n".join(L)


def cluster_section(run: Run) -> List[str]:
    """The same store on a Redis Cluster (3 masters + 3 replicas on loopback) and on the
    standalone server, measured in turn."""
    L = ["## Redis Cluster: the same store through redis-cluster:// and through the standalone server", ""]
    if not run.cluster.get("series"):
        return L + ["Not measured: no cluster in this run.", ""]
    pairs = [
        ("get, cache off: cluster ÷ standalone (in turn, op by op)", "cluster_get_off", "standalone_get_off"),
        (f"init {run.cluster.get('env', {}).get('init_flags', '?'):,} flags: cluster ÷ standalone (in turn)"
         if isinstance(run.cluster.get("env", {}).get("init_flags"), int) else "init", "cluster_init", "standalone_init"),
    ]
    L += md_table(["C, ldredis", "cluster median", "p99", "standalone median", "p99", "ratio (medians)",
                   "ratio (p99s)", "per-round ratio range"], pair_rows(run, run.cluster, pairs, invert=False))
    L.append("")
    L.append("A cluster of 3 masters and 3 replicas (`scripts/redis-cluster.sh`, `cluster-enabled yes`, no "
             "persistence) beside the standalone server, on loopback; the cluster store's keys are "
             "`{ld}.benchcl:…`, all in the slot of `{ld}`, so every operation goes to that slot's master. "
             "The ratio is what cluster mode costs: ldredis's routing and Redis's own cluster-enabled "
             "command path.")
    L.append("")
    return L


def tls_section(run: Run) -> List[str]:
    """TLS against plain TCP on the same server (its TLS port), and the handshake counts."""
    L = ["## TLS: the same server's TLS port (rediss://, a test CA, EC P-256 certificate)", ""]
    if not run.c.get("env", {}).get("tls"):
        return L + ["Not measured: the run had no TLS port.", ""]
    c_pairs = [
        ("get, cache off: TLS ÷ plain TCP (in turn, op by op)", "ld_get_off_tls", "ld_get_off_paired"),
        ("get, cache off over TLS ÷ raw hiredis HGET (plain TCP, own blocks)", "ld_get_off_tls", "raw_hget"),
        ("store creation + first get: TLS (full handshake) ÷ plain TCP", "ld_open_first_tls", "ld_open_first"),
    ]
    L += md_table(["C, ldredis", "TLS median", "p99", "plain median", "p99", "ratio (medians)",
                   "ratio (p99s)", "per-round ratio range"], pair_rows(run, run.c, c_pairs, invert=False))
    L.append("")
    L.append("Raw hiredis has no TLS here (Debian's hiredis 0.14 is built without it), so the TLS "
             "baseline is ldredis over plain TCP, measured in the same rounds and in turn with it, op "
             "by op (TLS then plain, plain then TLS, ..., the same key for both): on this shared VM the "
             "loopback round trip has two modes (busy vCPU, idle vCPU waking up) that change within "
             "seconds, and separate blocks can land in different modes. Store "
             "creation + first get: a new store (the CA file read into its own TLS context) and its "
             "first get, cache off, which connects (over TLS: a full handshake, as a new store has no "
             "session to resume); freeing the store is not timed.")
    L.append("")
    py = run.py.get("series", {})
    if py.get("ld_get_off_tls") and py.get("sdk_get_off_tls"):
        p_pairs = [("get, cache off, over TLS", "ld_get_off_tls", "sdk_get_off_tls")]
        L += md_table(["Python", "ldredis median", "p99", "SDK median", "p99", "SDK ÷ ldredis (medians)",
                       "(p99s)", "per-round range"], pair_rows(run, run.py, p_pairs, invert=True))
        L.append("")
        rows = []
        for label, name in (("ldredis drop-in", "ld_get_off"), ("SDK (redis-py)", "sdk_get_off")):
            tls = run.ps(name + "_tls_blocks")
            rows.append([label, fmt_ns(tls), fmt_ns(run.ps(name)), fmt_ratio(div(tls, run.ps(name))),
                         fmt_ns(run.ps(name + "_tls"))])
        L += md_table(["Python get, cache off", "over TLS", "plain TCP", "TLS ÷ plain",
                       "over TLS, in turn with the other store"], rows)
        L.append("")
        L.append('Both created as users create them: `url="rediss://…"`, '
                 '`redis_opts={"ssl_ca_certs": CA}`, `CacheConfig.disabled()`. The target compares them '
                 'measured in turn, op by op, on the same keys (the first table); TLS ÷ plain compares '
                 'each store in its own blocks, as the plain TCP gets are measured.')
        floor, sdk = run.cs("ld_get_off_tls"), run.ps("sdk_get_off_tls")
        if floor and sdk:
            L.append(f"For scale: the C get over TLS took {fmt_ns(floor)} (median) in this run, so no "
                     f"store could make a TLS get from Python more than {fmt_ratio(div(sdk, floor))}× "
                     f"faster than the SDK's {fmt_ns(sdk)} here.")
        L.append("")
    elif py.get("ld_store_get_off_tls"):
        L.append(f"Python (no SDK installed): ldredis.Store.get_raw over TLS, cache off: "
                 f"{fmt_ns(run.ps('ld_store_get_off_tls'))} median.")
        L.append("")
    hs = handshake_runs(run)
    if hs:
        L += md_table(["threads", "gets, cache off", "connections the server received (TLS handshakes)",
                       "at most (min(threads, pool 16))", "time"],
                      [[str(h["threads"]), f"{h['gets']:,}", str(h["connections"]), str(h["pool_bound"]),
                        "–" if h["seconds"] is None else f"{h['seconds']:.2f} s"] for h in hs])
        L.append("")
        L.append("One new store per row; the server's `total_connections_received` (INFO stats, read "
                 "with `redis-cli --tls`) before and after, minus the redis-cli connection that read it.")
        L.append("")
    return L


def svg(tg: List[Dict[str, Any]], title: str) -> str:
    """Horizontal bars on a log scale, each from 1× to the measured ratio, with the goal marked;
    green when the goal is met, red when missed, grey when not measured."""
    rows = [t for t in tg]
    left, right, top, row_h = 300, 170, 56, 30
    width = 980
    plot_w = width - left - right
    height = top + row_h * len(rows) + 50
    values = [t["ratio"] for t in rows if t["ratio"]] + [t["goal"] for t in rows] + [1.0]
    lo = 10 ** math.floor(math.log10(min(values)))
    hi = 10 ** math.ceil(math.log10(max(values)))
    if hi / lo < 100:
        hi = lo * 100

    def x(v: float) -> float:
        return left + plot_w * (math.log10(v) - math.log10(lo)) / (math.log10(hi) - math.log10(lo))

    esc = lambda s: s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")  # noqa: E731
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" font-family="Helvetica, Arial, sans-serif" font-size="13">',
           f'<rect width="{width}" height="{height}" fill="white"/>',
           f'<text x="{width / 2}" y="22" text-anchor="middle" font-size="16" font-weight="bold">{esc(title)}</text>',
           f'<text x="{width / 2}" y="40" text-anchor="middle" fill="#555">ratio measured in one run (log scale); '
           'the black tick is the goal; green met, red missed</text>']
    d = lo
    while d <= hi * 1.0001:
        xv = x(d)
        out.append(f'<line x1="{xv:.1f}" y1="{top - 6}" x2="{xv:.1f}" y2="{top + row_h * len(rows)}" '
                   f'stroke="{"#999" if abs(d - 1) < 1e-9 else "#e3e3e3"}"/>')
        label = f"{d:g}×" if d >= 1 else f"1/{1 / d:g}"
        out.append(f'<text x="{xv:.1f}" y="{top + row_h * len(rows) + 18}" text-anchor="middle" fill="#555">{label}</text>')
        d *= 10
    for i, t in enumerate(rows):
        y = top + i * row_h
        out.append(f'<text x="{left - 10}" y="{y + row_h / 2 + 4}" text-anchor="end">{esc(t["target"])}</text>')
        r = t["ratio"]
        if r:
            x0, x1 = sorted((x(1.0), x(max(min(r, hi), lo))))
            color = "#2e9e44" if t["met"] else "#d0342c"
            out.append(f'<rect x="{x0:.1f}" y="{y + 6}" width="{max(x1 - x0, 1.5):.1f}" height="{row_h - 12}" fill="{color}"/>')
            short = f"1/{1 / r:.0f}" if r < 0.1 else fmt_ratio(r)
            out.append(f'<text x="{width - right + 8}" y="{y + row_h / 2 + 4}">{esc(short)} '
                       f'(goal {esc(goal_text(t))})</text>')
        else:
            out.append(f'<text x="{width - right + 8}" y="{y + row_h / 2 + 4}" fill="#999">not measured</text>')
        gx = x(t["goal"])
        out.append(f'<line x1="{gx:.1f}" y1="{y + 2}" x2="{gx:.1f}" y2="{y + row_h - 2}" stroke="black" stroke-width="3"/>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--raw", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--command", default="bench/run.sh")
    ap.add_argument("--started", default="?")
    ap.add_argument("--elapsed", default="?")
    ap.add_argument("--note", action="append", default=[])
    args = ap.parse_args()

    run = Run(args.raw)
    tg = targets(run)
    meta = {"command": args.command, "started": args.started, "elapsed": args.elapsed,
            "machine": machine(), "notes": args.note, "redis": run.redis_version}
    md = markdown(run, tg, meta)
    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "latest.md"), "w", encoding="utf-8") as f:
        f.write(md)
    with open(os.path.join(args.out, "latest.json"), "w", encoding="utf-8") as f:
        json.dump({"meta": meta, "targets": tg, "reported": reported(run), "tls_handshakes": handshake_runs(run),
                   "c": run.c, "cluster": run.cluster, "reshard": run.reshard, "memory": run.mem, "tls": run.tls, "python": run.py, "lua": run.lua},
                  f, indent=1)
        f.write("\n")
    quick = bool(run.c.get("env", {}).get("quick"))
    title = "ldredis: target ratios" + (" (quick mode, not meaningful)" if quick else f" ({args.started[:10]})")
    with open(os.path.join(args.out, "ratios.svg"), "w", encoding="utf-8") as f:
        f.write(svg(tg, title))
    sys.stdout.write(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
