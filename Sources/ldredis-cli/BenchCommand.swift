import Glibc
import LDRedisCore

/// `ldredis bench`: latency and throughput of the library against this Redis, on a scratch
/// prefix of its own (the store's data is only read, to borrow a real flag as the sample).
enum BenchCommand {
    static let command = Command(
        name: "bench", synopsis: "[--iterations N] [--json]",
        summary: "measure get (cache off, cache hit) and upsert against this Redis; print a table",
        details: """
        Runs on a scratch prefix PREFIX-ldredis-bench-PID (never the store's own keys), removed
        afterwards, with a copy of the store's first flag (or a typical flag) as the item.
        One thread; the numbers are per operation.
        """,
        options: [
            OptionSpec("iterations", value: "N", help: "operations per measurement (default 2000)"),
            OptionSpec("json", help: "one JSON object per measurement"),
        ],
        positionals: 0...0, run: run)

    static let sampleFlag = #"{"key":"bench-flag","version":1,"on":true,"prerequisites":[],"salt":"abc","targets":[],"rules":[{"id":"r1","variation":0,"clauses":[{"attribute":"email","op":"endsWith","values":["@example.com"],"negate":false}]}],"fallthrough":{"variation":1},"offVariation":1,"variations":[true,false],"trackEvents":false,"debugEventsUntilDate":null,"deleted":false}"#

    struct Measurement {
        let name: String
        var nanoseconds: [UInt64] = []
    }

    static func run(_ inv: Invocation) throws(CLIError) -> Int32 {
        let iterations = try inv.arguments.integer("iterations", default: 2_000, in: 1...10_000_000)
        var scratch = inv.configuration
        scratch.setPrefix("\(inv.configuration.prefix)-ldredis-bench-\(getpid())")
        let sample: [UInt8] = try inv.withStore { (store) throws(CLIError) -> [UInt8] in
            let flags = try inv.attempt { () throws(StoreError) in try store.rawHash(kind: DataKind.features) }
            let first = flags.filter { RedisFeatureStore.storedHeader($0.value)?.deleted == false }
                .min { $0.field.lexicographicallyPrecedes($1.field) }
            return first?.value ?? Array(sampleFlag.utf8)
        }
        let item = try inv.attempt { () throws(StoreError) in try StoredItem.input(sample) }
        var results: [Measurement] = []
        let raw = try Connection.store(scratch)
        defer {
            _ = try? raw.rawCommand("DEL", raw.key(for: DataKind.features), raw.key(for: DataKind.segments), raw.key(for: "$inited"))
            raw.close()
        }
        try inv.attempt { () throws(StoreError) in
            _ = try raw.upsert(kind: DataKind.features, key: "bench-flag", item: item)
            for ttl: Int64 in [0, 60_000] {
                var config = scratch
                config.cacheTTLMilliseconds = ttl
                let store = try CachingStore(configuration: config)
                defer { store.close() }
                var m = Measurement(name: ttl == 0 ? "get (cache off)" : "get (cache hit)")
                _ = try store.get(kind: DataKind.features, key: "bench-flag")
                for _ in 0..<iterations {
                    let start = monotonicNanoseconds()
                    _ = try store.get(kind: DataKind.features, key: "bench-flag")
                    m.nanoseconds.append(monotonicNanoseconds() &- start)
                }
                results.append(m)
            }
            var m = Measurement(name: "upsert")
            let base = max(item.version, 1)
            for k in 0..<iterations {
                let next = StoredItem(header: ItemHeader(version: base + Int64(k) + 1, deleted: false), json: item.json)
                let start = monotonicNanoseconds()
                _ = try raw.upsert(kind: DataKind.features, key: "bench-flag", item: next)
                m.nanoseconds.append(monotonicNanoseconds() &- start)
            }
            results.append(m)
        }
        var table = Table(["OPERATION", "OPS", "P50 µs", "P99 µs", "OPS/S"], rightAligned: [1, 2, 3, 4])
        for m in results {
            let sorted = m.nanoseconds.sorted()
            let total = sorted.reduce(UInt64(0), &+)
            let p50 = Double(sorted[sorted.count / 2]) / 1_000
            let p99 = Double(sorted[min(sorted.count - 1, sorted.count * 99 / 100)]) / 1_000
            let rate = total > 0 ? Double(sorted.count) * 1e9 / Double(total) : 0
            if inv.arguments.given("json") {
                inv.out.line(JSONValue.object([
                    ("operation", .string(m.name)), ("ops", .number(String(sorted.count))),
                    ("p50_us", .number(fixed(p50, digits: 1))), ("p99_us", .number(fixed(p99, digits: 1))),
                    ("ops_per_second", .number(fixed(rate, digits: 0))),
                ]).compact)
            } else {
                table.add([m.name, String(sorted.count), fixed(p50, digits: 1), fixed(p99, digits: 1), fixed(rate, digits: 0)])
            }
        }
        if !inv.arguments.given("json") {
            inv.out.line("\(inv.configuration.redactedServer), item of \(item.json.count) bytes, one thread")
            inv.out.write(table.render(style: inv.out.style))
        }
        return ExitCode.ok
    }
}
