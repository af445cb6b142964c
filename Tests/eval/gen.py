"""Seeded random flags, segments, Big Segment data and contexts for the evaluation differential
test (Tests/eval/diff.py): LaunchDarkly's server-side data model, with the edges the SDKs handle.

``Generator(seed).dataset(i)`` is a pure function of (seed, i): a dict

    {"flags": {key: flag}, "segments": {key: segment},      # written by the SDK's own store
     "raw_flags": {key: text}, "raw_segments": {key: text},  # written verbatim (HSET) afterwards
     "big": {"sync": "fresh"|"stale"|"missing"|"garbage",
             "include": {context_key: [ref, ...]}, "exclude": {...},
             "wrongtype": [context_key, ...]},               # Big Segments, as Relay writes them
     "contexts": [json_text, ...],                           # valid and invalid, any shape
     "defaults": [json_value, ...],
     "flag_keys": [key, ...]}                                # every key to evaluate, missing ones too

Values come from small pools shared by contexts, clauses, targets and segments, so that rules,
targets and segments match often and both the matching and the non-matching paths are taken.
What is covered is listed in COVERAGE (diff.py checks at the end that each item was generated).
"""

from __future__ import annotations

import json
import random
from typing import Any, Dict, List, Optional, Tuple

OPERATORS = [
    "in", "endsWith", "startsWith", "matches", "contains", "lessThan", "lessThanOrEqual",
    "greaterThan", "greaterThanOrEqual", "before", "after", "semVerEqual", "semVerLessThan",
    "semVerGreaterThan", "segmentMatch",
]

# Everything the generator is meant to produce; diff.py reports any item never produced.
COVERAGE = sorted(set(["op:" + op for op in OPERATORS] + [
    "op:unknown", "negate", "clause:contextKind", "attr:nested-path", "attr:escape~1",
    "attr:escape~0", "attr:kind", "attr:key", "attr:name", "attr:anonymous", "attr:legacy-literal",
    "attr:invalid-ref", "attr:legacy-user-builtin",
    "context:single", "context:multi", "context:old-user", "context:invalid",
    "context:odd-values", "context:unicode", "context:huge-number",
    "prereq", "prereq:missing", "prereq:off", "prereq:cycle", "prereq:deleted",
    "targets", "contextTargets", "offVariation:missing", "offVariation:out-of-range",
    "fallthrough:missing", "fallthrough:empty-rollout", "variation:out-of-range",
    "rollout", "rollout:bucketBy", "rollout:seed", "rollout:contextKind", "experiment",
    "experiment:untracked", "rollout:weights-short", "rollout:weights-odd", "salt:absent", "rule:no-id",
    "segment:included", "segment:excluded", "segment:includedContexts",
    "segment:excludedContexts", "segment:rule", "segment:rule-weight", "segment:rule-bucketBy",
    "segment:rolloutContextKind", "segment:recursion", "segment:cycle", "segment:missing",
    "segment:deleted", "big:unbounded", "big:no-generation", "big:unboundedContextKind",
    "big:sync-fresh", "big:sync-stale", "big:sync-missing", "big:sync-garbage", "big:wrongtype",
    "big:include", "big:exclude", "raw:type-error", "raw:unparsable", "raw:tombstone",
    "value:date-rfc3339", "value:date-epoch-ms", "value:semver-edge", "value:regex-invalid",
    "value:huge-number", "value:unicode", "flag:deleted", "flag:clientSide",
    "flag:debugEventsUntilDate", "flag:on-missing", "store:not-inited", "bucketBy:invalid-ref", "flag:trackEvents", "flag:trackEventsFallthrough",
]))

KINDS = ["user", "org", "device", "k-1.x_Y"]
KEYS = ["alice", "bob", "carol", "ключ", "🙂", "a:b%c", "0", "12345678901234567890", "Alice",
        "dave\u0301", "dav\u00e9", "x y"]
# Long keys: the bucketing hash input ("flagkey.salt.key", or "seed.key") then crosses SHA-1's
# 55/56/64-byte block boundaries at many lengths.
KEYS += ["k" * 33 + "-" + str(n).zfill(n - 34) for n in (41, 42, 45, 48, 49, 50)] + ["ü" * 40 + "-long", "z" * 113]
ATTR_TYPES = {"email": "string", "tier": "string", "n": "number", "tags": "strings",
              "when": "date", "ver": "semver", "nested": "object", "a/b": "string",
              "a~b": "string", "/slash/name": "string", "ünï": "string", "name": "string",
              "country": "string", "firstName": "string", "score": "number", "misc": "any"}
