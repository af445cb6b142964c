/// A port of Python 3.11's `re/_parser.py` for str patterns: the same syntax, the same parse
/// tree and an error wherever `re.compile` raises (the message is informative only: a pattern
/// that does not compile matches nothing). Patterns nested more than 100 groups deep (or 200
/// conditionals) are refused, so that no input can exhaust the stack; Python compiles up to
/// about 460 nested groups from within the SDK, then raises RecursionError.
public struct PyRegexError: Error, Sendable {
    public let message: String
}

/// The parse tree (`_parser.SubPattern` items).
indirect enum PyNode: Sendable, Equatable {
    case literal(UInt32)
    case notLiteral(UInt32)
    case any
    case set([PySetItem])
    case at(PyAt)
    case repeatNode(min: Int, max: Int, kind: PyRepeatKind, body: [PyNode])
    case subpattern(group: Int?, add: Int, del: Int, body: [PyNode])
    case atomic([PyNode])
    case assertion(behind: Bool, negate: Bool, body: [PyNode])
    case branch([[PyNode]])
    case groupRef(Int)
    case groupExists(Int, yes: [PyNode], no: [PyNode]?)
}

enum PySetItem: Sendable, Equatable, Hashable {
    case negate
    case literal(UInt32)
    case range(UInt32, UInt32)
    case category(PyCategory)
}

enum PyCategory: Sendable, Equatable, Hashable {
    case digit, notDigit, space, notSpace, word, notWord
}

enum PyAt: Sendable, Equatable {
    case beginning, beginningString, boundary, nonBoundary, end, endString
}

enum PyRepeatKind: Sendable, Equatable {
    case greedy, lazy, possessive
}

enum PyFlag {
    static let template = 1, ignoreCase = 2, locale = 4, multiline = 8, dotAll = 16, unicode = 32
    static let verbose = 64, debug = 128, ascii = 256
    static let typeFlags = ascii | locale | unicode
    static let globalFlags = debug | template
}

/// `_sre.MAXREPEAT` (unbounded) and `_sre.MAXGROUPS`.
let pyMaxRepeat = 4_294_967_295
let pyMaxGroups = 1_073_741_823

struct PyRegexParser {
    /// Parse levels: two per group, one per conditional.
    static let maxNesting = 201
    static let maxWidth = 1 << 62   // stands for _parser.MAXWIDTH (1 << 64): only compared with 2^32

    /// One token: a character, or a backslash and the character after it.
    struct Token: Equatable {
        let c: UInt32
        let escaped: Bool
        func isChar(_ ch: Unicode.Scalar) -> Bool { !escaped && c == ch.value }
    }

    // State (`_parser.State`)
    var flags = 0
    var groupdict: [[UInt32]: Int] = [:]
    var groupwidths: [(Int, Int)?] = [nil]
    var lookbehindgroups: Int? = nil
    var grouprefpos: [Int: Int] = [:]
    var groups: Int { groupwidths.count }

    // Tokenizer
    let pattern: [UInt32]
    var index = 0
    var next: Token? = nil

    init(_ pattern: [UInt32]) { self.pattern = pattern }

    // MARK: tokenizer

    mutating func advance() throws(PyRegexError) {
        guard index < pattern.count else { next = nil; return }
        let c = pattern[index]
        if c == 0x5C {
            guard index + 1 < pattern.count else { throw PyRegexError(message: "bad escape (end of pattern)") }
            next = Token(c: pattern[index + 1], escaped: true)
            index += 2
        } else {
            next = Token(c: c, escaped: false)
            index += 1
        }
    }

    mutating func match(_ ch: Unicode.Scalar) throws(PyRegexError) -> Bool {
        if let n = next, n.isChar(ch) { try advance(); return true }
        return false
    }

    mutating func get() throws(PyRegexError) -> Token? {
        let t = next
        try advance()
        return t
    }

