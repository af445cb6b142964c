#!/usr/bin/env python3
"""Generates regex-cases.jsonl: (pattern, text, verdict) triples with Python 3.11 `re`'s verdict
for `re.compile(pattern).search(text)` -- "E" (re.compile raises), "M" (a match), "N" (none).
Swift's RegexConformanceTests checks PyRegex against every line.

    python3 Tests/LDEvaluationTests/Fixtures/regex_cases.py [--seed 1] [--patterns 5000] \
        > Tests/LDEvaluationTests/Fixtures/regex-cases.jsonl

Patterns are random compositions of every construct of the syntax (and of its errors), plus a
hand-written list; texts are random strings over the characters the pattern uses and a few
tricky ones (case pairs, non-ASCII digits and spaces, newlines, astral characters).
"""
import argparse
import json
import random
import re
import signal
import sys
import warnings

warnings.simplefilter("ignore")
assert sys.version_info[:2] == (3, 11), "the reference is Python 3.11"

CHARS = list("abcABCxyz019_- .\n\t]") + ["é", "É", "ß", "ẞ", "ſ", "s", "S", "K", "k", "\u212a", "ı", "İ", "i", "I",
         "σ", "ς", "Σ", "\u0663", "\u00a0", "\u2028", "🙂", "\U00010400", "\U00010428", "ǅ", "ǆ", "Ǆ", "µ", "μ",
         "\u1e9e", "\u0345", "ι", "\x1c", "ﬀ", "Ω", "ω", "\u2126"]
LIT = [c for c in CHARS if c not in "\n\t"] 
SPECIAL = ".^$*+?{}[]\\|()"

HAND = [
    r"\p{L}+", r"[[:alpha:]]", r"[[:alpha:]]+", r"(?<=g)old", r"old$", r"^a$", r"gold\Z", r"\Z", r"$", r"^$",
    r"(?m)^b", r"(?m)a$", r"(?s)a.b", r"a.b", r"(?x) a b # c", r"(?x)[ ]", r"(?x)a\ b", r"(?i)straße", r"(?i)STRASSE",
    r"(?i)ǅ", r"(?i)ß", r"(?i)ẞ", r"(?i)k", r"(?i)[k]", r"(?i)[a-z]", r"(?i)[^a-z]", r"(?a)\w", r"(?a)(?i)k", r"(?ai)\u212a",
    r"\d", r"\w", r"\s", r"\D", r"\W", r"\S", r"\b", r"\B", r"\bfoo\b", r"\Bo", r"\A", r"\Aa", r"a\Z",
    r"(a)\1", r"(?P<x>a)(?P=x)", r"(?P<x>a)\2", r"\1(a)", r"(a)|\1", r"(?P<1>a)", r"(?P<é>a)", r"(?P<a b>a)",
    r"(?(1)a|b)", r"(a)?(?(1)b|c)", r"(?P<n>a)?(?(n)b|c)", r"(?(0)a)", r"(?(-1)a)", r"(?(a)b)", r"(?(1)a|b|c)", r"(a)(?( 1 )b)",
    r"(?<=a|bc)x", r"(?<=a|b)x", r"(?<!a)b", r"(?<=a*)b", r"(?<=(a))b", r"(a)(?<=\1)", r"(?<=\1)(a)", r"(?=a)a", r"(?!a)\w",
    r"(?>a+)a", r"a++a", r"a*+", r"(?:ab|a)++b", r"a{2}", r"a{,2}", r"a{2,}", r"a{2,1}", r"a{}", r"a{,}", r"a{x}", r"{1}",
    r"a{1,2}?", r"a{1,2}+", r"a**", r"a*?+", r"*a", r"^*", r"\b*", r"(?=a)*", r"a{4294967295}", r"a{4294967294}",
    r"a{1000000000}", r"(?:a{1000}){1000}", r"(a|)+b", r"(a*)*b", r"(a*)+$", r"(|a)*b", r"(?:)*", r"()*\1", r"(a?)*?b",
    r"[]a]", r"[^]a]", r"[a-]", r"[-a]", r"[a-\d]", r"[\d-z]", r"[z-a]", r"[\b]", r"[\A]", r"[\Z]", r"[\8]", r"[\777]",
    r"[\377]", r"\777", r"\0", r"\07", r"\08", r"\100", r"\x4", r"\x41", r"\u00e9", r"\U0001F642", r"\U00110000",
    r"\N{EM DASH}", r"\e", r"\q", r"\-", r"\_", r"\\", "\\", r"a\\", r"(", r")", r"(?", r"(?P", r"(?Px)", r"(?<x>a)",
    r"(?i", r"(?i)(?m)a", r"a(?i)b", r"(?i)|a", r"a|(?i)b", r"(?L)a", r"(?t)a", r"(?t)a*", r"(?a)(?u)a", r"(?au)a",
    r"(?-i)a", r"(?-i:a)", r"(?i-i:a)", r"(?a-u:a)", r"(?-a:a)", r"(?i:a)A", r"(?i:A)", r"(?-x:a b)", r"(?x:a b)",
    r"(?#comment)a", r"(?#unterminated", r"a(?#x)*", r"[", r"[a", r"[]", r"[^]", r"a|", r"|", r"||", r"(|)", r"()",
    r"a\Z|b", r".*", r".+", r"(?s).+", r"^.*$", r"\n$", r"$\n", r"a$\n", r"(?m)$\n^", r"\s+$", r"[\s\S]", r"[^\W\d_]+",
    r"(?i)[^\W]", r"(?i)\W", r"[\u0100-\U00010400]", r"(?i)[\U00010400]x", r"(?i)[\U00010400-\U00010410]", r"(?i)\U00010400",
    r"(?i)[ſ]", r"(?i)s", r"(?i)[s-t]", r"(?i)[R-T]", r"(?i)[ς]", r"(?i)σ", r"(?i)µ", r"(?i)[µ]", r"(?i)ι", r"(?i)\u0345",
    r"(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)\10", r"(a)\10", r"(a)\1\0", r"(a)\11", r"[\1]", r"[\0]", r"[\01]", r"[\011]",
    r"(?P<a>x)(?P<a>y)", r"(?P=a)", r"(?P=)", r"(?P<>x)", r"(?P<a", r"(?P=a", r"x{2}{3}", r"(?:x{2}){3}", r"x{02}",
    r"\d+(?:\.\d+)?", r"^[\w.+-]+@[\w-]+\.[\w.-]+$", r"^user-\d{3}$", r"@example\.com$", r"^(?!test).*", r"(?i)^ADMIN",
    r"[\w\-]", r"[\d\s]+", r"[.]", r"[$^]", r"\.", r"\$", r"\^", r"\|", r"\(", r"\)", r"\[", r"\]", r"\{", r"\}", r"\*",
    "(?x)a#x\nb", "(?x)a # c\n |b", "(?x)\\#", "(?x)[#]", "a\n", "\n", "(?m)^$", "(?s)^.$", "^.$",
]

