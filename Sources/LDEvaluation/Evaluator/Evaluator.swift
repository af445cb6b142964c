/// LaunchDarkly's server-side flag evaluation, as the Python SDK 9.x performs it
/// (`ldclient/impl/evaluator.py`, `evaluator_common.py`, `operators.py`). Sends no events.
public struct Evaluator<Source: EvaluationDataSource>: Sendable {
    public let source: Source

    public init(source: Source) { self.source = source }

    /// What one top-level evaluation carries between flags and segments.
    struct State {
        var originalKey: String
        var prereqStack: [String] = []
        var segmentStack: [String] = []
        var bigSegmentsStatus: EvaluationReason.BigSegmentsStatus? = nil
        var membership: [String: [String: Bool]?] = [:]
        var depth = 0
        var prerequisites: [String] = []
        /// Only all_flags_state reports the prerequisites.
        var recordPrerequisites = false
    }

    /// `variation_detail(key, context, default)`: never throws; failures are ERROR reasons.
    public func evaluate(flagKey: String, context: Context) -> EvaluationDetail {
        guard context.isValid else { return EvaluationDetail(value: nil, variationIndex: nil, reason: .error(.userNotSpecified)) }
        let flag: FeatureFlag?
        do { flag = try source.flag(flagKey) } catch {
            var d = EvaluationDetail(value: nil, variationIndex: nil, reason: .error(.exception))
            d.failure = error
            return d
        }
        guard let flag else { return EvaluationDetail(value: nil, variationIndex: nil, reason: .error(.flagNotFound)) }
        return evaluate(flag: flag, context: context, recordPrerequisites: false).detail
    }

    /// One flag (already read): the detail and the top-level prerequisites it evaluated.
    public func evaluate(flag: FeatureFlag, context: Context,
                         recordPrerequisites: Bool = true) -> (detail: EvaluationDetail, prerequisites: [String]) {
        var state = State(originalKey: flag.key)
        state.recordPrerequisites = recordPrerequisites
        do {
            var detail = try evaluate(flag, context, &state)
            if let status = state.bigSegmentsStatus { detail.reason.bigSegmentsStatus = status }
            return (detail, state.prerequisites)
        } catch {
            var d = EvaluationDetail(value: nil, variationIndex: nil,
                                     reason: .error(error.errorKind == "MALFORMED_FLAG" ? .malformedFlag : .exception))
            d.failure = error
            // The SDK keeps the prerequisites recorded before an EvaluationException (MALFORMED_FLAG);
            // any other exception escapes its evaluator and all_flags_state reports none.
            if case .exception = error { return (d, []) }
            return (d, state.prerequisites)
        }
    }

    // MARK: flags

    private func evaluate(_ flag: FeatureFlag, _ context: Context, _ state: inout State) throws(EvaluationFailure) -> EvaluationDetail {
        if !flag.on { return offValue(flag, .off) }
        if let failed = try checkPrerequisites(flag, context, &state) { return offValue(flag, failed) }
        if let detail = checkTargets(flag, context) { return detail }
        for (index, rule) in flag.rules.enumerated() where try ruleMatches(rule.clauses, context, &state) {
            return try valueFor(flag, rule.outcome, context, .ruleMatch(index, rule.id))
        }
        return try valueFor(flag, flag.fallthroughOutcome, context, .fallthroughReason)
    }

    private func variation(_ flag: FeatureFlag, _ index: Int, _ reason: EvaluationReason) -> EvaluationDetail {
        guard index >= 0, index < flag.variations.count else {
            return EvaluationDetail(value: nil, variationIndex: nil, reason: .error(.malformedFlag))
        }
        return EvaluationDetail(value: flag.variations[index], variationIndex: index, reason: reason)
    }

    private func offValue(_ flag: FeatureFlag, _ reason: EvaluationReason) -> EvaluationDetail {
        guard let off = flag.offVariation else { return EvaluationDetail(value: nil, variationIndex: nil, reason: reason) }
        return variation(flag, off.index, reason)
    }

    private func checkPrerequisites(_ flag: FeatureFlag, _ context: Context, _ state: inout State) throws(EvaluationFailure) -> EvaluationReason? {
        let pushed = !flag.key.utf8Equals(state.originalKey)
        if pushed { state.prereqStack.append(flag.key) }
        defer { if !state.prereqStack.isEmpty { state.prereqStack.removeLast() } }
        for prereq in flag.prerequisites {
            if prereq.key.utf8Equals(state.originalKey) || state.prereqStack.contains(where: { $0.utf8Equals(prereq.key) }) {
                throw .malformedFlag("prerequisite relationship to \"\(prereq.key)\" caused a circular reference; this is probably a temporary condition due to an incomplete update")
            }
            let prereqFlag = try source.flag(prereq.key)
            if state.depth == 0 && state.recordPrerequisites { state.prerequisites.append(prereq.key) }
            var failed = false
            if let prereqFlag {
                state.depth += 1
                let result = try evaluate(prereqFlag, context, &state)
                state.depth -= 1
                if !prereqFlag.on || result.variationIndex == nil || result.variationIndex != prereq.variation.index {
                    failed = true
                }
                if case .big = prereq.variation { failed = true }
            } else {
                failed = true
            }
            if failed { return .prerequisiteFailed(prereq.key) }
        }
        return nil
    }