    /// Up to n plain characters satisfying `ok`.
    mutating func getwhile(_ n: Int, _ ok: (UInt32) -> Bool) throws(PyRegexError) -> [UInt32] {
        var out: [UInt32] = []
        for _ in 0..<n {
            guard let t = next, !t.escaped, ok(t.c) else { break }
            out.append(t.c)
            try advance()
        }
        return out
    }

    mutating func getuntil(_ terminator: Unicode.Scalar, _ name: String) throws(PyRegexError) -> [UInt32] {
        var result: [UInt32] = []
        while true {
            let t = next
            try advance()
            guard let t else {
                throw PyRegexError(message: result.isEmpty ? "missing " + name : "missing \(terminator), unterminated name")
            }
            if t.isChar(terminator) {
                if result.isEmpty { throw PyRegexError(message: "missing " + name) }
                break
            }
            if t.escaped { result.append(0x5C) }
            result.append(t.c)
        }
        return result
    }

    var tell: Int {
        guard let n = next else { return index }
        return index - (n.escaped ? 2 : 1)
    }

    mutating func seek(_ i: Int) throws(PyRegexError) {
        index = i
        try advance()
    }

    // MARK: state

    mutating func opengroup(_ name: [UInt32]?) throws(PyRegexError) -> Int {
        let gid = groups
        groupwidths.append(nil)
        if groups > pyMaxGroups { throw PyRegexError(message: "too many groups") }
        if let name {
            if groupdict[name] != nil { throw PyRegexError(message: "redefinition of group name") }
            groupdict[name] = gid
        }
        return gid
    }

    func checkgroup(_ gid: Int) -> Bool { gid < groups && groupwidths[gid] != nil }

    func checklookbehindgroup(_ gid: Int) throws(PyRegexError) {
        if let lb = lookbehindgroups {
            if !checkgroup(gid) { throw PyRegexError(message: "cannot refer to an open group") }
            if gid >= lb { throw PyRegexError(message: "cannot refer to group defined in the same lookbehind subpattern") }
        }
    }

    func checkgroupname(_ name: [UInt32]) throws(PyRegexError) {
        if !PyUnicode.isIdentifier(name) { throw PyRegexError(message: "bad character in group name") }
    }

    // MARK: widths (SubPattern.getwidth)

    static func add(_ a: Int, _ b: Int) -> Int { a > maxWidth - b ? maxWidth : a + b }
    static func mul(_ a: Int, _ b: Int) -> Int {
        if a == 0 || b == 0 { return 0 }
        return a > maxWidth / b ? maxWidth : a * b
    }

    func width(_ nodes: [PyNode]) -> (Int, Int) {
        var lo = 0, hi = 0
        for node in nodes {
            switch node {
            case .branch(let items):
                var i = PyRegexParser.maxWidth, j = 0
                for item in items {
                    let (l, h) = width(item)
                    i = min(i, l); j = max(j, h)
                }
                lo = PyRegexParser.add(lo, i); hi = PyRegexParser.add(hi, j)
            case .atomic(let body), .subpattern(_, _, _, let body):
                let (i, j) = width(body)
                lo = PyRegexParser.add(lo, i); hi = PyRegexParser.add(hi, j)
            case .repeatNode(let mn, let mx, _, let body):
                let (i, j) = width(body)
                lo = PyRegexParser.add(lo, PyRegexParser.mul(i, mn))
                if mx == pyMaxRepeat && j != 0 { hi = PyRegexParser.maxWidth } else { hi = PyRegexParser.add(hi, PyRegexParser.mul(j, mx)) }
            case .any, .set, .literal, .notLiteral:
                lo = PyRegexParser.add(lo, 1); hi = PyRegexParser.add(hi, 1)
            case .groupRef(let g):
                let (i, j) = (g < groupwidths.count ? groupwidths[g] : nil) ?? (0, 0)
                lo = PyRegexParser.add(lo, i); hi = PyRegexParser.add(hi, j)
            case .groupExists(_, let yes, let no):
                var (i, j) = width(yes)
                if let no {
                    let (l, h) = width(no)
                    i = min(i, l); j = max(j, h)
                } else {
                    i = 0
                }
                lo = PyRegexParser.add(lo, i); hi = PyRegexParser.add(hi, j)
            case .at, .assertion:
                break
            }
        }
        return (min(lo, PyRegexParser.maxWidth), min(hi, PyRegexParser.maxWidth))
    }

