import Glibc

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

/// `value` with `digits` decimals (no Foundation).
func fixed(_ value: Double, digits: Int) -> String {
    guard value.isFinite else { return "0" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = (abs(value) * scale).rounded()
    guard scaled < 9e15 else { return String(value) }
    let n = Int64(scaled)
    let whole = n / Int64(scale)
    var fraction = String(n % Int64(scale))
    fraction = String(repeating: "0", count: max(0, digits - fraction.count)) + fraction
    return (value < 0 && n != 0 ? "-" : "") + String(whole) + (digits > 0 ? "." + fraction : "")
}
