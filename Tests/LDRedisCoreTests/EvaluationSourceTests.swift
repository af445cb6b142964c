import Foundation
import Glibc
import LDEvaluation
import Testing
@testable import LDRedisCore

/// The caching store as the evaluator's data source (Cache/CachingStore+Evaluation.swift):
/// decoded flags live next to their bytes in the item cache; a Redis failure is EXCEPTION.
@Suite("CachingStore as EvaluationDataSource")
final class EvaluationSourceTests {
    let fake = FakeRedisClient()
    let clock = ManualClock()
    private let opened = Box<[CachingStore]>([])

    deinit {
        for s in opened.value { s.close() }
    }

    func store(ttl: Int64) throws -> CachingStore {
        var c = StoreConfiguration()
        c.setPrefix("p")
        c.cacheTTLMilliseconds = ttl
        let s = try CachingStore(configuration: c, client: fake, clock: clock, manualBackground: true)
        opened.mutate { $0.append(s) }
        return s
    }

    func flagJSON(_ version: Int, fallthrough variation: Int) -> String {
        #"{"key":"f","version":\#(version),"on":true,"variations":["a","b"],"fallthrough":{"variation":\#(variation)}}"#
    }

    func value(_ s: CachingStore) -> Int? {
        Evaluator(source: s).evaluate(flagKey: "f", context: Context.parse(.object(JSONObject.with(["key": .string("k")])))).variationIndex
    }

    @Test("a warm evaluation reads no Redis and reuses the decoded flag; new bytes bring a new decoding")
    func warmReusesDecoded() throws {
        fake.hset("p:features", "f", flagJSON(1, fallthrough: 0))
        let s = try store(ttl: 1000)
        #expect(value(s) == 0)
        let first = try #require(try s.flag("f"))
        let hgets = fake.calls("HGET")
        #expect(value(s) == 0)
        #expect(try s.flag("f") === first)
        #expect(fake.calls("HGET") == hgets)
        fake.hset("p:features", "f", flagJSON(2, fallthrough: 1))
        #expect(value(s) == 0)                 // cached until the TTL
        clock.advance(milliseconds: 1000)
        #expect(value(s) == 1)
        #expect(try s.flag("f") !== first)
    }

    @Test("with the cache off, each read decodes the bytes it got")
    func cacheOffDecodesEachTime() throws {
        fake.hset("p:features", "f", flagJSON(1, fallthrough: 1))
        let s = try store(ttl: 0)
        let a = try s.flag("f"), b = try s.flag("f")
        #expect(a != nil && b != nil && a !== b)
        #expect(value(s) == 1)
    }

    @Test("an upsert through the store is what the next evaluation sees")
    func upsertInvalidates() throws {
        fake.hset("p:features", "f", flagJSON(1, fallthrough: 0))
        let s = try store(ttl: -1)
        #expect(value(s) == 0)
        let json = Array(flagJSON(2, fallthrough: 1).utf8)
        _ = try s.upsert(kind: "features", key: "f", item: try StoredItem.input(json))
        #expect(value(s) == 1)
    }

