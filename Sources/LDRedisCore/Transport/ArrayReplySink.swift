/// Takes the elements of an array reply one at a time (`RedisSession.streamArray`).
protocol ArrayReplySink: AnyObject {
    /// The next element: its bytes when it is a bulk string (valid during the call only), else
    /// nil.
    func element(_ bulk: UnsafeRawBufferPointer?)
}
