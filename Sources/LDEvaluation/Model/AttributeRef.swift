/// An attribute reference: a path (`/a/b`, with `~1` for `/` and `~0` for `~`) when the clause
/// has a `contextKind`, else a literal top-level name (the legacy form, where `/a` is the
/// attribute named "/a").
public struct AttributeRef: Sendable {
    public let components: [String]
    public let error: String?

    init(components: [String]) { self.components = components; self.error = nil }
    init(error: String) { self.components = []; self.error = error }

    static let emptyError = "attribute reference cannot be empty"

    public static func path(_ path: String) -> AttributeRef {
        if path.isEmpty || path == "/" { return AttributeRef(error: emptyError) }
        guard path.utf8.first == UInt8(ascii: "/") else { return AttributeRef(components: [path]) }
        var result: [String] = []
        for part in path.utf8.dropFirst().split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false) {
            if part.isEmpty {
                return AttributeRef(error: "attribute reference contained a double slash or a trailing slash")
            }
            guard let unescaped = unescape(Array(part)) else {
                return AttributeRef(error: "attribute reference contained an escape character (~) that was not followed by 0 or 1")
            }
            result.append(unescaped)
        }
        return AttributeRef(components: result)
    }

    public static func literal(_ name: String) -> AttributeRef {
        if name.isEmpty { return AttributeRef(error: emptyError) }
        return AttributeRef(components: [name])
    }

    /// The SDKs' rule: a path when the clause (or rollout) names a context kind.
    public static func forClause(_ text: String, contextKind: String?) -> AttributeRef {
        if let contextKind, !contextKind.isEmpty { return path(text) }
        return literal(text)
    }

    private static func unescape(_ part: [UInt8]) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(part.count)
        var i = 0
        while i < part.count {
            let c = part[i]
            if c == UInt8(ascii: "~") {
                guard i + 1 < part.count else { return nil }
                switch part[i + 1] {
                case UInt8(ascii: "0"): out.append(UInt8(ascii: "~"))
                case UInt8(ascii: "1"): out.append(UInt8(ascii: "/"))
                default: return nil
                }
                i += 2
            } else {
                out.append(c)
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
