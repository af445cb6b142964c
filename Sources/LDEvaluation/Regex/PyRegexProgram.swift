/// The parse tree compiled (as `re/_compiler.py` does, flags resolved per node) into the
/// instructions of a backtracking matcher with `_sre`'s semantics (PyRegexMatcher).
enum PyAtCode: Sendable {
    case beginning, beginningLine, beginningString, end, endLine, endString
    case boundary(ascii: Bool), nonBoundary(ascii: Bool)
}

enum PyFold: Sendable {
    case none, ascii, unicode

    @inline(__always) func apply(_ c: UInt32) -> UInt32 {
        switch self {
        case .none: return c
        case .ascii: return PyUnicode.asciiLower(c)
        case .unicode: return PyUnicode.lower(c)
        }
    }
}

enum PySubKind: Sendable {
    case atomic, ahead, notAhead, behind, notBehind
}

enum PyInst: Sendable {
    case char(UInt32)
    case notChar(UInt32)
    /// The folded character equals the operand (LITERAL_IGNORE / LITERAL_UNI_IGNORE).
    case charFold(UInt32, PyFold)
    case notCharFold(UInt32, PyFold)
    case set(Int)
    case any, anyAll
    case at(PyAtCode)
    /// Try the first target; on failure the second.
    case split(Int, Int)
    case jump(Int)
    case save(Int)
    case backref(Int, PyFold)
    /// Continue when the group matched, else go to the target.
    case groupExists(Int, Int)
    /// A new repeat context for `loop`, then its UNTIL at the target.
    case repeatStart(loop: Int, until: Int)
    case maxUntil(loop: Int, min: Int, max: Int, body: Int)
    case minUntil(loop: Int, min: Int, max: Int, body: Int)
    /// REPEAT_ONE / MIN_REPEAT_ONE: a repeat of the one-character instruction that follows
    /// (at pc + 1); the tail starts at pc + 2.
    case repeatOne(min: Int, max: Int, greedy: Bool)
    /// A sub-match (its code starts at `start`, ends with `succeed`): atomic group or assertion;
    /// `width` is the look-behind distance in characters.
    case sub(PySubKind, start: Int, width: Int)
    case succeed
}

/// A compiled character set (`_optimize_charset` + `_sre`'s charset test).
struct PyCharSet: Sendable {
    enum Tail: Sendable {
        case literal(UInt32)
        case range(UInt32, UInt32)
        /// RANGE_UNI_IGNORE: the (lowered) character or its uppercase is in the range.
        case rangeUniIgnore(UInt32, UInt32)
        case category(PyCategory, ascii: Bool)
    }

    var negate = false

    init() {}
    /// IN / IN_IGNORE / IN_UNI_IGNORE: whether the tested character is lowered first.
    var fold: PyFold = .none
    /// Sorted, disjoint (first, last) pairs.
    var ranges: [UInt32] = []
    var tail: [Tail] = []

    func matches(_ ch: UInt32) -> Bool {
        let c = fold.apply(ch)
        var hit = PyUnicode.inRanges(ranges, c)
        if !hit {
            for t in tail {
                switch t {
                case .literal(let v): hit = c == v
                case .range(let a, let b): hit = c >= a && c <= b
                case .rangeUniIgnore(let a, let b):
                    if c >= a && c <= b { hit = true } else {
                        let u = PyUnicode.upper(c)
                        hit = u >= a && u <= b
                    }
                case .category(let cat, let ascii): hit = PyCharSet.category(cat, c, ascii: ascii)
                }
                if hit { break }
            }
        }
        return hit != negate
    }

    static func category(_ cat: PyCategory, _ c: UInt32, ascii: Bool) -> Bool {
        switch cat {
        case .digit: return ascii ? PyUnicode.asciiIsDecimal(c) : PyUnicode.isDecimal(c)
        case .notDigit: return !(ascii ? PyUnicode.asciiIsDecimal(c) : PyUnicode.isDecimal(c))
        case .space: return ascii ? PyUnicode.asciiIsSpace(c) : PyUnicode.isSpace(c)
        case .notSpace: return !(ascii ? PyUnicode.asciiIsSpace(c) : PyUnicode.isSpace(c))
        case .word: return ascii ? PyUnicode.asciiIsWord(c) : PyUnicode.isWord(c)
        case .notWord: return !(ascii ? PyUnicode.asciiIsWord(c) : PyUnicode.isWord(c))
        }
    }

    /// Sorted, merged pairs from (first, last) ranges.
    static func merge(_ pairs: [(UInt32, UInt32)]) -> [UInt32] {
        var out: [UInt32] = []
        for (a, b) in pairs.sorted(by: { $0.0 < $1.0 }) {
            if let last = out.last, a <= last &+ 1, last != UInt32.max {
                if b > last { out[out.count - 1] = b }
            } else {
                out.append(a); out.append(b)
            }
        }
        return out
    }