    // MARK: escapes

    static func isHex(_ c: UInt32) -> Bool { (c >= 0x30 && c <= 0x39) || (c | 0x20 >= 0x61 && c | 0x20 <= 0x66) }
    static func isOct(_ c: UInt32) -> Bool { c >= 0x30 && c <= 0x37 }
    static func isDigit(_ c: UInt32) -> Bool { c >= 0x30 && c <= 0x39 }
    static func isASCIILetter(_ c: UInt32) -> Bool { c | 0x20 >= 0x61 && c | 0x20 <= 0x7A }

    static func number(_ digits: [UInt32], radix: UInt32) -> Int {
        var v = 0
        for d in digits {
            let x = d <= 0x39 ? d - 0x30 : (d | 0x20) - 0x61 + 10
            v = v > (1 << 40) ? v : v * Int(radix) + Int(x)
        }
        return v
    }

    static func simpleEscape(_ c: UInt32) -> UInt32? {
        switch c {
        case 0x61: return 0x07  // \a
        case 0x62: return 0x08  // \b (in a class)
        case 0x66: return 0x0C
        case 0x6E: return 0x0A
        case 0x72: return 0x0D
        case 0x74: return 0x09
        case 0x76: return 0x0B
        case 0x5C: return 0x5C
        default: return nil
        }
    }

    static func categoryEscape(_ c: UInt32) -> PyCategory? {
        switch c {
        case 0x64: return .digit
        case 0x44: return .notDigit
        case 0x73: return .space
        case 0x53: return .notSpace
        case 0x77: return .word
        case 0x57: return .notWord
        default: return nil
        }
    }

    /// \x \u \U: the code point (nil when this is none of them).
    mutating func hexEscape(_ c: UInt32) throws(PyRegexError) -> UInt32? {
        let n: Int
        switch c {
        case 0x78: n = 2
        case 0x75: n = 4
        case 0x55: n = 8
        default: return nil
        }
        let digits = try getwhile(n, PyRegexParser.isHex)
        if digits.count != n { throw PyRegexError(message: "incomplete escape") }
        let v = PyRegexParser.number(digits, radix: 16)
        if v > 0x10FFFF { throw PyRegexError(message: "bad escape") }
        return UInt32(v)
    }

    /// \N{name}: the named character (nil when this is not \N).
    mutating func namedEscape(_ c: UInt32) throws(PyRegexError) -> UInt32? {
        guard c == 0x4E else { return nil }
        if !(try match("{")) { throw PyRegexError(message: "missing {") }
        let name = try getuntil("}", "character name")
        guard let v = PyUnicodeNames.lookup(name) else { throw PyRegexError(message: "undefined character name") }
        return v
    }

    /// `_class_escape`: an escape inside a set.
    mutating func classEscape(_ c: UInt32) throws(PyRegexError) -> PySetItem {
        if let v = PyRegexParser.simpleEscape(c) { return .literal(v) }
        if let cat = PyRegexParser.categoryEscape(c) { return .category(cat) }
        if let v = try hexEscape(c) { return .literal(v) }
        if let v = try namedEscape(c) { return .literal(v) }
        if PyRegexParser.isOct(c) {
            let digits = [c] + (try getwhile(2, PyRegexParser.isOct))
            let v = PyRegexParser.number(digits, radix: 8)
            if v > 0o377 { throw PyRegexError(message: "octal escape value outside of range 0-0o377") }
            return .literal(UInt32(v))
        }
        if PyRegexParser.isDigit(c) || PyRegexParser.isASCIILetter(c) { throw PyRegexError(message: "bad escape") }
        return .literal(c)
    }

