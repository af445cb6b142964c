/// Python's `==` between JSON values as `json.loads` builds them: numbers compare exactly across
/// int and float (and `bool` is the int 0 or 1 inside arrays and objects), strings by code
/// points, arrays element-wise, objects as dicts. The `in` operator adds the SDK's top-level
/// rule that a boolean never equals a number.
enum PyEquality {
    static func equal(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.string(let x), .string(let y)): return x.utf8Equals(y)
        case (.array(let x), .array(let y)):
            guard x.count == y.count else { return false }
            for i in x.indices where !equal(x[i], y[i]) { return false }
            return true
        case (.object(let x), .object(let y)):
            guard x.count == y.count else { return false }
            for i in 0..<x.count {
                guard let v = y[x.keys[i]], equal(x.values[i], v) else { return false }
            }
            return true
        default:
            guard let x = Number(a), let y = Number(b) else { return false }
            return x == y
        }
    }

    /// A Python number (bool included) compared exactly.
    enum Number: Equatable {
        case int(Int64)
        case big(String)
        case float(Double)

        init?(_ v: JSONValue) {
            switch v {
            case .bool(let b): self = .int(b ? 1 : 0)
            case .int(let i): self = .int(i)
            case .bigInt(let t): self = .big(t)
            case .double(let d): self = .float(d)
            default: return nil
            }
        }

        static func == (a: Number, b: Number) -> Bool {
            switch (a, b) {
            case (.int(let x), .int(let y)): return x == y
            case (.big(let x), .big(let y)): return x == y
            case (.float(let x), .float(let y)): return x == y
            case (.int(let i), .float(let d)), (.float(let d), .int(let i)):
                guard d.isFinite, d.rounded(.towardZero) == d, d >= -9.223372036854775808e18, d < 9.223372036854775808e18 else { return false }
                return Int64(d) == i
            case (.big(let t), .float(let d)), (.float(let d), .big(let t)):
                guard d.isFinite, d.rounded(.towardZero) == d else { return false }
                return exactIntegerText(d) == t
            default: return false
            }
        }
    }

    /// The exact decimal text of an integral finite double (for comparing with big integers).
    static func exactIntegerText(_ d: Double) -> String {
        if d == 0 || !d.isFinite { return "0" }
        var digits: [UInt32]                // little-endian base 1e9
        let negative = d < 0
        let m = abs(d)
        let exponent = Int(m.exponent) - 52
        var significand = m.significandBitPattern | (m.isNormal ? (1 << 52) : 0)
        var shift = exponent
        if shift < 0 { significand >>= UInt64(-shift); shift = 0 }
        digits = [UInt32(significand % 1_000_000_000), UInt32((significand / 1_000_000_000) % 1_000_000_000),
                  UInt32(significand / 1_000_000_000_000_000_000)]
        for _ in 0..<shift {
            var carry: UInt64 = 0
            for i in digits.indices {
                let v = UInt64(digits[i]) * 2 + carry
                digits[i] = UInt32(v % 1_000_000_000)
                carry = v / 1_000_000_000
            }
            if carry > 0 { digits.append(UInt32(carry)) }
        }
        while digits.count > 1 && digits.last == 0 { digits.removeLast() }
        var text = String(digits.last ?? 0)
        for chunk in digits.dropLast().reversed() {
            let s = String(chunk)
            text += String(repeating: "0", count: 9 - s.count) + s
        }
        return (negative && text != "0" ? "-" : "") + text
    }
}
