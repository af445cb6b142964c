/// An evaluation context: one kind, or several (multi-kind). Built from the context JSON the
/// SDKs accept (`{"kind":"user","key":…}`, `{"kind":"multi","org":{…},…}`) or from an old-style
/// user (`{"key":…, "name":…, "custom":{…}}`, no `kind`). An invalid context carries its error.
public struct Context: Sendable {
    public final class Single: Sendable {
        public let kind: String
        public let key: String
        public let name: String?
        public let anonymous: Bool
        let attributes: JSONObject?

        init(kind: String, key: String, name: String?, anonymous: Bool, attributes: JSONObject?) {
            self.kind = kind
            self.key = key
            self.name = name
            self.anonymous = anonymous
            self.attributes = attributes
        }

        /// Python's `Context.get(name)`: the built-ins `key`, `kind`, `name`, `anonymous`, then
        /// the attributes.
        func get(_ attribute: String) -> JSONValue? {
            switch attribute {
            case "key": return .string(key)
            case "kind": return .string(kind)
            case "name": return name.map { .string($0) }
            case "anonymous": return .bool(anonymous)
            case "_meta": return nil
            default: return attributes?[attribute]
            }
        }
    }

    public let contexts: [Single]
    public let error: String?

    public var isValid: Bool { error == nil }

    init(contexts: [Single]) { self.contexts = contexts; self.error = nil }
    init(error: String) { self.contexts = []; self.error = error }

    public static let defaultKind = "user"

    /// An invalid single context (as an Error, for Result).
    struct Invalid: Error { let context: Context; init(_ context: Context) { self.context = context } }

    /// The individual context of that kind, if any.
    @inline(__always)
    func individual(_ kind: String) -> Single? {
        for c in contexts where c.kind.utf8Equals(kind) { return c }
        return nil
    }

    public static func parse(_ json: JSONValue) -> Context {
        guard case .object(let props) = json else {
            return json.isNull ? Context(error: "Cannot use None as a context") : typeError("kind")
        }
        guard let kindValue = props["kind"] else { return oldUser(props) }
        guard case .string(let kind) = kindValue else { return typeError("kind") }
        if kind == "multi" {
            var singles: [Single] = []
            var errors: [String] = []
            for i in 0..<props.count where props.keys[i] != "kind" {
                guard case .object(let p) = props.values[i] else { return typeError(props.keys[i]) }
                switch single(p, kind: props.keys[i]) {
                case .success(let s): singles.append(s)
                case .failure(let e):
                    if let message = e.context.error { errors.append(message) }
                }
            }
            if singles.count + errors.count == 1 {
                if let only = singles.first { return Context(contexts: [only]) }
                return Context(error: errors[0])
            }
            if singles.count + errors.count == 0 { return Context(error: "multi-context must contain at least one kind") }
            // The SDK sorts by kind, reports a duplicate kind first, then the members' errors.
            let sorted = singles.sorted { Array($0.kind.utf8).lexicographicallyPrecedes(Array($1.kind.utf8)) }
            if errors.isEmpty || true {
                var last: String? = nil
                for s in sorted {
                    if let last, last.utf8Equals(s.kind) { return Context(error: "multi-kind context cannot have same kind more than once") }
                    last = s.kind
                }
            }
            if !errors.isEmpty { return Context(error: errors.joined(separator: ", ")) }
            return Context(contexts: sorted)
        }
        switch single(props, kind: kind) {
        case .success(let s): return Context(contexts: [s])
        case .failure(let c): return c.context
        }
    }

    private static func typeError(_ property: String) -> Context {
        Context(error: "invalid data type for \"\(property)\"")
    }

    static func validateKind(_ kind: String) -> String? {
        if kind.isEmpty { return "context kind must not be empty" }
        if kind == "kind" { return "\"kind\" is not a valid context kind" }
        if kind == "multi" { return "context of kind \"multi\" must be created with create_multi or multi_builder" }
        for b in kind.utf8 {
            switch b {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                continue
            default: return "context kind contains disallowed characters"
            }
        }
        return nil
    }

