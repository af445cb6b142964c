import XCTest
@testable import LDEvaluation

/// No trap from any flag, segment or context JSON.
final class RobustnessTests: XCTestCase {
    func testDeepNestingIsAnErrorNotACrash() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        XCTAssertThrowsError(try JSONParser.parse(deep))
        let s = MemorySource()
        s.flags["f"] = #"{"key":"f","version":1,"on":true,"variations":[\#(deep)],"fallthrough":{"variation":0}}"#
        XCTAssertEqual(detailJSON(s, "f", #"{"key":"a"}"#), #"{"value":null,"reason":{"kind":"ERROR","errorKind":"EXCEPTION"}}"#)
    }
    func testHugeNumbers() {
        let s = MemorySource()
        let big = "1" + String(repeating: "0", count: 500)
        s.flags["f"] = #"{"key":"f","version":1,"on":true,"variations":[\#(big), 1e999],"fallthrough":{"variation":\#(big)},"offVariation":-\#(big)}"#
        XCTAssertEqual(detailJSON(s, "f", #"{"key":"a"}"#), #"{"value":null,"reason":{"kind":"ERROR","errorKind":"MALFORMED_FLAG"}}"#)
        s.flags["f"] = #"{"key":"f","version":\#(big),"on":true,"variations":[\#(big), 1e999],"fallthrough":{"variation":0}}"#
        XCTAssertEqual(detailJSON(s, "f", #"{"key":"a"}"#), #"{"value":\#(big),"variationIndex":0,"reason":{"kind":"FALLTHROUGH"}}"#)
        s.flags["f"] = #"{"key":"f","version":1,"on":true,"variations":[1,2],"fallthrough":{"rollout":{"variations":[{"variation":0,"weight":\#(big)}]}}}"#
        XCTAssertEqual(detailJSON(s, "f", #"{"key":"a"}"#), #"{"value":null,"reason":{"kind":"ERROR","errorKind":"EXCEPTION"}}"#)
        s.flags["f"] = #"{"key":"f","version":1,"on":true,"variations":[1,2],"fallthrough":{"rollout":{"seed":-9223372036854775809,"variations":[{"variation":1,"weight":100000}]}}}"#
        XCTAssertEqual(detailJSON(s, "f", #"{"key":"a"}"#), #"{"value":2,"variationIndex":1,"reason":{"kind":"FALLTHROUGH"}}"#)
        XCTAssertEqual(PyEquality.exactIntegerText(1e20), "100000000000000000000")
        XCTAssertEqual(PyEquality.exactIntegerText(-0.0), "0")
    }
    /// F2: an exception (a number beyond a float) drops the prerequisites from all_flags_state,
    /// as the Python SDK resets them; MALFORMED_FLAG keeps them.
    func testExceptionDropsPrerequisitesInAllFlagsState() {
        let s = MemorySource()
        s.flags["p"] = #"{"key":"p","version":1,"on":true,"variations":[true],"fallthrough":{"variation":0}}"#
        func flag(_ clause: String) -> String {
            #"{"key":"f","version":2,"on":true,"variations":[1,2],"fallthrough":{"variation":0},"prerequisites":[{"key":"p","variation":0}],"rules":[{"variation":1,"clauses":[\#(clause)]}]}"#
        }
        let big = "1" + String(repeating: "0", count: 400)
        let c = ctx(#"{"kind":"user","key":"k","score":\#(big)}"#)
        func state() -> String { String(decoding: Evaluator(source: s).allFlagsState(context: c, options: [], nowMillis: 0).json, as: UTF8.self) }
        s.flags["f"] = flag(#"{"attribute":"score","op":"greaterThan","values":[5]}"#)
        XCTAssertEqual(detailJSON(s, "f", #"{"kind":"user","key":"k","score":\#(big)}"#), #"{"value":null,"reason":{"kind":"ERROR","errorKind":"EXCEPTION"}}"#)
        XCTAssertTrue(state().contains(#""f":{"version":2}"#), state())
        s.flags["f"] = flag(#"{"contextKind":"user","attribute":"/","op":"in","values":[5]}"#)
        XCTAssertTrue(state().contains(#""f":{"version":2,"prerequisites":["p"]}"#), state())
    }
    func testGarbageInputsNeverTrap() {
        let pieces = ["{", "}", "[", "]", "\"", ":", ",", "1", "-", "e", ".", "true", "null", "\\u", "\\ud800", "é", "\u{0}", "key", "version", "on", "variations", "rules", "clauses", "op", "matches", "values", "/a~", "(", "*", "+"]
        var rng = SystemRandomNumberGenerator()
        let s = MemorySource()
        for _ in 0..<3000 {
            var text = ""
            for _ in 0..<Int.random(in: 1...40, using: &rng) { text += pieces[Int.random(in: 0..<pieces.count, using: &rng)] }
            s.flags["f"] = text
            _ = detailJSON(s, "f", text)
            s.flags["f"] = #"{"key":"f","version":1,"on":true,"variations":[1],"rules":[{"clauses":[{"attribute":"a","op":"matches","values":["\#(text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\""))"]}]}]}"#
            _ = detailJSON(s, "f", #"{"key":"k","a":"xyz"}"#)
        }
    }
    func testTimestamps() {
        XCTAssertEqual(Timestamp.parse("2009-01-01T10:01:02Z"), 1230804062000.0)
        XCTAssertEqual(Timestamp.parse("2009-01-01T10:01:02.123456789Z"), 1230804062123.456)
        XCTAssertEqual(Timestamp.parse("20090101T100102Z"), 1230804062000.0)
        XCTAssertEqual(Timestamp.parse("2009-01-01T10:01:02+0100"), 1230800462000.0)
        XCTAssertEqual(Timestamp.parse("2009-01-01T10Z"), 1230804000000.0)
        XCTAssertEqual(Timestamp.parse("0001-01-01T00:00:00Z"), -62135596800000.0)
        XCTAssertNil(Timestamp.parse("2009-01-01T10:01:02"))
        XCTAssertNil(Timestamp.parse("2009-02-29T10:01:02Z"))
        XCTAssertNil(Timestamp.parse("2009-01-01T24:00:00Z"))
        XCTAssertNil(Timestamp.parse("2009-1-01T10:01:02Z"))
    }
    func testSemanticVersionParsing() {
        XCTAssertNotNil(SemanticVersion.parse("1.2.3-beta.1+b"))
        XCTAssertNotNil(SemanticVersion.parse("1-rc"))
        XCTAssertNotNil(SemanticVersion.parse("1.2.3-0a"))
        for bad in ["01.2.3", "1.2.3.4", "v1.2.3", "1..2", "1.2.3-01", "1.2.3-", " 1.2.3", "1.2.3\n", "", "1.2.3-a..b", "1.2.3+"] {
            XCTAssertNil(SemanticVersion.parse(bad), bad)
        }
    }
    func testConcurrentEvaluations() throws {
        // One decoded flag (and so one compiled regex) shared by every thread, as the store's cache shares it.
        let s = SharedSource(try FeatureFlag(json: Array(clauseFlag(#"{"attribute":"a","op":"matches","values":["^x+$"]}"#).utf8)))
        let e = Evaluator(source: s)
        DispatchQueueLess.concurrentPerform(8) { i in
            for j in 0..<500 {
                let d = e.evaluate(flagKey: "f", context: ctx(#"{"kind":"user","key":"k\#(i)-\#(j)","a":"xxx"}"#))
                XCTAssertEqual(d.variationIndex, 1)
            }
        }
    }
}

/// A source that serves one already-decoded flag.
final class SharedSource: EvaluationDataSource {
    let only: FeatureFlag
    init(_ flag: FeatureFlag) { only = flag }
    func flag(_ key: String) throws(EvaluationFailure) -> FeatureFlag? { key == only.key ? only : nil }
    func segment(_ key: String) throws(EvaluationFailure) -> Segment? { nil }
    func allFlags() throws(EvaluationFailure) -> [FeatureFlag] { [only] }
    func bigSegmentMembership(contextKey: String) -> (membership: [String: Bool]?, status: EvaluationReason.BigSegmentsStatus) {
        (nil, .notConfigured)
    }
}

/// Threads without Foundation's Dispatch.
enum DispatchQueueLess {
    static func concurrentPerform(_ n: Int, _ body: @escaping @Sendable (Int) -> Void) {
        var threads: [pthread_t] = []
        final class Box: @unchecked Sendable { let body: @Sendable (Int) -> Void; let i: Int; init(_ b: @escaping @Sendable (Int) -> Void, _ i: Int) { body = b; self.i = i } }
        for i in 0..<n {
            var t = pthread_t()
            let box = Unmanaged.passRetained(Box(body, i)).toOpaque()
            pthread_create(&t, nil, { p in
                let b = Unmanaged<Box>.fromOpaque(p!).takeRetainedValue()
                b.body(b.i)
                return nil
            }, box)
            threads.append(t)
        }
        for t in threads { pthread_join(t, nil) }
    }
}
