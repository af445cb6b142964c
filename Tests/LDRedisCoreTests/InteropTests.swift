import Foundation
import Testing
@testable import LDRedisCore

/// Byte-level compatibility with the SDKs' schema, checked with redis-cli (not through ldredis).
@Suite("Interop with the SDKs' Redis schema")
struct InteropTests {
    @Test("after init, upsert and delete Redis holds exactly the schema's keys and values")
    func rawSchema() throws {
        let server = try RedisServer()
        let prefix = Fixture.uniquePrefix()
        let store = server.store(prefix: prefix)
        let flag = #"{"key":"f1","version":1,"on":true,"variations":[true,false]}"#
        try store.initialize(FullDataSet.parse(Array(#"{"flags":{"f1":\#(flag)},"segments":{"s1":{"key":"s1","version":2}}}"#.utf8)))
        let keys = try server.cli("KEYS", "\(prefix):*").split(separator: "\n").map(String.init).sorted()
        #expect(keys == ["\(prefix):$inited", "\(prefix):features", "\(prefix):segments"])
        #expect(try server.cli("TYPE", "\(prefix):features") == "hash")
        #expect(try server.cli("TYPE", "\(prefix):$inited") == "string")
        #expect(try server.cli("STRLEN", "\(prefix):$inited") == "0")
        #expect(try server.cli("HGET", "\(prefix):features", "f1") == flag)
        #expect(try server.cli("HGET", "\(prefix):segments", "s1") == #"{"key":"s1","version":2}"#)

        let newer = #"{"key":"f1", "version": 2, "on": false}"#
        _ = try store.upsert(kind: "features", key: "f1", item: StoredItem.input(Array(newer.utf8)))
        #expect(try server.cli("HGET", "\(prefix):features", "f1") == newer)
        _ = try store.delete(kind: "segments", key: "s1", version: 3)
        #expect(try server.cli("HGET", "\(prefix):segments", "s1") == #"{"key":"s1","version":3,"deleted":true}"#)
        #expect(try server.cli("HLEN", "\(prefix):features") == "1")
    }

    @Test("data written in the Python and Go SDKs' shapes reads correctly, tombstones included")
    func sdkShapes() throws {
        let server = try RedisServer()
        let prefix = Fixture.uniquePrefix()
        let hash = "\(prefix):features"
        // Python SDK: json.dumps with spaces; Go SDK: compact, its own field order.
        try server.cli("HSET", hash, "py", #"{"key": "py", "version": 3, "on": true, "deleted": false}"#)
        try server.cli("HSET", hash, "go", #"{"key":"go","version":4,"on":false,"prerequisites":[],"salt":"x","deleted":false}"#)
        // The three tombstone shapes.
        try server.cli("HSET", hash, "t1", #"{"key":"t1","version":5,"deleted":true}"#)
        try server.cli("HSET", hash, "t2", #"{"version":6,"deleted":true}"#)
        try server.cli("HSET", hash, "t3", #"{"key":"$deleted","version":7,"on":false,"deleted":true}"#)
        // The Erlang SDK's stray field, and other junk.
        try server.cli("HSET", hash, "null", "null")
        try server.cli("HSET", hash, "junk", "not json")
        try server.cli("SET", "\(prefix):$inited", "\(prefix):$inited")   // Python >= 9.15's value

        let store = server.store(prefix: prefix)
        #expect(try store.isInitialized())
        #expect(try store.get(kind: "features", key: "py")?.version == 3)
        #expect(try store.get(kind: "features", key: "go")?.deleted == false)
        for (key, version) in [("t1", 5), ("t2", 6), ("t3", 7)] {
            let t = try #require(try store.get(kind: "features", key: key))
            #expect(t.deleted && t.version == Int64(version))
        }
        let all = try store.all(kind: "features")
        #expect(all.items.count == 5)
        #expect(all.skippedMalformed == 2)
        #expect(all.items.filter { !$0.item.deleted }.map(\.key).sorted() == ["go", "py"])
        #expect(store.malformedSkippedCount == 2)
        #expect(throws: StoreError.malformed("the value of \"junk\" in \(hash) is not a LaunchDarkly item (a JSON object with a version)")) {
            try store.get(kind: "features", key: "junk")
        }
        // Upserts over each tombstone shape follow the version rule.
        #expect(try store.upsert(kind: "features", key: "t2", item: Fixture.item("t2", 6)) != .applied)
        #expect(try store.upsert(kind: "features", key: "t3", item: Fixture.item("t3", 8)) == .applied)
    }

    @Test("a stored value that is not an item is overwritten by an upsert, the same in both modes", arguments: [UpsertMode.script, .watch])
    func upsertOverJunk(mode: UpsertMode) throws {
        let server = try RedisServer()
        let prefix = Fixture.uniquePrefix()
        let store = server.store(prefix: prefix, mode: mode)
        for junk in ["not json", "[1,2]", #"{"version":"9"}"#, #"{"version":true}"#, #"{"key":"f"}"#, "{}"] {
            try server.cli("HSET", "\(prefix):features", "f", junk)
            #expect(try store.upsert(kind: "features", key: "f", item: Fixture.item("f", 1)) == .applied, "over \(junk)")
        }
    }

    @Test("stored versions written by others compare as numbers, the same in both modes", arguments: [UpsertMode.script, .watch])
    func foreignVersionsCompareAsNumbers(mode: UpsertMode) throws {
        let server = try RedisServer()
        let prefix = Fixture.uniquePrefix()
        let store = server.store(prefix: prefix, mode: mode)
        // (stored, rejected write, applied write)
        let cases: [(stored: String, rejected: Int64?, applied: Int64?)] = [
            (#"{"version":3.0}"#, 3, 4),
            (#"{"version":2.5}"#, 2, 3),
            (#"{"version":-3}"#, nil, 0),
            (#"{"version":9007199254740993}"#, ItemParser.maximumVersion, nil),
            (#"{"version":1e300}"#, ItemParser.maximumVersion, nil),
        ]
        for (stored, rejected, applied) in cases {
            if let rejected {
                try server.cli("HSET", "\(prefix):features", "f", stored)
                #expect(try store.upsert(kind: "features", key: "f", item: Fixture.item("f", rejected)) != .applied, "\(rejected) over \(stored)")
            }
            if let applied {
                try server.cli("HSET", "\(prefix):features", "f", stored)
                #expect(try store.upsert(kind: "features", key: "f", item: Fixture.item("f", applied)) == .applied, "\(applied) over \(stored)")
            }
        }
    }

    @Test("keys outside the prefix survive every operation")
    func foreignKeysSurvive() throws {
        let server = try RedisServer()
        let prefix = Fixture.uniquePrefix()
        try server.cli("SET", "unrelated", "1")
        try server.cli("HSET", "\(prefix)x:features", "f", "keep")
        try server.cli("HSET", "other:features", "f", "keep")
        try server.cli("SET", "\(prefix):big_segments_cursor", "c")
        try server.cli("SET", "\(prefix):big_segments_lock", "l")
        let store = server.store(prefix: prefix)
        try store.initialize(Fixture.dataSet(features: [Fixture.item("f", 1)], segments: [Fixture.item("s", 1)]))
        _ = try store.upsert(kind: "features", key: "f", item: Fixture.item("f", 2))
        _ = try store.delete(kind: "segments", key: "s", version: 2)
        try store.initialize(FullDataSet(kinds: []))
        #expect(try server.cli("GET", "unrelated") == "1")
        #expect(try server.cli("HGET", "\(prefix)x:features", "f") == "keep")
        #expect(try server.cli("HGET", "other:features", "f") == "keep")
        #expect(try server.cli("GET", "\(prefix):big_segments_cursor") == "c")
        #expect(try server.cli("GET", "\(prefix):big_segments_lock") == "l")
        #expect(try server.cli("DBSIZE") == "8")
    }

    @Test("script-mode and WATCH-mode writers racing on the same keys leave the highest versions")
    func mixedWritersConverge() throws {
        let server = try RedisServer()
        let prefix = Fixture.uniquePrefix()
        let script = server.store(prefix: prefix, mode: .script)
        let watch = server.store(prefix: prefix, mode: .watch)
        let keys = ["a", "b", "c"]
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            let store = worker % 2 == 0 ? script : watch
            for v in stride(from: worker, to: 200, by: 8) {
                for key in keys { _ = try? store.upsert(kind: "features", key: key, item: Fixture.item(key, Int64(v))) }
            }
        }
        for key in keys {
            #expect(try script.get(kind: "features", key: key)?.version == 199)
        }
    }
}

/// Init from a JSON document, streamed to Redis while it is parsed.
@Suite("Streaming init")
struct StreamingInitTests {
    func document(_ count: Int, tail: String = "") -> [UInt8] {
        let pad = String(repeating: "x", count: 400)
        let flags = (0..<count).map { #""f\#($0)":{"key":"f\#($0)","version":\#($0),"pad":"\#(pad)"}"# }
        return Array(#"{"flags":{\#(flags.joined(separator: ","))\#(tail)},"segments":{"s":{"version":1}}}"#.utf8)
    }

    @Test("a document larger than many stream flushes is written whole, in one transaction")
    func bigDocument() throws {
        let server = try RedisServer()
        let s = try CachingStore(configuration: server.configuration(prefix: Fixture.uniquePrefix()))
        defer { s.close() }
        let doc = document(3_000)
        #expect(doc.count > 4 * StreamingInit.flushBytes)
        try doc.withUnsafeBufferPointer { b in try s.initialize(parsing: b) }
        #expect(try server.cli("HLEN", s.core.key(for: "features")) == "3000")
        #expect(try server.cli("HLEN", s.core.key(for: "segments")) == "1")
        #expect(try server.cli("EXISTS", s.core.key(for: "$inited")) == "1")
        #expect(try s.get(kind: "features", key: "f2999")?.version == 2999)
    }

    @Test("an invalid item late in a big document writes nothing, and the connection stays usable")
    func invalidLate() throws {
        let server = try RedisServer()
        var config = server.configuration(prefix: Fixture.uniquePrefix())
        try config.setPoolSize(1)
        let s = try CachingStore(configuration: config)
        defer { s.close() }
        try s.initialize(Fixture.dataSet(features: [Fixture.item("old", 1)]))
        let bad = document(2_000, tail: #","broken":{"version":-1}"#)
        #expect {
            try bad.withUnsafeBufferPointer { b in try s.initialize(parsing: b) }
        } throws: { error in
            guard case StoreError.invalidArgument(let message) = error else { return false }
            return message.contains("broken")
        }
        #expect(try server.cli("HKEYS", s.core.key(for: "features")) == "old", "the transaction was discarded")
        #expect(try s.core.get(kind: "features", key: "old")?.version == 1, "the one pooled connection still works")
        #expect(s.currentStatus.available)
    }

    @Test("with Redis down, the infinite cache still gets the whole streamed document")
    func downInfinite() throws {
        let server = try RedisServer()
        var config = server.configuration(prefix: Fixture.uniquePrefix())
        config.cacheTTLMilliseconds = -1
        try config.setConnectTimeout(milliseconds: 300)
        let s = try CachingStore(configuration: config)
        defer { s.close() }
        server.stop()
        let doc = document(1_000)
        #expect(throws: StoreError.self) { try doc.withUnsafeBufferPointer { b in try s.initialize(parsing: b) } }
        #expect(try s.get(kind: "features", key: "f999")?.version == 999)
        #expect(s.currentStatus.available == false)
    }
}