    private func checkTargets(_ flag: FeatureFlag, _ context: Context) -> EvaluationDetail? {
        if flag.contextTargets.isEmpty {
            guard !flag.targets.isEmpty, let user = context.individual(Context.defaultKind) else { return nil }
            for t in flag.targets where t.values.contains(user.key) {
                return variation(flag, t.variation.index, .targetMatch)
            }
            return nil
        }
        for t in flag.contextTargets {
            let kind = t.contextKind ?? Context.defaultKind
            guard let actual = context.individual(kind) else { continue }
            if kind.utf8Equals(Context.defaultKind) {
                for ut in flag.targets where ut.variation.index == t.variation.index {
                    if ut.values.contains(actual.key) { return variation(flag, t.variation.index, .targetMatch) }
                    break
                }
                continue
            }
            if t.values.contains(actual.key) { return variation(flag, t.variation.index, .targetMatch) }
        }
        return nil
    }

    private func valueFor(_ flag: FeatureFlag, _ outcome: VariationOrRollout, _ context: Context,
                          _ reason: EvaluationReason) throws(EvaluationFailure) -> EvaluationDetail {
        guard let (index, inExperiment) = try variationIndex(flag, outcome, context) else {
            return EvaluationDetail(value: nil, variationIndex: nil, reason: .error(.malformedFlag))
        }
        var r = reason
        if inExperiment { r.inExperiment = true }
        return variation(flag, index, r)
    }

    private func variationIndex(_ flag: FeatureFlag, _ outcome: VariationOrRollout,
                                _ context: Context) throws(EvaluationFailure) -> (Int, Bool)? {
        if let v = outcome.variation { return (v.index, false) }
        guard let rollout = outcome.rollout, let lastVariation = rollout.variations.last else { return nil }
        let bucket = try bucketValue(seed: rollout.seed, context: context, kind: rollout.contextKind, key: flag.key,
                                     salt: flag.salt, bucketBy: rollout.isExperiment ? nil : rollout.bucketBy)
        let experiment = rollout.isExperiment && bucket >= 0
        var sum = 0.0
        for wv in rollout.variations {
            sum += try wv.weight.dividedBy100000()
            if bucket < sum { return (wv.variation.index, experiment && !wv.untracked) }
        }
        return (lastVariation.variation.index, experiment && !lastVariation.untracked)
    }

    // MARK: bucketing

    /// The context's bucket in [0, 1): SHA-1 of `key.salt.value` (or `seed.value`), first 15 hex
    /// digits over 0xFFFFFFFFFFFFFFF; -1 when the context has no such kind; 0 when the value is
    /// missing or not a string or integer.
    func bucketValue(seed: String?, context: Context, kind: String?, key: String, salt: String,
                     bucketBy: AttributeRef?) throws(EvaluationFailure) -> Double {
        guard let match = context.individual(kind ?? Context.defaultKind) else { return -1 }
        let value: JSONValue?
        if let bucketBy { value = try attributeValue(match, bucketBy) } else { value = .string(match.key) }
        let text: String
        switch value {
        case .string(let s)?: text = s
        case .int(let i)?: text = String(i)
        case .bigInt(let t)?: text = t
        default: return 0
        }
        let hash = Evaluator.hashBucket(seed: seed, key: key, salt: salt, value: text)
        return Double(hash) / Double(0xFFF_FFFF_FFFF_FFFF as UInt64)
    }

