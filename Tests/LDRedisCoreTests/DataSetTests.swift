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

/// Issue 16 item 9: an init whose kind repeats a key (spelled the same, or escaped) keeps the
/// last value at the first key's position, as Redis (HSET of repeated fields) and the usual
/// JSON decoders do; a key with a lone surrogate escape is invalid input.
@Suite("FullDataSet: repeated keys and lone surrogates")
struct DataSetDuplicateKeyTests {
    static let duplicates = #"{"flags":{"a":{"key":"a","version":1},"b":{"version":5},"a":{"key":"a","version":2},"\u0061":{"key":"a","version":3}}}"#

    func parse(_ text: String) throws -> FullDataSet { try FullDataSet.parse(Array(text.utf8)) }

    func cachingStore(ttl: Int64) throws -> (RedisServer, CachingStore) {
        let server = try RedisServer()
        var config = server.configuration(prefix: Fixture.uniquePrefix())
        config.cacheTTLMilliseconds = ttl
        return (server, try CachingStore(configuration: config))
    }

    @Test("a repeated key keeps the last value, at the first occurrence's position")
    func lastWins() throws {
        let data = try parse(Self.duplicates)
        let items = data.kinds[0].items
        #expect(items.map(\.key) == ["a", "b"])
        #expect(items[0].item.text == #"{"key":"a","version":3}"#)
        #expect(items[0].item.version == 3)
        #expect(data.itemCount == 2)
    }

    @Test("thousands of keys, each given twice: every key once, in first order, with its last value")
    func manyRepeatedKeys() throws {
        let keys = (0..<3_000).map { "flag-\($0)-" + String(repeating: "x", count: $0 % 40) }
        let members = keys.map { #""\#($0)":{"version":1}"# } + keys.reversed().map { #""\#($0)":{"version":2}"# }
        let data = try parse(#"{"flags":{"# + members.joined(separator: ",") + "}}")
        #expect(data.kinds[0].items.map(\.key) == keys)
        #expect(data.kinds[0].items.allSatisfy { $0.item.version == 2 })
    }

    @Test("keys are compared as bytes: canonically equivalent spellings stay two keys")
    func bytesNotCanonicalEquivalence() throws {
        let data = try parse(#"{"flags":{"\u00e9":{"version":1},"e\u0301":{"version":2},"é":{"version":3}}}"#)
        #expect(data.kinds[0].items.map { Array($0.key.utf8) } == [[0xC3, 0xA9], [0x65, 0xCC, 0x81]])
        #expect(data.kinds[0].items.map(\.item.version) == [3, 2])
    }

    @Test("a key with a lone surrogate escape is refused, naming the problem")
    func loneSurrogates() {
        for key in [#"\ud800"#, #"\udc00"#, #"x\udbffy"#, #"\udc00\ud800"#, #"\ud800\u0041"#, #"\ud800\\udc00"#] {
            let text = #"{"flags":{"ok":{"version":1},""# + key + #"":{"version":2}}}"#
            expectInvalidArgument(text, mentioning: "surrogate") { _ = try parse(text) }
        }
        for kind in [#"\ud800"#, #"\udfff"#] {
            let text = #"{""# + kind + #"":{}}"#
            expectInvalidArgument(text, mentioning: "surrogate") { _ = try parse(text) }
        }
    }

    @Test("a surrogate pair is one character; surrogates inside items are kept as given")
    func pairsAndItemContents() throws {
        let data = try parse(#"{"flags":{"\ud83d\ude00":{"version":1,"name":"\ud800"}}}"#)
        #expect(data.kinds[0].items[0].key == "😀")
        #expect(data.kinds[0].items[0].item.text == #"{"version":1,"name":"\ud800"}"#)
    }

    /// Inits through a caching store and checks that Redis, a fresh uncached read and the
    /// store's cached `all` agree exactly.
    @Test("after an init with repeated keys, the cache serves exactly what Redis holds", arguments: [Int64(-1), 60_000])
    func cacheAgreesWithRedis(ttl: Int64) throws {
        let (server, store) = try cachingStore(ttl: ttl)
        defer { store.close() }
        let json = Array(Self.duplicates.utf8)
        try json.withUnsafeBufferPointer { try store.initialize(parsing: $0) }

        let redis = try store.core.all(kind: "features").items
        #expect(redis.count == 2)
        let cached = try store.all(kind: "features")
        #expect(cached.map(\.key).sorted() == redis.map(\.key).sorted())
        for (key, item) in redis {
            #expect(cached.first { $0.key == key }?.item == item, "\(key)")
            #expect(try store.get(kind: "features", key: key) == item, "\(key)")
        }
        #expect(try server.cli("HGET", store.core.key(for: "features"), "a") == #"{"key":"a","version":3}"#)
    }

    @Test("an init with a lone surrogate key writes nothing, to Redis or the cache", arguments: [Int64(-1), 60_000])
    func loneSurrogateInitWritesNothing(ttl: Int64) throws {
        let (server, store) = try cachingStore(ttl: ttl)
        defer { store.close() }
        let json = Array(#"{"flags":{"\ud800":{"version":1},"\udc00":{"version":2}}}"#.utf8)
        expectInvalidArgument("lone surrogates", mentioning: "surrogate") {
            try json.withUnsafeBufferPointer { try store.initialize(parsing: $0) }
        }
        #expect(try server.cli("EXISTS", store.core.key(for: "features"), store.core.key(for: "$inited")) == "0")
        #expect(try store.all(kind: "features").isEmpty)
    }
}
