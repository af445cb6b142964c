import Testing
@testable import LDRedisCore

@Suite("FullDataSet parsing")
struct DataSetTests {
    func parse(_ text: String) throws -> FullDataSet { try FullDataSet.parse(Array(text.utf8)) }

    func rejects(_ text: String, mentioning word: String) {
        expectInvalidArgument(text, mentioning: word) { _ = try parse(text) }
    }

    @Test("flags become the features kind, other members keep their names, items are kept byte for byte")
    func kinds() throws {
        let data = try parse(#"{"flags":{"f1":{"key":"f1", "version": 2}},"segments":{"s":{"version":1}},"custom":{}}"#)
        #expect(data.kinds.map(\.name) == ["features", "segments", "custom"])
        #expect(data.kinds[0].items[0].key == "f1")
        #expect(data.kinds[0].items[0].item.text == #"{"key":"f1", "version": 2}"#)
        #expect(data.kinds[0].items[0].item.version == 2)
        #expect(data.itemCount == 2)
    }

    @Test("an empty document is a valid, empty data set")
    func empty() throws {
        #expect(try parse(" {} ").kinds.isEmpty)
    }

    @Test("bad data sets are refused with what is wrong")
    func bad() {
        rejects("[]", mentioning: "object")
        rejects(#"{"flags":[]}"#, mentioning: "must be an object")
        rejects(#"{"flags":{"f":{"version":-1}}}"#, mentioning: "invalid item \"f\"")
        rejects(#"{"flags":{"f":3}}"#, mentioning: "invalid item \"f\"")
        rejects(#"{"flags":{"":{"version":1}}}"#, mentioning: "empty key")
        rejects(#"{"flags":{},"features":{}}"#, mentioning: "both")
        rejects(#"{"flags":{},"flags":{}}"#, mentioning: "\"flags\" twice")
        rejects(#"{"$inited":{}}"#, mentioning: "reserved")
        rejects(#"{"":{}}"#, mentioning: "empty")
        rejects(#"{"flags":{}"#, mentioning: "expected")
    }
}