    /// `_optimize_charset` for the set's items under `flags`.
    init(_ items: [PySetItem], flags: Int) {
        let ascii = flags & PyFlag.unicode == 0
        let ignoreCase = flags & PyFlag.ignoreCase != 0
        guard ignoreCase else {
            var pairs: [(UInt32, UInt32)] = []
            for item in items {
                switch item {
                case .negate: negate = true
                case .literal(let c): pairs.append((c, c))
                case .range(let a, let b): pairs.append((a, b))
                case .category(let cat): tail.append(.category(cat, ascii: ascii))
                }
            }
            ranges = PyCharSet.merge(pairs)
            return
        }
        let fixup: (UInt32) -> UInt32 = { ascii ? PyUnicode.asciiLower($0) : PyUnicode.lower($0) }
        let iscased: (UInt32) -> Bool = { ascii ? PyUnicode.asciiIsCased($0) : PyUnicode.isCased($0) }
        let fixes: [UInt32: [UInt32]] = ascii ? [:] : PyUnicode.extraCases
        var charmap = [Bool](repeating: false, count: 0x10000)
        var hascased = false
        /// charmap[c] = 1, false where Python's bytearray raises IndexError.
        func mark(_ c: UInt32) -> Bool {
            guard c < 0x10000 else { return false }
            charmap[Int(c)] = true
            return true
        }
        func markFolded(_ lo: UInt32) -> Bool {
            guard mark(lo) else { return false }
            for k in fixes[lo] ?? [] where !mark(k) { return false }
            return true
        }
        for item in items {
            switch item {
            case .negate:
                negate = true
            case .category(let cat):
                tail.append(.category(cat, ascii: ascii))
            case .literal(let av):
                if markFolded(fixup(av)) {
                    if !hascased && iscased(av) { hascased = true }
                } else {
                    hascased = true
                    tail.append(.literal(av))
                }
            case .range(let a, let b):
                var complete = true
                var i = a
                while true {
                    if !markFolded(fixup(i)) { complete = false; break }
                    if i == b { break }
                    i += 1
                }
                if complete {
                    if !hascased {
                        var j = a
                        while true {
                            if iscased(j) { hascased = true; break }
                            if j == b { break }
                            j += 1
                        }
                    }
                } else {
                    hascased = true
                    tail.append(.rangeUniIgnore(a, b))
                }
            }
        }
        var out: [UInt32] = []
        var c = 0
        while c < 0x10000 {
            if charmap[c] {
                let start = c
                while c < 0x10000 && charmap[c] { c += 1 }
                out.append(UInt32(start)); out.append(UInt32(c - 1))
            } else {
                c += 1
            }
        }
        ranges = out
        fold = hascased ? (ascii ? .ascii : .unicode) : .none
    }
}

/// The compiler: `_compile` over the parse tree.
struct PyRegexCompiler {
    var code: [PyInst] = []
    var sets: [PyCharSet] = []
    var loops = 0
    let parser: PyRegexParser

    static let maxCode = 4_294_967_295

    init(parser: PyRegexParser) { self.parser = parser }

    static func combine(_ flags: Int, _ add: Int, _ del: Int) -> Int {
        var f = flags
        if add & PyFlag.typeFlags != 0 { f &= ~PyFlag.typeFlags }
        return (f | add) & ~del
    }

    mutating func emit(_ i: PyInst) -> Int {
        code.append(i)
        return code.count - 1
    }

    mutating func addSet(_ s: PyCharSet) -> Int {
        sets.append(s)
        return sets.count - 1
    }

    /// A sub-program inline: `sub`, a jump over the body, the body, `succeed`.
    mutating func compileSub(_ kind: PySubKind, width: Int, _ body: (inout PyRegexCompiler) throws(PyRegexError) -> Void) throws(PyRegexError) {
        let at = emit(.succeed)
        let over = emit(.succeed)
        try body(&self)
        _ = emit(.succeed)
        code[at] = .sub(kind, start: over + 1, width: width)
        code[over] = .jump(code.count)
    }

