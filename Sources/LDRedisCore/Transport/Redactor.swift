/// Takes the configured password and username out of text a server sent, whatever it echoes
/// (a Redis with AUTH renamed answers `ERR unknown command 'AUTH', with args beginning with:
/// 'user' 'password'`). The one place secrets are redacted: the connection runs every status and
/// error reply through it, nested ones included, before anything is built from them.
struct Redactor: Sendable {
    /// What a secret is replaced with.
    static let mask: [UInt8] = Array("***".utf8)
    /// A secret cut short by the server (Redis keeps 128 bytes of arguments) is still redacted
    /// when at least this many of its first bytes remain (or all of a shorter secret).
    static let shortestPrefix = 6

    /// The secrets' bytes, longest first.
    private let secrets: [[UInt8]]

    init(password: String?, username: String?) {
        secrets = [password, username].compactMap { $0 }.filter { !$0.isEmpty }
            .map { Array($0.utf8) }.sorted { $0.count > $1.count }
    }

    /// Every secret of the configuration: the server's and the sentinels' credentials.
    init(_ configuration: StoreConfiguration) {
        secrets = [configuration.password, configuration.username,
                   configuration.sentinelPassword, configuration.sentinelUsername]
            .compactMap { $0 }.filter { !$0.isEmpty }
            .map { Array($0.utf8) }.sorted { $0.count > $1.count }
    }

    /// True when there is nothing to redact.
    var isEmpty: Bool { secrets.isEmpty }

    /// `text` with every secret, and every prefix of one at least `shortestPrefix` long,
    /// replaced by `***`; nil when there was nothing to replace.
    func redacted(_ text: UnsafeRawBufferPointer) -> [UInt8]? {
        guard !secrets.isEmpty, text.count > 0 else { return nil }
        var output: [UInt8]?
        var copied = 0   // bytes of `text` before this are in `output`
        var k = 0
        while k < text.count {
            let length = matchLength(text, at: k)
            if length == 0 {
                k += 1
                continue
            }
            if output == nil { output = []; output?.reserveCapacity(text.count) }
            output?.append(contentsOf: UnsafeRawBufferPointer(rebasing: text[copied..<k]))
            output?.append(contentsOf: Redactor.mask)
            k += length
            copied = k
        }
        output?.append(contentsOf: UnsafeRawBufferPointer(rebasing: text[copied..<text.count]))
        return output
    }

    /// `text` redacted (see `redacted(_:)`).
    func redacted(_ text: String) -> String {
        var text = text
        return text.withUTF8 { utf8 in
            redacted(UnsafeRawBufferPointer(utf8)).map { String(decoding: $0, as: UTF8.self) }
        } ?? text
    }

    /// The length of the longest secret (or long enough prefix of one) at `offset`, else 0.
    private func matchLength(_ text: UnsafeRawBufferPointer, at offset: Int) -> Int {
        var best = 0
        for secret in secrets where secret[0] == text[offset] {
            var n = 0
            while n < secret.count && offset + n < text.count && text[offset + n] == secret[n] { n += 1 }
            if n >= min(secret.count, Redactor.shortestPrefix) && n > best { best = n }
        }
        return best
    }
}
