/// Marks a background refresh; a write in the meantime supersedes it.
final class RefreshToken: @unchecked Sendable {
    var superseded = false
}