    @Test("a Redis failure is an EXCEPTION with the store's message; a deleted flag is not found")
    func failures() throws {
        let s = try store(ttl: 0)
        fake.failNext("HGET", throwing: .redis("boom"))
        let d = Evaluator(source: s).evaluate(flagKey: "f", context: Context.parse(.object(JSONObject.with(["key": .string("k")]))))
        #expect(d.reason == .error(.exception))
        #expect(d.failure?.message.contains("boom") == true)
        fake.hset("p:features", "f", #"{"key":"f","version":3,"deleted":true}"#)
        #expect(try s.flag("f") == nil)
        fake.hset("p:features", "f", #"{"key":"f","version":3,"on":"yes"}"#)
        #expect(throws: EvaluationFailure.self) { try s.flag("f") }
    }

    func allFlagsState(_ s: CachingStore) -> String {
        let context = Context.parse(.object(JSONObject.with(["key": .string("k")])))
        return String(decoding: Evaluator(source: s).allFlagsState(context: context, options: [], nowMillis: 0).json, as: UTF8.self)
    }

    @Test("all_flags_state is invalid when any stored flag value cannot be decoded by the SDK (F3); JSON null is no flag (F4)",
          arguments: ["null", " null ", "{", "[]", "5", #"{"key":"x"}"#, #"{"key":5,"version":1,"deleted":true}"#, #"{"key":"x","version":1,"on":"yes"}"#])
    func undecodableItemInvalidatesAllFlags(junk: String) throws {
        fake.hset("p:features", "f", flagJSON(1, fallthrough: 1))
        fake.hset("p:features", "t", #"{"version":4,"deleted":true}"#)
        let s = try store(ttl: 1000)
        #expect(allFlagsState(s) == #"{"f":"b","$flagsState":{"f":{"version":1,"variation":1}},"$valid":true}"#)
        fake.hset("p:features", "junk", junk)
        clock.advance(milliseconds: 1000)
        #expect(allFlagsState(s) == #"{"$flagsState":{},"$valid":false}"#)
        let d = Evaluator(source: s).evaluate(flagKey: "junk", context: Context.parse(.object(JSONObject.with(["key": .string("k")]))))
        #expect(d.reason == .error(junk.contains("null") ? .flagNotFound : .exception))
    }

    @Test("a value the header scan skips but the SDK decodes (version true: a Python int) is served by all_flags_state")
    func pythonDecodableSkippedItem() throws {
        fake.hset("p:features", "g", #"{"key":"g","version":true,"on":false,"variations":["x"],"offVariation":0}"#)
        let s = try store(ttl: 1000)
        let state = allFlagsState(s)
        #expect(state.hasPrefix(#"{"g":"x","$flagsState":{"g":{"version":"#) && state.hasSuffix(#""$valid":true}"#))
    }

    @Test("a flag and a segment under the empty key are evaluated, as the SDK's store reads them (F6)")
    func emptyKeys() throws {
        fake.hset("p:features", "", #"{"key":"","version":1,"on":true,"variations":["a","b"],"fallthrough":{"variation":1}}"#)
        fake.hset("p:features", "f", #"{"key":"f","version":1,"on":true,"variations":["a","b"],"fallthrough":{"variation":0},"rules":[{"variation":1,"clauses":[{"attribute":"key","op":"segmentMatch","values":[""]}]}]}"#)
        fake.hset("p:segments", "", #"{"key":"","version":1,"included":["k"]}"#)
        let s = try store(ttl: 1000)
        let context = Context.parse(.object(JSONObject.with(["key": .string("k")])))
        #expect(Evaluator(source: s).evaluate(flagKey: "", context: context).variationIndex == 1)
        #expect(Evaluator(source: s).evaluate(flagKey: "f", context: context).variationIndex == 1)
    }

    @Test("Big Segments: membership by the SDK's hash of the key, status from the sync time")
    func bigSegments() throws {
        let s = try store(ttl: 1000)
        let hash = CachingStore.contextHash("user-1")
        #expect(hash == "xsKJ5J6cBbIUWGA4e3O8sY30P7CaHkpKlxPHbIi7VBs=")   // Python: _hash_for_user_key("user-1")
        fake.sadd("p:big_segment_include:" + hash, "seg.g1")
        fake.sadd("p:big_segment_exclude:" + hash, "other.g2")
        var r = s.bigSegmentMembership(contextKey: "user-1")
        #expect(r.membership == ["seg.g1": true, "other.g2": false])
        #expect(r.status == .stale)           // never synchronized
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        fake.set("p:big_segments_synchronized_on", String(Int64(ts.tv_sec) * 1000))
        r = s.bigSegmentMembership(contextKey: "user-1")
        #expect(r.status == .healthy)
        fake.set("p:big_segments_synchronized_on", "not a number")
        #expect(s.bigSegmentMembership(contextKey: "user-1").status == .storeError)
    }
}

extension JSONObject {
    static func with(_ members: KeyValuePairs<String, JSONValue>) -> JSONObject {
        var o = JSONObject()
        for (k, v) in members { o.set(k, v) }
        return o
    }
}
