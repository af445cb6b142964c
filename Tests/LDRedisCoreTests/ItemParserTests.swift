import Foundation
import Testing
@testable import LDRedisCore

@Suite("ItemParser and JSONScanner")
struct ItemParserTests {
    func input(_ text: String) throws -> ItemHeader {
        try Array(text.utf8).withUnsafeBufferPointer { try ItemParser.parseInput($0) }
    }

    func stored(_ text: String) -> ItemHeader? {
        ItemParser.parseStored(Array(text.utf8))
    }

    func rejects(_ text: String, mentioning word: String) {
        expectInvalidArgument(text, mentioning: word) { _ = try input(text) }
    }

    @Test("a plain item gives its version and not deleted")
    func plainItem() throws {
        #expect(try input(#"{"key":"f","version":42,"on":true}"#) == ItemHeader(version: 42, deleted: false))
    }

    @Test("the Python SDK's spacing, any field order and nested values parse")
    func pythonShape() throws {
        let text = #"{"rules": [{"clauses": [{"values": ["a", 1.5e3, null, {"x": [true]}]}]}], "version": 3, "key": "f"}"#
        #expect(try input(text) == ItemHeader(version: 3, deleted: false))
    }

    @Test("all three tombstone shapes read as deleted")
    func tombstones() {
        #expect(stored(#"{"key":"f","version":4,"deleted":true}"#) == ItemHeader(version: 4, deleted: true))
        #expect(stored(#"{"version":4,"deleted":true}"#) == ItemHeader(version: 4, deleted: true))
        #expect(stored(#"{"key":"$deleted","version":4,"on":false,"variations":[]}"#) == ItemHeader(version: 4, deleted: true))
        #expect(stored(#"{"key":"f","version":4,"deleted":false}"#) == ItemHeader(version: 4, deleted: false))
    }

    @Test("a version or deleted spelled with escapes is still recognised")
    func escapedNames() throws {
        #expect(try input(#"{"vers\u0069on":9,"dele\u0074ed":true}"#) == ItemHeader(version: 9, deleted: true))
    }

