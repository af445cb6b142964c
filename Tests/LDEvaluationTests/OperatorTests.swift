import XCTest
@testable import LDEvaluation

/// One named test per clause operator (semantics: ldclient/impl/operators.py).
final class OperatorTests: XCTestCase {
    func testIn() {
        XCTAssertTrue(op("in", #""x""#, #"["y","x"]"#))
        XCTAssertTrue(op("in", "1", "[1.0]"))                  // int == float
        XCTAssertFalse(op("in", "true", "[1]"))                // bool never equals a number
        XCTAssertFalse(op("in", "1", #"["1"]"#))
        XCTAssertTrue(op("in", #"{"a":[1,2]}"#, #"[{"a":[1,2]}]"#))
        XCTAssertTrue(op("in", #"["q","x"]"#, #"["x"]"#))       // an array attribute: any element
        XCTAssertFalse(op("in", #""e\u0301""#, #""é""#.isEmpty ? "[]" : #"["\u00e9"]"#)) // code points, not canonical equivalence
        XCTAssertTrue(op("in", "12345678901234567890123", "[12345678901234567890123]"))
        XCTAssertFalse(op("in", "9007199254740993", "[9007199254740992.0]"))  // exact int/float comparison
        XCTAssertTrue(op("in", "100000000000000000000", "[1e20]"))
    }
    func testStartsWith() {
        XCTAssertTrue(op("startsWith", #""hello""#, #"["he"]"#))
        XCTAssertTrue(op("startsWith", #""hello""#, #"[""]"#))
        XCTAssertFalse(op("startsWith", #""hello""#, #"["lo"]"#))
        XCTAssertFalse(op("startsWith", "5", #"["5"]"#))
    }
    func testEndsWith() {
        XCTAssertTrue(op("endsWith", #""hello""#, #"["lo"]"#))
        XCTAssertFalse(op("endsWith", #""hello""#, #"["he"]"#))
    }
    func testContains() {
        XCTAssertTrue(op("contains", #""hello""#, #"["ell"]"#))
        XCTAssertFalse(op("contains", #""hello""#, #"["elo"]"#))
        XCTAssertTrue(op("contains", #""naïve café""#, #"["é"]"#))
    }
    func testMatches() {
        XCTAssertTrue(op("matches", #""hello123""#, #"["l+o\\d"]"#))
        XCTAssertTrue(op("matches", #""abc""#, #"["b"]"#))        // search, not full match
        XCTAssertFalse(op("matches", #""abc""#, #"["^b"]"#))
        XCTAssertFalse(op("matches", #""abc""#, #"["(unclosed"]"#))   // invalid regex: no match, no trap
        XCTAssertFalse(op("matches", "5", #"["5"]"#))
        XCTAssertTrue(op("matches", #""key-42""#, #"["(?P<n>\\d+)$"]"#))   // Python's named group syntax
    }
    func testLessThan() {
        XCTAssertTrue(op("lessThan", "1", "[2]"))
        XCTAssertFalse(op("lessThan", "2", "[2]"))
        XCTAssertFalse(op("lessThan", #""1""#, "[2]"))
        XCTAssertFalse(op("lessThan", "true", "[2]"))
        XCTAssertTrue(op("lessThan", "1.5", "[2]"))
    }
    func testLessThanOrEqual() {
        XCTAssertTrue(op("lessThanOrEqual", "2", "[2.0]"))
        XCTAssertFalse(op("lessThanOrEqual", "3", "[2]"))
    }
    func testGreaterThan() {
        XCTAssertTrue(op("greaterThan", "3", "[2]"))
        XCTAssertFalse(op("greaterThan", "2", "[2]"))
    }
    func testGreaterThanOrEqual() {
        XCTAssertTrue(op("greaterThanOrEqual", "2", "[2]"))
        XCTAssertFalse(op("greaterThanOrEqual", "1", "[2]"))
    }
    func testBefore() {
        XCTAssertTrue(op("before", #""2019-12-31T23:59:59Z""#, #"["2020-01-01T00:00:00Z"]"#))
        XCTAssertTrue(op("before", "1577836799000", #"["2020-01-01T00:00:00Z"]"#))   // epoch milliseconds
        XCTAssertTrue(op("before", #""2020-01-01T00:59:59+01:00""#, "[1577836800000]"))
        XCTAssertFalse(op("before", #""2020-01-01T00:00:00""#, "[1577836800001]"))    // no offset: invalid
        XCTAssertFalse(op("before", #""not a date""#, "[1577836800001]"))
    }
    func testAfter() {
        XCTAssertTrue(op("after", #""2020-01-01T00:00:00.001Z""#, #"["2020-01-01T00:00:00Z"]"#))
        XCTAssertFalse(op("after", #""2020-01-01T00:00:00Z""#, #"["2020-01-01T00:00:00Z"]"#))
        XCTAssertTrue(op("after", #""2020-01-01 00:00:01z""#, #"["2020-01-01T00:00:00Z"]"#))
    }
    func testSemVerEqual() {
        XCTAssertTrue(op("semVerEqual", #""2.0.0""#, #"["2.0.0"]"#))
        XCTAssertTrue(op("semVerEqual", #""2""#, #"["2.0.0"]"#))            // missing parts are 0
        XCTAssertTrue(op("semVerEqual", #""2.0.0+build""#, #"["2.0.0"]"#)) // build ignored
        XCTAssertFalse(op("semVerEqual", #""2.0.0-rc1""#, #"["2.0.0"]"#))
        XCTAssertFalse(op("semVerEqual", #""v2.0.0""#, #"["2.0.0"]"#))
        XCTAssertFalse(op("semVerEqual", #""02.0.0""#, #"["2.0.0"]"#))
    }
    func testSemVerLessThan() {
        XCTAssertTrue(op("semVerLessThan", #""2.0.0-rc.1""#, #"["2.0.0"]"#))
        XCTAssertTrue(op("semVerLessThan", #""2.0.0-rc.2""#, #"["2.0.0-rc.10"]"#))  // numeric identifiers
        XCTAssertTrue(op("semVerLessThan", #""2.0.0-9""#, #"["2.0.0-a"]"#))         // numeric < alphanumeric
        XCTAssertTrue(op("semVerLessThan", #""1.9.99""#, #"["1.10.0"]"#))
        XCTAssertTrue(op("semVerLessThan", #""99999999999999999999.0.0""#, #"["100000000000000000000.0.0"]"#))
    }
    func testSemVerGreaterThan() {
        XCTAssertTrue(op("semVerGreaterThan", #""2.0.1""#, #"["2.0.0"]"#))
        XCTAssertTrue(op("semVerGreaterThan", #""2.0.0-rc.1.x""#, #"["2.0.0-rc.1"]"#))
        XCTAssertFalse(op("semVerGreaterThan", #""2.0.0""#, #"["2.0.0"]"#))
    }
    func testSegmentMatch() {
        let s = MemorySource()
        s.segments["seg"] = #"{"key":"seg","version":1,"included":["k"]}"#
        XCTAssertTrue(matches(#"{"attribute":"key","op":"segmentMatch","values":["nope","seg"]}"#, #"{"key":"k"}"#, source: s))
        XCTAssertFalse(matches(#"{"attribute":"key","op":"segmentMatch","values":["seg"]}"#, #"{"key":"j"}"#, source: s))
        XCTAssertTrue(matches(#"{"attribute":"key","op":"segmentMatch","values":["seg"],"negate":true}"#, #"{"key":"j"}"#, source: s))
    }
    func testUnknownOperatorNeverMatches() {
        XCTAssertFalse(op("glob", #""x""#, #"["x"]"#))
        XCTAssertTrue(matches(#"{"attribute":"a","op":"glob","values":["x"],"negate":true}"#, #"{"kind":"user","key":"k","a":"x"}"#))
    }
    func testNegate() {
        XCTAssertTrue(matches(#"{"attribute":"a","op":"in","values":["y"],"negate":true}"#, #"{"kind":"user","key":"k","a":"x"}"#))
        // A missing attribute does not match, negated or not.
        XCTAssertFalse(matches(#"{"attribute":"zz","op":"in","values":["y"],"negate":true}"#, #"{"key":"k"}"#))
    }
    func testHugeNumberInNumericOperatorIsAnException() {
        let s = MemorySource()
        s.flags["f"] = clauseFlag(#"{"attribute":"a","op":"lessThan","values":[1]}"#)
        let big = String(repeating: "9", count: 400)
        let d = Evaluator(source: s).evaluate(flagKey: "f", context: ctx(#"{"kind":"user","key":"k","a":\#(big)}"#))
        XCTAssertEqual(d.reason, .error(.exception))   // Python: OverflowError in float()
    }
}
