import Foundation
import Testing
@testable import LDRedisCore

@Suite("AllJSON: the all-items object, written in one pass")
struct AllJSONTests {
    @Test("keys are escaped, tombstones left out, item bytes kept as they are")
    func escapingAndTombstones() throws {
        let keys = ["plain", "quo\"te", "back\\slash", "new\nline", "tab\t", "ctl\u{01}\u{1f}", "caf\u{e9}", "🚀", ""]
        var items = keys.enumerated().map { (i, key) in (key: key, item: Fixture.item("k\(i)", Int64(i + 1))) }
        items.append((key: "gone", item: StoredItem.tombstone(key: "gone", version: 3)))
        let bytes = AllJSON.encode(items)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        #expect(Set(object.keys) == Set(keys))
        #expect(object["gone"] == nil)
        // Item bytes are copied verbatim: the text after each key's colon is the stored JSON.
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains(#""plain":"# + Fixture.item("k0", 1).text))
        #expect(AllJSON.encode([]) == Array("{}".utf8))
    }
}
