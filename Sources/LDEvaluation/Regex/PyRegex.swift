import Glibc

/// A regular expression with the syntax and semantics of Python 3.11's `re` for str patterns
/// (what LaunchDarkly's Python SDK uses for `matches`: `re.compile(pattern)` and `.search`).
/// `init` fails where `re.compile` raises (then the clause matches nothing). Matching is a
/// backtracking search over code points with `_sre`'s rules (`$` before a final newline,
/// zero-width repeat protection, fixed-width look-behind, atomic groups and possessive
/// repeats, simple case folding with `re`'s extra equivalences).
///
/// The work of one search is bounded: after `stepBudget` steps (about 0.2 s; `re` does the
/// same backtracking about twice as fast) the search gives up and reports no match, where
/// Python would keep going (a pattern with catastrophic backtracking can take Python minutes
/// or longer; its answer then is almost always "no match").
public final class PyRegex: Sendable {
    public static let stepBudget = 20_000_000

    let code: [PyInst]
    let sets: [PyCharSet]
    let slotCount: Int
    let loopCount: Int
    /// The pattern can only match at the start of the text (`\A` or `^` without MULTILINE first).
    let anchored: Bool
    /// The least number of characters a match takes (`_compile_info`'s minimum: `_sre` tries no
    /// start position with fewer characters left).
    let minWidth: Int
    /// `_compile_info`'s charset: `_sre` tries only start positions whose character is in it.
    /// Its categories follow the global flags even when the first set is inside `(?a:…)` or
    /// `(?u:…)` (a quirk of Python's that decides some searches).
    let firstCharacter: PyCharSet?

    public init(_ pattern: String) throws(PyRegexError) {
        let scalars = pattern.unicodeScalars.map(\.value)
        var parser = PyRegexParser(scalars)
        try parser.advance()
        let tree = try PyRegexParser.parseTree(&parser)
        var compiler = PyRegexCompiler(parser: parser)
        try compiler.compile(tree.nodes, tree.flags)
        _ = compiler.emit(.succeed)
        code = compiler.code
        sets = compiler.sets
        slotCount = 2 * tree.groups
        minWidth = parser.width(tree.nodes).0
        firstCharacter = PyRegex.infoCharset(tree.nodes, tree.flags, minWidth: minWidth)
        loopCount = compiler.loops
        if let first = code.first, case .at(let at) = first {
            switch at {
            case .beginning, .beginningString: anchored = true
            default: anchored = false
            }
        } else {
            anchored = false
        }
    }

    /// `_get_iscased(flags)`: whether `c` is cased under these flags (false without IGNORECASE).
    static func cased(_ c: UInt32, _ flags: Int) -> Bool {
        guard flags & PyFlag.ignoreCase != 0 else { return false }
        return flags & PyFlag.unicode != 0 ? PyUnicode.isCased(c) : PyUnicode.asciiIsCased(c)
    }

    /// `_get_literal_prefix`: the length of the literal prefix and whether it is all the pattern.
    static func literalPrefix(_ nodes: [PyNode], _ flags: Int) -> (count: Int, all: Bool) {
        var n = 0
        for node in nodes {
            switch node {
            case .literal(let c):
                if cased(c, flags) { return (n, false) }
                n += 1
            case .subpattern(_, let add, let del, let body):
                let (n1, all) = literalPrefix(body, PyRegexCompiler.combine(flags, add, del))
                n += n1
                if !all { return (n, false) }
            default:
                return (n, false)
            }
        }
        return (n, true)
    }

