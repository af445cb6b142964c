#!/usr/bin/env python3
"""Hand-picked differential cases: edges that random generation reaches rarely or not at all,
then every operator against every value of the generator's pools (about 11,000 pairs), each
compared like diff.py does (ldredis_evaluate / ldredis_all_flags_state against LDClient over
the SDK's Redis store). Prints one line per case, the two results for each difference, and exits
1 if any case differs.

    python3 Tests/eval/cases.py [--library PATH] [--only SUBSTRING]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any, Dict, List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import diff  # noqa: E402

NO_BIG = {"sync": "fresh", "include": {}, "exclude": {}, "wrongtype": []}


def flag(**members: Any) -> Dict[str, Any]:
    f = {"key": "f", "version": 1, "on": True, "variations": ["a", "b"], "fallthrough": {"variation": 1}}
    f.update(members)
    return f


def rule_flag(op: str, values: List[Any], attribute: str = "a") -> Dict[str, Any]:
    """Variation 1 ("b") when the one clause matches, else the fallthrough, variation 0 ("a")."""
    return flag(fallthrough={"variation": 0},
                rules=[{"id": "r", "clauses": [{"attribute": attribute, "op": op, "values": values}], "variation": 1}])


def user(**attrs: Any) -> str:
    return json.dumps({"kind": "user", "key": "k", **attrs})


# (name, flags, context JSON text, mode: "eval" or "allN" for all_flags_state with options N)
Case = Tuple[str, Dict[str, Any], str, str]
CASES: List[Case] = []

# Operators on strings: code points, not canonical equivalence.
for op, values, value in [
        ("in", ["\u00e9"], "e\u0301"), ("in", ["e\u0301"], "\u00e9"), ("startsWith", ["e"], "e\u0301"),
        ("endsWith", ["\u0301"], "e\u0301"), ("contains", ["e"], "e\u0301x")]:
    CASES.append((f"{op} {values!r} on {value!r}", {"f": rule_flag(op, values)}, user(a=value), "eval"))

# Regexes: Python's re is the reference (search, Unicode str patterns, its own dialect).
for pattern, value in [
        ("^e$", "e\u0301"), ("^.$", "e\u0301"), ("(?i)ss", "\u00df"), ("(?i)\u01c6", "\u01c5"),
        ("\\w", "\u00e9"), ("\\d", "\u0663"), ("^\\s$", "\u00a0"), (".", "\n"),
        ("a$", "a\n"), ("^a$", "a\n"), ("gold\\Z", "gold\n"), ("gold\\Z", "gold"),
        ("\\p{L}+", "gold"), ("[[:alpha:]]", "gold"), ("[[:alpha:]]", "a]"), ("(?<=g)old", "gold"),
        ("(go)\\1", "gogo"), ("a++", "aa"), ("(?P<n>go)ld", "gold"), ("[", "["), ("a{2,1}", "aa"),
        ("^.$", "\r"), ("^.$", "\u2028"), ("^.$", "\u0085"), ("^.$", "\x0b"), ("^.$", "\x0c"), ("^a.b$", "a\r\nb"),
        ("^\\s$", "\x1c"), ("^\\s$", "\u200b"), ("^\\w$", "_"), ("^\\w$", "\u0301"), ("^\\w+$", "e\u0301"),
        ("^\\d$", "\u00b2"), ("\\bb", "\u00e9b"), ("(?i)k", "\u212a"), ("(?i)\u00e9", "\u00c9"),
        ("^[^a]$", "\U0001f642"), ("^.$", "\U0001f642"), ("^\\W$", "\U0001f642"), ("(?s)a.b", "a\nb"),
        ("(?m)^b", "a\nb"), ("(?x) g o l d ", "gold"), ("\\Agold", "gold"), ("[a-\\u00ff]", "\u00e9"),
        ("\\x67old", "gold"), ("\\u0067old", "gold"), ("\\N{LATIN SMALL LETTER G}old", "gold"), ("{1}", "{1}"),
        ("a{,2}b", "ab"), ("(?<n>go)", "gold"), ("\\G", "x"), ("(?#comment)gold", "gold")]:
    CASES.append((f"matches {pattern!r} on {value!r}", {"f": rule_flag("matches", [pattern])}, user(a=value), "eval"))

# Numbers, dates, semver.
for op, values, value in [
        ("in", [1], 1.0), ("in", [True], 1), ("in", [{"a": 1}], {"a": 1}), ("lessThan", [5], 4.999999999999999999),
        ("greaterThan", [5], 10 ** 400), ("lessThan", [10 ** 30], 10 ** 30 + 1),
        ("semVerEqual", ["1.2.3"], "1.2.3+other"), ("semVerLessThan", ["1.0.0"], "1.0.0-rc.1"),
        ("semVerEqual", ["1.2.0"], "1.2"), ("semVerEqual", ["1.0.0"], "1"), ("semVerEqual", ["1.2.3-beta"], "1.2-beta"),
        ("before", ["2020-01-01T00:00:00Z"], "2019-12-31T23:59:59.9999999Z"),
        ("after", [1577836800000], "2020-01-01T00:00:00.000001Z"),
        ("before", ["2020-01-01T00:00:00.001Z"], 1577836800001), ("after", ["2020-01-01T00:00:00.001Z"], 1577836800001),
        ("before", ["2020-01-01T00:00:00.001Z"], 1577836800000.9999), ("before", [10 ** 400], 5)]:
    CASES.append((f"{op} {json.dumps(values)[:40]} on {json.dumps(value)[:40]}", {"f": rule_flag(op, values)},
                  user(a=value), "eval"))

# A prerequisite whose evaluation raises (Python's OverflowError on float(10**400)): the whole
# evaluation fails with EXCEPTION, and all_flags_state then lists no prerequisites for the flag.
OVERFLOWING_PREREQ = {"f": flag(prerequisites=[{"key": "p", "variation": 0}]),
                      "p": dict(rule_flag("greaterThan", [5]), key="p")}
for mode in ("eval", "all0", "all1"):
    CASES.append((f"prerequisite raising EXCEPTION ({mode})", OVERFLOWING_PREREQ, user(a=10 ** 400), mode))

# Contexts: odd but valid JSON, as the SDK reads it.
KEY_RULES = flag(variations=["u", "o", "fall"], fallthrough={"variation": 2}, rules=[
    {"id": "r0", "clauses": [{"contextKind": "user", "attribute": "key", "op": "in", "values": ["a", "\ud800x"]}], "variation": 0},
    {"id": "r1", "clauses": [{"contextKind": "org", "attribute": "key", "op": "in", "values": ["a", "o"]}], "variation": 1},
    {"id": "r2", "clauses": [{"contextKind": "user", "attribute": "anonymous", "op": "in", "values": [False]}], "variation": 1}])
for text in [
        '{"kind":"multi","org":{"key":"a","kind":"user"}}', '{"kind":"multi","org":{"key":"a","kind":"user"},"user":{"key":"b"}}',
        '{"kind":"multi","user":{"key":"a"},"user":{"key":"b"}}', '{"kind":"user","key":"a","key":"b"}',
        '{"kind":"user","key":"a","_meta":null}', '{"kind":"user","key":"a","anonymous":null}',
        '{"kind":"user","key":"a","name":null}', '{"kind":"user","key":"\\ud800x"}', '{"key":"\\ud800x"}',
        '{"kind":"user","key":"a","kind":"org"}', '{"key":"a","kind":null}',
        '{"key":"a","custom":null,"anonymous":null,"privateAttributeNames":null}', '{"key":"a","secondary":"s"}',
        '{"key":"a","custom":{"anonymous":true}}', '{"key":"o","custom":{"_meta":1}}',
        '{"kind":"multi","user":{"key":"a","_meta":{"privateAttributes":null}}}',
        '{"kind":"user","key":"a","_meta":{"privateAttributes":["x"],"other":5}}',
        '{"kind":"multi","user":{"key":"a"},"org":{"key":"o"},"device":{}}',
        '{"kind":"multi","user":{"key":"a"},"org":{"key":"o","kind":"multi"}}',
        '{"kind":"multi","user":{"key":"a"},"user2":{"key":"o","kind":"user"}}',
        '{"kind":"user","key":""}', '{"key":""}', '{"kind":"user","key":"a","name":5}', '[]', 'null', '"user"']:
    CASES.append((f"context {text}", {"f": KEY_RULES}, text, "eval"))

# Stored items: members the SDK reads leniently or not at all, keys that disagree.
for name, flags in [
        ("clientSide \"yes\"", {"f": flag(clientSide="yes")}), ("clientSide 1", {"f": flag(clientSide=1)}),
        ("clientSide \"\"", {"f": flag(clientSide="")}), ("clientSide null", {"f": flag(clientSide=None)}),
        ("clientSideAvailability alone", {"f": flag(clientSideAvailability={"usingEnvironmentId": True})}),
        ("flag stored under another field than its key", {"f": flag(key="g")}),
        ("prerequisite stored under another key", {"f": flag(prerequisites=[{"key": "p", "variation": 0}]), "p": flag(key="f")}),
        ("version 2^53+1", {"f": flag(version=2 ** 53 + 1)}), ("version 0", {"f": flag(version=0)}),
        ("version negative", {"f": flag(version=-3)}),
        ("trackEvents null", {"f": flag(trackEvents=None, debugEventsUntilDate=None)}),
        ("debugEventsUntilDate a float in the future", {"f": flag(debugEventsUntilDate=32503680000000.5)}),
        ("variations null", {"f": flag(variations=None)}),
        ("rules, targets, prerequisites null", {"f": flag(rules=None, targets=None, prerequisites=None, contextTargets=None)}),
        ("fallthrough null", {"f": flag(fallthrough=None)}), ("off, offVariation null", {"f": flag(on=False, offVariation=None)}),
        ("rollout kind with untracked", {"f": flag(fallthrough={"rollout": {"kind": "rollout", "variations": [{"variation": 0, "weight": 100000, "untracked": True}]}})}),
        ("experiment seed null", {"f": flag(fallthrough={"rollout": {"kind": "experiment", "seed": None, "variations": [{"variation": 0, "weight": 100000}]}})})]:
    for mode in ("eval", "all1", "all2", "all5"):
        CASES.append((f"{name} ({mode})", flags, '{"kind":"user","key":"u"}', mode))

# A flag whose key is the empty string (stored by the SDK's init under the field ""): found by
# variation_detail("") and listed by all_flags_state.
for mode in ("eval:", "all1"):
    CASES.append((f"flag with the empty key ({mode})", {"": flag(key="")}, '{"kind":"user","key":"u"}', mode))


# Items the SDK cannot decode, or a JSON null, next to a good flag (raw HSET).
RAW_CASES = [("stored \"{\"", "{"), ("stored null", "null"), ("stored []", "[]"),
             ("stored without version", '{"key":"x"}'), ("stored offVariation \"1\"", '{"key":"x","version":1,"offVariation":"1"}'),
             ("stored variation 0.0", '{"key":"x","version":1,"on":true,"variations":[1],"fallthrough":{"variation":0.0}}')]


# segmentMatch on these segments (the flag's rule: segmentMatch with every key given).
SEGMENT_CASES = [
    ("segment with the empty key", {"": {"key": "", "version": 1, "included": ["u"]}}),
    ("segment included, no rules", {"s": {"key": "s", "version": 1, "included": ["u"]}}),
    ("segment excluded wins over rules", {"s": {"key": "s", "version": 1, "excluded": ["u"], "rules": [{"clauses": []}]}}),
    ("segment rule weight 0", {"s": {"key": "s", "version": 1, "rules": [{"clauses": [], "weight": 0}]}}),
    ("segment rule weight 100000", {"s": {"key": "s", "version": 1, "rules": [{"clauses": [], "weight": 100000}]}}),
    ("segment referencing itself", {"s": {"key": "s", "version": 1, "rules": [{"clauses": [{"attribute": "", "op": "segmentMatch", "values": ["s"]}]}]}}),
    ("unbounded segment without generation", {"s": {"key": "s", "version": 1, "unbounded": True, "included": ["u"]}}),
]


def run_case(h: diff.Harness, flags: Dict[str, Any], context: str, mode: str,
             raw: Optional[Dict[str, str]] = None, segments: Optional[Dict[str, Any]] = None) -> Tuple[Any, Any, List[str]]:
    ds = {"flags": flags, "segments": segments or {}, "raw_flags": raw or {}, "raw_segments": {}, "big": NO_BIG}
    mode, colon, key = mode.partition(":")
    case = (diff.Case("eval", context, key if colon else "f", "\"dflt\"") if mode == "eval"
            else diff.Case("all", context, options=int(mode[3:])))
    return diff.compare(h, ds, case)


def pairs(h: diff.Harness) -> Tuple[int, List[str]]:
    """Every operator against the generator's value pools, every clause value against every
    context value (one flag per operator and clause value, one context per value)."""
    import gen
    pools = {
        "date": gen.DATES_RFC + gen.DATES_MS, "semver": gen.SEMVERS,
        "number": gen.NUMBERS + gen.HUGE_NUMBERS + ["5", True], "string": gen.STRINGS + gen.KEYS[:6] + [5],
    }
    ops = {"before": "date", "after": "date", "semVerEqual": "semver", "semVerLessThan": "semver",
           "semVerGreaterThan": "semver", "lessThan": "number", "lessThanOrEqual": "number",
           "greaterThan": "number", "greaterThanOrEqual": "number", "in": "string",
           "startsWith": "string", "endsWith": "string", "contains": "string", "matches": "string"}
    flags: Dict[str, Any] = {}
    for op, kind in ops.items():
        for i, v in enumerate(gen.REGEXES if op == "matches" else pools[kind]):
            flags[f"{op}-{i}"] = dict(rule_flag(op, [v], attribute=kind), key=f"{op}-{i}")
    contexts = [user(**{kind: v}) for kind, values in pools.items() for v in values]
    ds = {"flags": flags, "segments": {}, "raw_flags": {}, "raw_segments": {}, "big": NO_BIG}
    ref, cand = h.open(ds)
    out: List[str] = []
    n = 0
    try:
        for context in contexts:
            kind = next(iter(k for k in json.loads(context) if k not in ("kind", "key")))
            for key in flags:
                if ops[key.rsplit("-", 1)[0]] != kind:
                    continue
                case = diff.Case("eval", context, key, "null")
                a, b = case.run(ref), case.run(cand)
                n += 1
                if diff.differences(a, b):
                    clause = flags[key]["rules"][0]["clauses"][0]
                    out.append(f"DIFF pair {clause['op']} {json.dumps(clause['values'][0], ensure_ascii=False)} on "
                               f"{json.dumps(json.loads(context)[kind], ensure_ascii=False)[:80]}: reference "
                               f"{a['reason']['kind']}, ldredis {b.get('reason', b)}")
    finally:
        ref.close()
        cand.close()
    return n, out


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--library", default=os.environ.get("LDREDIS_LIBRARY") or
                   os.path.join(diff.ROOT, "build", "stage", "lib", "libldredis.so"))
    p.add_argument("--only", default="", help="run the cases whose name contains this")
    args = p.parse_args()
    lib = diff.LdredisLib(args.library)
    if lib.missing:
        print(f"cases.py: {args.library} does not export {', '.join(lib.missing)}", file=sys.stderr)
        return 2
    diff.check_comparator()
    server = diff.RedisServer()
    failed = 0
    try:
        h = diff.Harness(server, "ldredis", lib)
        chosen = [(n, f, c, m, None, None) for n, f, c, m in CASES]
        for name, text in RAW_CASES:
            for key, mode in (("x", "eval"), ("f", "all0"), ("f", "all1")):
                chosen.append((f"{name} ({mode} {key})", {"f": flag()}, '{"kind":"user","key":"u"}',
                               mode + ("" if key == "f" else ":x"), {"x": text}, None))
        for name, segments in SEGMENT_CASES:
            chosen.append((name, {"f": rule_flag("segmentMatch", sorted(segments))}, '{"kind":"user","key":"u"}',
                           "eval", None, segments))
        chosen = [c for c in chosen if args.only in c[0]]
        for name, flags, context, mode, raw, segments in chosen:
            a, b, diffs = run_case(h, flags, context, mode, raw, segments)
            if diffs:
                failed += 1
                print(f"DIFF {name}\n  context:   {context}\n  flags:     {json.dumps(flags, ensure_ascii=False)}"
                      f"\n  reference: {json.dumps(a, ensure_ascii=False)}\n  ldredis:   {json.dumps(b, ensure_ascii=False)}")
            else:
                print(f"same {name}")
        n, pair_diffs = pairs(h) if not args.only else (0, [])
        for line in pair_diffs[:25]:
            print(line)
        if len(pair_diffs) > 25:
            print(f"... and {len(pair_diffs) - 25} more operator/value pairs")
        failed += len(pair_diffs)
        print(f"cases.py: {failed - len(pair_diffs)} of {len(chosen)} cases and {len(pair_diffs)} of {n} "
              f"operator/value pairs differ")
    finally:
        server.stop()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
