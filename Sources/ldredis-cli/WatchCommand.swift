import Glibc
import LDRedisCore
import Synchronization

/// Set by SIGINT/SIGTERM: `watch` stops at its next check (within 200 ms).
let stopRequested = Atomic<Bool>(false)

/// `ldredis watch`: one line per change of a flag or segment, with the old and new version.
enum WatchCommand {
    static let command = Command(
        name: "watch", synopsis: "[--poll] [--interval MS] [--no-config] [--json]",
        summary: "print each change to flags and segments as it happens, until Ctrl-C",
        details: """
        Uses keyspace notifications when the server sends them (turning them on with
        CONFIG SET notify-keyspace-events if needed, and restoring the old setting at exit,
        unless --no-config); when the server refuses, it polls instead. Each change is one line:
        TIME KIND KEY OLD -> NEW (versions; '-' when absent), marked 'deleted' for a tombstone.
        """,
        options: [
            OptionSpec("poll", help: "poll instead of using keyspace notifications"),
            OptionSpec("interval", value: "MS", help: "how often to poll, in milliseconds (default 1000)"),
            OptionSpec("no-config", help: "never change the server's notify-keyspace-events"),
            OptionSpec("json", help: "JSON lines: {time, kind, key, old_version, new_version, deleted}"),
        ],
        positionals: 0...0, run: run)

    /// A kind's items: key → (version, deleted); values that are not items are left out.
    typealias Snapshot = [String: (version: Int64, deleted: Bool)]

    static func run(_ inv: Invocation) throws(CLIError) -> Int32 {
        let interval = try inv.arguments.integer("interval", default: 1_000, in: 10...3_600_000)
        _ = stopRequested.load(ordering: .relaxed)   // initialized before a handler can touch it
        signal(SIGINT) { _ in stopRequested.store(true, ordering: .relaxed) }
        signal(SIGTERM) { _ in stopRequested.store(true, ordering: .relaxed) }
        return try inv.withStore { (store) throws(CLIError) -> Int32 in
            let kinds = [DataKind.features, DataKind.segments]
            var snapshots: [String: Snapshot] = [:]
            for kind in kinds { snapshots[kind] = try inv.attempt { () throws(StoreError) in try snapshot(store, kind) } }
            var restore: String?
            var subscription: Subscription?
            if !inv.arguments.given("poll") {
                (subscription, restore) = subscribe(inv, store, kinds)
            }
            defer {
                if let restore { _ = try? store.rawCommand("CONFIG", "SET", "notify-keyspace-events", restore) }
            }
            let mode = subscription != nil ? "keyspace notifications" : "polling every \(interval) ms"
            inv.err.line("watching \(inv.configuration.redactedServer) prefix \(inv.configuration.prefix) (\(mode)); Ctrl-C to stop")
            var lastRead = monotonicNanoseconds()
            var failing = false
            while !stopRequested.load(ordering: .relaxed) {
                var dirty: Set<String> = []
                if let current = subscription {
                    do throws(StoreError) {
                        var wait: Int64 = 200
                        while let message = try current.nextMessage(waitingUpTo: wait) {
                            if let kind = kinds.first(where: { message.channel.hasSuffix(":" + store.key(for: $0)) }) { dirty.insert(kind) }
                            wait = 20   // gather a burst (an init's DEL and HSETs) into one read
                        }
                    } catch {
                        inv.warn("lost the subscription (\(error.description)); polling")
                        subscription = nil
                    }
                    // A slow safety net for missed notifications.
                    if monotonicNanoseconds() &- lastRead > 30_000_000_000 { dirty = Set(kinds) }
                } else {
                    sleepChecking(milliseconds: interval)
                    dirty = Set(kinds)
                }
                guard !dirty.isEmpty, !stopRequested.load(ordering: .relaxed) else { continue }
                lastRead = monotonicNanoseconds()
                for kind in kinds where dirty.contains(kind) {
                    do throws(StoreError) {
                        let now = try snapshot(store, kind)
                        if failing { inv.err.line("Redis answers again"); failing = false }
                        report(kind: kind, old: snapshots[kind] ?? [:], new: now, inv: inv)
                        snapshots[kind] = now
                    } catch {
                        if !failing { inv.warn("cannot read \(store.key(for: kind)): \(error.description)") }
                        failing = true
                    }
                }
                inv.out.flush()
            }
            inv.out.flush()
            return ExitCode.ok
        }
    }