    /// `_compile_info`'s charset prefix (`_get_charset_prefix`), compiled with the global flags.
    static func infoCharset(_ tree: [PyNode], _ globalFlags: Int, minWidth: Int) -> PyCharSet? {
        guard minWidth > 0, literalPrefix(tree, globalFlags).count == 0 else { return nil }
        var nodes = tree
        var flags = globalFlags
        while let first = nodes.first, case .subpattern(_, let add, let del, let body) = first {
            flags = PyRegexCompiler.combine(flags, add, del)
            nodes = body
        }
        guard let first = nodes.first else { return nil }
        var items: [PySetItem] = []
        switch first {
        case .literal(let c):
            if cased(c, flags) { return nil }
            items = [.literal(c)]
        case .branch(let alternatives):
            for alternative in alternatives {
                guard let a = alternative.first, case .literal(let c) = a, !cased(c, flags) else { return nil }
                items.append(.literal(c))
            }
        case .set(let members):
            if flags & PyFlag.ignoreCase != 0 {
                for m in members {
                    switch m {
                    case .literal(let c): if cased(c, flags) { return nil }
                    case .range(let a, let b):
                        if b > 0xFFFF { return nil }
                        for c in a...b where cased(c, flags) { return nil }
                    default: break
                    }
                }
            }
            items = members
        default:
            return nil
        }
        return PyCharSet(items, flags: globalFlags & ~PyFlag.ignoreCase)
    }

    /// `re.search(pattern, text) is not None`; nil when the step budget ran out.
    public func search(_ text: String) -> Bool? {
        search(text, budget: PyRegex.stepBudget).found
    }

    /// The search with another step budget, and the steps it took.
    func search(_ text: String, budget: Int) -> (found: Bool?, steps: Int) {
        var text = text
        let scratch = PyRegexScratch.current()
        return text.withUTF8 { buffer in
            var m = PyRegexMatcher(regex: self, text: buffer, scratch: scratch)
            m.budget = budget
            let found = m.search()
            m.giveBack(to: scratch)
            return (found, m.steps)
        }
    }
}

extension PyRegexParser {
    static func parseTree(_ p: inout PyRegexParser) throws(PyRegexError) -> (nodes: [PyNode], flags: Int, groups: Int) {
        let tree = try p.parseSub(verbose: false, nested: 0)
        if p.flags & PyFlag.locale != 0 { throw PyRegexError(message: "cannot use LOCALE flag with a str pattern") }
        if p.flags & PyFlag.ascii == 0 {
            p.flags |= PyFlag.unicode
        } else if p.flags & PyFlag.unicode != 0 {
            throw PyRegexError(message: "ASCII and UNICODE flags are incompatible")
        }
        if p.next != nil { throw PyRegexError(message: "unbalanced parenthesis") }
        for (g, _) in p.grouprefpos where g >= p.groups { throw PyRegexError(message: "invalid group reference \(g)") }
        return (tree, p.flags, p.groups)
    }
}

/// Each thread's matcher arrays, kept between searches (freed with the thread).
final class PyRegexScratch {
    var stack: [PyRegexMatcher.Entry] = []
    var slots: [Int] = []
    var counts: [Int] = []
    var lasts: [Int] = []

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { p in
            if let p { Unmanaged<PyRegexScratch>.fromOpaque(p).release() }
        }
        return key
    }()

    static func current() -> PyRegexScratch {
        if let p = pthread_getspecific(key) { return Unmanaged<PyRegexScratch>.fromOpaque(p).takeUnretainedValue() }
        let scratch = PyRegexScratch()
        pthread_setspecific(key, Unmanaged.passRetained(scratch).toOpaque())
        return scratch
    }
}

/// One search: the text as UTF-8 bytes, positions are byte offsets at character starts.
struct PyRegexMatcher {
    enum Entry {
        case retry(pc: Int, pos: Int)
        case minIterate(pc: Int, pos: Int)
        /// A greedy repeatOne at `pc` that matched `count` characters up to `end`: give one back.
        case fewer(pc: Int, end: Int, count: Int)
        /// A lazy repeatOne at `pc` that matched `count` characters up to `end`: take one more.
        case more(pc: Int, end: Int, count: Int)
        case slot(Int, Int)
        case count(Int, Int)
        case last(Int, Int)
    }

    let regex: PyRegex
    let code: [PyInst]
    let sets: [PyCharSet]
    let text: UnsafeBufferPointer<UInt8>
    var slots: [Int]
    var counts: [Int]
    var lasts: [Int]
    var stack: [Entry]
    var steps = 0
    var budget = PyRegex.stepBudget
    var exceeded = false

