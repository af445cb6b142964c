/// Told about the members of the object `JSONScanner.skipValue(observing:)` scans (not those of
/// objects nested in it), in order: the raw range of each name (between its quotes, validated)
/// and where its value starts (the value itself is validated by the scan afterwards).
protocol MemberObserver {
    mutating func member(_ bytes: UnsafeBufferPointer<UInt8>, name: Range<Int>, value: Int)
}

/// Observes nothing: plain `skipValue`.
struct NoMembers: MemberObserver {
    @inline(__always)
    func member(_ bytes: UnsafeBufferPointer<UInt8>, name: Range<Int>, value: Int) {}
}
