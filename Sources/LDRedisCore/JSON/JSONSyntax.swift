/// The core's JSON validation and string decoding, for tools that show or check JSON (the
/// `ldredis` command builds its trees on them rather than on a second parser of its own).
public enum JSONSyntax {
    /// nil when `bytes` is one valid JSON document (RFC 8259, nesting up to 512 levels), else
    /// why not and at which byte.
    public static func check(_ bytes: [UInt8]) -> (message: String, offset: Int)? {
        bytes.withUnsafeBufferPointer { buffer in
            var scanner = JSONScanner(buffer)
            do throws(JSONScanner.Failure) {
                try scanner.skipValue()
                try scanner.expectEnd()
                return nil
            } catch {
                return (error.message, error.offset)
            }
        }
    }

    /// The text of a string whose raw contents (between its quotes) are `contents` in a
    /// document `check` accepted. A lone surrogate escape becomes U+FFFD.
    public static func decodeString(_ bytes: [UInt8], contents: Range<Int>) -> String {
        guard contents.lowerBound >= 0, contents.upperBound <= bytes.count else { return "" }
        return bytes.withUnsafeBufferPointer { JSONScanner($0).decodeString(contents) }
    }
}