    init(regex: PyRegex, text: UnsafeBufferPointer<UInt8>, scratch: PyRegexScratch?) {
        self.regex = regex
        code = regex.code
        sets = regex.sets
        self.text = text
        if let scratch {
            // The thread's arrays, moved out (no copy) and refilled: no allocation when warm.
            stack = scratch.stack; scratch.stack = []
            slots = scratch.slots; scratch.slots = []
            counts = scratch.counts; scratch.counts = []
            lasts = scratch.lasts; scratch.lasts = []
            stack.removeAll(keepingCapacity: true)
            slots.removeAll(keepingCapacity: true)
            counts.removeAll(keepingCapacity: true)
            lasts.removeAll(keepingCapacity: true)
            slots.append(contentsOf: repeatElement(-1, count: regex.slotCount))
            counts.append(contentsOf: repeatElement(-1, count: regex.loopCount))
            lasts.append(contentsOf: repeatElement(-1, count: regex.loopCount))
        } else {
            stack = []
            slots = [Int](repeating: -1, count: regex.slotCount)
            counts = [Int](repeating: -1, count: regex.loopCount)
            lasts = [Int](repeating: -1, count: regex.loopCount)
        }
    }

    /// Returns the arrays to the thread's scratch (unless they grew large).
    mutating func giveBack(to scratch: PyRegexScratch?) {
        guard let scratch else { return }
        let small = stack.capacity <= 4096 && slots.capacity <= 4096 && counts.capacity <= 4096
        if small {
            scratch.stack = stack; scratch.slots = slots; scratch.counts = counts; scratch.lasts = lasts
        }
    }

    mutating func search() -> Bool? {
        var left = 0
        for b in text where b & 0xC0 != 0x80 { left += 1 }
        var start = 0
        while left >= regex.minWidth {
            if let first = regex.firstCharacter, start >= text.count || !first.matches(decode(start).0) {
                if start >= text.count { return false }
                start = next(start)
                left -= 1
                continue
            }
            if run(0, start) != nil { return true }
            if exceeded { return nil }
            if regex.anchored || start >= text.count { return false }
            start = next(start)
            left -= 1
        }
        return false
    }

    // MARK: text

    /// The character at `i` (< count) and the offset after it.
    @inline(__always) func decode(_ i: Int) -> (UInt32, Int) {
        let b0 = UInt32(text[i])
        if b0 < 0x80 { return (b0, i + 1) }
        if b0 < 0xE0, i + 1 < text.count { return ((b0 & 0x1F) << 6 | UInt32(text[i + 1] & 0x3F), i + 2) }
        if b0 < 0xF0, i + 2 < text.count {
            return ((b0 & 0x0F) << 12 | UInt32(text[i + 1] & 0x3F) << 6 | UInt32(text[i + 2] & 0x3F), i + 3)
        }
        if i + 3 < text.count {
            return ((b0 & 0x07) << 18 | UInt32(text[i + 1] & 0x3F) << 12 | UInt32(text[i + 2] & 0x3F) << 6 | UInt32(text[i + 3] & 0x3F), i + 4)
        }
        return (0xFFFD, text.count)
    }

    @inline(__always) func next(_ i: Int) -> Int { decode(i).1 }

    @inline(__always) func previous(_ i: Int) -> Int {
        var j = i - 1
        while j > 0 && text[j] & 0xC0 == 0x80 { j -= 1 }
        return j
    }

    func isWord(_ c: UInt32, ascii: Bool) -> Bool { ascii ? PyUnicode.asciiIsWord(c) : PyUnicode.isWord(c) }

    func at(_ code: PyAtCode, _ pos: Int) -> Bool {
        let n = text.count
        switch code {
        case .beginning, .beginningString: return pos == 0
        case .beginningLine: return pos == 0 || text[pos - 1] == 0x0A
        case .end: return pos == n || (pos + 1 == n && text[pos] == 0x0A)
        case .endLine: return pos == n || text[pos] == 0x0A
        case .endString: return pos == n
        case .boundary(let ascii), .nonBoundary(let ascii):
            if n == 0 { return false }
            let before = pos > 0 && isWord(decode(previous(pos)).0, ascii: ascii)
            let after = pos < n && isWord(decode(pos).0, ascii: ascii)
            if case .boundary = code { return before != after }
            return before == after
        }
    }

