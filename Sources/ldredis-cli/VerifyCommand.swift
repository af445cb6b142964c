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

/// The checks of one stored value.
enum ItemCheck {
    static let flagFields: Set<String> = [
        "key", "version", "deleted", "on", "prerequisites", "salt", "sel", "targets", "contextTargets",
        "rules", "fallthrough", "offVariation", "variations", "clientSide", "clientSideAvailability",
        "trackEvents", "trackEventsFallthrough", "debugEventsUntilDate", "samplingRatio",
        "excludeFromSummaries", "migration",
    ]
    static let segmentFields: Set<String> = [
        "key", "version", "deleted", "included", "excluded", "includedContexts", "excludedContexts",
        "salt", "rules", "unbounded", "unboundedContextKind", "generation",
    ]

    static func problems(kind: String, field: String, value bytes: [UInt8]) -> [String] {
        let value: JSONValue
        do throws(JSONValue.ParseError) {
            value = try JSONValue.parse(bytes)
        } catch {
            return ["does not parse as JSON: \(error.message) (at byte \(error.offset))"]
        }
        guard let members = value.members else { return ["is not a JSON object"] }
        var found: [String] = []
        switch value["version"] {
        case nil:
            found.append("has no version")
        case .number(let text)?:
            if text.hasPrefix("-") || text.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) || Int64(text) == nil {
                found.append("version \(text) is not a whole number from 0 to 2^63-1")
            }
        case let other?:
            found.append("version is not a number (\(other.compact))")
        }
        let deleted = value["deleted"]
        if let deleted, deleted != .null, deleted.boolValue == nil {
            found.append("\"deleted\" is not a boolean (\(deleted.compact))")
        }
        let bodyKey = value["key"]
        if let bodyKey, bodyKey != .null {
            if let text = bodyKey.stringValue {
                if text != field && text != "$deleted" {
                    found.append("its \"key\" is \(JSONValue.quoted(text)), not the hash field")
                }
            } else {
                found.append("\"key\" is not a string (\(bodyKey.compact))")
            }
        }
        let goTombstone = bodyKey?.stringValue == "$deleted"
        if deleted?.boolValue == true && !goTombstone {
            // {"key":K,"version":N,"deleted":true} or {"version":N,"deleted":true}
            let extra = members.map(\.key).filter { !["key", "version", "deleted"].contains($0) }
            if !extra.isEmpty {
                found.append("a tombstone with item fields (\(extra.joined(separator: ", "))): not a shape the SDKs write")
            }
        } else if goTombstone && deleted?.boolValue == false {
            found.append("\"key\" is \"$deleted\" (a tombstone) but \"deleted\" is false")
        } else if !goTombstone {
            let known = kind == DataKind.features ? flagFields : (kind == DataKind.segments ? segmentFields : [])
            if !known.isEmpty {
                let foreign = members.map(\.key).filter { !known.contains($0) }
                for name in foreign { found.append("foreign field \(JSONValue.quoted(name))") }
            }
        }
        if found.isEmpty && RedisFeatureStore.storedHeader(bytes) == nil {
            found.append("the store cannot read it as an item")
        }
        return found
    }
}
