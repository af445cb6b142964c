import Foundation
import Testing
@testable import LDRedisCore

/// The raw access the `ldredis` command uses (Schema/Inspection.swift, Transport/Subscription.swift,
/// JSON/JSONSyntax.swift), against a real redis-server.
@Suite("Inspection: raw reads, keys under the prefix, progress init, subscription")
struct InspectionTests {
    @Test("keysUnderPrefix escapes the prefix's glob characters and sorts by bytes")
    func keysUnderPrefix() throws {
        let server = try RedisServer()
        try server.cli("SET", "a*[b]:z", "1")
        try server.cli("SET", "a*[b]:$inited", "")
        try server.cli("SET", "ax[b]:other", "1")   // matches a*[b]: as a glob, not as a prefix
        try server.cli("SET", "a*[b]other", "1")
        let store = server.store(prefix: "a*[b]")
        defer { store.close() }
        #expect(try store.keysUnderPrefix() == ["a*[b]:$inited", "a*[b]:z"])
    }

    @Test("rawHash returns values that are not items; memoryUsage answers per key")
    func rawHashAndMemory() throws {
        let server = try RedisServer()
        let prefix = Fixture.uniquePrefix()
        try server.cli("HSET", "\(prefix):features", "good", #"{"key":"good","version":2}"#, "bad", "nope")
        let store = server.store(prefix: prefix)
        defer { store.close() }
        let hash = try store.rawHash(kind: "features")
        #expect(hash.count == 2)
        #expect(Set(hash.map { String(decoding: $0.value, as: UTF8.self) }) == [#"{"key":"good","version":2}"#, "nope"])
        let usage = try store.memoryUsage(["\(prefix):features", "\(prefix):absent"])
        #expect(usage.count == 2 && (usage[0] ?? 0) > 0 && usage[1] == nil)
        #expect(throws: StoreError.self) { try store.rawHash(kind: "$inited") }
    }

    @Test("initialize(parsing:every:progress:) reports every item; an invalid document changes nothing")
    func progressInit() throws {
        let server = try RedisServer()
        let prefix = Fixture.uniquePrefix()
        let store = server.store(prefix: prefix)
        defer { store.close() }
        let items = (0..<25).map { #""f\#($0)":{"key":"f\#($0)","version":1}"# }.joined(separator: ",")
        let document = Array(#"{"flags":{\#(items)},"segments":{}}"#.utf8)
        let seen = ProgressLog()
        let data = try document.withBytes { (b) throws(StoreError) in
            try store.initialize(parsing: b, every: 10) { seen.append($0) }
        }
        #expect(data.itemCount == 25)
        #expect(seen.values == [10, 20, 25])
        #expect(try server.cli("HLEN", "\(prefix):features") == "25")
        let invalid = Array(#"{"flags":{"x":{"key":"x"}}}"#.utf8)
        #expect(throws: StoreError.self) {
            _ = try invalid.withBytes { (b) throws(StoreError) in try store.initialize(parsing: b, every: 1) { _ in } }
        }
        #expect(try server.cli("HLEN", "\(prefix):features") == "25")
    }

    @Test("a subscription receives keyspace notifications, and times out quietly without them")
    func subscription() throws {
        let server = try RedisServer(arguments: ["--notify-keyspace-events", "Kh"])
        let prefix = Fixture.uniquePrefix()
        let store = try RedisFeatureStore(configuration: server.configuration(prefix: prefix))
        defer { store.close() }
        let subscription = try Subscription(store: store, patterns: ["__keyspace@0__:\(prefix):*"])
        #expect(try subscription.nextMessage(waitingUpTo: 50) == nil)
        try server.cli("HSET", "\(prefix):features", "k", "v")
        let message = try subscription.nextMessage(waitingUpTo: 5_000)
        #expect(message?.channel == "__keyspace@0__:\(prefix):features")
        #expect(message?.payload == "hset")
    }

    @Test("JSONSyntax checks a document and decodes its strings")
    func jsonSyntax() {
        #expect(JSONSyntax.check(Array(#"{"a":[1,"\u00e9"]}"#.utf8)) == nil)
        #expect(JSONSyntax.check(Array("{".utf8)) != nil)
        #expect(JSONSyntax.check(Array(#"{"a":1} x"#.utf8))?.offset == 8)
        let text = Array(#""a\"\u00e9\ud83d\ude00""#.utf8)
        #expect(JSONSyntax.decodeString(text, contents: 1..<(text.count - 1)) == "a\"é😀")
        #expect(JSONSyntax.decodeString(text, contents: 0..<999) == "")
    }
}

/// Values collected from a callback.
private final class ProgressLog: @unchecked Sendable {
    private(set) var values: [Int] = []
    func append(_ value: Int) { values.append(value) }
}
