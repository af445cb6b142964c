/// A `matches` clause value compiled once. Python's `re.search` is the reference (PyRegex):
/// a pattern that does not compile matches nothing; a search that exceeds the step budget
/// counts as no match.
final class ClauseRegex: Sendable {
    private let regex: PyRegex

    init?(_ pattern: String) {
        guard let compiled = try? PyRegex(pattern) else { return nil }
        regex = compiled
    }

    func search(_ text: String) -> Bool {
        regex.search(text) ?? false
    }
}
