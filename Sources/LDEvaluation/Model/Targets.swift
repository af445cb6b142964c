/// An individual-targeting list of a flag (`targets`, `contextTargets`).
public struct Target: Sendable {
    public let contextKind: String?
    public let variation: PyInt
    let values: KeySet

    init(_ fields: Fields) throws(EvaluationFailure) {
        contextKind = try fields.optString("contextKind")
        variation = try fields.reqInt("variation")
        values = try fields.stringSet("values", required: true)
    }
}

/// A segment's `includedContexts`/`excludedContexts` entry.
public struct SegmentTarget: Sendable {
    public let contextKind: String?
    let values: KeySet

    init(_ fields: Fields) throws(EvaluationFailure) {
        contextKind = try fields.optString("contextKind")
        values = try fields.stringSet("values", required: true)
    }
}

/// A flag prerequisite.
public struct Prerequisite: Sendable {
    public let key: String
    public let variation: PyInt

    init(_ fields: Fields) throws(EvaluationFailure) {
        key = try fields.reqString("key")
        variation = try fields.reqInt("variation")
    }
}
