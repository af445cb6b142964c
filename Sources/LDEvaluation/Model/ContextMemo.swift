import Glibc

/// The last context each thread parsed, by its exact JSON bytes: a program that evaluates
/// several flags for one context (the usual request) parses it once. Per thread, so no lock;
/// freed with the thread.
enum ContextMemo {
    final class Entry {
        let bytes: [UInt8]
        let context: Context
        init(bytes: [UInt8], context: Context) { self.bytes = bytes; self.context = context }
    }

    /// Longer contexts are parsed each time (a copy to compare against is not worth it).
    static let maxBytes = 4096

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key) { p in
            if let p { Unmanaged<Entry>.fromOpaque(p).release() }
        }
        return key
    }()

    /// The context for these bytes: the memo's when they are the same, else parsed (and
    /// remembered). Invalid JSON throws, as `JSONParser.parse` does.
    static func context(_ bytes: UnsafeBufferPointer<UInt8>) throws(JSONParser.Failure) -> Context {
        if let p = pthread_getspecific(key) {
            let entry = Unmanaged<Entry>.fromOpaque(p).takeUnretainedValue()
            if entry.bytes.count == bytes.count, let base = bytes.baseAddress,
               entry.bytes.withUnsafeBufferPointer({ mine in
                   guard let m = mine.baseAddress else { return false }
                   return memcmp(m, base, bytes.count) == 0
               }) {
                return entry.context
            }
        }
        let context = Context.parse(try JSONParser.parse(bytes))
        if bytes.count <= maxBytes, bytes.count > 0 {
            let entry = Unmanaged.passRetained(Entry(bytes: Array(bytes), context: context))
            if let old = pthread_getspecific(key) { Unmanaged<Entry>.fromOpaque(old).release() }
            pthread_setspecific(key, entry.toOpaque())
        }
        return context
    }
}
