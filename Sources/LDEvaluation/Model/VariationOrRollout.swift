/// A fixed variation or a percentage rollout (a fallthrough, or a rule's outcome).
public struct VariationOrRollout: Sendable {
    public struct WeightedVariation: Sendable {
        public let variation: PyInt
        public let weight: PyInt
        public let untracked: Bool
    }

    public struct Rollout: Sendable {
        public let contextKind: String?
        public let bucketBy: AttributeRef?
        public let isExperiment: Bool
        public let seed: String?
        public let variations: [WeightedVariation]
    }

    public let variation: PyInt?
    public let rollout: Rollout?

    static let empty = VariationOrRollout(variation: nil, rollout: nil)

    init(variation: PyInt?, rollout: Rollout?) { self.variation = variation; self.rollout = rollout }

    init(_ fields: Fields) throws(EvaluationFailure) {
        variation = try fields.optInt("variation")
        guard let r = try fields.optObject("rollout") else { rollout = nil; return }
        let rf = Fields(object: r)
        let contextKind = try rf.optString("contextKind")
        let bucketBy = try rf.optString("bucketBy")
        let kind = try rf.optString("kind")
        let seed = try rf.optInt("seed")
        var weighted: [WeightedVariation] = []
        for item in try rf.objectList("variations", required: true) {
            let wf = Fields(object: item)
            weighted.append(WeightedVariation(variation: try wf.reqInt("variation"), weight: try wf.reqInt("weight"),
                                              untracked: try wf.optBool("untracked")))
        }
        rollout = Rollout(contextKind: contextKind,
                          bucketBy: AttributeRef.optional(bucketBy, contextKind: contextKind),
                          isExperiment: kind == "experiment",
                          seed: seed.map { s in Fields.seedText(s, fields: rf) },
                          variations: weighted)
    }
}

extension AttributeRef {
    /// `bucketBy`: absent or empty means none.
    static func optional(_ text: String?, contextKind: String?) -> AttributeRef? {
        guard let text, !text.isEmpty else { return nil }
        return forClause(text, contextKind: contextKind)
    }
}

extension Fields {
    /// Python's `str(seed)`: a boolean seed is "True"/"False".
    static func seedText(_ seed: PyInt, fields: Fields) -> String {
        if case .bool(let b)? = fields.present("seed") { return b ? "True" : "False" }
        return seed.text
    }
}