ATTRS = list(ATTR_TYPES)
# Attribute references a clause with a contextKind may use, by the operator's value type.
REFS_BY_TYPE = {
    "string": ["email", "tier", "/a~1b", "/a~0b", "ünï", "name", "/nested/a", "key", "/key",
               "kind", "/kind", "tags", "country"],
    "number": ["n", "score", "/nested/~0t", "misc"],
    "date": ["when", "n", "/when"],
    "semver": ["ver", "/ver", "tier"],
    "any": ["tier", "/tier", "email", "/nested/a", "/nested/b~1c", "/nested/~0t", "/nested/arr",
            "/a~1b", "/a~0b", "/nested/a/deeper", "key", "/key", "name", "anonymous", "kind",
            "/kind", "ünï", "n", "score", "when", "ver", "tags", "misc"],
}
LEGACY_REFS_BY_TYPE = {
    "string": ["tier", "email", "/slash/name", "firstName", "country", "name", "key", "kind",
               "a/b", "ünï", "tags"],
    "number": ["n", "score", "misc"],
    "date": ["when", "n"],
    "semver": ["ver"],
    "any": ["tier", "email", "/slash/name", "firstName", "country", "name", "key", "kind", "n",
            "ver", "when", "tags", "a/b", "ünï", "anonymous", "misc"],
}
OP_TYPES = {"in": "any", "endsWith": "string", "startsWith": "string", "contains": "string",
            "matches": "string", "lessThan": "number", "lessThanOrEqual": "number",
            "greaterThan": "number", "greaterThanOrEqual": "number", "before": "date",
            "after": "date", "semVerEqual": "semver", "semVerLessThan": "semver",
            "semVerGreaterThan": "semver"}
STRINGS = ["gold", "silver", "Gold", "", "gold-plus", "go", "ld", "héllo", "日本語", "🙂x",
           "x@example.com", "@example.com", "a.b", "5", "true", "null", "e\u0301", "\u00e9",
           "line\nbreak", "gold\n", "tab\tx", "g" * 50 + "@example.com", "ö" * 31, "ǅ", "ß", "SS"]
POPULAR = ["gold", "silver", "x@example.com", "héllo", "go"]
NUMBERS = [0, 1, -1, 5, 5.0, 5.5, -5.5, 1000, 1e3, 2 ** 31, 2 ** 53, 2 ** 53 + 1, 2 ** 63,
           12345678901234567890, 1e21, 1e-7, -0.0, 1.7976931348623157e308, 0.1, 0.30000000000000004]
HUGE_NUMBERS = [10 ** 30, -(10 ** 30), 10 ** 400]  # 10**400: beyond a double
DATES_RFC = ["2020-01-01T00:00:00Z", "2020-01-01T00:00:00.001Z", "2020-01-01T02:00:00+02:00",
             "2019-12-31T23:59:59.999999999Z", "2020-01-01t00:00:00z", "2020-01-01T00:00:00",
             "2020-01-01", "2020-01-01 00:00:00Z", "2016-12-31T23:59:60Z", "2020-02-30T00:00:00Z",
             "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.999Z", "2020-01-01T00:00:00-00:00",
             "2020-01-01T00:00:00.5+05:30", "not a date", "1577836800000"]
DATES_MS = [1577836800000, 1577836800001, 1577836799999, 1577836800000.5, 0, -1, 253402300799999,
            1.5e12, 10 ** 20]
SEMVERS = ["1.2.3", "1.2", "1", "1.2.3-beta.1", "1.2.3-beta.2", "1.2.3-beta.11", "1.2.3-alpha",
           "1.2.3+build.5", "1.2.3-rc.1+b", "01.2.3", "1.2.3-01", "v1.2.3", "1.2.3.4", "1.2-beta",
           "", " 1.2.3", "1.2.3-", "1.0.0", "2.0.0", "1.10.0", "1.9.0", "0.0.0", "1.2.3-a..b",
           "99999999999999999999.0.0", "1.2.3-alpha.beta", "1.2.3-0.3.7", "1.2.3-x.7.z.92"]
REGEXES = ["^gold", "old$", "g.l", "\\d+", "^[a-z]+$", "(gold|silver)", ".*", "", "é", "日本",
           "^$", "@example\\.com$", "[", "(", "*a", "a{2,1}", "(?P<n>go)ld", "(go)\\1",
           "gold\\Z", "(?=gold)g", "(?i)GOLD", "\\bgo", "[[:alpha:]]", "\\p{L}+", "a++",
           "(?<=g)old", "\\w+@\\w+"]
SEG_KEYS = ["seg-a", "seg-b", "seg-c", "seg-big", "seg-big2", "seg-ü", "seg-rec", "seg-missing"]
ATTR_REFS_INVALID = ["/", "", "/x//y", "/x/", "/x~2", "/~", "//"]