TEXTS = ["", "a", "A", "ab", "abc", "aa", "aaa", "b", "ba", "gold", "gold\n", "old\n", "a\n", "\n", "\na", "a\nb", "a\n\n",
         "user", "a]", "[a]", "ː", "straße", "STRASSE", "Straße", "ǅ", "ǆ", "Ǆ", "ß", "ẞ", "k", "K", "\u212a", "ſ", "s", "S",
         "ı", "İ", "i", "I", "σ", "ς", "Σ", "µ", "μ", "\u0345", "ι", "Ι", "٣", "1", "12", "1.5", "a b", " ", "\u00a0", "\u2028",
         "\x1c", "_", "-", "🙂", "\U00010400", "\U00010428", "e\u0301", "é", "É", "foo", "foo bar", "xfoo", "x@example.com",
         "user-123", "admin", "ADMIN", "test", "bc", "abcdefghij", "aaaaaaaaaaaaaaaaaaaaaaab", "ﬀ", "FF", "ff", "ω", "Ω", "\u2126",
         "—", "\t", "a\tb", "abab", "aab", "abb", "xyz", "{", "}", "{1}", "a{", "a{}", "a{,}", "a{x}", "\\", "#", "a#", "a b # c",
         "ab\n", "$", "^", "..."]


def atom(rng, depth):
    r = rng.random()
    if r < 0.35:
        c = rng.choice(LIT)
        return re.escape(c) if c in SPECIAL and rng.random() < 0.7 else c
    if r < 0.5:
        return rng.choice([r"\d", r"\D", r"\w", r"\W", r"\s", r"\S", r"\b", r"\B", r"\A", r"\Z", ".", "^", "$", r"\n",
                           r"\t", r"\x61", r"\u00e9", r"\U0001F642", r"\101", r"\0", r"\.", r"\\", r"\-", r"\p{L}",
                           r"\e", r"\8", r"\_", r"\u212a", "\\ ", r"\Ω", r"\1", r"\2", "(?P=g0)", "(?P=g1)"])
    if r < 0.65:
        return charclass(rng)
    if depth > 3:
        return rng.choice(LIT)
    inner = seq(rng, depth + 1)
    form = rng.choice(["({})", "(?:{})", "(?P<g{}>{})", "(?={})", "(?!{})", "(?<={})", "(?<!{})", "(?>{})", "(?i:{})",
                       "(?-i:{})", "(?s:{})", "(?m:{})", "(?x:{})", "(?a:{})", "(?u:{})", "(?i-s:{})", "(?({}){}|{})",
                       "(?({}){})", "(?#{})", "({}|{})", "(?:{}|{}|{})"])
    if form.startswith("(?P<g"):
        return "(?P<g%d>%s)" % (rng.randrange(3), inner)
    if form.startswith("(?({})"):
        cond = rng.choice(["1", "2", "g0", "g1", "0", "x"])
        return form.format(cond, inner, seq(rng, depth + 1)) if form.count("{}") == 3 else form.format(cond, inner)
    if form.count("{}") == 2:
        return form.format(inner, seq(rng, depth + 1))
    if form.count("{}") == 3:
        return form.format(inner, seq(rng, depth + 1), seq(rng, depth + 1))
    return form.format(inner)


