import LDRedisCore

/// `ldredis status`: is the store reachable and sound; exit 0 healthy, 1 problems, 2 unreachable.
enum StatusCommand {
    static let command = Command(
        name: "status", synopsis: "[--json] [--stale-after SECONDS]",
        summary: "reachability, round trip, $inited, counts, memory, Big Segments sync and a verdict",
        details: """
        Exit status 0 when healthy, 1 when problems were found (not initialized, values that are
        not items, keys of the wrong type, stale Big Segments), 2 when Redis cannot be reached
        within the connect timeout or refuses the connection (authentication, SELECT).
        Suitable as a container health check.
        """,
        options: [
            OptionSpec("json", help: "one JSON object instead of text"),
            OptionSpec("stale-after", value: "SECONDS",
                       help: "Big Segments data older than this is a problem (default 120, as the SDKs)"),
        ],
        positionals: 0...0, run: run)

    /// What status found, shown as text or JSON.
    struct Report {
        var fields: [(key: String, value: JSONValue)] = []
        var lines: [(label: String, text: String)] = []
        var problems: [String] = []

        mutating func set(_ key: String, _ value: JSONValue) { fields.append((key, value)) }
        mutating func show(_ label: String, _ text: String) { lines.append((label, text)) }
    }

    static func run(_ inv: Invocation) throws(CLIError) -> Int32 {
        let staleAfter = try inv.arguments.integer("stale-after", default: 120, in: 1...31_536_000)
        let config = inv.configuration
        var report = Report()
        report.set("server", .string(config.redactedServer))
        report.set("prefix", .string(config.prefix))
        report.show("server", config.redactedServer)
        report.show("prefix", config.prefix)
        let code = try inv.withStore { (store) throws(CLIError) -> Int32 in
            // The first command opens the connection; the second measures the round trip.
            do throws(StoreError) {
                _ = try store.rawCommand("PING")
                let start = monotonicNanoseconds()
                _ = try store.rawCommand("PING")
                let rtt = monotonicNanoseconds() &- start
                report.set("reachable", .bool(true))
                report.set("round_trip_ms", .number(fixed(Double(rtt) / 1e6, digits: 3)))
                report.show("reachable", "yes, round trip \(fixed(Double(rtt) / 1e6, digits: 2)) ms")
            } catch {
                report.set("reachable", .bool(false))
                report.set("error", .string(error.description))
                report.show("reachable", "no: \(error.description)")
                report.problems.append("unreachable")
                return ExitCode.unreachable
            }
            do throws(StoreError) {
                try inspect(store, staleAfterMilliseconds: Int64(staleAfter) * 1_000, into: &report)
            } catch {
                report.problems.append(error.description)
                return error.isOutage ? ExitCode.unreachable : ExitCode.problems
            }
            return report.problems.isEmpty ? ExitCode.ok : ExitCode.problems
        }
        let verdict = code == ExitCode.ok ? "healthy" : (code == ExitCode.unreachable ? "unreachable" : "problems")
        report.set("problems", .array(report.problems.map { .string($0) }))
        report.set("verdict", .string(verdict))
        if inv.arguments.given("json") {
            inv.out.line(JSONValue.object(report.fields).compact)
        } else {
            let style = inv.out.style
            let width = report.lines.map { $0.label.count }.max() ?? 0
            for (label, text) in report.lines {
                inv.out.line(style.bold(label + String(repeating: " ", count: width - label.count)) + "  " + text)
            }
            let shown: String
            switch code {
            case ExitCode.ok: shown = style.good("healthy")
            case ExitCode.unreachable: shown = style.bad("unreachable")
            default: shown = style.bad("problems") + ": " + report.problems.joined(separator: "; ")
            }
            inv.out.line(style.bold("verdict" + String(repeating: " ", count: max(0, width - 7))) + "  " + shown)
        }
        return code
    }

    private static func inspect(_ store: RedisFeatureStore, staleAfterMilliseconds: Int64, into report: inout Report) throws(StoreError) {
        if case .bulk(let info) = try? store.rawCommand("INFO", "server"),
           let line = String(decoding: info, as: UTF8.self).split(whereSeparator: { $0.isNewline })
               .first(where: { $0.hasPrefix("redis_version:") }) {
            let version = String(line.dropFirst("redis_version:".count))
            report.set("redis_version", .string(version))
            report.show("redis", version)
        }
        let inited = try store.isInitialized()
        report.set("initialized", .bool(inited))
        report.show("initialized", inited ? "yes" : "no ($inited is missing: no SDK or Relay initialized this prefix)")
        if !inited { report.problems.append("not initialized") }

        for kind in [DataKind.features, DataKind.segments] {
            let name = KindName.display(kind)
            let census: Census
            do throws(StoreError) {
                census = try Census(store, kind: kind)
            } catch .redis(let message) {
                report.problems.append("\(store.key(for: kind)): \(message)")
                report.show(name, "unreadable: \(message)")
                continue
            }
            report.set(name, .number(String(census.live)))
            report.set(name + "_tombstones", .number(String(census.tombstones)))
            report.set(name + "_malformed", .number(String(census.malformed)))
            var text = "\(census.live) (\(census.tombstones) tombstone\(census.tombstones == 1 ? "" : "s"))"
            if census.malformed > 0 {
                text += ", \(census.malformed) not items"
                report.problems.append("\(census.malformed) value\(census.malformed == 1 ? "" : "s") in \(store.key(for: kind)) not items (run ldredis verify)")
            }
            report.show(name, text)
        }

        let keys = try store.keysUnderPrefix()
        report.set("keys", .number(String(keys.count)))
        do throws(StoreError) {
            var total: Int64 = 0
            var start = 0
            while start < keys.count {
                let batch = Array(keys[start..<min(keys.count, start + 1_000)])
                total = try store.memoryUsage(batch).reduce(total) { $0 &+ ($1 ?? 0) }
                start += batch.count
            }
            report.set("memory_bytes", .number(String(total)))
            report.show("memory", "\(humanBytes(total)) in \(keys.count) key\(keys.count == 1 ? "" : "s")")
        } catch .redis(let message) {
            report.set("memory_bytes", .null)
            report.show("memory", "unknown (\(message)); \(keys.count) keys")
        }

        do throws(StoreError) {
            if let synced = try store.bigSegmentsSynchronizedOn() {
                let age = max(0, epochMilliseconds() - synced)
                report.set("big_segments_synchronized_on", .number(String(synced)))
                report.set("big_segments_age_ms", .number(String(age)))
                var text = "last sync \(isoTime(epochMilliseconds: synced)) (\(humanDuration(milliseconds: age)) ago)"
                if age > staleAfterMilliseconds {
                    text += ", stale"
                    report.problems.append("Big Segments data is stale (last sync \(humanDuration(milliseconds: age)) ago)")
                }
                report.show("big segments", text)
            } else {
                report.set("big_segments_synchronized_on", .null)
                report.show("big segments", "never synchronized (not used, or Relay has not synced yet)")
            }
        } catch .malformed(let message) {
            report.problems.append(message)
            report.show("big segments", message)
        }
    }
}
