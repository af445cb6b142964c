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

/// `allJSON` (what `ldredis_store_all_json` returns) builds the object while the `HGETALL`
/// reply streams in; it must be byte for byte what the item path made of it before
/// (`all`, then each live item's key escaped and its bytes copied), with the same values
/// skipped and counted, on a real connection (streamed from the parser) and through a session
/// that hands over a whole reply (the fake client: `RedisSession`'s default `streamArray`).
@Suite("allJSON: the all-items object built from the reply as it arrives")
struct AllJSONStreamTests {
    /// The object as the item path wrote it before: independent of `AllJSON.Writer`.
    static func reference(_ items: [(key: String, item: StoredItem)]) -> [UInt8] {
        var out = Array("{".utf8)
        for (key, item) in items where !item.deleted {
            if out.count > 1 { out.append(UInt8(ascii: ",")) }
            JSONWriter.appendString(key, to: &out)
            out.append(UInt8(ascii: ":"))
            out.append(contentsOf: item.json)
        }
        out.append(UInt8(ascii: "}"))
        return out
    }

    /// Field/value pairs as raw bytes: what SDKs, Relay and anyone else may have left in a
    /// kind's hash. Keys that need escaping or are not UTF-8; the three tombstone shapes;
    /// values that are not items (not JSON, truncated, not objects, a bad or missing version,
    /// a NUL, invalid UTF-8, empty); lenient versions; one value of 200 KB (a reply that
    /// spans many reads); strings that end near an 8- and 16-byte boundary.
    static func pairs() -> [([UInt8], [UInt8])] {
        func b(_ s: String) -> [UInt8] { Array(s.utf8) }
        var pairs: [([UInt8], [UInt8])] = [
            (b("plain"), b(#"{"key":"plain","version":1,"on":true}"#)),
            (b("quo\"te"), b(#"{"key":"quo\"te","version":2}"#)),
            (b("back\\slash\n\t\u{01}\u{1f}"), b(#"{"version":3,"deleted":false}"#)),
            (b("caf\u{e9} 🚀"), b(#"{"key":"café","version":4,"note":"\u00e9\ud83d\ude80 é 🚀"}"#)),
            ([0x66, 0xFF, 0xC3, 0x28, 0xE2, 0x82], b(#"{"version":5}"#)),       // not UTF-8
            ([], b(#"{"version":6}"#)),
            (b("t1"), b(#"{"key":"t1","version":7,"deleted":true}"#)),
            (b("t2"), b(#"{"version":8,"deleted":true}"#)),
            (b("t3"), b(#"{"key":"$deleted","version":9,"on":false}"#)),
            (b("lenient"), b(#" { "version" : 1.5e1 , "deleted" : null, "key" : 3 } "#)),
            (b("negative"), b(#"{"version":-0}"#)),
            (b("escaped-names"), b(#"{"vers\u0069on":10,"dele\u0074ed":false}"#)),
            (b("not-json"), b("not json")),
            (b("truncated"), b(#"{"key":"x","version":1"#)),
            (b("array"), b(#"[{"version":1}]"#)),
            (b("null"), b("null")),
            (b("no-version"), b(#"{"key":"x"}"#)),
            (b("string-version"), b(#"{"version":"1"}"#)),
            (b("null-version"), b(#"{"version":null}"#)),
            (b("trailing"), b(#"{"version":1} x"#)),
            (b("nul"), b("{\"version\":1,\"a\":\"\0\"}")),
            (b("bad-utf8"), [0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xC0, 0x80, 0x22, 0x2C] + b(#""version":1}"#)),
            (b("bad-escape"), b(#"{"version":1,"a":"\x"}"#)),
            (b("empty"), []),
            (b("deep"), b("{\"version\":1,\"a\":" + String(repeating: "[", count: 600) + String(repeating: "]", count: 600) + "}")),
        ]
        for n in 0..<40 {
            let body = String(repeating: "x", count: n)
            pairs.append((b("boundary-\(n)"), b(#"{"version":\#(n),"s":"\#(body)","t":"\#(body)\"","u":[\#(n),"\#(body)"]}"#)))
            // Keys with a byte to escape (or not UTF-8) at each position of the first words.
            for special: [UInt8] in [[0x22], [0x5C], [0x01], [0x7F], [0xC3, 0xA9], [0xFF]] {
                pairs.append((Array(body.utf8) + special + b("z"), b(#"{"version":\#(n)}"#)))
            }
        }
        pairs.append((b("large"), b(#"{"version":11,"blob":""# + String(repeating: "abcdefgh", count: 25_000) + #""}"#)))
        for n in 0..<500 {
            pairs.append((b("flag-\(n)"), Fixture.item("flag-\(n)", Int64(n)).json))
        }
        return pairs
    }

    /// HSETs the pairs into `hash`, as bytes.
    static func write(_ pairs: [([UInt8], [UInt8])], to hash: String, through client: RedisClient) throws {
        var command = CommandEncoder()
        command.begin(argumentCount: 2 + 2 * pairs.count)
        command.argument("HSET")
        command.argument(hash)
        for (field, value) in pairs {
            command.argument(field)
            command.argument(value)
        }
        _ = try client.withSession { (session, deadline) throws(StoreError) in try session.pipeline(command, deadline: deadline) }
    }

    /// allJSON of `kind` against the item path: the same bytes, the same count of skipped values.
    static func expectSame(_ store: RedisFeatureStore, _ kind: String) throws {
        let before = store.malformedSkippedCount
        let items = try store.all(kind: kind)
        let viaItems = store.malformedSkippedCount - before
        let (pointer, count) = try store.allJSON(kind: kind)
        defer { free(pointer) }
        let viaStream = store.malformedSkippedCount - before - viaItems
        let same = Array(UnsafeBufferPointer(start: pointer, count: count)) == reference(items.items)
        #expect(same, "allJSON differs from the item path's object")
        #expect(pointer[count] == 0)
        #expect(viaStream == viaItems)
        #expect(viaItems == items.skippedMalformed)
    }

    @Test("a real connection: the same bytes and skipped values as the item path")
    func realConnection() throws {
        let server = try RedisServer()
        let store = server.store(prefix: Fixture.uniquePrefix())
        try Self.write(Self.pairs(), to: store.key(for: "features"), through: store.client)
        try Self.expectSame(store, "features")
        #expect(store.malformedSkippedCount == 2 * 13)
        try Self.expectSame(store, "segments")     // no such hash: {}
    }

    /// A store without a cache on an in-memory fake, prefix "p".
    static func fakeStore() -> (FakeRedisClient, RedisFeatureStore) {
        let fake = FakeRedisClient()
        var c = StoreConfiguration()
        c.setPrefix("p")
        return (fake, RedisFeatureStore(configuration: c, client: fake))
    }

    @Test("a whole reply handed over (fake client): the same bytes and skipped values")
    func wholeReply() throws {
        let (fake, store) = Self.fakeStore()
        try Self.write(Self.pairs(), to: "p:features", through: fake)
        try Self.expectSame(store, "features")
        try Self.expectSame(store, "segments")
    }

    @Test("the caching store serves the same object with the cache off and on")
    func cachingStore() throws {
        for ttl: Int64 in [0, 60_000, -1] {
            let fake = FakeRedisClient()    // closed with its store
            try Self.write(Self.pairs(), to: "p:features", through: fake)
            var c = StoreConfiguration()
            c.setPrefix("p")
            c.cacheTTLMilliseconds = ttl
            let store = try CachingStore(configuration: c, client: fake, clock: ManualClock(), manualBackground: true)
            defer { store.close() }
            let (pointer, count) = try store.allJSON(kind: "features")
            defer { free(pointer) }
            let same = Array(UnsafeBufferPointer(start: pointer, count: count)) == Self.reference(try store.all(kind: "features"))
            #expect(same, "allJSON differs from the item path's object with TTL \(ttl)")
        }
    }

    @Test("an error reply or a hash of the wrong type fails as all does")
    func errors() throws {
        let server = try RedisServer()
        let store = server.store(prefix: Fixture.uniquePrefix())
        try server.cli("SET", store.key(for: "features"), "not a hash")
        var viaItems: StoreError?
        do { _ = try store.all(kind: "features") } catch { viaItems = error }
        var viaStream: StoreError?
        do { free(try store.allJSON(kind: "features").pointer) } catch { viaStream = error }
        #expect(viaItems != nil)
        #expect(viaStream == viaItems)
        #expect(throws: StoreError.self) { try store.allJSON(kind: "$inited") }
        // The connection is still in step: the next operation reads its own reply.
        try server.cli("DEL", store.key(for: "features"))
        try Self.write([(Array("a".utf8), Fixture.item("a", 1).json)], to: store.key(for: "features"), through: store.client)
        try Self.expectSame(store, "features")
    }
}

/// The streamed reply from a server that sends what Redis never would: elements that are not
/// bulk strings, a nested array, an odd count, a reply cut short.
@Suite("allJSON against a misbehaving server")
struct AllJSONFaultTests {
    static func bulk(_ text: String) -> String { "$\(text.utf8.count)\r\n\(text)\r\n" }

    /// a: an item; an integer field; c: a nested array; d: nil; x: an error element; e: an
    /// item; f: a field without a value.
    static let odd = Array(("*13\r\n" + bulk("a") + bulk(#"{"version":1}"#) + ":5\r\n" + bulk(#"{"version":2}"#)
        + bulk("c") + "*2\r\n" + bulk("x") + bulk("y") + bulk("d") + "$-1\r\n" + bulk("x") + "-ERR no\r\n"
        + bulk("e") + bulk(#"{"version":3}"#) + bulk("f")).utf8)

    @Test("elements that are not bulk strings are skipped and counted as the item path does")
    func nonBulkElements() throws {
        let server = try FakeRedisServer { command in command.name == "HGETALL" ? [.send(Self.odd)] : [] }
        defer { server.stop() }
        let store = try RedisFeatureStore(configuration: server.configuration)
        try AllJSONStreamTests.expectSame(store, "features")
        let (pointer, count) = try store.allJSON(kind: "features")
        defer { free(pointer) }
        #expect(String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
                == #"{"a":{"version":1},"e":{"version":3}}"#)
    }

    @Test("a reply cut short fails the call; the next one, on a new connection, starts afresh")
    func cutShort() throws {
        let full = Array(("*4\r\n" + Self.bulk("a") + Self.bulk(#"{"version":1}"#) + Self.bulk("b") + Self.bulk(#"{"version":2}"#)).utf8)
        let server = try FakeRedisServer { command in
            guard command.name == "HGETALL" else { return [] }
            return command.connection == 0 ? [.send(Array(full[0..<40])), .close] : [.send(full)]
        }
        defer { server.stop() }
        let store = try RedisFeatureStore(configuration: server.configuration)
        #expect(performing: { free(try store.allJSON(kind: "features").pointer) },
                throws: { ($0 as? StoreError)?.isConnectionFailure == true })
        let (pointer, count) = try store.allJSON(kind: "features")
        defer { free(pointer) }
        #expect(String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
                == #"{"a":{"version":1},"b":{"version":2}}"#)
    }
}