    /// `_escape`: an escape outside a set.
    mutating func escape(_ c: UInt32) throws(PyRegexError) -> PyNode {
        switch c {
        case 0x41: return .at(.beginningString)
        case 0x62: return .at(.boundary)
        case 0x42: return .at(.nonBoundary)
        case 0x5A: return .at(.endString)
        default: break
        }
        if let cat = PyRegexParser.categoryEscape(c) { return .set([.category(cat)]) }
        if let v = PyRegexParser.simpleEscape(c) { return .literal(v) }
        if let v = try hexEscape(c) { return .literal(v) }
        if let v = try namedEscape(c) { return .literal(v) }
        if c == 0x30 {
            let digits = [c] + (try getwhile(2, PyRegexParser.isOct))
            return .literal(UInt32(PyRegexParser.number(digits, radix: 8)))
        }
        if PyRegexParser.isDigit(c) {
            var digits = [c]
            if let n = next, !n.escaped, PyRegexParser.isDigit(n.c) {
                digits.append(n.c)
                try advance()
                if PyRegexParser.isOct(digits[0]) && PyRegexParser.isOct(digits[1]), let m = next, !m.escaped, PyRegexParser.isOct(m.c) {
                    digits.append(m.c)
                    try advance()
                    let v = PyRegexParser.number(digits, radix: 8)
                    if v > 0o377 { throw PyRegexError(message: "octal escape value outside of range 0-0o377") }
                    return .literal(UInt32(v))
                }
            }
            let group = PyRegexParser.number(digits, radix: 10)
            if group < groups {
                if !checkgroup(group) { throw PyRegexError(message: "cannot refer to an open group") }
                try checklookbehindgroup(group)
                return .groupRef(group)
            }
            throw PyRegexError(message: "invalid group reference \(group)")
        }
        if PyRegexParser.isASCIILetter(c) { throw PyRegexError(message: "bad escape") }
        return .literal(c)
    }

    // MARK: _parse_sub / _parse

    mutating func parseSub(verbose: Bool, nested: Int) throws(PyRegexError) -> [PyNode] {
        if nested > PyRegexParser.maxNesting { throw PyRegexError(message: "pattern nested too deeply") }
        var verbose = verbose
        var items: [[PyNode]] = []
        while true {
            items.append(try parse(verbose: verbose, nested: nested + 1, first: nested == 0 && items.isEmpty))
            if !(try match("|")) { break }
            if nested == 0 { verbose = flags & PyFlag.verbose != 0 }
        }
        if items.count == 1 { return items[0] }
        // A branch of single characters and sets is a set (which matters with IGNORECASE).
        var set: [PySetItem] = []
        var allSets = true
        for item in items {
            guard item.count == 1 else { allSets = false; break }
            switch item[0] {
            case .literal(let c): set.append(.literal(c))
            case .set(let s) where s.first != .negate: set.append(contentsOf: s)
            default: allSets = false
            }
            if !allSets { break }
        }
        if allSets { return [.set(PyRegexParser.uniq(set))] }
        return [.branch(items)]
    }

    static func uniq(_ items: [PySetItem]) -> [PySetItem] {
        var seen = Set<PySetItem>()
        return items.filter { seen.insert($0).inserted }
    }

    static func isWhitespace(_ c: UInt32) -> Bool { c == 0x20 || (c >= 0x09 && c <= 0x0D) }

    mutating func parse(verbose: Bool, nested: Int, first: Bool = false) throws(PyRegexError) -> [PyNode] {
        if nested > PyRegexParser.maxNesting { throw PyRegexError(message: "pattern nested too deeply") }
        var verbose = verbose
        var sub: [PyNode] = []
        while true {
            guard let this = next else { break }
            if this.isChar("|") || this.isChar(")") { break }
            try advance()
            if verbose {
                if !this.escaped && PyRegexParser.isWhitespace(this.c) { continue }
                if this.isChar("#") {
                    while true {
                        guard let t = try get() else { break }
                        if t.isChar("\n") { break }
                    }
                    continue
                }
            }
            if this.escaped {
                sub.append(try escape(this.c))
                continue
            }
            switch this.c {
            case 0x5B: sub.append(try parseSet())                  // [
            case 0x2A, 0x2B, 0x3F, 0x7B:                           // * + ? {
                try parseRepeat(this.c, &sub)
            case 0x2E: sub.append(.any)                            // .
            case 0x28:                                             // (
                if let node = try parseGroup(&verbose, nested: nested, first: first, sub: sub) { sub.append(node) }
            case 0x5E: sub.append(.at(.beginning))                 // ^
            case 0x24: sub.append(.at(.end))                       // $
            default: sub.append(.literal(this.c))
            }
        }
        // unpack non-capturing groups
        var out: [PyNode] = []
        out.reserveCapacity(sub.count)
        for node in sub {
            if case .subpattern(group: nil, add: 0, del: 0, body: let body) = node { out.append(contentsOf: body) } else { out.append(node) }
        }
        return out
    }

