import Glibc
import LDRedisCore

/// Buffered writes to a file descriptor, flushed when large, on `flush()` and at exit. Used
/// from the main thread only (the command is single-threaded), hence `@unchecked Sendable`.
final class Output: @unchecked Sendable {
    static let standard = Output(fd: 1)
    static let error = Output(fd: 2)

    let fd: Int32
    private var buffer: [UInt8] = []

    init(fd: Int32) {
        self.fd = fd
        buffer.reserveCapacity(64 * 1024)
    }

    var isTerminal: Bool { isatty(fd) != 0 }

    /// Colour on this stream: a terminal, `NO_COLOR` unset or empty, `TERM` not `dumb`.
    var style: Style? {
        guard isTerminal else { return nil }
        if let noColor = getenv("NO_COLOR"), noColor.pointee != 0 { return nil }
        if let term = getenv("TERM"), String(cString: term) == "dumb" { return nil }
        return Style()
    }

    /// Standard error is written at once (a warning shows before what follows it).
    func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 64 * 1024 || fd == 2 { flush() }
    }

    func line(_ text: String = "") {
        write(text + "\n")
    }

    func write(bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 64 * 1024 { flush() }
    }

    /// Writes what is buffered; false when the descriptor refused it (a closed pipe).
    @discardableResult
    func flush() -> Bool {
        var ok = true
        buffer.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            var offset = 0
            while offset < raw.count {
                let n = Glibc.write(fd, base + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    ok = false
                    return
                }
                offset += n
            }
        }
        buffer.removeAll(keepingCapacity: true)
        return ok
    }
}
