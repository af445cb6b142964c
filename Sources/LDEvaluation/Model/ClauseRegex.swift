/// A `matches` clause value compiled once. Python's `re.search` is the reference: an
/// unanchored search over code points; a pattern that does not compile matches nothing.
/// Swift's Regex accepts Python's `(?P<name>…)` syntax; matching runs on Unicode scalars.
final class ClauseRegex: Sendable {
    nonisolated(unsafe) private let regex: Regex<AnyRegexOutput>

    init?(_ pattern: String) {
        guard let compiled = try? Regex(pattern) else { return nil }
        regex = compiled.matchingSemantics(.unicodeScalar)
    }

    func search(_ text: String) -> Bool {
        (try? regex.firstMatch(in: text)) != nil
    }
}
