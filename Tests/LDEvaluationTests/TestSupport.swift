import XCTest
@testable import LDEvaluation

/// An in-memory data source: flags and segments as JSON text.
final class MemorySource: EvaluationDataSource, @unchecked Sendable {
    var flags: [String: String] = [:]
    var segments: [String: String] = [:]
    var membership: [String: [String: Bool]] = [:]
    var bigStatus: EvaluationReason.BigSegmentsStatus = .healthy
    var failReads = false

    func flag(_ key: String) throws(EvaluationFailure) -> FeatureFlag? {
        if failReads { throw .exception("store down") }
        guard let json = flags[key] else { return nil }
        let f = try FeatureFlag(json: Array(json.utf8))
        return f.deleted ? nil : f
    }

    func segment(_ key: String) throws(EvaluationFailure) -> Segment? {
        guard let json = segments[key] else { return nil }
        let s = try Segment(json: Array(json.utf8))
        return s.deleted ? nil : s
    }

    func allFlags() throws(EvaluationFailure) -> [FeatureFlag] {
        var out: [FeatureFlag] = []
        for key in flags.keys.sorted() { if let f = try flag(key) { out.append(f) } }
        return out
    }

    func bigSegmentMembership(contextKey: String) -> (membership: [String: Bool]?, status: EvaluationReason.BigSegmentsStatus) {
        (membership[contextKey], bigStatus)
    }
}

func ctx(_ json: String) -> Context {
    Context.parse((try? JSONParser.parse(json)) ?? .null)
}

/// The detail as compact JSON text, with a default of null.
func detailJSON(_ source: MemorySource, _ flag: String, _ context: String) -> String {
    let d = Evaluator(source: source).evaluate(flagKey: flag, context: ctx(context))
    return String(decoding: d.json(default: .null), as: UTF8.self)
}

/// A flag whose fallthrough is a rule with one clause; evaluates to variation 1 when it matches.
func clauseFlag(_ clause: String) -> String {
    """
    {"key":"f","version":1,"on":true,"variations":[false,true],"fallthrough":{"variation":0},
     "rules":[{"id":"r","variation":1,"clauses":[\(clause)]}]}
    """
}

/// Whether a clause matches a context.
func matches(_ clause: String, _ context: String, source: MemorySource = MemorySource()) -> Bool {
    source.flags["f"] = clauseFlag(clause)
    let d = Evaluator(source: source).evaluate(flagKey: "f", context: ctx(context))
    return d.variationIndex == 1
}

func op(_ op: String, _ attrValue: String, _ clauseValues: String) -> Bool {
    matches(#"{"attribute":"a","op":"\#(op)","values":\#(clauseValues)}"#, #"{"kind":"user","key":"k","a":\#(attrValue)}"#)
}
