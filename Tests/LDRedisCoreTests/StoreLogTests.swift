import Foundation
import Testing
@testable import LDRedisCore

/// The store's log lines (issue 14): what is logged when, at which level, never a password; the
/// queue destination; and the kind names ("flags" is "features") and the scheme-less URL message.
/// Redis is a `FakeRedisClient`, time a `ManualClock`, the background worker runs when told.
@Suite("Logs, kind names, URL messages")
final class StoreLogTests {
    let fake = FakeRedisClient()
    let clock = ManualClock()
    private let opened = Box<[CachingStore]>([])
    static let secret = "s3cret-Pa55word"

    deinit {
        for s in opened.value { s.close() }
    }

    func store(ttl: Int64, log: LogDestination?) throws -> CachingStore {
        var c = StoreConfiguration()
        try c.setURL("redis://alice:\(StoreLogTests.secret)@redis.example:6380/2")
        c.setPrefix("p")
        c.cacheTTLMilliseconds = ttl
        let s = try CachingStore(configuration: c, client: fake, clock: clock, manualBackground: true, log: log)
        opened.mutate { $0.append(s) }
        return s
    }

    /// A function destination recording "level: message".
    func recorder(_ minimum: LogLevel = .debug) -> (LogDestination, Box<[String]>) {
        let lines = Box<[String]>([])
        return (.function(minimum: minimum) { level, message in lines.mutate { $0.append("\(level.name): \(message)") } }, lines)
    }

    @Test("start (info, redacted server and prefix), unavailable (warn, with the reason), available again (info)")
    func outageLines() throws {
        let (destination, lines) = recorder(.info)
        let s = try store(ttl: 60_000, log: destination)
        #expect(lines.value == ["info: store started: redis://alice:xxxxx@redis.example:6380/2 prefix=p, cache TTL 60000 ms"])
        fake.down = true
        #expect(throws: StoreError.self) { try s.get(kind: "features", key: "f") }
        #expect(throws: StoreError.self) { try s.get(kind: "features", key: "g") }
        s.runBackgroundTick()
        s.runPendingBackgroundJobs()
        #expect(lines.value.count == 2, "one line for the outage, not one per failure: \(lines.value)")
        let down = lines.value.last ?? ""
        #expect(down.hasPrefix("warn: Redis is unavailable (redis://alice:xxxxx@redis.example:6380/2 prefix=p): "))
        #expect(down.contains("Connection refused"), "the reason: \(down)")
        fake.down = false
        s.runBackgroundTick()
        s.runPendingBackgroundJobs()
        #expect(lines.value.count == 3)
        #expect(lines.value.last?.hasPrefix("info: Redis is available again (redis://alice:xxxxx@redis.example:6380/2 prefix=p); the data there may be stale") == true)
        s.close()
        #expect(lines.value.count == 3, "debug lines are below the minimum")
        #expect(!lines.value.contains { $0.contains(StoreLogTests.secret) })
    }

