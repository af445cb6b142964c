/// A JSON object: members in first-seen key order. Keys compare by their UTF-8 bytes (Python
/// compares code points; Swift's `==` on String would treat canonically equivalent keys as one).
public struct JSONObject: Sendable {
    public private(set) var keys: [String] = []
    public private(set) var values: [JSONValue] = []
    private var index: [ExactString: Int]? = nil

    private static let indexThreshold = 12

    public init() {}

    public var count: Int { keys.count }

    public subscript(key: String) -> JSONValue? {
        if let index {
            guard let i = index[ExactString(key)] else { return nil }
            return values[i]
        }
        for i in keys.indices where keys[i].utf8Equals(key) { return values[i] }
        return nil
    }

    /// Removes a member (Python's `dict.pop(key, None)`).
    public mutating func remove(_ key: String) {
        guard let i = keys.firstIndex(where: { $0.utf8Equals(key) }) else { return }
        keys.remove(at: i)
        values.remove(at: i)
        if index != nil {
            var built: [ExactString: Int] = [:]
            for (j, k) in keys.enumerated() { built[ExactString(k)] = j }
            index = built
        }
    }

    /// Sets a member; a key already present keeps its position and takes the new value.
    public mutating func set(_ key: String, _ value: JSONValue) {
        if let index {
            if let i = index[ExactString(key)] { values[i] = value; return }
        } else {
            for i in keys.indices where keys[i].utf8Equals(key) { values[i] = value; return }
        }
        keys.append(key)
        values.append(value)
        if index != nil {
            index?[ExactString(key)] = keys.count - 1
        } else if keys.count > JSONObject.indexThreshold {
            var built: [ExactString: Int] = [:]
            for (i, k) in keys.enumerated() { built[ExactString(k)] = i }
            index = built
        }
    }
}
