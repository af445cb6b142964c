import Foundation
import Testing
@testable import LDRedisCore

/// The store cases of SPEC section 7, against a real redis-server, in both upsert modes.
@Suite("RedisFeatureStore against a real Redis")
struct RedisFeatureStoreTests {
    static let modes: [UpsertMode] = [.script, .watch]

    @Test("a new prefix is not initialized, and is after init")
    func initializedAfterInit() throws {
        let server = try RedisServer()
        let store = server.store(prefix: Fixture.uniquePrefix())
        #expect(try store.isInitialized() == false)
        try store.initialize(Fixture.dataSet(features: [Fixture.item("f1", 1)]))
        #expect(try store.isInitialized() == true)
    }

    @Test("another instance on the same prefix sees an init, even one with no items")
    func otherInstanceSeesEmptyInit() throws {
        let server = try RedisServer()
        let prefix = Fixture.uniquePrefix()
        let writer = server.store(prefix: prefix)
        let reader = server.store(prefix: prefix)
        #expect(try reader.isInitialized() == false)
        try writer.initialize(FullDataSet(kinds: []))
        #expect(try reader.isInitialized() == true)
        #expect(try server.cli("EXISTS", "\(prefix):$inited") == "1")
    }

    @Test("init completely replaces the previous data of the kinds it gives")
    func initReplaces() throws {
        let server = try RedisServer()
        let store = server.store(prefix: Fixture.uniquePrefix())
        try store.initialize(Fixture.dataSet(features: [Fixture.item("a", 1), Fixture.item("b", 1)],
                                             segments: [Fixture.item("s", 1)]))
        try store.initialize(Fixture.dataSet(features: [Fixture.item("c", 2)]))
        #expect(try store.get(kind: "features", key: "a") == nil)
        #expect(try store.get(kind: "features", key: "c")?.version == 2)
        #expect(try store.all(kind: "segments").items.isEmpty)
    }

    @Test("init leaves kinds it does not give alone")
    func initKeepsOtherKinds() throws {
        let server = try RedisServer()
        let store = server.store(prefix: Fixture.uniquePrefix())
        try store.initialize(Fixture.dataSet(features: [Fixture.item("a", 1)], segments: [Fixture.item("s", 3)]))
        try store.initialize(FullDataSet(kinds: [.init(name: "features", items: [("b", Fixture.item("b", 1))])]))
        #expect(try store.get(kind: "segments", key: "s")?.version == 3)
        #expect(try store.get(kind: "features", key: "a") == nil)
    }

    @Test("init of more items than one HSET chunk stores them all")
    func initChunks() throws {
        let server = try RedisServer()
        let store = server.store(prefix: Fixture.uniquePrefix())
        let count = RedisFeatureStore.hsetChunkSize * 2 + 17
        let items = (0..<count).map { Fixture.item("flag-\($0)", Int64($0)) }
        try store.initialize(Fixture.dataSet(features: items))
        #expect(try store.all(kind: "features").items.count == count)
        #expect(try store.get(kind: "features", key: "flag-\(count - 1)")?.version == Int64(count - 1))
    }

    @Test("get returns an existing item byte for byte, and nil for a missing one")
    func getExistingAndMissing() throws {
        let server = try RedisServer()
        let store = server.store(prefix: Fixture.uniquePrefix())
        let item = Fixture.item("f1", 7, extra: "\"on\":true,\"variations\":[true,false]")
        try store.initialize(Fixture.dataSet(features: [item]))
        #expect(try store.get(kind: "features", key: "f1") == item)
        #expect(try store.get(kind: "features", key: "nope") == nil)
        #expect(try store.get(kind: "segments", key: "f1") == nil)
    }