    mutating func parseSet() throws(PyRegexError) -> PyNode {
        var set: [PySetItem] = []
        let negate = try match("^")
        while true {
            guard let this = try get() else { throw PyRegexError(message: "unterminated character set") }
            if this.isChar("]") && !set.isEmpty { break }
            let code1: PySetItem = this.escaped ? try classEscape(this.c) : .literal(this.c)
            if try match("-") {
                guard let that = try get() else { throw PyRegexError(message: "unterminated character set") }
                if that.isChar("]") {
                    set.append(code1)
                    set.append(.literal(0x2D))
                    break
                }
                let code2: PySetItem = that.escaped ? try classEscape(that.c) : .literal(that.c)
                guard case .literal(let lo) = code1, case .literal(let hi) = code2, hi >= lo else {
                    throw PyRegexError(message: "bad character range")
                }
                set.append(.range(lo, hi))
            } else {
                set.append(code1)
            }
        }
        set = PyRegexParser.uniq(set)
        if set.count == 1, case .literal(let c) = set[0] { return negate ? .notLiteral(c) : .literal(c) }
        if negate { set.insert(.negate, at: 0) }
        return .set(set)
    }

    mutating func parseRepeat(_ c: UInt32, _ sub: inout [PyNode]) throws(PyRegexError) {
        var mn = 0, mx = pyMaxRepeat
        switch c {
        case 0x3F: mx = 1
        case 0x2B: mn = 1
        case 0x7B:
            let here = tell
            if let n = next, n.isChar("}") { sub.append(.literal(c)); return }
            let lo = try getwhile(Int.max, PyRegexParser.isDigit)
            var hi: [UInt32]
            if try match(",") { hi = try getwhile(Int.max, PyRegexParser.isDigit) } else { hi = lo }
            if !(try match("}")) {
                sub.append(.literal(c))
                try seek(here)
                return
            }
            if !lo.isEmpty {
                mn = PyRegexParser.number(lo, radix: 10)
                if mn >= pyMaxRepeat { throw PyRegexError(message: "the repetition number is too large") }
            }
            if !hi.isEmpty {
                mx = PyRegexParser.number(hi, radix: 10)
                if mx >= pyMaxRepeat { throw PyRegexError(message: "the repetition number is too large") }
                if mx < mn { throw PyRegexError(message: "min repeat greater than max repeat") }
            }
        default: break
        }
        guard var item = sub.last else { throw PyRegexError(message: "nothing to repeat") }
        var body = [item]
        switch item {
        case .at: throw PyRegexError(message: "nothing to repeat")
        case .repeatNode: throw PyRegexError(message: "multiple repeat")
        case .subpattern(group: nil, add: 0, del: 0, body: let p): body = p
        default: break
        }
        let kind: PyRepeatKind = try match("?") ? .lazy : (try match("+") ? .possessive : .greedy)
        item = .repeatNode(min: mn, max: mx, kind: kind, body: body)
        sub[sub.count - 1] = item
    }