    @Test("caller input needs an integer version from 0 to 2^53-1")
    func versionRules() throws {
        rejects(#"{"key":"f"}"#, mentioning: "no \"version\"")
        rejects(#"{"version":null}"#, mentioning: "no \"version\"")
        rejects(#"{"version":-1}"#, mentioning: "negative")
        rejects(#"{"version":1.5}"#, mentioning: "integer")
        rejects(#"{"version":1e3}"#, mentioning: "integer")
        rejects(#"{"version":"3"}"#, mentioning: "integer")
        rejects(#"{"version":9007199254740992}"#, mentioning: "out of range")
        rejects(#"{"version":99999999999999999999999}"#, mentioning: "out of range")
        #expect(try input(#"{"version":9007199254740991}"#).version == ItemParser.maximumVersion)
        #expect(try input(#"{"version":0}"#).version == 0)
    }

    @Test("invalid JSON and non-objects are refused with a position")
    func invalidJSON() {
        rejects("", mentioning: "object")
        rejects("[1]", mentioning: "object")
        rejects("\"x\"", mentioning: "object")
        rejects(#"{"version":1"#, mentioning: "expected")
        rejects(#"{"version":1}}"#, mentioning: "after")
        rejects(#"{"version":01}"#, mentioning: "expected")
        rejects(#"{"version":1,"a":tru}"#, mentioning: "literal")
        rejects("{\"version\":1,\"a\":\"\u{01}\"}", mentioning: "control")
        rejects(#"{"version":1,"a":"\x"}"#, mentioning: "escape")
        rejects(#"{"version":1,}"#, mentioning: "member name")
        rejects(#"{"version":1,"deleted":"yes"}"#, mentioning: "boolean")
    }

    @Test("invalid UTF-8 inside strings is refused")
    func invalidUTF8() throws {
        var bytes = Array(#"{"version":1,"a":"xx"}"#.utf8)
        bytes[18] = 0xC0
        #expect(throws: StoreError.self) { try bytes.withUnsafeBufferPointer { try ItemParser.parseInput($0) } }
    }

    @Test("deep nesting is refused instead of exhausting the stack")
    func deepNesting() {
        let deep = "{\"version\":1,\"a\":" + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "}"
        rejects(deep, mentioning: "deeply")
    }

    @Test("stored values are read leniently: any number is a version, non-items are nil")
    func lenientStored() {
        #expect(stored(#"{"version":2.0}"#)?.version == 2)
        #expect(stored(#"{"version":1e3}"#)?.version == 1000)
        #expect(stored(#"{"version":-3}"#)?.version == -3)
        #expect(stored(#"{"version":2.5}"#)?.version == 2)
        #expect(stored(#"{"version":2.5}"#)?.wins(against: 3) == false)
        #expect(stored(#"{"version":9007199254740993}"#)?.wins(against: ItemParser.maximumVersion) == true)
        #expect(stored(#"{"version":1e400}"#)?.version == Int64.max)
        #expect(stored(#"{"version":"2"}"#) == nil)
        #expect(stored("null") == nil)
        #expect(stored("not json") == nil)
        #expect(stored(#"{"key":"f"}"#) == nil)
        #expect(stored(#"[{"version":1}]"#) == nil)
    }

    @Test("a stored integer version reads as its Double, exactly as the text of it parses")
    func integerVersionsAsDoubles() {
        var g = JSONScannerTests.Generator(state: 0x1D_EC1A)
        var texts = ["0", "-0", "1", "-1", "999999999999999", "-999999999999999", "1000000000000000",
                     "9007199254740993", "-9007199254740993", "12345678901234567890", "-98765432109876543210"]
        for _ in 0..<2_000 {
            let digits = (0..<(1 + g.below(20))).map { _ in String(g.below(10)) }.joined()
            let trimmed = String(digits.drop { $0 == "0" })
            texts.append((g.below(2) == 0 ? "-" : "") + (trimmed.isEmpty ? "0" : trimmed))
        }
        for text in texts {
            guard let d = Double(text), let header = stored(#"{"version":\#(text)}"#) else {
                Issue.record("\(text) not read")
                continue
            }
            let clamped = d >= 9.223372036854775e18 ? Int64.max : (d <= -9.223372036854775e18 ? Int64.min : Int64(d.rounded(.towardZero)))
            #expect(header.version == clamped && header.order.bitPattern == d.bitPattern, "\(text)")
        }
    }

    @Test("decoding member names handles escapes and surrogate pairs")
    func decodeStrings() {
        let text = #""a\"b\\c\/d\n\u00e9\ud83d\ude00""#
        let bytes = Array(text.utf8)
        bytes.withUnsafeBufferPointer { b in
            var s = JSONScanner(b)
            let range = try? s.scanString()
            #expect(range.map { s.decodeString($0) } == "a\"b\\c/d\né😀")
        }
    }

    @Test("JSON strings are written with the required escapes")
    func writeStrings() {
        var out: [UInt8] = []
        JSONWriter.appendString("q\"b\\n\n\u{01}é", to: &out)
        #expect(String(decoding: out, as: UTF8.self) == #""q\"b\\n\n\u0001é""#)
    }

    @Test("a delete's tombstone is the documented shape, with the key escaped")
    func tombstoneShape() {
        #expect(StoredItem.tombstone(key: "a\"b", version: 7).text == #"{"key":"a\"b","version":7,"deleted":true}"#)
    }
}

/// `parseStored` reads a stored value in one pass (the scan tells it about the top-level
/// members); `scanItem(strict: false)` is the member loop it replaced for stored values (and
/// still reads caller input strictly). The two must agree on every input: valid or not, item
/// or not, header bit for bit.
@Suite("parseStored in one pass agrees with the member loop")
struct StoredParserDifferentialTests {
    static func memberLoop(_ bytes: [UInt8]) -> ItemHeader? {
        bytes.withUnsafeBufferPointer { b in
            var s = JSONScanner(b)
            guard let header = try? ItemParser.scanItem(&s, strict: false), (try? s.expectEnd()) != nil else { return nil }
            return header
        }
    }

    static func expectAgree(_ bytes: [UInt8], _ accepted: inout Int) {
        let onePass = ItemParser.parseStored(bytes)
        let loop = memberLoop(bytes)
        #expect(onePass == loop && onePass?.order.bitPattern == loop?.order.bitPattern,
                "\(String(decoding: bytes.prefix(300), as: UTF8.self).debugDescription): \(String(describing: onePass)) vs \(String(describing: loop))")
        if onePass != nil { accepted += 1 }
    }

    /// A generated value shaped like an item: the members that make the header in every
    /// spelling and type, repeated, among other members with nested values.
    static func item(_ g: inout JSONScannerTests.Generator) -> String {
        let members = [
            #""version":3"#, #""version":-0"#, #""version":1.5e3"#, #""version":2.5"#, #""version":1e400"#,
            #""version":null"#, #""version":"3""#, #""version":true"#, #""version":[1]"#, #""vers\u0069on":7"#,
            #""deleted":true"#, #""deleted":false"#, #""deleted":null"#, #""deleted":1"#, #""deleted":"yes""#,
            #""dele\u0074ed":true"#, #""key":"$deleted""#, #""key":"f""#, #""key":3"#, #""key":null"#,
            #""k\u0065y":"$deleted""#, #""key":"$dele\u0074ed""#, #""versions":1"#, #""keys":"$deleted""#,
        ]
        let scanner = JSONScannerTests()
        var parts: [String] = []
        for _ in 0..<g.below(7) {
            if g.below(3) == 0 {
                parts.append("\"m\(g.below(5))\"" + (g.below(2) == 0 ? ":" : " : ") + scanner.value(&g, depth: 1))
            } else {
                parts.append(members[g.below(members.count)])
            }
        }
        return (g.below(4) == 0 ? " {" : "{") + parts.joined(separator: g.below(3) == 0 ? " , " : ",") + "}"
    }

    @Test("generated items and their mutations")
    func generated() {
        var g = JSONScannerTests.Generator(state: 0x5EED_0F_17E4)
        let scanner = JSONScannerTests()
        var accepted = 0
        for _ in 0..<4_000 {
            let text = Self.item(&g)
            Self.expectAgree(Array(text.utf8), &accepted)
            for _ in 0..<3 { Self.expectAgree(scanner.mutate(text, &g), &accepted) }
        }
        #expect(accepted > 2_000)   // the inputs are mostly items, so agreement is not only on nil
    }

    @Test("the fuzz seeds, the bench-like flags and every truncation of them")
    func corpus() throws {
        let here = URL(fileURLWithPath: #filePath)
        let seeds = here.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("fuzz/corpus/json")
        var inputs = try FileManager.default.contentsOfDirectory(at: seeds, includingPropertiesForKeys: nil)
            .map { try Array(Data(contentsOf: $0)) }
        #expect(inputs.count >= 5)
        inputs.append(Array(#"{"key":"flag-00000-romeo-vrx2","version":143,"on":false,"prerequisites":[],"salt":"bc8d265c0a890f11cb7c0b36c374657e","targets":[],"rules":[{"id":"49e26365-0177-46ff-2218-59e748f72ce3","clauses":[{"contextKind":"user","attribute":"browser","op":"before","values":[1706552324551],"negate":false}],"trackEvents":false,"variation":0}],"fallthrough":{"rollout":{"variations":[{"variation":0,"weight":19781},{"variation":1,"weight":80219}],"bucketBy":"key"}},"offVariation":1,"variations":[true,false],"clientSide":false,"debugEventsUntilDate":null,"deleted":false}"#.utf8))
        var accepted = 0
        for input in inputs {
            for end in 0...input.count { Self.expectAgree(Array(input[0..<end]), &accepted) }
        }
        #expect(accepted > 0)
    }
}
