/// A JSON value as Python's `json.loads` gives it, which is what LaunchDarkly's Python SDK
/// evaluates: integers and floats are distinct (an integer literal of any size stays an
/// integer), objects keep their first key order with the last duplicate's value.
public enum JSONValue: Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    /// An integer literal outside Int64: its canonical decimal text (optional `-`, no leading zeros).
    case bigInt(String)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var objectValue: JSONObject? {
        if case .object(let o) = self { return o }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// Python's `isinstance(v, Number) and not isinstance(v, bool)`.
    var isNumber: Bool {
        switch self {
        case .int, .bigInt, .double: return true
        default: return false
        }
    }

    /// Python's `float(v)` for a number; throws where Python raises OverflowError.
    func floatValue() throws(EvaluationFailure) -> Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        case .bigInt(let text):
            guard let d = Double(text), d.isFinite else {
                throw EvaluationFailure.exception("int too large to convert to float")
            }
            return d
        default: return nil
        }
    }
}