# Members of a stored flag or segment whose type the SDK's model checks when it decodes the item
# (ldclient/impl/model): a stored item with one of these cannot be decoded.
_WV = {"variation": 0, "weight": 100000}
FLAG_TYPE_ERRORS = [
    ("offVariation", "1"), ("offVariation", 0.0), ("offVariation", 1.5), ("rules", {}), ("on", "yes"),
    ("on", 1), ("variations", "x"), ("fallthrough", {"variation": 1.5}), ("fallthrough", {"variation": 0.0}),
    ("fallthrough", []), ("fallthrough", {"rollout": {"variations": [{"variation": 0, "weight": 1.5}]}}),
    ("fallthrough", {"rollout": {"variations": [{"variation": 0, "weight": 100000.0}]}}),
    ("fallthrough", {"rollout": {"variations": [_WV], "seed": "1"}}),
    ("fallthrough", {"rollout": {"variations": [_WV], "bucketBy": 5}}),
    ("fallthrough", {"rollout": {"variations": [_WV], "kind": 5}}),
    ("fallthrough", {"rollout": {"variations": [_WV], "contextKind": 5}}),
    ("fallthrough", {"rollout": {"variations": [{"variation": 0, "weight": 100000, "untracked": "no"}]}}),
    ("fallthrough", {"rollout": {"variations": None}}),
    ("prerequisites", [{"key": 5, "variation": 0}]), ("prerequisites", [{"key": "x"}]),
    ("prerequisites", {}), ("salt", 7), ("targets", [{"values": "x", "variation": 0}]),
    ("targets", [{"values": [1], "variation": 0}]), ("contextTargets", [{"values": ["a"], "variation": "0"}]),
    ("contextTargets", [{"values": ["a"], "variation": 0, "contextKind": 1}]),
    ("rules", [{"clauses": [{"attribute": 5, "op": "in", "values": []}], "variation": 0}]),
    ("rules", [{"clauses": [{"op": "in", "values": []}], "variation": 0}]),
    ("rules", [{"clauses": [{"attribute": "a", "op": "in", "values": "x"}], "variation": 0}]),
    ("rules", [{"clauses": [{"attribute": "a", "op": 5, "values": []}], "variation": 0}]),
    ("rules", [{"clauses": [{"attribute": "a", "op": "in", "values": [], "negate": "no"}], "variation": 0}]),
    ("rules", [{"clauses": [], "variation": 0, "trackEvents": "x"}]), ("rules", [{"variation": 0}]),
    ("rules", [{"clauses": [], "variation": 0, "id": 5}]), ("rules", ["x"]),
    ("trackEvents", "yes"), ("trackEventsFallthrough", 1), ("debugEventsUntilDate", "x"),
    ("migration", {"checkRatio": "x"}), ("samplingRatio", 1.5), ("excludeFromSummaries", 1),
    ("deleted", "no"), ("version", 1.5), ("version", "1"), ("key", 5),
]
SEGMENT_TYPE_ERRORS = [
    ("included", "alice"), ("excluded", [5]), ("includedContexts", [{"values": "x"}]),
    ("excludedContexts", [{"contextKind": 5, "values": []}]), ("rules", [{"clauses": [], "weight": "5"}]),
    ("rules", [{"clauses": [], "weight": 1.5}]), ("rules", [{"clauses": [], "bucketBy": 5}]),
    ("rules", [{"clauses": [], "rolloutContextKind": 5}]), ("rules", [{"weight": 5}]),
    ("unbounded", "yes"), ("generation", 1.0), ("generation", "1"), ("unboundedContextKind", 5),
    ("salt", 5), ("version", 2.5),
]

# Patterns whose meaning differs between regex dialects (Python's re is the reference).
REGEX_DIALECT = ["\\p{L}+", "[[:alpha:]]", "(?<=g)old", "gold\\Z", "(go)\\1", "a++", "(?P<n>go)ld"]
# Families of cases that --exclude can leave out, with the coverage items that then go away.
EXCLUDABLE = {"regex-dialect": [], "overflow": [], "undecodable-items": ["raw:type-error", "raw:unparsable"]}