def charclass(rng):
    if rng.random() < 0.05:
        return rng.choice(["[[:alpha:]]", "[[:digit:]]+", "[]a]", "[^]]", "[a-]", "[z-a]", "[\\d-z]", "[", "[]"])
    parts = []
    for _ in range(rng.randint(1, 4)):
        r = rng.random()
        if r < 0.4:
            c = rng.choice(LIT)
            parts.append("\\" + c if c in "]\\^-" else c)
        elif r < 0.7:
            a, b = sorted([rng.choice(LIT), rng.choice(LIT)], key=ord)
            esc = lambda c: "\\" + c if c in "]\\^-[" else c
            parts.append(esc(a) + "-" + esc(b))
        else:
            parts.append(rng.choice([r"\d", r"\w", r"\s", r"\D", r"\W", r"\S", r"\n", r"\x41", r"\u0130", r"\U00010400",
                                     r"\b", r"\0", r"\777", r"\-", r"\]", "[", r"\p"]))
    return "[" + ("^" if rng.random() < 0.25 else "") + "".join(parts) + "]"


def quantified(rng, depth):
    a = atom(rng, depth)
    if rng.random() < 0.35:
        q = rng.choice(["*", "+", "?", "{2}", "{1,3}", "{,2}", "{2,}", "{0}", "{3,1}", "{,}", "{1000000000}"])
        a += q + rng.choice(["", "", "", "?", "+"])
    return a


def seq(rng, depth=0):
    items = [quantified(rng, depth) for _ in range(rng.randint(0 if depth else 1, 4))]
    s = "".join(items)
    if rng.random() < 0.15:
        s += "|" + "".join(quantified(rng, depth) for _ in range(rng.randint(0, 3)))
    return s


def pattern(rng):
    p = seq(rng)
    if rng.random() < 0.2:
        flags = "".join(rng.sample("imsxau", rng.randint(1, 2)))
        p = "(?%s)" % flags + p if rng.random() < 0.9 else p + "(?%s)" % flags
    return p


def texts_for(rng, p):
    pool = [c for c in p if c not in "\\()[]{}?*+|^$"] or ["a"]
    out = set(rng.sample(TEXTS, 3))
    for _ in range(3):
        out.add("".join(rng.choice(pool + CHARS[:12]) for _ in range(rng.randint(0, 7))))
    return sorted(out)


class Timeout(Exception):
    pass


def verdict(p, t):
    try:
        rx = re.compile(p)
    except Exception:
        return "E"
    signal.setitimer(signal.ITIMER_REAL, 0.5)
    try:
        return "M" if rx.search(t) is not None else "N"
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


def named_cases(rng):
    """\\N{name}: a sample of every kind of name, alias, rule-made name and error."""
    import unicodedata
    out = []
    named = [c for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF and unicodedata.name(chr(c), None)]
    for c in rng.sample(named, 1500) + [0x4E00, 0x9FFF, 0x3134A, 0xAC00, 0xD7A3, 0xAC01, 0xF900, 0x18B00, 0x1B170, 0x1F642]:
        name = unicodedata.name(chr(c))
        form = rng.random()
        if form < 0.15:
            name = name.lower()
        elif form < 0.2:
            name = name.title()
        elif form < 0.23:
            name = name + " "
        elif form < 0.26:
            name = name.replace(" ", "_")
        pat = "\\N{%s}" % name
        if rng.random() < 0.2:
            pat = "[" + pat + "x]"
        out.append((pat, [chr(c), "x" + chr(c), "x"]))
    for name in ["LINE FEED", "LF", "NULL", "NUL", "BYTE ORDER MARK", "BOM", "NBSP", "ZWSP", "LATIN CAPITAL LETTER GHA",
                 "line feed", "TANGUT IDEOGRAPH-17000", "CJK UNIFIED IDEOGRAPH-4e00", "CJK UNIFIED IDEOGRAPH-04E00",
                 "CJK UNIFIED IDEOGRAPH-9FFF", "CJK UNIFIED IDEOGRAPH-A000", "cjk unified ideograph-4E00", "HANGUL SYLLABLE GAG",
                 "hangul syllable GAG", "hangul syllable gag", "HANGUL SYLLABLE", "HANGUL SYLLABLE A", "HANGUL SYLLABLE GGAG",
                 "LATIN CAPITAL LETTER A WITH MACRON AND GRAVE", "KEYCAP NUMBER SIGN", "", " ", "EM DASH", "EM  DASH",
                 "EM\\ DASH", "EM DASH}", "TAMIL SYLLABLE SSI", "CJK COMPATIBILITY IDEOGRAPH-2F800", "MATHEMATICAL BOLD CAPITAL A"]:
        try:
            ch = unicodedata.lookup(name)
        except KeyError:
            ch = "x"
        out.append(("\\N{%s}" % name, [ch, "x"]))
    for pat in ["\\N", "\\N{", "\\N{EM DASH", "\\N{}", "\\N{EM DASH}+", "[\\N{EM DASH}-\\N{HORIZONTAL BAR}]", "\\Nx"]:
        out.append((pat, ["—", "―", "x"]))
    return out


