/// SHA-1 (FIPS 180-4), only for rollout bucketing, where the SDKs use it; kept here so the
/// evaluator depends on no crypto library. Not for security. Works in stack buffers.
enum SHA1 {
    /// The first 15 hex digits of the digest of `message` as a number (the SDKs' bucket hash).
    static func prefix60(_ message: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h0: UInt32 = 0x6745_2301, h1: UInt32 = 0xEFCD_AB89, h2: UInt32 = 0x98BA_DCFE
        var h3: UInt32 = 0x1032_5476, h4: UInt32 = 0xC3D2_E1F0
        let length = message.count
        let padded = (length + 9 + 63) / 64 * 64
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: padded) { data in
            withUnsafeTemporaryAllocation(of: UInt32.self, capacity: 80) { w in
                for i in 0..<length { data[i] = message[i] }
                data[length] = 0x80
                for i in (length + 1)..<padded { data[i] = 0 }
                let bits = UInt64(length) &* 8
                for i in 0..<8 { data[padded - 1 - i] = UInt8(truncatingIfNeeded: bits >> (UInt64(i) * 8)) }
                var chunk = 0
                while chunk < padded {
                    for t in 0..<16 {
                        let j = chunk + t * 4
                        w[t] = UInt32(data[j]) << 24 | UInt32(data[j + 1]) << 16 | UInt32(data[j + 2]) << 8 | UInt32(data[j + 3])
                    }
                    for t in 16..<80 { w[t] = rotl(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1) }
                    var a = h0, b = h1, c = h2, d = h3, e = h4
                    @inline(__always) func round(_ f: UInt32, _ k: UInt32, _ t: Int) {
                        let temp = rotl(a, 5) &+ f &+ e &+ k &+ w[t]
                        e = d; d = c; c = rotl(b, 30); b = a; a = temp
                    }
                    for t in 0..<20 { round((b & c) | (~b & d), 0x5A82_7999, t) }
                    for t in 20..<40 { round(b ^ c ^ d, 0x6ED9_EBA1, t) }
                    for t in 40..<60 { round((b & c) | (b & d) | (c & d), 0x8F1B_BCDC, t) }
                    for t in 60..<80 { round(b ^ c ^ d, 0xCA62_C1D6, t) }
                    h0 = h0 &+ a; h1 = h1 &+ b; h2 = h2 &+ c; h3 = h3 &+ d; h4 = h4 &+ e
                    chunk += 64
                }
            }
        }
        return (UInt64(h0) << 28) | (UInt64(h1) >> 4)
    }

    @inline(__always)
    private static func rotl(_ x: UInt32, _ n: UInt32) -> UInt32 { (x << n) | (x >> (32 - n)) }
}
