// The standard library's `withUnsafe…` methods rethrow untyped errors; these keep
// `StoreError` typed through them.

extension Array where Element == UInt8 {
    func withBytes<T>(_ body: (UnsafeBufferPointer<UInt8>) throws(StoreError) -> T) throws(StoreError) -> T {
        let result: Result<T, StoreError> = withUnsafeBufferPointer { b in
            Result { () throws(StoreError) -> T in try body(b) }
        }
        return try result.get()
    }

    mutating func withMutableBytes<T>(_ body: (UnsafeMutableRawBufferPointer) throws(StoreError) -> T) throws(StoreError) -> T {
        let result: Result<T, StoreError> = withUnsafeMutableBytes { b in
            Result { () throws(StoreError) -> T in try body(b) }
        }
        return try result.get()
    }
}
