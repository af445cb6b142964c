import Glibc

/// The SDKs' `all_flags_state` JSON (`{"flagKey": value, …, "$flagsState": {…}, "$valid": …}`),
/// as the Python SDK's `FeatureFlagsState.to_json_dict` builds it.
public struct AllFlagsOptions: OptionSet, Sendable {
    public let rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }
    public static let withReasons = AllFlagsOptions(rawValue: 1)
    public static let clientSideOnly = AllFlagsOptions(rawValue: 2)
    public static let detailsOnlyForTrackedFlags = AllFlagsOptions(rawValue: 4)
}

extension Evaluator {
    /// Never throws: an invalid context or a failed read gives `"$valid": false` (the SDK's
    /// behaviour); the failure, if any, is returned for the caller's last-error message.
    public func allFlagsState(context: Context, options: AllFlagsOptions,
                              nowMillis: Int64) -> (json: [UInt8], failure: EvaluationFailure?) {
        guard context.isValid else { return (AllFlagsState.invalid, nil) }
        let flags: [FeatureFlag]
        do { flags = try source.allFlags() } catch { return (AllFlagsState.invalid, error) }
        var values = JSONOutput(capacity: 64 * flags.count + 32)
        var meta = JSONOutput(capacity: 96 * flags.count + 32)
        values.raw("{")
        meta.raw("{")
        var first = true
        for flag in flags {
            if options.contains(.clientSideOnly) && !flag.clientSide { continue }
            let (detail, prerequisites) = evaluate(flag: flag, context: context)
            let experiment = AllFlagsState.isExperiment(flag, detail.reason)
            let trackEvents = flag.trackEvents || experiment
            let trackReason = experiment
            var omitDetails = false
            if options.contains(.detailsOnlyForTrackedFlags) {
                let debugging = flag.debugEventsUntilDate.map { AllFlagsState.greater($0, than: nowMillis) } ?? false
                if !trackEvents && !trackReason && !debugging { omitDetails = true }
            }
            if !first { values.raw(","); meta.raw(",") }
            first = false
            values.string(flag.key)
            values.raw(":")
            if detail.variationIndex != nil, let v = detail.value { values.value(v) } else { values.raw("null") }
            meta.string(flag.key)
            meta.raw(":{")
            var sep = false
            func comma(_ out: inout JSONOutput) { if sep { out.raw(",") }; sep = true }
            if (options.contains(.withReasons) || trackReason) && !omitDetails {
                comma(&meta); meta.raw("\"reason\":"); detail.reason.write(to: &meta)
            }
            if !omitDetails { comma(&meta); meta.raw("\"version\":"); meta.value(flag.version.json) }
            if !prerequisites.isEmpty {
                comma(&meta); meta.raw("\"prerequisites\":[")
                for (i, p) in prerequisites.enumerated() { if i > 0 { meta.raw(",") }; meta.string(p) }
                meta.raw("]")
            }
            if let index = detail.variationIndex, detail.value != nil {
                comma(&meta); meta.raw("\"variation\":"); meta.int(Int64(index))
            }
            if trackEvents { comma(&meta); meta.raw("\"trackEvents\":true") }
            if trackReason { comma(&meta); meta.raw("\"trackReason\":true") }
            if let debug = flag.debugEventsUntilDate {
                comma(&meta); meta.raw("\"debugEventsUntilDate\":"); meta.value(debug)
            }
            meta.raw("}")
        }
        meta.raw("}")
        if !first { values.raw(",") }
        values.raw("\"$flagsState\":")
        values.bytes.append(contentsOf: meta.bytes)
        values.raw(",\"$valid\":true}")
        return (values.bytes, nil)
    }
}

enum AllFlagsState {
    static let invalid = Array("{\"$flagsState\":{},\"$valid\":false}".utf8)

    /// The SDKs' `EventFactory.is_experiment`.
    static func isExperiment(_ flag: FeatureFlag, _ reason: EvaluationReason) -> Bool {
        if reason.inExperiment { return true }
        switch reason.kind {
        case .ruleMatch:
            let i = reason.ruleIndex
            return i >= 0 && i < flag.rules.count && flag.rules[i].trackEvents
        case .fallthrough:
            return flag.trackEventsFallthrough
        default:
            return false
        }
    }

    static func greater(_ v: JSONValue, than now: Int64) -> Bool {
        switch v {
        case .int(let i): return i > now
        case .bigInt(let t): return !t.hasPrefix("-")
        case .double(let d): return d > Double(now)
        case .bool(let b): return (b ? 1 : 0) > now
        default: return false
        }
    }

    static func nowMillis() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}
