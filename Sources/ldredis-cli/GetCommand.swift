import LDRedisCore

/// `ldredis get KIND KEY`: one stored item, pretty-printed (`--raw`: its bytes).
enum GetCommand {
    static let command = Command(
        name: "get", synopsis: "KIND KEY [--raw]",
        summary: "show one stored item (KIND: flag or segment), tombstones included",
        details: "Exit status 1 when the item is not there. A key that starts with '-' goes after '--'.",
        options: [OptionSpec("raw", help: "the stored bytes, exactly")],
        positionals: 2...2, run: run)

    static func run(_ inv: Invocation) throws(CLIError) -> Int32 {
        let kind = try KindName.parse(inv.positionals[0])
        let key = inv.positionals[1]
        let stored = try inv.withStore { (store) throws(CLIError) -> RedisReply in
            try inv.attempt { () throws(StoreError) in try store.rawCommand("HGET", store.key(for: kind), key) }
        }
        guard case .bulk(let bytes) = stored else {
            throw CLIError.failed("no \(KindName.display(kind).dropLast()) \"\(key)\" in the store")
        }
        if inv.arguments.given("raw") {
            inv.out.write(bytes: bytes)
            if inv.out.isTerminal { inv.out.line() }
            return ExitCode.ok
        }
        guard let value = try? JSONValue.parse(bytes) else {
            throw CLIError.failed("the stored value of \"\(key)\" is not JSON (see it with --raw)")
        }
        inv.out.line(value.pretty(style: inv.out.style))
        if let header = RedisFeatureStore.storedHeader(bytes), header.deleted {
            inv.warn("\"\(key)\" is a tombstone (deleted at version \(header.version))")
        }
        return ExitCode.ok
    }
}