    @Test("all returns only the items of that kind")
    func allOnlyThatKind() throws {
        let server = try RedisServer()
        let store = server.store(prefix: Fixture.uniquePrefix())
        try store.initialize(Fixture.dataSet(features: [Fixture.item("f1", 1), Fixture.item("f2", 2)],
                                             segments: [Fixture.item("s1", 1)]))
        let features = try store.all(kind: "features").items.map(\.key).sorted()
        #expect(features == ["f1", "f2"])
        #expect(try store.all(kind: "segments").items.map(\.key) == ["s1"])
        #expect(try store.all(kind: "nothing-here").items.isEmpty)
    }

    @Test("upsert applies a newer version and rejects an older or equal one", arguments: modes)
    func upsertVersionRule(mode: UpsertMode) throws {
        let server = try RedisServer()
        let store = server.store(prefix: Fixture.uniquePrefix(), mode: mode)
        try store.initialize(Fixture.dataSet(features: [Fixture.item("f1", 10)]))
        #expect(try store.upsert(kind: "features", key: "f1", item: Fixture.item("f1", 11)) == .applied)
        #expect(try store.get(kind: "features", key: "f1")?.version == 11)
        let older = try store.upsert(kind: "features", key: "f1", item: Fixture.item("f1", 9))
        #expect(older == .rejected(stored: Fixture.item("f1", 11)))
        let equal = try store.upsert(kind: "features", key: "f1", item: Fixture.item("f1", 11, extra: "\"x\":1"))
        #expect(equal == .rejected(stored: Fixture.item("f1", 11)))
        #expect(try store.get(kind: "features", key: "f1") == Fixture.item("f1", 11))
    }

    @Test("upsert of a new item writes it", arguments: modes)
    func upsertNewItem(mode: UpsertMode) throws {
        let server = try RedisServer()
        let store = server.store(prefix: Fixture.uniquePrefix(), mode: mode)
        try store.initialize(Fixture.dataSet())
        #expect(try store.upsert(kind: "features", key: "new", item: Fixture.item("new", 1)) == .applied)
        #expect(try store.get(kind: "features", key: "new") == Fixture.item("new", 1))
    }

    @Test("delete writes a tombstone that keeps the version; older and equal deletes are rejected", arguments: modes)
    func deleteRules(mode: UpsertMode) throws {
        let server = try RedisServer()
        let prefix = Fixture.uniquePrefix()
        let store = server.store(prefix: prefix, mode: mode)
        try store.initialize(Fixture.dataSet(features: [Fixture.item("f1", 5)]))
        #expect(try store.delete(kind: "features", key: "f1", version: 4) != .applied)
        #expect(try store.delete(kind: "features", key: "f1", version: 5) != .applied)
        #expect(try store.get(kind: "features", key: "f1")?.deleted == false)
        #expect(try store.delete(kind: "features", key: "f1", version: 6) == .applied)
        let tombstone = try #require(try store.get(kind: "features", key: "f1"))
        #expect(tombstone.deleted && tombstone.version == 6)
        #expect(try server.cli("HGET", "\(prefix):features", "f1") == #"{"key":"f1","version":6,"deleted":true}"#)
        // An older upsert after the delete is rejected; a newer one resurrects the item.
        #expect(try store.upsert(kind: "features", key: "f1", item: Fixture.item("f1", 6)) != .applied)
        #expect(try store.upsert(kind: "features", key: "f1", item: Fixture.item("f1", 7)) == .applied)
    }

    @Test("deleting an unknown key writes a tombstone", arguments: modes)
    func deleteUnknown(mode: UpsertMode) throws {
        let server = try RedisServer()
        let store = server.store(prefix: Fixture.uniquePrefix(), mode: mode)
        #expect(try store.delete(kind: "segments", key: "ghost", version: 3) == .applied)
        let tombstone = try #require(try store.get(kind: "segments", key: "ghost"))
        #expect(tombstone.deleted && tombstone.version == 3)
        #expect(try store.upsert(kind: "segments", key: "ghost", item: Fixture.item("ghost", 2)) != .applied)
    }