MIXED = ["a", "A", "s", "S", "\u017f", "k", "K", "\u212a", "\u00df", "\u1e9e", "\u03c3", "\u03c2", "\u03a3", "1",
         "\u0663", " ", "\n", "_", "\u00e9", "\u00c9", "\u01c5", "\u01c6", "\U0001F642", "\U00010400",
         "\U00010428", "\u0131", "\u0130", "i"]


def mixed_pattern(rng):
    """Scoped flags, case folding, sets with categories, groups, backreferences and
    assertions inside repeats, over a small alphabet of case pairs."""
    def lit():
        c = rng.choice(MIXED)
        return {"\n": r"\n", " ": r"\ "}.get(c, c)

    def cls():
        parts = []
        for _ in range(rng.randint(1, 3)):
            r = rng.random()
            if r < 0.5:
                parts.append(lit())
            elif r < 0.75:
                a, b = sorted([rng.choice(MIXED), rng.choice(MIXED)], key=ord)
                parts.append(a.replace("\n", r"\n") + "-" + b.replace("\n", r"\n"))
            else:
                parts.append(rng.choice([r"\d", r"\w", r"\s", r"\W", r"\S", r"\D"]))
        return "[" + ("^" if rng.random() < 0.3 else "") + "".join(parts) + "]"

    def atom(d):
        r = rng.random()
        if r < 0.35 or d > 3:
            return lit()
        if r < 0.5:
            return cls()
        if r < 0.62:
            return rng.choice([r"\1", r"\2", "(?(1)a|s)", "$", "^", r"\b", r"\B", ".", r"\Z", r"\A", "(?P=n)"])
        return rng.choice(["({})", "(?:{})", "(?:{}|{})", "(?P<n>{})", "(?={})", "(?!{})", "(?>{})", "(?<={})", "(?<!{})",
                           "(?i:{})", "(?-i:{})", "(?s:{})", "(?a:{})", "(?u:{})", "(?m:{})"]).format(seq(d + 1), seq(d + 1))

    def quant(d):
        a = atom(d)
        if rng.random() < 0.35:
            a += rng.choice(["*", "+", "?", "{2}", "{0,2}", "*?", "+?", "??", "*+", "{1,2}?", "{,3}+"])
        return a

    def seq(d=0):
        return "".join(quant(d) for _ in range(rng.randint(1, 4)))

    p = seq()
    if rng.random() < 0.3:
        p = "(?" + "".join(rng.sample("imsxa", rng.randint(1, 2))) + ")" + p
    return p, ["".join(rng.choice(MIXED) for _ in range(rng.randint(0, 8))) for _ in range(4)]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--patterns", type=int, default=5000)
    args = ap.parse_args()

    def alarm(*_):
        raise Timeout()
    signal.signal(signal.SIGALRM, alarm)
    rng = random.Random(args.seed)
    seen = set()
    pairs = []
    for p in HAND:
        for t in TEXTS:
            pairs.append((p, t))
    for _ in range(args.patterns):
        p = pattern(rng)
        if p in seen:
            continue
        seen.add(p)
        for t in texts_for(rng, p):
            pairs.append((p, t))
    for _ in range(args.patterns // 2):
        p, ts = mixed_pattern(rng)
        for t in ts:
            pairs.append((p, t))
    for p, ts in named_cases(rng):
        for t in ts:
            pairs.append((p, t))
    for p, t in pairs:
        try:
            v = verdict(p, t)
        except Timeout:
            continue
        print(json.dumps([p, t, v], ensure_ascii=False))


if __name__ == "__main__":
    main()
