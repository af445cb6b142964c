/// Reads a flag's or segment's properties with the Python SDK's type rules (`opt_*`/`req_*` in
/// `ldclient/impl/model/entity.py`): a present non-null property of the wrong type rejects the
/// whole item (the SDK raises, which evaluation reports as EXCEPTION). JSON null is absent.
struct Fields {
    let object: JSONObject

    init(_ value: JSONValue, _ what: String) throws(EvaluationFailure) {
        guard case .object(let o) = value else { throw .exception("\(what) is not a JSON object") }
        object = o
    }

    init(object: JSONObject) { self.object = object }

    static func typeError(_ name: String, _ type: String) -> EvaluationFailure {
        .exception("error in flag/segment data: property \"\(name)\" should be type \(type)")
    }

    static func missing(_ name: String) -> EvaluationFailure {
        .exception("error in flag/segment data: required property \"\(name)\" is missing")
    }

    func present(_ name: String) -> JSONValue? {
        guard let v = object[name], !v.isNull else { return nil }
        return v
    }

    func optBool(_ name: String) throws(EvaluationFailure) -> Bool {
        guard let v = present(name) else { return false }
        guard case .bool(let b) = v else { throw Fields.typeError(name, "bool") }
        return b
    }

    func optString(_ name: String) throws(EvaluationFailure) -> String? {
        guard let v = present(name) else { return nil }
        guard case .string(let s) = v else { throw Fields.typeError(name, "str") }
        return s
    }

    func reqString(_ name: String) throws(EvaluationFailure) -> String {
        guard let s = try optString(name) else { throw Fields.missing(name) }
        return s
    }

    /// Python's `int` includes `bool`.
    func optInt(_ name: String) throws(EvaluationFailure) -> PyInt? {
        guard let v = present(name) else { return nil }
        switch v {
        case .int(let i): return .small(i)
        case .bigInt(let t): return .big(t)
        case .bool(let b): return .small(b ? 1 : 0)
        default: throw Fields.typeError(name, "int")
        }
    }

    func reqInt(_ name: String) throws(EvaluationFailure) -> PyInt {
        guard let i = try optInt(name) else { throw Fields.missing(name) }
        return i
    }

    func optNumber(_ name: String) throws(EvaluationFailure) -> JSONValue? {
        guard let v = present(name) else { return nil }
        switch v {
        case .int, .bigInt, .double, .bool: return v
        default: throw Fields.typeError(name, "number")
        }
    }

    func optObject(_ name: String) throws(EvaluationFailure) -> JSONObject? {
        guard let v = present(name) else { return nil }
        guard case .object(let o) = v else { throw Fields.typeError(name, "dict") }
        return o
    }

    func optList(_ name: String) throws(EvaluationFailure) -> [JSONValue] {
        guard let v = present(name) else { return [] }
        guard case .array(let a) = v else { throw Fields.typeError(name, "list") }
        return a
    }

    func reqList(_ name: String) throws(EvaluationFailure) -> [JSONValue] {
        guard let v = present(name) else { throw Fields.missing(name) }
        guard case .array(let a) = v else { throw Fields.typeError(name, "list") }
        return a
    }

    func objectList(_ name: String, required: Bool) throws(EvaluationFailure) -> [JSONObject] {
        let items = required ? try reqList(name) : try optList(name)
        var out: [JSONObject] = []
        out.reserveCapacity(items.count)
        for item in items {
            guard case .object(let o) = item else { throw Fields.typeError(name, "list of dict") }
            out.append(o)
        }
        return out
    }

    func stringSet(_ name: String, required: Bool) throws(EvaluationFailure) -> KeySet {
        let items = required ? try reqList(name) : try optList(name)
        var set = KeySet()
        for item in items {
            guard case .string(let s) = item else { throw Fields.typeError(name, "list of str") }
            set.insert(s)
        }
        return set
    }
}

/// A Python `int` from flag data: usually small, sometimes beyond Int64.
public enum PyInt: Sendable {
    case small(Int64)
    case big(String)

    /// As an index: anything beyond Int range is simply out of range.
    var index: Int {
        switch self {
        case .small(let i): return Int(i)
        case .big(let t): return t.hasPrefix("-") ? Int.min : Int.max
        }
    }

    var text: String {
        switch self {
        case .small(let i): return String(i)
        case .big(let t): return t
        }
    }

    /// `int / 100000.0` as Python computes it (OverflowError beyond a float).
    func dividedBy100000() throws(EvaluationFailure) -> Double {
        switch self {
        case .small(let i): return Double(i) / 100000.0
        case .big(let t):
            guard let d = Double(t), d.isFinite else { throw .exception("int too large to convert to float") }
            return d / 100000.0
        }
    }

    var json: JSONValue {
        switch self {
        case .small(let i): return .int(i)
        case .big(let t): return .bigInt(t)
        }
    }
}

/// A set of context keys (Python `set` of `str`: exact code point comparison).
struct KeySet: Sendable {
    private var members: Set<ExactString> = []
    mutating func insert(_ s: String) { members.insert(ExactString(s)) }
    func contains(_ s: String) -> Bool { !members.isEmpty && members.contains(ExactString(s)) }
    var isEmpty: Bool { members.isEmpty }
}