    /// After `(`: a group, an assertion, a comment, flags (nil: nothing to add).
    mutating func parseGroup(_ verbose: inout Bool, nested: Int, first: Bool, sub: [PyNode]) throws(PyRegexError) -> PyNode? {
        var capture = true, atomic = false
        var name: [UInt32]? = nil
        var addFlags = 0, delFlags = 0
        if try match("?") {
            guard let char = try get() else { throw PyRegexError(message: "unexpected end of pattern") }
            if char.isChar("P") {
                if try match("<") {
                    let n = try getuntil(">", "group name")
                    try checkgroupname(n)
                    name = n
                } else if try match("=") {
                    let n = try getuntil(")", "group name")
                    try checkgroupname(n)
                    guard let gid = groupdict[n] else { throw PyRegexError(message: "unknown group name") }
                    if !checkgroup(gid) { throw PyRegexError(message: "cannot refer to an open group") }
                    try checklookbehindgroup(gid)
                    return .groupRef(gid)
                } else {
                    throw PyRegexError(message: "unknown extension ?P")
                }
            } else if char.isChar(":") {
                capture = false
            } else if char.isChar("#") {
                while true {
                    guard next != nil else { throw PyRegexError(message: "missing ), unterminated comment") }
                    if let t = try get(), t.isChar(")") { break }
                }
                return nil
            } else if char.isChar("=") || char.isChar("!") || char.isChar("<") {
                var kind = char
                var behind = false
                var outerLookbehind: Int?? = .none
                if char.isChar("<") {
                    guard let k = try get() else { throw PyRegexError(message: "unexpected end of pattern") }
                    guard k.isChar("=") || k.isChar("!") else { throw PyRegexError(message: "unknown extension ?<") }
                    kind = k
                    behind = true
                    outerLookbehind = .some(lookbehindgroups)
                    if lookbehindgroups == nil { lookbehindgroups = groups }
                }
                let p = try parseSub(verbose: verbose, nested: nested + 1)
                if behind, case .some(nil) = outerLookbehind { lookbehindgroups = nil }
                if !(try match(")")) { throw PyRegexError(message: "missing ), unterminated subpattern") }
                return .assertion(behind: behind, negate: kind.isChar("!"), body: p)
            } else if char.isChar("(") {
                let condname = try getuntil(")", "group name")
                let condgroup: Int
                if PyUnicode.isIdentifier(condname) {
                    guard let g = groupdict[condname] else { throw PyRegexError(message: "unknown group name") }
                    condgroup = g
                } else {
                    guard let g = PyRegexParser.pythonInt(condname), g >= 0 else {
                        throw PyRegexError(message: "bad character in group name")
                    }
                    if g == 0 { throw PyRegexError(message: "bad group number") }
                    if g >= pyMaxGroups { throw PyRegexError(message: "invalid group reference") }
                    if grouprefpos[g] == nil { grouprefpos[g] = tell }
                    condgroup = g
                }
                try checklookbehindgroup(condgroup)
                let yes = try parse(verbose: verbose, nested: nested + 1)
                var no: [PyNode]? = nil
                if try match("|") {
                    no = try parse(verbose: verbose, nested: nested + 1)
                    if let n = next, n.isChar("|") { throw PyRegexError(message: "conditional backref with more than two branches") }
                }
                if !(try match(")")) { throw PyRegexError(message: "missing ), unterminated subpattern") }
                return .groupExists(condgroup, yes: yes, no: no)
            } else if char.isChar(">") {
                capture = false
                atomic = true
            } else if !char.escaped, PyRegexParser.flagValue(char.c) != nil || char.isChar("-") {
                if let (a, d) = try parseFlags(char) {
                    addFlags = a; delFlags = d
                    capture = false
                } else {
                    if !first || !sub.isEmpty { throw PyRegexError(message: "global flags not at the start of the expression") }
                    verbose = flags & PyFlag.verbose != 0
                    return nil
                }
            } else {
                throw PyRegexError(message: "unknown extension")
            }
        }
        let group: Int? = capture ? try opengroup(name) : nil
        let subVerbose = (verbose || addFlags & PyFlag.verbose != 0) && delFlags & PyFlag.verbose == 0
        let p = try parseSub(verbose: subVerbose, nested: nested + 1)
        if !(try match(")")) { throw PyRegexError(message: "missing ), unterminated subpattern") }
        if let group { groupwidths[group] = width(p) }
        if atomic { return .atomic(p) }
        return .subpattern(group: group, add: addFlags, del: delFlags, body: p)
    }

