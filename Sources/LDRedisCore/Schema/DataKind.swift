/// Rules for kind names and item keys.
public enum DataKind {
    public static let features = "features"
    public static let segments = "segments"
    /// What LaunchDarkly's payloads (and `init`'s all-data document) call the features.
    public static let flagsAlias = "flags"

    /// The kind a caller's name stands for: `"flags"` is `"features"` (the one place the alias
    /// is decided, for reads, writes and inits alike); every other valid name is itself.
    /// Throws for an empty or reserved name (see `validate`).
    @inline(__always)
    public static func name(_ kind: String) throws(StoreError) -> String {
        if kind.utf8.count == 5 && kind == flagsAlias { return features }
        try validate(kind)
        return kind
    }

    /// A kind is any non-empty namespace except the store's own keys.
    public static func validate(_ kind: String) throws(StoreError) {
        guard let first = kind.utf8.first else { throw StoreError.invalidArgument("the kind must not be empty") }
        if (first == UInt8(ascii: "$") && kind == "$inited") || (first == UInt8(ascii: "b") && kind.hasPrefix("big_segment")) {
            throw StoreError.invalidArgument("\"\(kind)\" is reserved and cannot be used as a kind")
        }
    }

    public static func validateKey(_ key: String) throws(StoreError) {
        guard !key.isEmpty else { throw StoreError.invalidArgument("the item key must not be empty") }
    }
}