    // MARK: the machine

    mutating func setSlot(_ i: Int, _ v: Int) {
        stack.append(.slot(i, slots[i]))
        slots[i] = v
    }

    mutating func setCount(_ loop: Int, _ v: Int) {
        stack.append(.count(loop, counts[loop]))
        counts[loop] = v
    }

    mutating func setLast(_ loop: Int, _ v: Int) {
        stack.append(.last(loop, lasts[loop]))
        lasts[loop] = v
    }

    /// Undoes everything above `base`.
    mutating func unwind(to base: Int) {
        while stack.count > base {
            switch stack.removeLast() {
            case .slot(let i, let v): slots[i] = v
            case .count(let l, let v): counts[l] = v
            case .last(let l, let v): lasts[l] = v
            case .retry, .minIterate, .fewer, .more: break
            }
        }
    }

    /// Drops the choices above `base`, keeping what undoes the state (an atomic success).
    mutating func commit(above base: Int) {
        var w = base
        for r in base..<stack.count {
            switch stack[r] {
            case .retry, .minIterate, .fewer, .more: continue
            default:
                stack[w] = stack[r]
                w += 1
            }
        }
        stack.removeLast(stack.count - w)
    }

    /// The offset after one character at `pos` that the one-character instruction `inst`
    /// accepts, or nil.
    @inline(__always) func single(_ inst: PyInst, _ pos: Int) -> Int? {
        guard pos < text.count else { return nil }
        let (ch, after) = decode(pos)
        switch inst {
        case .char(let c): return ch == c ? after : nil
        case .notChar(let c): return ch != c ? after : nil
        case .charFold(let c, let fold): return fold.apply(ch) == c ? after : nil
        case .notCharFold(let c, let fold): return fold.apply(ch) != c ? after : nil
        case .set(let s): return sets[s].matches(ch) ? after : nil
        case .any: return ch != 0x0A ? after : nil
        case .anyAll: return after
        default: return nil
        }
    }

