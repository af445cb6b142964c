/// Date values for `before`/`after`, as the Python SDK reads them: a number is Unix epoch
/// milliseconds; a string is parsed like `pyrfc3339.parse` (a trailing `Z`/`z` is `+00:00`,
/// then Python 3.11's `datetime.fromisoformat`), and must carry a UTC offset. The subset of
/// ISO 8601 accepted: `YYYY-MM-DD` or `YYYYMMDD`, any one separator character, `HH[:MM[:SS]]` or
/// `HHMM[SS]`, a fraction after `.` or `,` (microseconds; more digits are cut), and an offset
/// `±HH[:MM[:SS[.ffffff]]]` or `±HHMM[SS]`.
enum Timestamp {
    /// Milliseconds since the epoch, or nil; throws where Python's `float()` overflows.
    static func millis(_ value: JSONValue) throws(EvaluationFailure) -> Double? {
        switch value {
        case .int, .bigInt, .double: return try value.floatValue()
        case .string(let s): return parse(s)
        default: return nil
        }
    }

    static func parse(_ text: String) -> Double? {
        var b = Array(text.utf8)
        if let last = b.last, last == UInt8(ascii: "Z") || last == UInt8(ascii: "z") {
            b.removeLast()
            b.append(contentsOf: Array("+00:00".utf8))
        }
        return parseISO(b)
    }

    private static func digits(_ b: [UInt8], _ at: Int, _ n: Int) -> Int? {
        guard at >= 0, at + n <= b.count else { return nil }
        var v = 0
        for i in at..<(at + n) {
            let c = b[i]
            guard c >= 0x30 && c <= 0x39 else { return nil }
            v = v * 10 + Int(c - 0x30)
        }
        return v
    }

    private static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    private static func daysInMonth(_ y: Int, _ m: Int) -> Int {
        switch m {
        case 2: return isLeap(y) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days from 1970-01-01 (Howard Hinnant's days_from_civil).
    private static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (m + 9) % 12
        let doy = (153 * mp + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /// `HH[:MM[:SS[(.|,)f*]]]` or `HHMM[SS[(.|,)f*]]`: microseconds of the day, and the end.
    private static func time(_ b: [UInt8], _ start: Int, _ end: Int, allowFraction: Bool) -> (micros: Int, ok: Bool) {
        guard let hh = digits(b, start, 2), hh < 24 else { return (0, false) }
        var i = start + 2
        var mm = 0, ss = 0, us = 0
        let extended = i < end && b[i] == UInt8(ascii: ":")
        if i < end {
            if extended { i += 1 }
            guard let m = digits(b, i, 2), m < 60, i + 2 <= end else { return (0, false) }
            mm = m; i += 2
            if i < end && b[i] != UInt8(ascii: ".") && b[i] != UInt8(ascii: ",") {
                if extended {
                    guard b[i] == UInt8(ascii: ":") else { return (0, false) }
                    i += 1
                }
                guard let s = digits(b, i, 2), s < 60, i + 2 <= end else { return (0, false) }
                ss = s; i += 2
            }
            if i < end {
                guard allowFraction, b[i] == UInt8(ascii: ".") || b[i] == UInt8(ascii: ",") else { return (0, false) }
                i += 1
                var n = 0
                while i < end {
                    guard let d = digits(b, i, 1) else { return (0, false) }
                    if n < 6 { us = us * 10 + d; n += 1 }
                    i += 1
                }
                while n < 6 { us *= 10; n += 1 }
            }
        }
        guard i == end else { return (0, false) }
        return (((hh * 60 + mm) * 60 + ss) * 1_000_000 + us, true)
    }

    private static func parseISO(_ b: [UInt8]) -> Double? {
        var year = 0, month = 0, day = 0, pos = 0
        if b.count >= 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-") {
            guard let y = digits(b, 0, 4), let m = digits(b, 5, 2), let d = digits(b, 8, 2) else { return nil }
            year = y; month = m; day = d; pos = 10
        } else {
            guard let y = digits(b, 0, 4), let m = digits(b, 4, 2), let d = digits(b, 6, 2) else { return nil }
            year = y; month = m; day = d; pos = 8
        }
        guard year >= 1, month >= 1, month <= 12, day >= 1, day <= daysInMonth(year, month) else { return nil }
        // A time and an offset are required (a naive datetime cannot be compared with the epoch).
        guard pos < b.count else { return nil }
        // The separator: any one character (a multi-byte UTF-8 one too).
        pos += 1
        while pos < b.count, b[pos] & 0xC0 == 0x80 { pos += 1 }
        var sign = 0, tzStart = b.count
        for i in pos..<b.count where b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            sign = b[i] == UInt8(ascii: "+") ? 1 : -1
            tzStart = i
            break
        }
        guard sign != 0 else { return nil }
        let (timeMicros, ok) = time(b, pos, tzStart, allowFraction: true)
        guard ok else { return nil }
        let (offsetMicros, ok2) = time(b, tzStart + 1, b.count, allowFraction: true)
        guard ok2 else { return nil }
        let micros = daysFromCivil(year, month, day) * 86_400_000_000 + timeMicros - sign * offsetMicros
        return Double(micros) / 1e6 * 1000.0
    }
}
