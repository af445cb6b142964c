#!/usr/bin/env python3
"""Sentinel failover, measured: N manual failovers (SENTINEL FAILOVER) under a loop of upserts
(cache off), each to a key of its own, the next failover once the new master has a replica in
sync. Run under scripts/with-sentinel.sh with the staged
library on LDREDIS_LIBRARY:

    LDREDIS_LIBRARY=build/stage/lib/libldredis.so PYTHONPATH=bindings/python \\
        bash scripts/with-sentinel.sh python3 bench/sentinel/failover.py [N]

For each failover it records, from the moment SENTINEL FAILOVER returned: when the sentinel
published +switch-master (Sentinel's own switch time), and when the first upsert succeeded on
the new master (ldredis's). It prints both medians, what ldredis added (the median of the
per-failover differences), the upserts that failed, and the acknowledged writes missing from
the final master (must be 0)."""

from __future__ import annotations

import os
import socket
import statistics
import sys
import threading
import time
from typing import List, Optional

import ldredis

SENTINEL = int(os.environ["LDREDIS_SENTINEL_PORT"])
URL = os.environ["LDREDIS_SENTINEL_URL"]
NAME = os.environ["LDREDIS_SENTINEL_MASTER"]


def command(port: int, *args: str) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"*%d\r\n" % len(args) + b"".join(
            b"$%d\r\n%s\r\n" % (len(a.encode()), a.encode()) for a in args))
        return s.recv(65536)


class SwitchWatcher(threading.Thread):
    """Subscribes to +switch-master on the sentinel; records when each event arrived."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.events: List[float] = []
        self.sock = socket.create_connection(("127.0.0.1", SENTINEL))
        self.sock.sendall(b"*2\r\n$9\r\nSUBSCRIBE\r\n$14\r\n+switch-master\r\n")
        self.sock.recv(4096)  # the subscription's confirmation

    def run(self) -> None:
        while True:
            data = self.sock.recv(65536)
            if not data:
                return
            if b"+switch-master" in data:
                self.events.append(time.monotonic())


def main() -> int:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    t0 = time.monotonic()
    store = ldredis.Store(URL, "failover-bench", cache_ttl=0, operation_timeout=2.0)
    watcher = SwitchWatcher()
    watcher.start()
    acked: List[str] = []
    failed = 0
    n = 0
    sentinel_ms: List[float] = []
    ldredis_ms: List[float] = []
    added_ms: List[float] = []
    where = {}

    def upsert() -> Optional[str]:
        """One upsert to a new key; the master it went to when it succeeded."""
        nonlocal n, failed
        n += 1
        key = f"k{n}"
        try:
            store.upsert("features", key, {"key": key, "version": 1})
        except ldredis.Error:
            failed += 1
            return None
        acked.append(key)
        d = store.describe()
        m = d["master"]
        where[key] = (m, time.monotonic(), d["master_replicas"])
        return m

    for _ in range(rounds):
        for _ in range(20):  # steady state first
            upsert()
        before = store.describe()["master"]
        events = len(watcher.events)
        while True:
            reply = command(SENTINEL, "SENTINEL", "FAILOVER", NAME)
            if reply.startswith(b"+OK"):
                break
            time.sleep(0.05)  # the previous failover is still settling
        started = time.monotonic()
        first: Optional[float] = None
        while first is None or len(watcher.events) == events:
            master = upsert()
            if first is None and master is not None and master != before:
                first = time.monotonic()
            time.sleep(0.002)
            if time.monotonic() - started > 60:
                print("a failover did not complete within 60 s", file=sys.stderr)
                return 1
        switched = watcher.events[events]
        sentinel_ms.append((switched - started) * 1000)
        ldredis_ms.append((first - started) * 1000)
        added_ms.append((first - switched) * 1000)
        print(f"failover: +switch-master after {sentinel_ms[-1]:.0f} ms, first upsert on the new "
              f"master after {ldredis_ms[-1]:.0f} ms ({added_ms[-1]:+.0f} ms)")
        # As an operator would: the next failover only once the new master has a replica in
        # sync again (the demoted master, reconfigured by Sentinel). A failover before that
        # may promote a replica that lacks writes the master acknowledged alone (see README).
        new_port = int(store.describe()["master"].rsplit(":", 1)[1])
        while b"state=online" not in command(new_port, "INFO", "replication"):
            upsert()
            time.sleep(0.01)
            if time.monotonic() - switched > 60:
                print("the demoted master did not come back as a replica within 60 s", file=sys.stderr)
                return 1

    master = store.describe()["master"]
    host, port = master.rsplit(":", 1)
    missing = [k for k in acked if command(int(port), "HEXISTS", "failover-bench:features", k)
               != b":1\r\n"]
    store.close()
    if missing:
        for k in missing[:5]:
            print(f"lost: {k}, acknowledged by {where[k][0]} at {where[k][1] - t0:.3f} s "
                  f"(replicas known then: {where[k][2]})")
    print(f"\n{rounds} failovers, {len(acked)} upserts acknowledged, {failed} failed")
    print(f"median from SENTINEL FAILOVER: +switch-master {statistics.median(sentinel_ms):.0f} ms, "
          f"first upsert on the new master {statistics.median(ldredis_ms):.0f} ms")
    print(f"median added by ldredis to Sentinel's switch: {statistics.median(added_ms):.0f} ms "
          f"(target <= 250 ms)")
    print(f"acknowledged writes missing from the final master: {len(missing)}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