    /// SHA-1 of `seed.value` or `key.salt.value`, built in a stack buffer.
    static func hashBucket(seed: String?, key: String, salt: String, value: String) -> UInt64 {
        let size = (seed?.utf8.count ?? key.utf8.count + salt.utf8.count + 1) + value.utf8.count + 1
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: size) { buffer in
            var i = 0
            func put(_ s: String) {
                let copied: Int? = s.utf8.withContiguousStorageIfAvailable { src in
                    guard let from = src.baseAddress, let to = buffer.baseAddress else { return 0 }
                    (to + i).update(from: from, count: src.count)
                    return src.count
                }
                if let copied { i += copied } else { for b in s.utf8 { buffer[i] = b; i += 1 } }
            }
            if let seed { put(seed) } else { put(key); buffer[i] = UInt8(ascii: "."); i += 1; put(salt) }
            buffer[i] = UInt8(ascii: "."); i += 1
            put(value)
            return SHA1.prefix60(UnsafeBufferPointer(rebasing: buffer[0..<i]))
        }
    }

    // MARK: clauses

    private func ruleMatches(_ clauses: [Clause], _ context: Context, _ state: inout State) throws(EvaluationFailure) -> Bool {
        for clause in clauses where try !clauseMatches(clause, context, &state) { return false }
        return true
    }

    private func attributeValue(_ context: Context.Single, _ ref: AttributeRef) throws(EvaluationFailure) -> JSONValue? {
        if let error = ref.error { throw .malformedFlag("invalid attribute reference: " + error) }
        guard var value = context.get(ref.components[0]) else { return nil }
        var i = 1
        while i < ref.components.count {
            guard case .object(let o) = value, let next = o[ref.components[i]] else { return nil }
            value = next
            i += 1
        }
        return value.isNull ? nil : value
    }

    private func clauseMatches(_ clause: Clause, _ context: Context, _ state: inout State) throws(EvaluationFailure) -> Bool {
        if clause.op == .segmentMatch {
            for value in clause.values {
                let key = try segmentKey(value)
                if let segment = try source.segment(key), try segmentMatches(segment, context, &state) {
                    return !clause.negate
                }
            }
            return clause.negate
        }
        if clause.isKindAttribute {
            var matched = false
            for c in context.contexts where try Operators.matchAny(clause, .string(c.kind)) { matched = true; break }
            return matched != clause.negate
        }
        guard let actual = context.individual(clause.contextKind ?? Context.defaultKind) else { return false }
        guard let value = try attributeValue(actual, clause.attribute) else { return false }
        if case .array(let items) = value {
            for item in items where try Operators.matchAny(clause, item) { return !clause.negate }
            return clause.negate
        }
        return try Operators.matchAny(clause, value) != clause.negate
    }

    /// A `segmentMatch` value as the Python SDK passes it to the store (redis-py encodes numbers
    /// as text and refuses other types).
    private func segmentKey(_ value: JSONValue) throws(EvaluationFailure) -> String {
        switch value {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .bigInt(let t): return t
        case .double(let d): return d.isFinite ? d.description : (d.isNaN ? "nan" : (d > 0 ? "inf" : "-inf"))
        default: throw .exception("Invalid input of type for a segment key")
        }
    }

    // MARK: segments

    private func segmentMatches(_ segment: Segment, _ context: Context, _ state: inout State) throws(EvaluationFailure) -> Bool {
        if state.segmentStack.contains(where: { $0.utf8Equals(segment.key) }) {
            throw .malformedFlag("segment rule referencing segment \"\(segment.key)\" caused a circular reference; this is probably a temporary condition due to an incomplete update")
        }
        if segment.unbounded { return try bigSegmentMatches(segment, context, &state) }
        return try simpleSegmentMatches(segment, context, &state, useIncludes: true)
    }

    private func keyIn(_ context: Context, _ kind: String?, _ keys: KeySet) -> Bool {
        if keys.isEmpty { return false }
        guard let c = context.individual(kind ?? Context.defaultKind) else { return false }
        return keys.contains(c.key)
    }

    private func simpleSegmentMatches(_ segment: Segment, _ context: Context, _ state: inout State,
                                      useIncludes: Bool) throws(EvaluationFailure) -> Bool {
        if useIncludes {
            if keyIn(context, nil, segment.included) { return true }
            for t in segment.includedContexts where keyIn(context, t.contextKind, t.values) { return true }
            if keyIn(context, nil, segment.excluded) { return false }
            for t in segment.excludedContexts where keyIn(context, t.contextKind, t.values) { return false }
        }
        state.segmentStack.append(segment.key)
        defer { state.segmentStack.removeLast() }
        for rule in segment.rules where try segmentRuleMatches(rule, context, &state, segment) { return true }
        return false
    }

    private func segmentRuleMatches(_ rule: Segment.Rule, _ context: Context, _ state: inout State,
                                    _ segment: Segment) throws(EvaluationFailure) -> Bool {
        guard try ruleMatches(rule.clauses, context, &state) else { return false }
        guard let weight = rule.weight else { return true }
        let bucket = try bucketValue(seed: nil, context: context, kind: rule.rolloutContextKind, key: segment.key,
                                     salt: segment.salt, bucketBy: rule.bucketBy)
        return bucket < (try weight.dividedBy100000())
    }

    private func bigSegmentMatches(_ segment: Segment, _ context: Context, _ state: inout State) throws(EvaluationFailure) -> Bool {
        guard let generation = segment.generation else {
            state.bigSegmentsStatus = .notConfigured
            return false
        }
        guard let match = context.individual(segment.unboundedContextKind ?? Context.defaultKind) else { return false }
        let membership: [String: Bool]?
        if let cached = state.membership[match.key] {
            membership = cached
        } else {
            let result = source.bigSegmentMembership(contextKey: match.key)
            state.bigSegmentsStatus = result.status
            membership = result.membership
            state.membership[match.key] = .some(result.membership)
        }
        if let included = membership?[segment.key + ".g" + generation.text] { return included }
        return try simpleSegmentMatches(segment, context, &state, useIncludes: false)
    }
}
