/// Values whose release is handed to the background thread (freeing ten thousand cached items
/// is work a caller of init need not wait for).
final class Disposal: @unchecked Sendable {
    private var values: [Any] = []
    func add(_ value: Any) { values.append(value) }
    func empty() { values.removeAll() }
}
