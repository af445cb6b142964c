import Foundation
import XCTest
@testable import LDEvaluation

/// PyRegex against Python 3.11's `re` (Fixtures/regex-cases.jsonl, made by Fixtures/regex_cases.py:
/// `re.compile(pattern)` raises → "E", `.search(text)` → "M" or "N").
final class RegexConformanceTests: XCTestCase {
    static func verdict(_ pattern: String, _ text: String) -> String {
        guard let rx = try? PyRegex(pattern) else { return "E" }
        switch rx.search(text) {
        case true?: return "M"
        case false?: return "N"
        case nil: return "budget"
        }
    }

    func testAgainstPythonRe() throws {
        // REGEX_CASES=path checks another file made by regex_cases.py (e.g. a bigger run, another seed).
        let url = ProcessInfo.processInfo.environment["REGEX_CASES"].map { URL(fileURLWithPath: $0) }
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/regex-cases.jsonl")
        let data = try String(contentsOf: url, encoding: .utf8)
        var checked = 0
        var failures: [String] = []
        for line in data.split(separator: "\n") {
            guard case .array(let a) = try JSONParser.parse(String(line)), a.count == 3,
                  case .string(let pattern) = a[0], case .string(let text) = a[1], case .string(let expected) = a[2] else {
                XCTFail("bad fixture line: \(line)")
                continue
            }
            checked += 1
            let got = RegexConformanceTests.verdict(pattern, text)
            if got != expected {
                failures.append("re \(expected) PyRegex \(got): pattern \(String(reflecting: pattern)) text \(String(reflecting: text))")
            }
        }
        print("regex conformance: \(checked) pairs checked, \(failures.count) differences")
        for f in failures.prefix(60) { print(f) }
        XCTAssertGreaterThan(checked, 10_000)
        XCTAssertEqual(failures.count, 0)
    }
}
