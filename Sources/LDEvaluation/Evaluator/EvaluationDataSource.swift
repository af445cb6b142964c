/// Where the evaluator reads flags, segments and Big Segment membership: the caching store
/// implements it (through its cache), tests use an in-memory one. A failure to read (Redis
/// down) throws `.exception`; a flag or segment that cannot be decoded throws too, as the
/// Python SDK's store raises.
public protocol EvaluationDataSource: Sendable {
    /// The flag, or nil when it does not exist or is deleted.
    func flag(_ key: String) throws(EvaluationFailure) -> FeatureFlag?
    /// The segment, or nil when it does not exist or is deleted.
    func segment(_ key: String) throws(EvaluationFailure) -> Segment?
    /// Every flag that is not deleted (for all_flags_state), in the store's order.
    func allFlags() throws(EvaluationFailure) -> [FeatureFlag]
    /// Big Segment membership for a context key (segment refs `key.gN` → included), with the
    /// SDKs' status. nil membership: none known. Never throws: a failure is `.storeError`.
    func bigSegmentMembership(contextKey: String) -> (membership: [String: Bool]?, status: EvaluationReason.BigSegmentsStatus)
}
