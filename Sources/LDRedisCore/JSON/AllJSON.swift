/// Builds the JSON object `{key: item, ...}` of a kind's live items from the stored bytes.
public enum AllJSON {
    public static func encode(_ items: [(key: String, item: StoredItem)]) -> [UInt8] {
        var out: [UInt8] = []
        var size = 2
        for (key, item) in items { size += key.utf8.count + item.json.count + 4 }
        out.reserveCapacity(size)
        out.append(UInt8(ascii: "{"))
        var first = true
        for (key, item) in items where !item.deleted {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            JSONWriter.appendString(key, to: &out)
            out.append(UInt8(ascii: ":"))
            out.append(contentsOf: item.json)
        }
        out.append(UInt8(ascii: "}"))
        return out
    }
}
