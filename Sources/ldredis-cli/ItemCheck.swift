import LDRedisCore

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
