import LDRedisCore

/// `ldredis verify`: checks every key under the prefix and every stored value.
enum VerifyCommand {
    static let command = Command(
        name: "verify", synopsis: "[--json]",
        summary: "check every stored value and every key under the prefix; print each problem",
        details: """
        Checks: each value parses as JSON, is an object, has a whole non-negative version;
        deleted is a boolean; the body's key matches its hash field; tombstones have one of the
        SDKs' shapes; no foreign fields; every key under PREFIX: belongs to the schema and has
        the right type; $inited is present. Exit status 1 when anything was found.
        """,
        options: [OptionSpec("json", help: "JSON lines: {\"key\",\"field\",\"problem\"} per problem")],
        positionals: 0...0, run: run)

    struct Problem {
        let key: String
        let field: String?
        let message: String
    }

    static func run(_ inv: Invocation) throws(CLIError) -> Int32 {
        let problems = try inv.withStore { (store) throws(CLIError) -> [Problem] in
            try inv.attempt { () throws(StoreError) in try check(store) }
        }
        let style = inv.out.style
        for problem in problems {
            if inv.arguments.given("json") {
                var members: [(key: String, value: JSONValue)] = [("key", .string(problem.key))]
                members.append(("field", problem.field.map { .string($0) } ?? .null))
                members.append(("problem", .string(problem.message)))
                inv.out.line(JSONValue.object(members).compact)
            } else {
                let place = problem.key + (problem.field.map { " " + JSONValue.quoted($0) } ?? "")
                inv.out.line(style.bold(place) + ": " + problem.message)
            }
        }
        if !inv.arguments.given("json") {
            inv.out.line(problems.isEmpty ? style.good("no problems found")
                                          : style.bad("\(problems.count) problem\(problems.count == 1 ? "" : "s") found"))
        }
        return problems.isEmpty ? ExitCode.ok : ExitCode.problems
    }

    static func check(_ store: RedisFeatureStore) throws(StoreError) -> [Problem] {
        var problems: [Problem] = []
        let keys = try store.keysUnderPrefix()
        let inited = store.key(for: "$inited")
        if !keys.contains(inited) {
            problems.append(Problem(key: inited, field: nil, message: "missing: no SDK or Relay initialized this prefix"))
        }
        var types: [String] = []
        var start = 0
        while start < keys.count {
            let batch = Array(keys[start..<min(keys.count, start + 1_000)])
            for reply in try store.rawCommands(batch.map { ["TYPE", $0] }) {
                if case .status(let type) = reply { types.append(type) } else { types.append("?") }
            }
            start += batch.count
        }
        let prefixLength = store.keyPrefix.count + 1
        for (key, type) in zip(keys, types) {
            let suffix = String(key.dropFirst(prefixLength))
            let expected: String?
            switch suffix {
            case DataKind.features, DataKind.segments: expected = "hash"
            case "$inited", "big_segments_synchronized_on": expected = "string"
            case "big_segments_cursor", "big_segments_lock": expected = nil   // Relay's own
            default:
                if suffix.hasPrefix("big_segment_include:") || suffix.hasPrefix("big_segment_exclude:") {
                    expected = "set"
                } else {
                    problems.append(Problem(key: key, field: nil, message: "not part of the LaunchDarkly schema (a \(type) under the prefix)"))
                    continue
                }
            }
            if let expected, type != expected {
                problems.append(Problem(key: key, field: nil, message: "is a \(type), expected a \(expected)"))
                continue
            }
            if suffix == "big_segments_synchronized_on" {
                do throws(StoreError) {
                    _ = try store.bigSegmentsSynchronizedOn()
                } catch .malformed {
                    problems.append(Problem(key: key, field: nil, message: "is not a decimal number of milliseconds"))
                }
            }
            if expected == "hash" {
                for (field, value) in try store.rawHash(kind: suffix).sorted(by: { $0.field.lexicographicallyPrecedes($1.field) }) {
                    let name = String(decoding: field, as: UTF8.self)
                    for message in ItemCheck.problems(kind: suffix, field: name, value: value) {
                        problems.append(Problem(key: key, field: name, message: message))
                    }
                }
            }
        }
        return problems
    }
}