class Generator:
    def __init__(self, seed: int, exclude: Optional[set] = None) -> None:
        """exclude: families of cases to leave out (EXCLUDABLE), e.g. while a known difference
        in one family is being fixed, so that a run can look for others."""
        self.seed = seed
        self.covered: set = set()
        self.exclude = set(exclude or ())
        unknown = self.exclude - set(EXCLUDABLE)
        if unknown:
            raise ValueError(f"unknown families {sorted(unknown)}; known: {sorted(EXCLUDABLE)}")
        self.huge = [n for n in HUGE_NUMBERS if "overflow" not in self.exclude or abs(n) < 1e308]
        self.regexes = [x for x in REGEXES if "regex-dialect" not in self.exclude or x not in REGEX_DIALECT]
        # a final newline: Python's $ matches before it, \Z does not
        self.strings = [x for x in STRINGS if "regex-dialect" not in self.exclude or not x.endswith("\n")]

    def expected_coverage(self) -> List[str]:
        return [c for c in COVERAGE if not any(c in EXCLUDABLE[f] for f in self.exclude)]

    # --- helpers -----------------------------------------------------------------------------
    def _note(self, item: str) -> None:
        self.covered.add(item)

    def _chance(self, p: float) -> bool:
        return self.r.random() < p

    def _pick(self, seq):
        return self.r.choice(seq)

    def _some(self, seq, lo: int, hi: int) -> list:
        n = self.r.randint(lo, min(hi, len(seq)))
        return self.r.sample(list(seq), n)

    # --- values ------------------------------------------------------------------------------
    def _str(self) -> str:
        """A string; often a popular one, so that clauses and contexts meet."""
        return self._pick(POPULAR if self._chance(0.5) else self.strings)

    def _scalar(self) -> Any:
        k = self.r.random()
        if k < 0.40:
            v = self._str()
            if any(ord(c) > 127 for c in v):
                self._note("value:unicode")
            return v
        if k < 0.60:
            return self._pick(NUMBERS)
        if k < 0.67:
            return self._pick([True, False])
        if k < 0.77:
            self._note("value:date-rfc3339")
            return self._pick(DATES_RFC)
        if k < 0.84:
            self._note("value:date-epoch-ms")
            return self._pick(DATES_MS)
        if k < 0.94:
            self._note("value:semver-edge")
            return self._pick(SEMVERS)
        if k < 0.97:
            self._note("value:huge-number")
            return self._pick(self.huge)
        return self._pick(KEYS)

    def _nested_scalar(self) -> Any:
        # Inside arrays and objects, no 0/1 numbers: Python's == makes [True] == [1] (a quirk of
        # the reference, not of LaunchDarkly's model), which would only test Python semantics.
        while True:
            v = self._scalar()
            if isinstance(v, bool) or not (isinstance(v, (int, float)) and v in (0, 1)):
                return v

    def _value(self, depth: int = 0) -> Any:
        k = self.r.random()
        if depth < 2 and k < 0.08:
            return [self._nested_scalar() for _ in range(self.r.randint(0, 3))]
        if depth < 2 and k < 0.12:
            return {self._pick(["a", "b", "x", "é"]): self._nested_value(depth + 1)
                    for _ in range(self.r.randint(0, 2))}
        return self._scalar()

    def _nested_value(self, depth: int) -> Any:
        v = self._value(depth)
        if isinstance(v, (int, float)) and not isinstance(v, bool) and v in (0, 1):
            return "zero-or-one"
        return v

    def _variation_values(self) -> List[Any]:
        kind = self.r.random()
        n = self.r.randint(1, 4) if not self._chance(0.03) else 0
        if kind < 0.3:
            return [self._pick([True, False]) for _ in range(n)] if n != 2 else [True, False]
        if kind < 0.55:
            return [self._pick(self.strings) for _ in range(n)]
        if kind < 0.75:
            vals = [self._pick(NUMBERS) for _ in range(n)]
            if self._chance(0.1) and n:
                vals[0] = self._pick(self.huge)
                self._note("value:huge-number")
            return vals
        return [self._value() for _ in range(n)]

    # --- contexts ----------------------------------------------------------------------------
    def _typed(self, name: str) -> Any:
        """A value of the attribute's usual type (most of the time), else anything."""
        kind = ATTR_TYPES.get(name, "any")
        if kind == "any" or self._chance(0.15):
            return self._value()
        if kind == "string":
            v = self._str()
            if any(ord(c) > 127 for c in v):
                self._note("value:unicode")
            return v
        if kind == "number":
            if self._chance(0.05):
                self._note("value:huge-number")
                return self._pick(self.huge)
            return self._pick(NUMBERS)
        if kind == "date":
            if self._chance(0.5):
                self._note("value:date-rfc3339")
                return self._pick(DATES_RFC)
            self._note("value:date-epoch-ms")
            return self._pick(DATES_MS)
        if kind == "semver":
            self._note("value:semver-edge")
            return self._pick(SEMVERS)
        if kind == "strings":
            return [self._str() if self._chance(0.8) else self._nested_scalar()
                    for _ in range(self.r.randint(0, 3))]
        # "object": the nested attribute
        obj = {"a": self._typed("email"), "b/c": self._value(1), "~t": self._typed("n"),
               "arr": [self._nested_scalar() for _ in range(2)]}
        if self._chance(0.3):
            obj["a"] = {"deeper": self._value(2)}
        return obj

    def _attributes(self, kind: str) -> Dict[str, Any]:
        attrs: Dict[str, Any] = {}
        for name in self._some(ATTRS, 7, 15):
            attrs[name] = self._typed(name)
            if name == "name":  # a string or null; anything else makes the context invalid
                attrs["name"] = self._str() if self._chance(0.9) else self._pick([None, None, 5])
        if self._chance(0.15):
            attrs["anonymous"] = self._pick([True, False])
        if self._chance(0.05):
            attrs["_meta"] = {"privateAttributes": ["email", "/nested/a"]}
        for v in attrs.values():
            if isinstance(v, (int, float)) and not isinstance(v, bool) and abs(v) >= 10 ** 30:
                self._note("context:huge-number")
            if isinstance(v, (list, dict)) or isinstance(v, bool):
                self._note("context:odd-values")
        return attrs

    def _single(self, kind: str) -> Dict[str, Any]:
        key = self._pick(KEYS)
        if any(ord(c) > 127 for c in key):
            self._note("context:unicode")
        return {"kind": kind, "key": key, **self._attributes(kind)}

    def _old_user(self) -> Dict[str, Any]:
        self._note("context:old-user")
        u: Dict[str, Any] = {}
        if not self._chance(0.05):
            u["key"] = self._pick(KEYS + [""])
        for b in self._some(["name", "firstName", "lastName", "email", "country", "avatar", "ip"],
                            0, 3):
            u[b] = self._str()
        if self._chance(0.3):
            u["anonymous"] = self._pick([True, False, None])
        custom = {}
        for name in self._some(["tier", "n", "tags", "ver", "when", "score", "ünï", "a/b", "misc"], 2, 8):
            custom[name] = self._typed(name)
        if custom or self._chance(0.5):
            u["custom"] = custom
        if self._chance(0.1):
            u["privateAttributeNames"] = ["email"]
        if self._chance(0.03):
            u["email"] = 5  # a built-in user attribute that is not a string: invalid
        return u

    def _invalid_context(self) -> str:
        self._note("context:invalid")
        cases = [
            {"kind": "user"}, {"kind": "user", "key": ""}, {"kind": "", "key": "x"},
            {"kind": "kind", "key": "x"}, {"kind": "us er", "key": "x"}, {"kind": "multi"},
            {"kind": "multi", "user": {"key": "a"}, "org": "not an object"},
            {"kind": "user", "key": 5}, {"kind": "user", "key": "x", "name": 5},
            {"kind": "user", "key": "x", "anonymous": "yes"}, {"kind": "user", "key": "x", "_meta": 5},
            {"kind": 5, "key": "x"}, {"kind": "multi", "user": {"key": ""}, "org": {"key": "o"}},
            {"kind": "multi", "multi": {"key": "m"}}, {"kind": "user", "key": None},
            {"kind": "é", "key": "x"}, {"kind": "user", "key": "x", "_meta": {"privateAttributes": 5}},
        ]
        c = self._pick(cases)
        if self._chance(0.05):
            return self._pick(["null", "[]", "5", "\"user\""])
        return json.dumps(c)

    def _context(self) -> str:
        k = self.r.random()
        if k < 0.45:
            self._note("context:single")
            return json.dumps(self._single(self._pick(KINDS) if self._chance(0.3) else "user"))
        if k < 0.75:
            self._note("context:multi")
            kinds = self._some(KINDS, 1 if self._chance(0.1) else 2, 4)
            if "user" not in kinds and self._chance(0.6):
                kinds[0] = "user"
            c: Dict[str, Any] = {"kind": "multi"}
            for kind in kinds:
                s = self._single(kind)
                del s["kind"]
                c[kind] = s
            return json.dumps(c)
        if k < 0.92:
            return json.dumps(self._old_user())
        return self._invalid_context()

    # --- clauses -----------------------------------------------------------------------------
    def _clause_values(self, op: str) -> List[Any]:
        n = self.r.randint(0 if self._chance(0.03) else 1, 3)
        if op in ("in",):
            pool = lambda: self._pick(KEYS) if self._chance(0.2) else self._typed(self._pick(ATTRS))
        elif op in ("endsWith", "startsWith", "contains"):
            pool = lambda: self._str() if self._chance(0.9) else self._scalar()
        elif op == "matches":
            def pool():
                v = self._pick(self.regexes)
                if v in ("[", "(", "*a", "a{2,1}"):
                    self._note("value:regex-invalid")
                return v if self._chance(0.95) else 5
        elif op in ("lessThan", "lessThanOrEqual", "greaterThan", "greaterThanOrEqual"):
            pool = lambda: self._pick(NUMBERS + HUGE_NUMBERS[:2]) if self._chance(0.9) else self._scalar()
        elif op in ("before", "after"):
            def pool():
                if self._chance(0.5):
                    self._note("value:date-rfc3339")
                    return self._pick(DATES_RFC)
                self._note("value:date-epoch-ms")
                return self._pick(DATES_MS) if self._chance(0.9) else self._scalar()
        elif op.startswith("semVer"):
            def pool():
                self._note("value:semver-edge")
                return self._pick(SEMVERS) if self._chance(0.95) else self._scalar()
        else:
            pool = self._value
        return [pool() for _ in range(n)]

    def _attr_ref(self, clause: Dict[str, Any], op: str) -> str:
        kind = OP_TYPES.get(op, "any") if self._chance(0.8) else "any"
        if "contextKind" in clause:
            if self._chance(0.03):
                self._note("attr:invalid-ref")
                return self._pick(ATTR_REFS_INVALID)
            ref = self._pick(REFS_BY_TYPE[kind])
        else:
            ref = self._pick(LEGACY_REFS_BY_TYPE[kind])
            self._note("attr:legacy-literal")
            if ref in ("firstName", "country", "email"):
                self._note("attr:legacy-user-builtin")
            if self._chance(0.01):
                self._note("attr:invalid-ref")
                ref = ""
        if ref.count("/") >= 2:
            self._note("attr:nested-path")
        if "~1" in ref:
            self._note("attr:escape~1")
        if "~0" in ref:
            self._note("attr:escape~0")
        for name in ("kind", "key", "name", "anonymous"):
            if ref.strip("/") == name:
                self._note("attr:" + name)
        return ref

    def _clause(self, segment_keys: List[str], allow_segment: bool = True) -> Dict[str, Any]:
        ops = OPERATORS if allow_segment else OPERATORS[:-1]
        op = self._pick(ops)
        if self._chance(0.02):
            op = self._pick(["notAnOperator", "In", ""])
            self._note("op:unknown")
        else:
            self._note("op:" + op)
        clause: Dict[str, Any] = {}
        if op == "segmentMatch":
            clause = {"attribute": self._pick(["", "key"]), "op": op,
                      "values": self._some(segment_keys + ["seg-missing"], 1, 2)}
            if "seg-missing" in clause["values"]:
                self._note("segment:missing")
        else:
            if self._chance(0.6):
                clause["contextKind"] = "user" if self._chance(0.6) else self._pick(KINDS)
                self._note("clause:contextKind")
            clause["attribute"] = self._attr_ref(clause, op)
            clause["op"] = op
            clause["values"] = self._clause_values(op)
            if clause["attribute"].strip("/") == "key" and op in ("in", "startsWith", "endsWith") and self._chance(0.7):
                clause["values"] = self._some(KEYS, 1, 3)
            if clause["attribute"].strip("/") == "kind" and self._chance(0.7):
                clause["values"] = self._some(KINDS + ["multi", "us"], 1, 2)
        if self._chance(0.2):
            clause["negate"] = True
            self._note("negate")
        elif self._chance(0.1):
            clause["negate"] = False
        return clause

    # --- flags -------------------------------------------------------------------------------
    def _variation_index(self, n: int) -> int:
        if self._chance(0.015):
            self._note("variation:out-of-range")
            return self._pick([-1, n, n + 5, 2 ** 63, 2 ** 70])
        return self.r.randrange(n) if n else 0

    def _rollout(self, n: int) -> Dict[str, Any]:
        self._note("rollout")
        count = self.r.randint(1, 4) if not self._chance(0.03) else 0
        weights = []
        left = 100000
        for i in range(count):
            w = left if i == count - 1 else self.r.randint(0, left)
            weights.append(w)
            left -= w
        if weights and self._chance(0.08):
            self._note("rollout:weights-short")
            weights[-1] = max(0, weights[-1] - self.r.randint(1, 50000))
        elif weights and self._chance(0.04):
            self._note("rollout:weights-odd")  # over 100000, or negative
            weights[0] += self._pick([50000, -20000, -200000])
        rollout: Dict[str, Any] = {"variations": [
            {"variation": self._variation_index(n), "weight": w} for w in weights]}
        if self._chance(0.4):
            rollout["kind"] = "experiment"
            self._note("experiment")
            for wv in rollout["variations"]:
                if self._chance(0.3):
                    wv["untracked"] = True
                    self._note("experiment:untracked")
        elif self._chance(0.2):
            rollout["kind"] = "rollout"
        if self._chance(0.3):
            rollout["bucketBy"] = self._pick(["tier", "/nested/a", "n", "score", "email", "key",
                                              "/slash/name", "name", "tags", "a/b", "/x//y", ""])
            if rollout["bucketBy"] in ("/x//y", ""):
                self._note("bucketBy:invalid-ref")
            self._note("rollout:bucketBy")
        if self._chance(0.3):
            rollout["seed"] = self._pick([0, 1, -42, 61, 2 ** 40, 2 ** 64])
            self._note("rollout:seed")
        if self._chance(0.3):
            rollout["contextKind"] = self._pick(KINDS)
            self._note("rollout:contextKind")
        return rollout

    def _variation_or_rollout(self, n: int, into: Dict[str, Any]) -> None:
        if self._chance(0.3):
            into["rollout"] = self._rollout(n)
        else:
            into["variation"] = self._variation_index(n)

    def _flag(self, key: str, later_keys: List[str], earlier_keys: List[str],
              segment_keys: List[str]) -> Dict[str, Any]:
        variations = self._variation_values()
        n = len(variations)
        flag: Dict[str, Any] = {"key": key, "version": self.r.randint(1, 1000),
                                "on": self._chance(0.8) if self._chance(0.97) else None,
                                "variations": variations,
                                "salt": self._pick(["", "salty", "sält", "a.b", None, "<absent>"])}
        if flag["salt"] == "<absent>":
            del flag["salt"]
            self._note("salt:absent")
        if flag["on"] is None:
            del flag["on"]  # absent: off
            self._note("flag:on-missing")
        if self._chance(0.9):
            flag["offVariation"] = self._variation_index(n)
            if not 0 <= flag["offVariation"] < max(n, 1):
                self._note("offVariation:out-of-range")
        else:
            self._note("offVariation:missing")
        if self._chance(0.03):
            self._note("fallthrough:missing")
        elif self._chance(0.03):
            flag["fallthrough"] = {"rollout": {"variations": []}}
            self._note("fallthrough:empty-rollout")
        else:
            flag["fallthrough"] = {}
            self._variation_or_rollout(n, flag["fallthrough"])
        if self._chance(0.25):
            flag["prerequisites"] = []
            for _ in range(self.r.randint(1, 2)):
                k = self.r.random()
                if k < 0.7 and later_keys:
                    pk = self._pick(later_keys)
                elif k < 0.8:
                    pk = "missing-flag"
                    self._note("prereq:missing")
                elif k < 0.87:
                    pk = "deleted-flag"
                    self._note("prereq:deleted")
                else:
                    pk = self._pick(earlier_keys + [key])
                    self._note("prereq:cycle")
                flag["prerequisites"].append({"key": pk, "variation": self.r.randint(0, 1)})
                self._note("prereq")
        if self._chance(0.4):
            flag["targets"] = [{"variation": self._variation_index(n), "values": self._some(KEYS, 1, 3)}
                               for _ in range(self.r.randint(1, 2))]
            self._note("targets")
        if self._chance(0.4):
            flag["contextTargets"] = []
            for _ in range(self.r.randint(1, 3)):
                t = {"variation": self._variation_index(n), "values": self._some(KEYS, 0, 3)}
                kind = self._pick(KINDS + [None])
                if kind is not None:
                    t["contextKind"] = kind
                if kind in ("user", None) and self._chance(0.7):
                    t["values"] = []
                flag["contextTargets"].append(t)
            self._note("contextTargets")
        if self._chance(0.85):
            flag["rules"] = []
            for i in range(self.r.randint(1, 4)):
                nclauses = self._pick([0] + [1] * 30 + [2] * 12 + [3] * 4)
                rule: Dict[str, Any] = {"clauses": [self._clause(segment_keys) for _ in range(nclauses)]}
                if self._chance(0.95):
                    rule["id"] = self._pick([f"rule-{i}", f"r{self.r.randint(0, 99)}", "", "règle"])
                else:
                    self._note("rule:no-id")
                if self._chance(0.04):
                    pass  # neither variation nor rollout: MALFORMED_FLAG when it matches
                else:
                    self._variation_or_rollout(n, rule)
                if self._chance(0.2):
                    rule["trackEvents"] = True
                    self._note("flag:trackEvents")
                flag["rules"].append(rule)
        if self._chance(0.2):
            flag["trackEvents"] = True
            self._note("flag:trackEvents")
        if self._chance(0.2):
            flag["trackEventsFallthrough"] = True
            self._note("flag:trackEventsFallthrough")
        if self._chance(0.4):
            flag["clientSide"] = self._chance(0.5)
            self._note("flag:clientSide")
        if self._chance(0.1):
            # far past or far future, never near now: all_flags_state's details_only_for_tracked
            # compares it with the clock
            flag["debugEventsUntilDate"] = self._pick([1000, 32503680000000])
            self._note("flag:debugEventsUntilDate")
        return flag

    # --- segments ----------------------------------------------------------------------------
    def _segment(self, key: str, others: List[str]) -> Dict[str, Any]:
        seg: Dict[str, Any] = {"key": key, "version": self.r.randint(1, 100),
                               "salt": self._pick(["", "s", "sält", None, "<absent>"])}
        if seg["salt"] == "<absent>":
            del seg["salt"]
            self._note("salt:absent")
        if self._chance(0.4):
            seg["included"] = self._some(KEYS, 1, 3)
            self._note("segment:included")
        if self._chance(0.3):
            seg["excluded"] = self._some(KEYS, 1, 3)
            self._note("segment:excluded")
        if self._chance(0.3):
            seg["includedContexts"] = [{"contextKind": self._pick(KINDS), "values": self._some(KEYS, 1, 3)}]
            self._note("segment:includedContexts")
        if self._chance(0.3):
            seg["excludedContexts"] = [{"contextKind": self._pick(KINDS), "values": self._some(KEYS, 1, 3)}]
            self._note("segment:excludedContexts")
        if self._chance(0.7):
            seg["rules"] = []
            for _ in range(self.r.randint(1, 2)):
                rule: Dict[str, Any] = {"id": "sr", "clauses": []}
                for _ in range(self.r.randint(1, 2)):
                    if others and self._chance(0.2):
                        target = self._pick(others)
                        rule["clauses"].append({"attribute": "", "op": "segmentMatch", "values": [target]})
                        self._note("segment:recursion")
                        self._note("op:segmentMatch")
                    else:
                        rule["clauses"].append(self._clause([], allow_segment=False))
                if self._chance(0.35):
                    rule["weight"] = self._pick([0, 1, 30000, 50000, 99999, 100000, 200000])
                    self._note("segment:rule-weight")
                    if self._chance(0.4):
                        rule["bucketBy"] = self._pick(["tier", "/nested/a", "n", "email", "key", "/x~"])
                        self._note("segment:rule-bucketBy")
                    if self._chance(0.4):
                        rule["rolloutContextKind"] = self._pick(KINDS)
                        self._note("segment:rolloutContextKind")
                seg["rules"].append(rule)
            self._note("segment:rule")
        return seg

    # --- a dataset ---------------------------------------------------------------------------
    def dataset(self, index: int) -> Dict[str, Any]:
        self.r = random.Random(f"{self.seed}:{index}")
        nflags = self.r.randint(8, 30)
        flag_keys = [f"flag-{i}" for i in range(nflags)]
        if self._chance(0.5):
            flag_keys[0] = "flag-ünïcode-🙂"
        seg_keys = self._some(SEG_KEYS[:-1], 2, 7)
        segments: Dict[str, Any] = {}
        for i, sk in enumerate(seg_keys):
            others = [k for k in seg_keys if k != sk or self._chance(0.1)]  # sometimes itself
            seg = self._segment(sk, others)
            if any(c.get("op") == "segmentMatch" and c["values"][0] in seg_keys[:i + 1]
                   for rule in seg.get("rules", []) for c in rule["clauses"]):
                self._note("segment:cycle")  # may or may not close a cycle: both are fine
            segments[sk] = seg
        big = {"sync": self._pick(["fresh", "fresh", "fresh", "stale", "missing", "garbage"]),
               "include": {}, "exclude": {}, "wrongtype": []}
        self._note("big:sync-" + big["sync"])
        for sk in seg_keys:
            if sk.startswith("seg-big"):
                seg = segments[sk]
                seg["unbounded"] = True
                self._note("big:unbounded")
                if self._chance(0.85):
                    seg["generation"] = self.r.randint(0, 4)
                else:
                    self._note("big:no-generation")
                if self._chance(0.4):
                    seg["unboundedContextKind"] = self._pick(KINDS)
                    self._note("big:unboundedContextKind")
                gen = seg.get("generation", 1)
                for ck in self._some(KEYS, 1, 5):
                    ref = f"{sk}.g{gen if self._chance(0.8) else gen + 1}"
                    side = "include" if self._chance(0.6) else "exclude"
                    big[side].setdefault(ck, []).append(ref)
                    self._note("big:" + side)
        if self._chance(0.1):
            big["wrongtype"] = self._some(KEYS, 1, 2)
            self._note("big:wrongtype")
        flags: Dict[str, Any] = {}
        for i, fk in enumerate(flag_keys):
            flags[fk] = self._flag(fk, flag_keys[i + 1:], flag_keys[:i], list(segments))
            if any(c.get("op") == "segmentMatch" for r in flags[fk].get("rules", []) for c in r["clauses"]):
                pass
        if self._chance(0.5):
            flags["deleted-flag"] = {"key": "deleted-flag", "version": 3, "deleted": True}
            self._note("flag:deleted")
        if self._chance(0.3) and seg_keys:
            dk = seg_keys[-1]
            segments[dk] = {"key": dk, "version": 9, "deleted": True}
            self._note("segment:deleted")
        # prerequisites on an off flag
        for fk in flag_keys:
            for p in flags[fk].get("prerequisites", []):
                target = flags.get(p["key"])
                if target is not None and target.get("on") is False:
                    self._note("prereq:off")
        raw_flags: Dict[str, str] = {}
        raw_segments: Dict[str, str] = {}
        if self._chance(0.15) and "undecodable-items" not in self.exclude:
            self._note("raw:type-error")
            key = self._pick(flag_keys)
            broken = dict(flags[key])
            field, bad = self._pick(FLAG_TYPE_ERRORS)
            broken[field] = bad
            raw_flags[key] = json.dumps(broken)
            if seg_keys and self._chance(0.5):
                key = self._pick(seg_keys)
                seg = dict(segments[key])
                if not seg.get("deleted"):
                    field, bad = self._pick(SEGMENT_TYPE_ERRORS)
                    seg[field] = bad
                    raw_segments[key] = json.dumps(seg)
        if self._chance(0.1) and "undecodable-items" not in self.exclude:
            self._note("raw:unparsable")
            raw_flags["unparsable-flag"] = self._pick(["{", "null", "[]", "{\"key\":\"unparsable-flag\"}"])
        if self._chance(0.2):
            self._note("raw:tombstone")
            raw_flags["tomb-1"] = json.dumps({"version": 4, "deleted": True})
            raw_flags["tomb-2"] = json.dumps({"key": "$deleted", "version": 5, "deleted": True,
                                              "on": True, "variations": [1]})
        contexts = [self._context() for _ in range(self.r.randint(25, 70))]
        defaults = [None, False, True, 0, -1, "default", "dé", {"d": [1, 2]}, [None], 1.5]
        keys = list(flags) + list(raw_flags) + ["no-such-flag"]
        inited = not (self._chance(0.04) or index % 17 == 5)
        if not inited:
            self._note("store:not-inited")  # no PREFIX:$inited (Relay has not finished)
        return {"flags": flags, "segments": segments, "raw_flags": raw_flags,
                "raw_segments": raw_segments, "big": big, "inited": inited, "contexts": contexts,
                "defaults": defaults, "flag_keys": keys}


    def change(self, ds: Dict[str, Any]) -> Tuple[str, str, Dict[str, Any]]:
        """A change another writer could make to ds: (kind, key, item) where kind is "flags" or
        "segments" and item a new version of a random flag or segment (a regenerated one, a
        tombstone, or one with an older version that the store must refuse)."""
        raw = {"flags": ds["raw_flags"], "segments": ds["raw_segments"]}
        kind = "flags" if self._chance(0.7) or not set(ds["segments"]) - set(ds["raw_segments"]) else "segments"
        key = self._pick(sorted(set(ds[kind]) - set(raw[kind])))  # the SDK's store cannot upsert over an item it cannot decode
        old = ds[kind][key]
        others = sorted(ds[kind])
        if kind == "flags":
            item = self._flag(key, [k for k in others if k != key], [key], sorted(ds["segments"]))
        else:
            item = self._segment(key, others)
        k = self.r.random()
        if k < 0.15:
            item = {"key": key, "version": 0, "deleted": True}
        item["version"] = old.get("version", 0) + (self.r.randint(1, 3) if k < 0.9 else -self.r.randint(0, 1))
        self._note("change:" + ("delete" if item.get("deleted") else "upsert") + (":stale" if k >= 0.9 else ""))
        return kind, key, item


if __name__ == "__main__":
    import sys
    g = Generator(int(sys.argv[1]) if len(sys.argv) > 1 else 1)
    print(json.dumps(g.dataset(int(sys.argv[2]) if len(sys.argv) > 2 else 0), indent=1,
                     ensure_ascii=False))
