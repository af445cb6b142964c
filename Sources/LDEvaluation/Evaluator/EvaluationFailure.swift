/// Why an evaluation stopped: `malformedFlag` as the SDKs' EvaluationException (a cycle, an
/// invalid attribute reference), `exception` where the Python SDK raises any other exception
/// (flag or segment data of the wrong types, a store failure, a number too large for a float).
public enum EvaluationFailure: Error, Sendable {
    case malformedFlag(String)
    case exception(String)

    public var errorKind: String {
        switch self {
        case .malformedFlag: return "MALFORMED_FLAG"
        case .exception: return "EXCEPTION"
        }
    }

    public var message: String {
        switch self {
        case .malformedFlag(let m), .exception(let m): return m
        }
    }
}
