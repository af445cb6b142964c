#!/usr/bin/env python3
"""Generates the benchmark data sets: realistic LaunchDarkly flags and segments, fixed seed.

    python3 bench/gen_data.py OUTDIR [N ...]        (default N: 1000 10000)

For each N it writes, in OUTDIR:

- ``data-N.json``: all data in the format LaunchDarkly serves (and ldredis_store_init_json
  takes): ``{"flags": {key: flag}, "segments": {key: segment}}``, compact JSON, N flags and
  N/10 segments;
- ``data-N.tsv``: the same items, one per line, ``kind<TAB>key<TAB>json`` (kind is the Redis
  namespace: ``features`` or ``segments``), byte for byte the JSON in data-N.json, for the raw
  hiredis side of the C benchmark (which has no JSON parser).

Each flag's JSON is 500-2000 bytes (uniform target size), with the parts real flags have:
variations, individual targets, rules with clauses and rollouts, prerequisites, a fallthrough
rollout, client-side availability. Segments carry included/excluded keys and rules. The seed
is fixed (and derived from N), so the files are the same on every machine and every run.
"""

from __future__ import annotations

import json
import os
import random
import string
import sys
from typing import Any, Dict, List

SEED = 20240601
ATTRIBUTES = ["email", "country", "plan", "region", "appVersion", "deviceType", "tenantId",
              "beta", "createdAt", "language", "browser", "org"]
OPS = ["in", "endsWith", "startsWith", "matches", "contains", "lessThan", "greaterThan",
       "semVerGreaterThan", "before", "after", "segmentMatch"]
WORDS = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india",
         "juliet", "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo",
         "sierra", "tango", "uniform", "victor", "whiskey", "xray", "yankee", "zulu"]


