/// Redis Cluster's key → slot function: CRC16 (XMODEM: polynomial 0x1021, initial value 0) of
/// the key, or of its hash tag (the bytes between the first `{` and the first `}` after it,
/// when not empty), modulo 16384.
enum KeySlot {
    static let count = 16384

    /// The slot of `key`.
    static func slot<Bytes: Collection<UInt8>>(of key: Bytes) -> Int {
        let hashed = hashTag(of: key) ?? key[...]
        return Int(crc16(hashed) & UInt16(count - 1))
    }

    static func slot(of key: String) -> Int {
        slot(of: Array(key.utf8))
    }

    /// The bytes between the first `{` and the next `}`, when there are any.
    private static func hashTag<Bytes: Collection<UInt8>>(of key: Bytes) -> Bytes.SubSequence? {
        guard let open = key.firstIndex(of: UInt8(ascii: "{")) else { return nil }
        let afterOpen = key.index(after: open)
        guard let close = key[afterOpen...].firstIndex(of: UInt8(ascii: "}")), close != afterOpen else { return nil }
        return key[afterOpen..<close]
    }

    private static let table: [UInt16] = (0..<256).map { (byte: Int) -> UInt16 in
        var crc = UInt16(byte) << 8
        for _ in 0..<8 { crc = crc & 0x8000 != 0 ? (crc << 1) ^ 0x1021 : crc << 1 }
        return crc
    }

    static func crc16<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> UInt16 {
        var crc: UInt16 = 0
        for b in bytes {
            crc = (crc << 8) ^ table[Int(UInt8(truncatingIfNeeded: crc >> 8) ^ b)]
        }
        return crc
    }
}
