"""The evaluation benchmark's data (bench/eval): the issue's flag — a prerequisite, 3 rules with
5 clauses (one segmentMatch, one matches) and a percentage rollout — its prerequisite, a segment,
and the contexts. Imported by eval_bench.py; `python3 data.py` prints the all-data JSON."""

import json

FLAG = {
    "key": "bench-flag", "version": 7, "on": True, "salt": "bench-salt",
    "variations": ["control", "treatment-a", "treatment-b", "treatment-c"],
    "offVariation": 0,
    "prerequisites": [{"key": "bench-prereq", "variation": 1}],
    "targets": [{"variation": 3, "values": ["vip-1", "vip-2"]}],
    "rules": [
        {"id": "rule-email", "variation": 1, "clauses": [
            {"attribute": "email", "op": "endsWith", "values": ["@internal.example"]},
            {"attribute": "email", "op": "matches", "values": ["^[a-z]+\\.[a-z]+@"]}]},
        {"id": "rule-segment", "variation": 2, "clauses": [
            {"attribute": "key", "op": "segmentMatch", "values": ["bench-segment"]},
            {"attribute": "plan", "op": "in", "values": ["gold", "platinum"]}]},
        {"id": "rule-country", "variation": 3, "clauses": [
            {"attribute": "country", "op": "in", "values": ["zz"]}]},
    ],
    "fallthrough": {"rollout": {"variations": [
        {"variation": 0, "weight": 50000}, {"variation": 1, "weight": 25000},
        {"variation": 2, "weight": 25000}]}},
}
PREREQ = {"key": "bench-prereq", "version": 3, "on": True, "salt": "p", "variations": [False, True],
          "offVariation": 0, "fallthrough": {"variation": 1}}
SEGMENT = {"key": "bench-segment", "version": 2, "salt": "s", "included": ["seg-1"],
           "rules": [{"clauses": [{"attribute": "country", "op": "in", "values": ["de"]}]}]}

DATA = {"flags": {"bench-flag": FLAG, "bench-prereq": PREREQ}, "segments": {"bench-segment": SEGMENT}}

# The context the timed loops use: it walks every rule (no match) and ends in the rollout.
CONTEXT = {"kind": "user", "key": "user-12345", "email": "someone@example.com", "plan": "silver",
           "country": "fr"}

if __name__ == "__main__":
    print(json.dumps(DATA, separators=(",", ":")))