    /// Turns keyspace notifications on if needed and allowed, and subscribes; nil when the
    /// server refuses (then `watch` polls). Also returns the setting to restore at exit.
    private static func subscribe(_ inv: Invocation, _ store: RedisFeatureStore, _ kinds: [String]) -> (Subscription?, String?) {
        var restore: String?
        do throws(StoreError) {
            guard case .array(let pair) = try store.rawCommand("CONFIG", "GET", "notify-keyspace-events"),
                  pair.count == 2, case .bulk(let value) = pair[1] else {
                throw StoreError.redis("unexpected reply to CONFIG GET")
            }
            let current = String(decoding: value, as: UTF8.self)
            let all = current.contains("A")
            var wanted = current
            for flag in ["K", "h", "g"] where !wanted.contains(flag) && !(all && flag != "K") { wanted += flag }
            if wanted != current {
                if inv.arguments.given("no-config") {
                    inv.warn("keyspace notifications are off (notify-keyspace-events=\"\(current)\") and --no-config: polling")
                    return (nil, nil)
                }
                _ = try store.rawCommand("CONFIG", "SET", "notify-keyspace-events", wanted)
                restore = current
            }
        } catch {
            inv.warn("cannot use keyspace notifications (\(error.description)): polling")
            return (nil, nil)
        }
        let channel = "__keyspace@\(inv.configuration.database)__:"
        let patterns = kinds.map { channel + RedisFeatureStore.globEscaped(store.key(for: $0)) }
        do throws(StoreError) {
            return (try Subscription(store: store, patterns: patterns), restore)
        } catch {
            inv.warn("cannot subscribe to keyspace notifications (\(error.description)): polling")
            if let restore { _ = try? store.rawCommand("CONFIG", "SET", "notify-keyspace-events", restore) }
            return (nil, nil)
        }
    }

    static func snapshot(_ store: RedisFeatureStore, _ kind: String) throws(StoreError) -> Snapshot {
        var snapshot: Snapshot = [:]
        for (field, value) in try store.rawHash(kind: kind) {
            guard let header = RedisFeatureStore.storedHeader(value) else { continue }
            snapshot[String(decoding: field, as: UTF8.self)] = (header.version, header.deleted)
        }
        return snapshot
    }

    /// One line per key whose version or deleted state changed, sorted by key.
    private static func report(kind: String, old: Snapshot, new: Snapshot, inv: Invocation) {
        let time = isoTime(epochMilliseconds: epochMilliseconds())
        let style = inv.out.style
        for key in Set(old.keys).union(new.keys).sorted() {
            let before = old[key], after = new[key]
            if before?.version == after?.version && before?.deleted == after?.deleted { continue }
            let deleted = after?.deleted ?? false
            if inv.arguments.given("json") {
                let members: [(key: String, value: JSONValue)] = [
                    ("time", .string(time)), ("kind", .string(KindName.display(kind))), ("key", .string(key)),
                    ("old_version", before.map { .number(String($0.version)) } ?? .null),
                    ("new_version", after.map { .number(String($0.version)) } ?? .null),
                    ("deleted", .bool(deleted)),
                ]
                inv.out.line(JSONValue.object(members).compact)
            } else {
                let versions = (before.map { String($0.version) } ?? "-") + " -> " + (after.map { String($0.version) } ?? "-")
                let note = deleted ? " " + style.bad("deleted") : (after == nil ? " " + style.warn("removed") : "")
                inv.out.line("\(style.dim(time)) \(KindName.display(kind)) \(style.bold(key)) \(versions)\(note)")
            }
        }
    }

    /// Sleeps up to `milliseconds`, waking early when a stop is requested.
    private static func sleepChecking(milliseconds: Int) {
        var left = milliseconds
        while left > 0 && !stopRequested.load(ordering: .relaxed) {
            let step = min(left, 100)
            usleep(UInt32(step) * 1_000)
            left -= step
        }
    }
}