    @Test("infinite cache: the write-back's result is logged; debug lines when asked for")
    func writeBackLines() throws {
        let (destination, lines) = recorder(.debug)
        let s = try store(ttl: -1, log: destination)
        try s.initialize(Fixture.dataSet(features: [Fixture.item("f", 1)]))
        fake.down = true
        #expect(throws: StoreError.self) { try s.upsert(kind: "features", key: "f", item: Fixture.item("f", 2)) }
        s.runPendingBackgroundJobs()
        fake.down = false
        s.runBackgroundTick()
        s.runPendingBackgroundJobs()
        #expect(lines.value.contains("info: write-back after the outage: 1 item(s) written, 0 kept at a higher version in Redis, 0 refused"),
                "\(lines.value)")
        #expect(lines.value.last?.hasPrefix("info: Redis is available again") == true)
        s.close()
        #expect(lines.value.last?.hasPrefix("debug: store closed") == true)
        #expect(!lines.value.contains { $0.contains(StoreLogTests.secret) })
    }

    @Test("no destination: nothing is logged, nothing is queued")
    func noDestination() throws {
        let s = try store(ttl: 0, log: nil)
        #expect(s.nextLogLine() == nil)
    }

    @Test("the queue keeps the lines in order until taken; a full queue drops the oldest and says so")
    func queue() throws {
        let s = try store(ttl: 60_000, log: .queue(minimum: .info))
        #expect(s.nextLogLine()?.message.hasPrefix("store started: ") == true)
        #expect(s.nextLogLine() == nil)
        fake.down = true
        #expect(throws: StoreError.self) { try s.get(kind: "features", key: "f") }
        s.runPendingBackgroundJobs()
        let line = s.nextLogLine()
        #expect(line?.level == .warn && line?.message.hasPrefix("Redis is unavailable") == true)
        #expect(s.nextLogLine() == nil)

        let queue = LogQueue()
        for k in 0..<(LogQueue.capacity + 5) { queue.push(LogLine(level: .info, message: "line \(k)")) }
        #expect(queue.pop() == LogLine(level: .warn, message: "5 log line(s) dropped: the queue holds 1000; drain it more often"))
        #expect(queue.pop()?.message == "line 5")
        var rest = 0
        while queue.pop() != nil { rest += 1 }
        #expect(rest == LogQueue.capacity - 1)
    }

    @Test("\"flags\" names the features kind for get, all, upsert and delete, cached or not", arguments: [Int64(60_000), 0, -1])
    func flagsIsFeatures(ttl: Int64) throws {
        let s = try store(ttl: ttl, log: nil)
        #expect(try s.upsert(kind: "flags", key: "a", item: Fixture.item("a", 1)) == .applied)
        #expect(fake.hget("p:features", "a") == Fixture.item("a", 1).text)
        #expect(!fake.exists("p:flags"))
        #expect(try s.get(kind: "flags", key: "a")?.version == 1)
        #expect(try s.get(kind: DataKind.features, key: "a")?.version == 1)
        #expect(try s.all(kind: "flags").map(\.key) == ["a"])
        #expect(try s.delete(kind: "flags", key: "a", version: 2) == .applied)
        #expect(try s.get(kind: "features", key: "a")?.deleted == true)
        #expect(try DataKind.name("flags") == "features")
        #expect(try DataKind.name("segments") == "segments")
        #expect(throws: StoreError.self) { try DataKind.name("$inited") }
    }

    @Test("a URL without a scheme says what was meant, and repeats nothing that may hold a password")
    func missingScheme() {
        func message(_ text: String) -> String {
            do { _ = try RedisURL(parsing: text) } catch { return error.description }
            return ""
        }
        #expect(message("localhost:6379").contains("did you mean redis://localhost:6379?"))
        #expect(message("10.0.0.5").contains("did you mean redis://10.0.0.5?"))
        #expect(message("/run/redis.sock").contains("did you mean unix:///run/redis.sock?"))
        let withSecret = message("user:\(StoreLogTests.secret)@host:6379")
        #expect(withSecret.contains("no scheme") && !withSecret.contains(StoreLogTests.secret))
        #expect(message("").contains("no scheme"))
    }
}

@Suite("Logs after close")
struct StoreLogCloseTests {
    @Test("after close() no log function call starts, and close() waits for a running one")
    func noCallAfterClose() throws {
        let lines = Box<[String]>([])
        let entered = DispatchSemaphore(value: 0), release = DispatchSemaphore(value: 0)
        let log = StoreLog(.function(minimum: .debug) { _, message in
            if message == "slow" { entered.signal(); release.wait() }
            lines.mutate { $0.append(message) }
        })
        let writer = Thread { log(.info, "slow") }
        writer.start()
        #expect(entered.wait(timeout: .now() + 10) == .success)
        let closed = Box(false)
        let closer = Thread { log.close(); closed.value = true }
        closer.start()
        usleep(50_000)
        #expect(closed.value == false, "close() waits for the running call")
        release.signal()
        for _ in 0..<10_000 where !closed.value { usleep(1_000) }
        #expect(closed.value)
        log(.warn, "after close")
        #expect(lines.value == ["slow"])
    }

    @Test("a closed store's log function is not called by a thread still winding down")
    func closedStore() throws {
        let lines = Box<[String]>([])
        let s = try CachingStore(configuration: StoreConfiguration(), client: FakeRedisClient(), clock: ManualClock(),
                                 manualBackground: true,
                                 log: .function(minimum: .debug) { _, message in lines.mutate { $0.append(message) } })
        s.close()
        s.log(.warn, "Redis is unavailable (late)")
        #expect(lines.value.count == 2 && lines.value.last?.hasPrefix("store closed") == true, "\(lines.value)")
    }
}