    /// One kind's properties, as the SDK's builder takes them (`_meta` checked and skipped).
    /// The attributes are the properties themselves: `get` answers the built-ins first and
    /// never `_meta`, and a null attribute reads as absent, as the SDK drops it.
    private static func single(_ props: JSONObject, kind: String) -> Result<Single, Invalid> {
        var key = "", name: String? = nil, anonymous = false, k = kind
        var custom = false
        for i in 0..<props.count {
            let name_ = props.keys[i], value = props.values[i]
            switch name_ {
            case "_meta":
                if value.isNull { continue }
                guard case .object(let meta) = value else { return .failure(Invalid(typeError("_meta"))) }
                if let p = meta["privateAttributes"], !p.isNull {
                    guard case .array(let items) = p else { return .failure(Invalid(typeError("privateAttributes"))) }
                    for item in items where item.stringValue == nil { return .failure(Invalid(typeError("privateAttributes"))) }
                }
            case "":
                return .failure(Invalid(typeError("")))
            case "key":
                guard case .string(let s) = value else { return .failure(Invalid(typeError("key"))) }
                key = s
            case "kind":
                guard case .string(let s) = value else { return .failure(Invalid(typeError("kind"))) }
                k = s
            case "name":
                if value.isNull { name = nil; continue }
                guard case .string(let s) = value else { return .failure(Invalid(typeError("name"))) }
                name = s
            case "anonymous":
                guard case .bool(let b) = value else { return .failure(Invalid(typeError("anonymous"))) }
                anonymous = b
            default:
                custom = true
            }
        }
        if let e = validateKind(k) { return .failure(Invalid(Context(error: e))) }
        if key.isEmpty { return .failure(Invalid(Context(error: "context key must not be None or empty"))) }
        return .success(Single(kind: k, key: key, name: name, anonymous: anonymous,
                               attributes: custom ? props : nil))
    }

    static let oldUserStringAttributes: Set<String> = ["name", "firstName", "lastName", "email", "country", "avatar", "ip"]

    /// An old-style user (no `kind`), as LaunchDarkly's SDKs read it: kind `user`; `key` a string
    /// (may be empty); the built-in string attributes; `anonymous`; `custom` members as top-level
    /// attributes (except `key`, `kind`, `name`, `anonymous`, `_meta`; as the Go SDK reads
    /// them, a custom member and a built-in of the same name: the later one in the JSON wins);
    /// `privateAttributeNames` a list of strings.
    private static func oldUser(_ props: JSONObject) -> Context {
        guard case .string(let key)? = props["key"] else { return typeError("key") }
        var attributes = JSONObject()
        var name: String? = nil, anonymous = false
        for i in 0..<props.count {
            let n = props.keys[i], value = props.values[i]
            switch n {
            case "key", "secondary": continue
            case "custom":
                if value.isNull { continue }
                guard case .object(let custom) = value else { return typeError("custom") }
                for j in 0..<custom.count where !custom.values[j].isNull {
                    let cn = custom.keys[j]
                    if cn == "key" || cn == "kind" || cn == "name" || cn == "anonymous" || cn == "_meta" || cn.isEmpty { continue }
                    attributes.set(cn, custom.values[j])
                }
            case "anonymous":
                if value.isNull { continue }
                guard case .bool(let b) = value else { return typeError("anonymous") }
                anonymous = b
            case "privateAttributeNames":
                if value.isNull { continue }
                guard case .array(let items) = value else { return typeError("privateAttributeNames") }
                for item in items where item.stringValue == nil { return typeError("privateAttributeNames") }
            case _ where oldUserStringAttributes.contains(n):
                if value.isNull { continue }
                guard case .string(let s) = value else { return typeError(n) }
                if n == "name" { name = s } else { attributes.set(n, .string(s)) }
            default:
                continue
            }
        }
        return Context(contexts: [Single(kind: defaultKind, key: key, name: name, anonymous: anonymous,
                                         attributes: attributes.count == 0 ? nil : attributes)])
    }
}
