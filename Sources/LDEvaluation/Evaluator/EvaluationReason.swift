/// The SDKs' evaluation reason (`{"kind": …, …}`), members in the Python SDK's order.
public struct EvaluationReason: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case off = "OFF", `fallthrough` = "FALLTHROUGH", targetMatch = "TARGET_MATCH", ruleMatch = "RULE_MATCH"
        case prerequisiteFailed = "PREREQUISITE_FAILED", error = "ERROR"
    }

    public enum ErrorKind: String, Sendable {
        case flagNotFound = "FLAG_NOT_FOUND", malformedFlag = "MALFORMED_FLAG"
        case userNotSpecified = "USER_NOT_SPECIFIED", wrongType = "WRONG_TYPE", exception = "EXCEPTION"
        case clientNotReady = "CLIENT_NOT_READY"
    }

    public enum BigSegmentsStatus: String, Sendable {
        case healthy = "HEALTHY", stale = "STALE", storeError = "STORE_ERROR", notConfigured = "NOT_CONFIGURED"
    }

    public var kind: Kind
    public var ruleIndex: Int = 0
    /// RULE_MATCH always carries `ruleId` (null when the rule has no id), as the Python SDK's dict does.
    public var ruleId: String? = nil
    public var prerequisiteKey: String? = nil
    public var inExperiment = false
    public var errorKind: ErrorKind? = nil
    public var bigSegmentsStatus: BigSegmentsStatus? = nil

    public init(kind: Kind) { self.kind = kind }

    public static let off = EvaluationReason(kind: .off)
    public static let fallthroughReason = EvaluationReason(kind: .fallthrough)
    public static let targetMatch = EvaluationReason(kind: .targetMatch)

    public static func error(_ kind: ErrorKind) -> EvaluationReason {
        var r = EvaluationReason(kind: .error)
        r.errorKind = kind
        return r
    }

    static func ruleMatch(_ index: Int, _ id: String?) -> EvaluationReason {
        var r = EvaluationReason(kind: .ruleMatch)
        r.ruleIndex = index
        r.ruleId = id
        return r
    }

    static func prerequisiteFailed(_ key: String) -> EvaluationReason {
        var r = EvaluationReason(kind: .prerequisiteFailed)
        r.prerequisiteKey = key
        return r
    }

    public func write(to out: inout JSONOutput) {
        out.raw("{\"kind\":\"")
        out.rawString(kind.rawValue)
        out.raw("\"")
        switch kind {
        case .ruleMatch:
            out.raw(",\"ruleIndex\":")
            out.int(Int64(ruleIndex))
            out.raw(",\"ruleId\":")
            if let ruleId { out.string(ruleId) } else { out.raw("null") }
        case .prerequisiteFailed:
            out.raw(",\"prerequisiteKey\":")
            out.string(prerequisiteKey ?? "")
        case .error:
            out.raw(",\"errorKind\":\"")
            out.rawString((errorKind ?? .exception).rawValue)
            out.raw("\"")
        default: break
        }
        if inExperiment { out.raw(",\"inExperiment\":true") }
        if let bigSegmentsStatus {
            out.raw(",\"bigSegmentsStatus\":\"")
            out.rawString(bigSegmentsStatus.rawValue)
            out.raw("\"")
        }
        out.raw("}")
    }
}
