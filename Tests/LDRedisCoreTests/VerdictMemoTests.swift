import Foundation
import Testing
@testable import LDRedisCore

/// `VerdictMemo`: `allJSON` (cache off) takes the verdict of a value whose bytes equal the
/// value at the same place in the last reply. A verdict may come from the memo only for the very
/// same bytes: these tests change values in every way that keeps the length (a digit, `true` to
/// `false `, a byte made invalid), move, add and remove them, and hold each pass to a fresh scan.
@Suite("VerdictMemo: verdicts of unchanged values reused, changed ones scanned")
struct VerdictMemoTests {
    typealias Verdict = VerdictMemo.Verdict

    static func scan(_ value: [UInt8]) -> Verdict {
        value.withUnsafeBytes { AllJSON.HashSink.scan($0) }
    }

    /// One pass over `values`: the verdicts, how many values were scanned, and the next memo.
    static func pass(_ values: [[UInt8]], old: VerdictMemo?, limit: Int = 1 << 30) -> (verdicts: [Verdict], scans: Int, memo: VerdictMemo?) {
        let pass = VerdictMemo.Pass(old: old, limit: limit)
        var scans = 0
        let verdicts = values.map { value in
            value.withUnsafeBytes { bytes in
                pass.verdict(bytes) { scans += 1; return AllJSON.HashSink.scan($0) }
            }
        }
        return (verdicts, scans, pass.finish())
    }

    static func b(_ s: String) -> [UInt8] { Array(s.utf8) }