    mutating func compile(_ nodes: [PyNode], _ flags: Int) throws(PyRegexError) {
        let ignoreCase = flags & PyFlag.ignoreCase != 0
        let ascii = flags & PyFlag.unicode == 0
        for node in nodes {
            switch node {
            case .literal(let c), .notLiteral(let c):
                var negated = false
                if case .notLiteral = node { negated = true }
                let cased = ascii ? PyUnicode.asciiIsCased(c) : PyUnicode.isCased(c)
                if !ignoreCase || !cased {
                    _ = emit(negated ? .notChar(c) : .char(c))
                } else if ascii {
                    let lo = PyUnicode.asciiLower(c)
                    _ = emit(negated ? .notCharFold(lo, .ascii) : .charFold(lo, .ascii))
                } else {
                    let lo = PyUnicode.lower(c)
                    if let extra = PyUnicode.extraCases[lo] {
                        var s = PyCharSet()
                        s.negate = negated
                        s.fold = .unicode
                        s.ranges = PyCharSet.merge(([lo] + extra).map { ($0, $0) })
                        _ = emit(.set(addSet(s)))
                    } else {
                        _ = emit(negated ? .notCharFold(lo, .unicode) : .charFold(lo, .unicode))
                    }
                }
            case .set(let items):
                _ = emit(.set(addSet(PyCharSet(items, flags: flags))))
            case .any:
                _ = emit(flags & PyFlag.dotAll != 0 ? .anyAll : .any)
            case .at(let at):
                let multiline = flags & PyFlag.multiline != 0
                switch at {
                case .beginning: _ = emit(.at(multiline ? .beginningLine : .beginning))
                case .end: _ = emit(.at(multiline ? .endLine : .end))
                case .beginningString: _ = emit(.at(.beginningString))
                case .endString: _ = emit(.at(.endString))
                case .boundary: _ = emit(.at(.boundary(ascii: ascii)))
                case .nonBoundary: _ = emit(.at(.nonBoundary(ascii: ascii)))
                }
            case .repeatNode(let mn, let mx, let kind, let body):
                if flags & PyFlag.template != 0 { throw PyRegexError(message: "internal: unsupported template operator") }
                if kind == .possessive {
                    try compileSub(.atomic, width: 0) { (c) throws(PyRegexError) in
                        try c.compileRepeat(mn, mx, greedy: true, body, flags)
                    }
                } else {
                    try compileRepeat(mn, mx, greedy: kind == .greedy, body, flags)
                }
            case .subpattern(let group, let add, let del, let body):
                let f = PyRegexCompiler.combine(flags, add, del)
                if let group { _ = emit(.save(2 * group)) }
                try compile(body, f)
                if let group { _ = emit(.save(2 * group + 1)) }
            case .atomic(let body):
                try compileSub(.atomic, width: 0) { (c) throws(PyRegexError) in try c.compile(body, flags) }
            case .assertion(let behind, let negate, let body):
                var width = 0
                if behind {
                    let (lo, hi) = parser.width(body)
                    if lo > PyRegexCompiler.maxCode { throw PyRegexError(message: "looks too much behind") }
                    if lo != hi { throw PyRegexError(message: "look-behind requires fixed-width pattern") }
                    width = lo
                }
                let kind: PySubKind = behind ? (negate ? .notBehind : .behind) : (negate ? .notAhead : .ahead)
                try compileSub(kind, width: width) { (c) throws(PyRegexError) in try c.compile(body, flags) }
            case .branch(let items):
                var jumps: [Int] = []
                for (i, item) in items.enumerated() {
                    if i < items.count - 1 {
                        let split = emit(.succeed)
                        try compile(item, flags)
                        jumps.append(emit(.succeed))
                        code[split] = .split(split + 1, code.count)
                    } else {
                        try compile(item, flags)
                    }
                }
                for j in jumps { code[j] = .jump(code.count) }
            case .groupRef(let g):
                let fold: PyFold = !ignoreCase ? .none : (ascii ? .ascii : .unicode)
                _ = emit(.backref(g, fold))
            case .groupExists(let g, let yes, let no):
                let test = emit(.succeed)
                try compile(yes, flags)
                if let no {
                    let skip = emit(.succeed)
                    code[test] = .groupExists(g, code.count)
                    try compile(no, flags)
                    code[skip] = .jump(code.count)
                } else {
                    code[test] = .groupExists(g, code.count)
                }
            }
        }
    }

    mutating func compileRepeat(_ mn: Int, _ mx: Int, greedy: Bool, _ body: [PyNode], _ flags: Int) throws(PyRegexError) {
        if body.count == 1 {
            switch body[0] {
            case .literal, .notLiteral, .any, .set:
                // `_simple`: one character per iteration, no zero-width case.
                _ = emit(.repeatOne(min: mn, max: mx, greedy: greedy))
                try compile(body, flags)
                return
            default:
                break
            }
        }
        let loop = loops
        loops += 1
        let start = emit(.succeed)
        try compile(body, flags)
        let until = code.count
        _ = emit(greedy ? .maxUntil(loop: loop, min: mn, max: mx, body: start + 1)
                        : .minUntil(loop: loop, min: mn, max: mx, body: start + 1))
        code[start] = .repeatStart(loop: loop, until: until)
    }
}