    /// Matches the code at `pc0` from `pos0` up to its `succeed`: the end offset, or nil.
    mutating func run(_ pc0: Int, _ pos0: Int) -> Int? {
        let base = stack.count
        var pc = pc0, pos = pos0
        let n = text.count
        while true {
            steps += 1
            if steps > budget {
                exceeded = true
                unwind(to: base)
                return nil
            }
            var ok = true
            switch code[pc] {
            case .char(let c):
                if pos < n, case let (ch, after) = decode(pos), ch == c { pos = after; pc += 1 } else { ok = false }
            case .notChar(let c):
                if pos < n, case let (ch, after) = decode(pos), ch != c { pos = after; pc += 1 } else { ok = false }
            case .charFold(let c, let fold):
                if pos < n, case let (ch, after) = decode(pos), fold.apply(ch) == c { pos = after; pc += 1 } else { ok = false }
            case .notCharFold(let c, let fold):
                if pos < n, case let (ch, after) = decode(pos), fold.apply(ch) != c { pos = after; pc += 1 } else { ok = false }
            case .set(let s):
                if pos < n, case let (ch, after) = decode(pos), sets[s].matches(ch) { pos = after; pc += 1 } else { ok = false }
            case .any:
                if pos < n, text[pos] != 0x0A { pos = next(pos); pc += 1 } else { ok = false }
            case .anyAll:
                if pos < n { pos = next(pos); pc += 1 } else { ok = false }
            case .at(let a):
                if at(a, pos) { pc += 1 } else { ok = false }
            case .split(let first, let second):
                stack.append(.retry(pc: second, pos: pos))
                pc = first
            case .jump(let target):
                pc = target
            case .save(let i):
                setSlot(i, pos)
                pc += 1
            case .backref(let g, let fold):
                let s = slots[2 * g], e = slots[2 * g + 1]
                if s < 0 || e < 0 || e < s { ok = false; break }
                var p = s, q = pos
                while p < e {
                    guard q < n else { ok = false; break }
                    let (a, pa) = decode(p), (b, qb) = decode(q)
                    if fold.apply(a) != fold.apply(b) { ok = false; break }
                    p = pa; q = qb
                }
                if ok { pos = q; pc += 1 }
            case .groupExists(let g, let otherwise):
                let s = slots[2 * g], e = slots[2 * g + 1]
                pc = (s < 0 || e < 0 || e < s) ? otherwise : pc + 1
            case .repeatStart(let loop, let until):
                setCount(loop, -1)
                setLast(loop, -1)
                pc = until
            case .maxUntil(let loop, let mn, let mx, let body):
                let count = counts[loop] + 1
                if count < mn {
                    setCount(loop, count)
                    pc = body
                } else if (count < mx || mx == pyMaxRepeat) && pos != lasts[loop] {
                    stack.append(.retry(pc: pc + 1, pos: pos))
                    setCount(loop, count)
                    setLast(loop, pos)
                    pc = body
                } else {
                    pc += 1
                }
            case .minUntil(let loop, let mn, let mx, let body):
                let count = counts[loop] + 1
                if count < mn {
                    setCount(loop, count)
                    pc = body
                } else {
                    if !((count >= mx && mx != pyMaxRepeat) || pos == lasts[loop]) {
                        stack.append(.minIterate(pc: pc, pos: pos))
                    }
                    pc += 1
                }
            case .repeatOne(let mn, let mx, let greedy):
                let inst = code[pc + 1]
                var count = 0, p = pos
                let first = greedy ? mx : mn
                while count < first, let q = single(inst, p) {
                    p = q
                    count += 1
                    if count & 1023 == 0 {
                        steps += 1024
                        if steps > budget { break }
                    }
                }
                if count < mn { ok = false; break }
                if greedy {
                    if count > mn { stack.append(.fewer(pc: pc, end: p, count: count)) }
                } else if count < mx {
                    stack.append(.more(pc: pc, end: p, count: count))
                }
                pos = p
                pc += 2
            case .sub(let kind, let start, let width):
                var from = pos
                if kind == .behind || kind == .notBehind {
                    var k = 0
                    while k < width && from > 0 { from = previous(from); k += 1 }
                    if k < width {
                        if kind == .behind { ok = false } else { pc += 1 }
                        break
                    }
                }
                let mark = stack.count
                let end = run(start, from)
                if exceeded { unwind(to: base); return nil }
                switch kind {
                case .atomic, .ahead, .behind:
                    if let end {
                        commit(above: mark)
                        if kind == .atomic { pos = end }
                        pc += 1
                    } else {
                        ok = false
                    }
                case .notAhead, .notBehind:
                    if end != nil {
                        unwind(to: mark)
                        ok = false
                    } else {
                        pc += 1
                    }
                }
            case .succeed:
                return pos
            }
            if !ok {
                // backtrack
                var resumed = false
                while stack.count > base {
                    switch stack.removeLast() {
                    case .slot(let i, let v): slots[i] = v
                    case .count(let l, let v): counts[l] = v
                    case .last(let l, let v): lasts[l] = v
                    case .retry(let p, let q):
                        pc = p; pos = q; resumed = true
                    case .fewer(let p, let end, let count):
                        guard case .repeatOne(let mn, _, _) = code[p] else { continue }
                        let back = previous(end)
                        if count - 1 > mn { stack.append(.fewer(pc: p, end: back, count: count - 1)) }
                        pc = p + 2; pos = back; resumed = true
                    case .more(let p, let end, let count):
                        guard case .repeatOne(_, let mx, _) = code[p], let q = single(code[p + 1], end) else { continue }
                        if count + 1 < mx { stack.append(.more(pc: p, end: q, count: count + 1)) }
                        pc = p + 2; pos = q; resumed = true
                    case .minIterate(let p, let q):
                        guard case .minUntil(let loop, _, _, let body) = code[p] else { continue }
                        setCount(loop, counts[loop] + 1)
                        setLast(loop, q)
                        pc = body; pos = q; resumed = true
                    }
                    if resumed { break }
                }
                if !resumed { return nil }
            }
        }
    }
}
