import LDRedisCore

/// What a command runs with.
struct Invocation {
    let arguments: Arguments
    let configuration: StoreConfiguration
    var out: Output { Output.standard }
    var err: Output { Output.error }

    var positionals: [String] { arguments.positionals }

    /// The store without a cache; closed by `withStore` after `body`.
    func withStore<T>(_ body: (RedisFeatureStore) throws(CLIError) -> T) throws(CLIError) -> T {
        let store = try Connection.store(configuration)
        defer { store.close() }
        return try body(store)
    }

    /// Runs a store call, turning its error into the command's (2 for an outage).
    func attempt<T>(_ body: () throws(StoreError) -> T) throws(CLIError) -> T {
        do throws(StoreError) {
            return try body()
        } catch {
            throw CLIError(error)
        }
    }

    /// A warning on stderr (not a failure).
    func warn(_ message: String) {
        err.line(err.style.warn("ldredis: warning:") + " " + message)
    }
}