    @Test("a concurrent writer bumping versions 2..4 during an upsert of 10 does not stop 10 landing", arguments: modes)
    func concurrentLowerWriter(mode: UpsertMode) throws {
        let server = try RedisServer()
        let prefix = Fixture.uniquePrefix()
        let store = server.store(prefix: prefix, mode: mode)
        try store.initialize(Fixture.dataSet(features: [Fixture.item("f", 1)]))
        let calls = Counter(start: 0)
        let other = try RacingWriter(server)
        store.setBeforeUpsertWriteHook { _ in
            guard calls.next() == 0 else { return }
            try? other.run((2...4).map { ["HSET", "\(prefix):features", "f", #"{"key":"f","version":\#($0)}"#] })
        }
        #expect(try store.upsert(kind: "features", key: "f", item: Fixture.item("f", 10)) == .applied)
        #expect(try store.get(kind: "features", key: "f")?.version == 10)
        #expect(calls.value == (mode == .watch ? 2 : 1), "WATCH retries once after the concurrent writes")
    }

    @Test("a concurrent writer with 3 during an upsert of 2: 2 is rejected and 3 stays", arguments: modes)
    func concurrentHigherWriter(mode: UpsertMode) throws {
        let server = try RedisServer()
        let prefix = Fixture.uniquePrefix()
        let store = server.store(prefix: prefix, mode: mode)
        try store.initialize(Fixture.dataSet(features: [Fixture.item("f", 1)]))
        let once = Counter(start: 0)
        let other = try RacingWriter(server)
        store.setBeforeUpsertWriteHook { _ in
            if once.next() == 0 { try? other.run([["HSET", "\(prefix):features", "f", #"{"key":"f","version":3}"#]]) }
        }
        let result = try store.upsert(kind: "features", key: "f", item: Fixture.item("f", 2))
        #expect(result == .rejected(stored: Fixture.item("f", 3)))
        #expect(try store.get(kind: "features", key: "f")?.version == 3)
    }

    @Test("a WATCH upsert that loses every race gives up with a conflict error after 10 attempts")
    func watchConflict() throws {
        let server = try RedisServer()
        let prefix = Fixture.uniquePrefix()
        let store = server.store(prefix: prefix, mode: .watch)
        let attempts = Counter(start: 0)
        let other = try RacingWriter(server)
        store.setBeforeUpsertWriteHook { _ in
            _ = attempts.next()
            try? other.run([["HSET", "\(prefix):features", "other", #"{"key":"other","version":1}"#]])
        }
        #expect {
            try store.upsert(kind: "features", key: "f", item: Fixture.item("f", 1))
        } throws: { error in
            guard case StoreError.conflict = error else { return false }
            return true
        }
        #expect(attempts.value == RedisFeatureStore.maximumWatchAttempts)
        #expect(try store.get(kind: "features", key: "f") == nil)
    }

    @Test("two prefixes are independent: data, $inited and versions")
    func prefixesIndependent() throws {
        let server = try RedisServer()
        let a = server.store(prefix: Fixture.uniquePrefix("a"))
        let b = server.store(prefix: Fixture.uniquePrefix("b"))
        try a.initialize(Fixture.dataSet(features: [Fixture.item("f", 5)]))
        #expect(try b.isInitialized() == false)
        #expect(try b.get(kind: "features", key: "f") == nil)
        #expect(try b.upsert(kind: "features", key: "f", item: Fixture.item("f", 1)) == .applied)
        #expect(try a.get(kind: "features", key: "f")?.version == 5)
    }

    @Test("the script's SHA-1 constant is what Redis computes for it")
    func scriptSHA() throws {
        let server = try RedisServer()
        #expect(try server.cli("SCRIPT", "LOAD", UpsertScript.source) == UpsertScript.sha1)
    }

    @Test("script mode issues one EVALSHA per upsert once the script is loaded")
    func scriptRoundTrips() throws {
        let server = try RedisServer()
        let store = server.store(prefix: Fixture.uniquePrefix(), mode: .script)
        _ = try store.upsert(kind: "features", key: "f", item: Fixture.item("f", 1))   // loads the script
        let before = try server.calls("evalsha")
        for v in 2...11 { _ = try store.upsert(kind: "features", key: "f", item: Fixture.item("f", Int64(v))) }
        #expect(try server.calls("evalsha") - before == 10)
        #expect(try server.calls("hget") == (try server.calls("evalsha")) - 1, "the only HGETs are the ones inside the script (the first EVALSHA met NOSCRIPT)")
    }

    @Test("a server restarted empty reloads the script on NOSCRIPT transparently")
    func scriptReloadAfterFlush() throws {
        let server = try RedisServer()
        let store = server.store(prefix: Fixture.uniquePrefix(), mode: .script)
        #expect(try store.upsert(kind: "features", key: "f", item: Fixture.item("f", 1)) == .applied)
        try server.cli("SCRIPT", "FLUSH")
        #expect(try store.upsert(kind: "features", key: "f", item: Fixture.item("f", 2)) == .applied)
        #expect(try server.calls("script|load") == 2)
    }

    @Test("automatic mode falls back to WATCH when the ACL forbids scripting")
    func autoFallsBackToWatch() throws {
        let server = try RedisServer()
        try server.cli("ACL", "SETUSER", "noscript", "on", ">pw", "~*", "&*", "+@all", "-@scripting")
        var config = server.configuration(prefix: Fixture.uniquePrefix(), mode: .auto)
        try config.setURL("redis://noscript:pw@127.0.0.1:\(server.port)/0")
        let store = try RedisFeatureStore(configuration: config)
        #expect(try store.upsert(kind: "features", key: "f", item: Fixture.item("f", 1)) == .applied)
        #expect(try store.upsert(kind: "features", key: "f", item: Fixture.item("f", 1)) != .applied)
        #expect(try store.upsert(kind: "features", key: "f", item: Fixture.item("f", 2)) == .applied)
        #expect(try server.calls("exec") == 2)

        let scriptOnly = try RedisFeatureStore(configuration: { var c = config; c.upsertMode = .script; return c }())
        #expect(throws: StoreError.self) {
            try scriptOnly.upsert(kind: "features", key: "f", item: Fixture.item("f", 3))
        }
    }

    @Test("an init racing upserts leaves either the init's data or the init's data plus the upsert", arguments: modes)
    func initRacingUpsert(mode: UpsertMode) throws {
        let server = try RedisServer()
        let store = server.store(prefix: Fixture.uniquePrefix(), mode: mode)
        let items = (0..<500).map { Fixture.item("f\($0)", 5) }
        try store.initialize(Fixture.dataSet(features: items))
        for round in 0..<10 {
            let group = DispatchGroup()
            let upsertResult = Box<UpsertResult?>(nil)
            DispatchQueue.global().async(group: group) {
                upsertResult.value = try? store.upsert(kind: "features", key: "f0", item: Fixture.item("f0", 6 + Int64(round)))
            }
            try store.initialize(Fixture.dataSet(features: items))
            group.wait()
            let all = try store.all(kind: "features").items
            #expect(all.count == 500, "the hash is never partial")
            let v = try #require(try store.get(kind: "features", key: "f0")).version
            #expect(v == 5 || v == 6 + Int64(round))
            #expect(upsertResult.value != nil)
        }
    }
}

/// A thread-safe counter for hooks.
final class Counter: @unchecked Sendable {
    private let lock = Lock()
    private var current: Int
    init(start: Int) { current = start }
    func next() -> Int { lock.withLock { defer { current += 1 }; return current } }
    var value: Int { lock.withLock { current } }
}

final class Box<T>: @unchecked Sendable {
    private let lock = Lock()
    private var stored: T
    init(_ value: T) { stored = value }
    var value: T {
        get { lock.withLock { stored } }
        set { lock.withLock { stored = newValue } }
    }
    func mutate(_ change: (inout T) -> Void) { lock.withLock { change(&stored) } }
}
