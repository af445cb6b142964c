import Glibc
import LDRedisCore

/// Exit codes (the man page lists them).
enum ExitCode {
    static let ok: Int32 = 0
    /// Problems found (status, verify), not found (get), refused (load), or a failed command.
    static let problems: Int32 = 1
    /// Redis could not be reached (connection refused or lost, a timeout).
    static let unreachable: Int32 = 2
    /// Bad usage: an unknown command or option, a missing or malformed argument.
    static let usage: Int32 = 64
}

/// A failure that ends the command: its message goes to stderr, its code is the exit status.
struct CLIError: Error {
    let message: String
    let code: Int32

    static func usage(_ message: String) -> CLIError { CLIError(message: message, code: ExitCode.usage) }
    static func failed(_ message: String) -> CLIError { CLIError(message: message, code: ExitCode.problems) }

    /// A store error: unreachable (2) for an outage, else 1. Its text never holds a password.
    init(_ error: StoreError) {
        self.message = error.description
        self.code = error.isOutage ? ExitCode.unreachable : ExitCode.problems
    }

    init(message: String, code: Int32) {
        self.message = message
        self.code = code
    }
}

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

/// ANSI colours, for a terminal.
struct Style {
    private func wrap(_ code: String, _ text: String) -> String { "\u{1B}[\(code)m\(text)\u{1B}[0m" }
    func bold(_ t: String) -> String { wrap("1", t) }
    func dim(_ t: String) -> String { wrap("2", t) }
    func good(_ t: String) -> String { wrap("32", t) }
    func warn(_ t: String) -> String { wrap("33", t) }
    func bad(_ t: String) -> String { wrap("31", t) }
    func key(_ t: String) -> String { wrap("34", t) }
    func string(_ t: String) -> String { wrap("32", t) }
    func number(_ t: String) -> String { wrap("36", t) }
}

extension Optional where Wrapped == Style {
    func bold(_ t: String) -> String { self?.bold(t) ?? t }
    func dim(_ t: String) -> String { self?.dim(t) ?? t }
    func good(_ t: String) -> String { self?.good(t) ?? t }
    func warn(_ t: String) -> String { self?.warn(t) ?? t }
    func bad(_ t: String) -> String { self?.bad(t) ?? t }
}

/// Columns, aligned by the widest cell (by characters; colour added after padding).
struct Table {
    var header: [String]
    var rows: [[String]] = []
    /// Columns aligned right (numbers).
    var rightAligned: Set<Int> = []

    init(_ header: [String], rightAligned: Set<Int> = []) {
        self.header = header
        self.rightAligned = rightAligned
    }

    mutating func add(_ row: [String]) { rows.append(row) }

    func render(style: Style?) -> String {
        var widths = header.map { $0.count }
        for row in rows {
            for (k, cell) in row.enumerated() where k < widths.count { widths[k] = max(widths[k], cell.count) }
        }
        func format(_ cells: [String]) -> String {
            var line = ""
            for (k, cell) in cells.enumerated() {
                let pad = String(repeating: " ", count: max(0, widths[k] - cell.count))
                let last = k == cells.count - 1
                line += rightAligned.contains(k) ? pad + cell : cell + (last ? "" : pad)
                if !last { line += "  " }
            }
            return line
        }
        var out = style.bold(format(header)) + "\n"
        for row in rows { out += format(row) + "\n" }
        return out
    }
}

/// Milliseconds as a short human duration: `850 ms`, `12.3 s`, `4 min`, `2 h 5 min`, `3 d`.
func humanDuration(milliseconds ms: Int64) -> String {
    if ms < 1_000 { return "\(ms) ms" }
    if ms < 60_000 { return "\(ms / 1_000).\((ms % 1_000) / 100) s" }
    let minutes = ms / 60_000
    if minutes < 60 { return "\(minutes) min" }
    if minutes < 48 * 60 { return "\(minutes / 60) h \(minutes % 60) min" }
    return "\(minutes / (24 * 60)) d"
}

/// A byte count as `812 B`, `14.2 KiB`, `3.1 MiB`.
func humanBytes(_ n: Int64) -> String {
    if n < 1024 { return "\(n) B" }
    let units = ["KiB", "MiB", "GiB", "TiB"]
    var value = Double(n) / 1024
    var unit = 0
    while value >= 1024 && unit < units.count - 1 { value /= 1024; unit += 1 }
    return "\(Int(value)).\(Int(value * 10) % 10) \(units[unit])"
}

/// Now, in Unix epoch milliseconds (the wall clock: Big Segments store epoch times).
func epochMilliseconds() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Int64(ts.tv_sec) * 1_000 + Int64(ts.tv_nsec) / 1_000_000
}

/// The monotonic clock in nanoseconds, for measuring.
func monotonicNanoseconds() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

/// An epoch-milliseconds time as `2026-11-29T06:56:53Z` (UTC).
func isoTime(epochMilliseconds ms: Int64) -> String {
    var seconds = time_t(ms / 1_000)
    var parts = tm()
    gmtime_r(&seconds, &parts)
    var buffer = [CChar](repeating: 0, count: 32)
    let n = strftime(&buffer, buffer.count, "%Y-%m-%dT%H:%M:%SZ", &parts)
    return String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
