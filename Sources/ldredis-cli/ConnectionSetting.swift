import LDRedisCore

/// A connection setting: its option (and environment variable) and how it changes the
/// library's configuration. To add one (Sentinel's `--sentinel`/`--master`, Cluster's
/// `--cluster-node`), add a row: parsing, the environment, help and the man page's list all
/// follow from the table. Rows are applied in this order, so `--url` comes first (it sets
/// the credentials the later rows override).
struct ConnectionSetting: Sendable {
    let spec: OptionSpec
    let apply: @Sendable (inout StoreConfiguration, [String]) throws(CLIError) -> Void

    /// A setting with one value (the last given).
    init(_ spec: OptionSpec, _ apply: @escaping @Sendable (inout StoreConfiguration, String) throws(StoreError) -> Void) {
        self.init(spec, all: { (config, values) throws(StoreError) in
            if let value = values.last { try apply(&config, value) }
        })
    }

    /// A setting that takes every value given (a repeatable option, e.g. one `--sentinel
    /// host:port` per sentinel; its environment variable holds them comma-separated).
    init(_ spec: OptionSpec, all apply: @escaping @Sendable (inout StoreConfiguration, [String]) throws(StoreError) -> Void) {
        self.spec = spec
        self.apply = { (config: inout StoreConfiguration, values: [String]) throws(CLIError) in
            guard !values.isEmpty else { return }
            do throws(StoreError) {
                try apply(&config, values)
            } catch {
                throw CLIError.usage("--\(spec.name): \(error.description)")
            }
        }
    }
}