def compact(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def ident(rng: random.Random, n: int = 8) -> str:
    return "".join(rng.choice(string.ascii_lowercase + string.digits) for _ in range(n))


def uuid(rng: random.Random) -> str:
    h = "%032x" % rng.getrandbits(128)
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def variations(rng: random.Random) -> List[Any]:
    kind = rng.random()
    if kind < 0.55:
        return [True, False]
    if kind < 0.8:
        return [f"{rng.choice(WORDS)}-{ident(rng, 4)}" for _ in range(rng.randint(2, 4))]
    if kind < 0.9:
        return [rng.randint(0, 1000) for _ in range(rng.randint(2, 4))]
    return [{"color": rng.choice(WORDS), "size": rng.randint(1, 64), "enabled": rng.random() < 0.5}
            for _ in range(rng.randint(2, 3))]


def rollout(rng: random.Random, nvar: int) -> Dict[str, Any]:
    weights = [rng.randint(0, 100) for _ in range(nvar)]
    total = sum(weights) or 1
    scaled = [w * 100000 // total for w in weights]
    scaled[0] += 100000 - sum(scaled)
    return {"variations": [{"variation": i, "weight": w} for i, w in enumerate(scaled)],
            "bucketBy": "key", "contextKind": "user"}


def clause(rng: random.Random, segment_keys: List[str]) -> Dict[str, Any]:
    op = rng.choice(OPS)
    if op == "segmentMatch" and segment_keys:
        return {"contextKind": "user", "attribute": "segmentMatch", "op": op,
                "values": rng.sample(segment_keys, min(len(segment_keys), rng.randint(1, 2))),
                "negate": False}
    if op == "segmentMatch":
        op = "in"
    attribute = rng.choice(ATTRIBUTES)
    values: List[Any]
    if op in ("lessThan", "greaterThan"):
        values = [rng.randint(0, 10000)]
    elif op == "semVerGreaterThan":
        values = [f"{rng.randint(1, 9)}.{rng.randint(0, 20)}.{rng.randint(0, 50)}"]
    elif op in ("before", "after"):
        values = [1700000000000 + rng.randint(0, 10**10)]
    else:
        values = [f"{rng.choice(WORDS)}{ident(rng, 3)}" for _ in range(rng.randint(1, 4))]
    return {"contextKind": "user", "attribute": attribute, "op": op, "values": values,
            "negate": rng.random() < 0.1}


def flag(rng: random.Random, index: int, segment_keys: List[str], flag_keys: List[str]) -> Dict[str, Any]:
    key = f"flag-{index:05d}-{rng.choice(WORDS)}-{ident(rng, 4)}"
    target = rng.randint(500, 2000)
    vars_ = variations(rng)
    n = len(vars_)
    item: Dict[str, Any] = {
        "key": key,
        "version": rng.randint(1, 500),
        "on": rng.random() < 0.8,
        "prerequisites": [],
        "salt": "%032x" % rng.getrandbits(128),
        "targets": [],
        "contextTargets": [],
        "rules": [],
        "fallthrough": {"variation": rng.randrange(n)},
        "offVariation": rng.randrange(n),
        "variations": vars_,
        "clientSideAvailability": {"usingMobileKey": rng.random() < 0.3,
                                   "usingEnvironmentId": rng.random() < 0.3},
        "clientSide": False,
        "trackEvents": rng.random() < 0.1,
        "trackEventsFallthrough": False,
        "debugEventsUntilDate": None,
        "deleted": False,
    }
    if rng.random() < 0.15 and flag_keys:
        item["prerequisites"] = [{"key": rng.choice(flag_keys), "variation": 0}]
    if rng.random() < 0.4:
        item["fallthrough"] = {"rollout": rollout(rng, n)}
    # Grow the flag with the parts real flags grow by, until it reaches its target size.
    while len(compact(item)) < target:
        r = rng.random()
        if r < 0.45:
            item["rules"].append({
                "id": uuid(rng),
                "clauses": [clause(rng, segment_keys) for _ in range(rng.randint(1, 3))],
                "trackEvents": False,
                **({"variation": rng.randrange(n)} if rng.random() < 0.7
                   else {"rollout": rollout(rng, n)}),
            })
        elif r < 0.8:
            variation = rng.randrange(n)
            for t in item["targets"]:
                if t["variation"] == variation:
                    t["values"].append(f"user-{ident(rng, 10)}")
                    break
            else:
                item["targets"].append({"values": [f"user-{ident(rng, 10)}"], "variation": variation})
        else:
            item["contextTargets"].append({"contextKind": rng.choice(["org", "device"]),
                                           "values": [ident(rng, 12) for _ in range(rng.randint(1, 3))],
                                           "variation": rng.randrange(n)})
    # Trim to at most 2000 bytes by dropping the last growth (rules first, then targets).
    while len(compact(item)) > 2000:
        if item["contextTargets"]:
            item["contextTargets"].pop()
        elif item["rules"]:
            item["rules"].pop()
        elif item["targets"] and len(item["targets"][-1]["values"]) > 1:
            item["targets"][-1]["values"].pop()
        elif item["targets"]:
            item["targets"].pop()
        else:
            break
    while len(compact(item)) < 500:  # a trim can undershoot: pad with targets
        item["targets"].append({"values": [f"user-{ident(rng, 10)}"], "variation": 0})
    return item


def segment(rng: random.Random, index: int) -> Dict[str, Any]:
    key = f"segment-{index:05d}-{rng.choice(WORDS)}"
    return {
        "key": key,
        "version": rng.randint(1, 200),
        "included": [f"user-{ident(rng, 10)}" for _ in range(rng.randint(0, 12))],
        "excluded": [f"user-{ident(rng, 10)}" for _ in range(rng.randint(0, 4))],
        "includedContexts": [],
        "excludedContexts": [],
        "rules": [{"id": uuid(rng), "clauses": [clause(rng, []) for _ in range(rng.randint(1, 2))]}
                  for _ in range(rng.randint(0, 3))],
        "salt": "%032x" % rng.getrandbits(128),
        "unbounded": False,
        "generation": None,
        "deleted": False,
    }


def generate(n_flags: int) -> Dict[str, Dict[str, Any]]:
    rng = random.Random(SEED * 100003 + n_flags)
    segments: Dict[str, Any] = {}
    for i in range(max(1, n_flags // 10)):
        s = segment(rng, i)
        segments[s["key"]] = s
    segment_keys = list(segments)
    flags: Dict[str, Any] = {}
    keys: List[str] = []
    for i in range(n_flags):
        f = flag(rng, i, segment_keys, keys[-50:])
        flags[f["key"]] = f
        keys.append(f["key"])
    return {"flags": flags, "segments": segments}


def write(outdir: str, n_flags: int) -> None:
    data = generate(n_flags)
    base = os.path.join(outdir, f"data-{n_flags}")
    with open(base + ".json.tmp", "w", encoding="utf-8") as f:
        f.write(compact(data))
    with open(base + ".tsv.tmp", "w", encoding="utf-8") as f:
        for kind, namespace in (("flags", "features"), ("segments", "segments")):
            for key, item in data[kind].items():
                f.write(f"{namespace}\t{key}\t{compact(item)}\n")
    os.replace(base + ".json.tmp", base + ".json")
    os.replace(base + ".tsv.tmp", base + ".tsv")
    sizes = [len(compact(v).encode()) for v in data["flags"].values()]
    print(f"gen_data: {base}.json: {n_flags} flags ({min(sizes)}-{max(sizes)} bytes, "
          f"mean {sum(sizes) // len(sizes)}), {len(data['segments'])} segments", file=sys.stderr)


def main(argv: List[str]) -> int:
    if len(argv) < 2:
        print(__doc__, file=sys.stderr)
        return 2
    outdir = argv[1]
    counts = [int(a) for a in argv[2:]] or [1000, 10000]
    os.makedirs(outdir, exist_ok=True)
    for n in counts:
        write(outdir, n)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