    /// Pairs of values of one length with different verdicts, or different bytes and the same one.
    static let sameLength: [([UInt8], [UInt8])] = [
        (b(#"{"version":1}"#), b(#"{"version":x}"#)),                                   // live, malformed
        (b(#"{"version":1,"deleted":true }"#), b(#"{"version":1,"deleted":false}"#)),   // deleted, live
        (b(#"{"key":"$deleted","version":2}"#), b(#"{"key":"$deletes","version":2}"#)), // deleted, live
        (b(#"{"version":1,"a":"\u00e9"}"#), b(#"{"version":1,"a":"\u00g9"}"#)),       // live, malformed
        (b(#"{"version":1}"#), b(#"{"version":2}"#)),                                   // live, live
        ([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xC3, 0xA9, 0x22, 0x2C] + b(#""version":1}"#),
         [0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0x22, 0x2C] + b(#""version":1}"#)), // live, bad UTF-8
    ]

    @Test("the same values again: nothing scanned, the same memo kept")
    func unchanged() throws {
        let values = AllJSONStreamTests.pairs().map(\.1)
        let first = Self.pass(values, old: nil)
        #expect(first.scans == values.count)
        #expect(first.verdicts == values.map(Self.scan))
        let memo = try #require(first.memo)
        let second = Self.pass(values, old: memo)
        #expect(second.scans == 0)
        #expect(second.verdicts == first.verdicts)
        #expect(second.memo === memo)
    }

    @Test("a value changed in place, with its length kept: scanned, and its new verdict remembered")
    func changedInPlace() throws {
        for (before, after) in Self.sameLength {
            #expect(before.count == after.count)
            let head = (0..<5).map { Self.b(#"{"version":\#($0)}"#) }
            let values = head + [before] + head
            let memo = try #require(Self.pass(values, old: nil).memo)
            var changed = values
            changed[5] = after
            let next = Self.pass(changed, old: memo)
            #expect(next.scans == 1)
            #expect(next.verdicts == changed.map(Self.scan))
            #expect(next.verdicts[5] == Self.scan(after))
            let again = Self.pass(changed, old: next.memo)
            #expect(again.scans == 0)
            #expect(again.verdicts == next.verdicts)
        }
    }

    @Test("values added, removed and moved: every verdict is a fresh scan's")
    func reshaped() throws {
        var rng = JSONScannerTests.Generator(state: 7)
        let pool = AllJSONStreamTests.pairs().map(\.1) + Self.sameLength.flatMap { [$0.0, $0.1] }
        var values = Array(pool.prefix(60))
        var memo: VerdictMemo?
        for round in 0..<300 {
            switch rng.below(6) {
            case 0: values.insert(pool[rng.below(pool.count)], at: rng.below(values.count + 1))
            case 1: if !values.isEmpty { values.remove(at: rng.below(values.count)) }
            case 2: if values.count > 1 { values.swapAt(rng.below(values.count), rng.below(values.count)) }
            case 3: if !values.isEmpty { values[rng.below(values.count)] = pool[rng.below(pool.count)] }
            case 4: if !values.isEmpty {
                // One byte changed in place (often from valid to invalid, or the reverse).
                let k = rng.below(values.count)
                if !values[k].isEmpty { values[k][rng.below(values[k].count)] = UInt8(truncatingIfNeeded: rng.below(256)) }
            }
            default: break
            }
            let result = Self.pass(values, old: memo)
            #expect(result.verdicts == values.map(Self.scan), "round \(round)")
            memo = result.memo
        }
    }

    @Test("a memo over the limit is not kept; the verdicts are the same")
    func limit() throws {
        let values = (0..<100).map { Self.b(#"{"version":\#($0)}"#) }
        let size = values.reduce(0) { $0 + $1.count + VerdictMemo.entryHeader }
        #expect(Self.pass(values, old: nil, limit: size - 1).memo == nil)
        let whole = try #require(Self.pass(values, old: nil, limit: size).memo)
        #expect(whole.count == size)
        // Over the limit after a first difference (the copied prefix counts too).
        var changed = values
        changed[50] = Self.b(#"{"version":x}"#)
        changed.append(Self.b(#"{"version":1000}"#))
        let next = Self.pass(changed, old: whole, limit: size)
        #expect(next.memo == nil)
        #expect(next.verdicts == changed.map(Self.scan))
        // Fewer values: the memo is the prefix they matched.
        let fewer = Self.pass(Array(values.prefix(40)), old: whole)
        #expect(fewer.scans == 0)
        #expect(Self.pass(Array(values.prefix(40)), old: fewer.memo).scans == 0)
        #expect(Self.pass([], old: whole).memo == nil)
    }

    @Test("allJSON: the hash changed between calls in place, by length and by shape; each object is a fresh one")
    func allJSONAcrossChanges() throws {
        let (fake, store) = AllJSONStreamTests.fakeStore()
        let keys = (0..<40).map { "k\($0)" }
        func set(_ pairs: [(String, [UInt8])]) throws {
            try AllJSONStreamTests.write(pairs.map { (Array($0.0.utf8), $0.1) }, to: "p:features", through: fake)
        }
        try set(keys.map { ($0, Self.b(#"{"version":1}"#)) })
        try AllJSONStreamTests.expectSame(store, "features")
        for (k, (before, after)) in Self.sameLength.enumerated() {
            try set([(keys[k], before)])
            try AllJSONStreamTests.expectSame(store, "features")
            try AllJSONStreamTests.expectSame(store, "features")
            try set([(keys[k], after)])
            try AllJSONStreamTests.expectSame(store, "features")
        }
        _ = try fake.withSession { (session, deadline) throws(StoreError) in
            var command = CommandEncoder()
            command.command("HDEL", "p:features", "k3", "k17")
            return try session.pipeline(command, deadline: deadline)
        }
        try AllJSONStreamTests.expectSame(store, "features")
        try set([("new", Self.b(#"{"version":9,"deleted":true}"#)), ("k3", Self.b(#"{"version":4}"#))])
        try AllJSONStreamTests.expectSame(store, "features")
    }

    @Test("allJSON from several threads at once: every object is the same, right one")
    func concurrent() throws {
        let (fake, store) = AllJSONStreamTests.fakeStore()
        try AllJSONStreamTests.write(AllJSONStreamTests.pairs(), to: "p:features", through: fake)
        let expected = AllJSONStreamTests.reference(try store.all(kind: "features").items)
        let wrong = Counter(start: 0)
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            for _ in 0..<10 {
                guard let (pointer, count) = try? store.allJSON(kind: "features") else { _ = wrong.next(); continue }
                if Array(UnsafeBufferPointer(start: pointer, count: count)) != expected { _ = wrong.next() }
                free(pointer)
            }
        }
        #expect(wrong.value == 0)
    }
}

