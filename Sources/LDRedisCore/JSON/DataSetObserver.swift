/// Told about a data set as it is parsed. It cannot fail the parse: an observer that meets an
/// error (a lost connection) records it and ignores the rest.
protocol DataSetObserver {
    mutating func beginKind(_ name: String)
    mutating func item(_ key: String, _ item: StoredItem)
    mutating func endKind()
}

struct NoObserver: DataSetObserver {
    mutating func beginKind(_ name: String) {}
    mutating func item(_ key: String, _ item: StoredItem) {}
    mutating func endKind() {}
}