    static func flagValue(_ c: UInt32) -> Int? {
        switch c {
        case 0x69: return PyFlag.ignoreCase   // i
        case 0x4C: return PyFlag.locale       // L
        case 0x6D: return PyFlag.multiline    // m
        case 0x73: return PyFlag.dotAll       // s
        case 0x78: return PyFlag.verbose      // x
        case 0x61: return PyFlag.ascii        // a
        case 0x74: return PyFlag.template     // t
        case 0x75: return PyFlag.unicode      // u
        default: return nil
        }
    }

    /// `_parse_flags`: nil for global flags `(?flags)`, else the scoped (add, del).
    mutating func parseFlags(_ first: Token) throws(PyRegexError) -> (Int, Int)? {
        var char: Token? = first
        var add = 0, del = 0
        if let c = char, !c.isChar("-") {
            var cur = c
            while true {
                guard let flag = PyRegexParser.flagValue(cur.c), !cur.escaped else { break }
                if cur.c == 0x4C { throw PyRegexError(message: "bad inline flags: cannot use 'L' flag with a str pattern") }
                add |= flag
                if flag & PyFlag.typeFlags != 0 && add & PyFlag.typeFlags != flag {
                    throw PyRegexError(message: "bad inline flags: flags 'a', 'u' and 'L' are incompatible")
                }
                guard let n = try get() else { throw PyRegexError(message: "missing -, : or )") }
                cur = n
                if n.isChar(")") || n.isChar("-") || n.isChar(":") { break }
                if n.escaped || PyRegexParser.flagValue(n.c) == nil { throw PyRegexError(message: "unknown flag") }
            }
            char = cur
        }
        if let c = char, c.isChar(")") {
            flags |= add
            return nil
        }
        if add & PyFlag.globalFlags != 0 { throw PyRegexError(message: "bad inline flags: cannot turn on global flag") }
        if let c = char, c.isChar("-") {
            guard var cur = try get() else { throw PyRegexError(message: "missing flag") }
            if cur.escaped || PyRegexParser.flagValue(cur.c) == nil { throw PyRegexError(message: "missing flag") }
            while true {
                let flag = PyRegexParser.flagValue(cur.c) ?? 0
                if flag & PyFlag.typeFlags != 0 { throw PyRegexError(message: "bad inline flags: cannot turn off flags 'a', 'u' and 'L'") }
                del |= flag
                guard let n = try get() else { throw PyRegexError(message: "missing :") }
                cur = n
                if n.isChar(":") { break }
                if n.escaped || PyRegexParser.flagValue(n.c) == nil { throw PyRegexError(message: "unknown flag") }
            }
        }
        if del & PyFlag.globalFlags != 0 { throw PyRegexError(message: "bad inline flags: cannot turn off global flag") }
        if add & del != 0 { throw PyRegexError(message: "bad inline flags: flag turned on and off") }
        return (add, del)
    }

    /// Python's `int(text)` for a conditional group number: white space around, a sign,
    /// decimal digits of any script, single underscores between digits. nil: ValueError.
    static func pythonInt(_ s: [UInt32]) -> Int? {
        var chars = s[...]
        while let f = chars.first, PyUnicode.isSpace(f) { chars.removeFirst() }
        while let l = chars.last, PyUnicode.isSpace(l) { chars.removeLast() }
        var negative = false
        if let f = chars.first, f == 0x2B || f == 0x2D { negative = f == 0x2D; chars.removeFirst() }
        guard !chars.isEmpty else { return nil }
        var v = 0
        var lastUnderscore = true
        for c in chars {
            if c == 0x5F {
                if lastUnderscore { return nil }
                lastUnderscore = true
                continue
            }
            guard let d = PyUnicode.decimalValue(c) else { return nil }
            v = v > (1 << 40) ? v : v * 10 + d
            lastUnderscore = false
        }
        if lastUnderscore { return nil }
        return negative ? -v : v
    }
}
