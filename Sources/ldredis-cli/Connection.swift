import Glibc
import LDRedisCore

/// The connection settings (the table) and the store made from them.
enum Connection {
    static let settings: [ConnectionSetting] = [
        ConnectionSetting(OptionSpec("url", value: "URL", env: "LDREDIS_URL",
                                     help: "redis://[user:password@]host[:port][/db], rediss:// (TLS) or unix:///path (default redis://localhost:6379)"))
            { (c, v) throws(StoreError) in try c.setURL(v) },
        ConnectionSetting(OptionSpec("prefix", value: "PREFIX", env: "LDREDIS_PREFIX",
                                     help: "the store's key prefix (default launchdarkly)"))
            { (c, v) throws(StoreError) in c.setPrefix(v) },
        ConnectionSetting(OptionSpec("username", value: "NAME", env: "LDREDIS_USERNAME", help: "ACL user name (overrides the URL's)"))
            { (c, v) throws(StoreError) in c.usernameOverride = .some(v) },
        ConnectionSetting(OptionSpec("password", value: "PASSWORD", env: "LDREDIS_PASSWORD",
                                     help: "password (overrides the URL's; prefer the environment or --password-file)"))
            { (c, v) throws(StoreError) in c.passwordOverride = .some(v) },
        ConnectionSetting(OptionSpec("password-file", value: "FILE", env: "LDREDIS_PASSWORD_FILE",
                                     help: "read the password from FILE (its first line)"))
            { (c, v) throws(StoreError) in c.passwordOverride = .some(try readPasswordFile(v)) },
        ConnectionSetting(OptionSpec("db", value: "N", env: "LDREDIS_DB", help: "database number (overrides the URL's)"))
            { (c, v) throws(StoreError) in
                guard let n = Int(v) else { throw StoreError.invalidArgument("the database must be a number (0 or more)") }
                try c.setDatabase(n)
            },
        ConnectionSetting(OptionSpec("sentinel", value: "HOST:PORT", env: "LDREDIS_SENTINELS", repeatable: true,
                                     help: "a Redis Sentinel (repeat for each; the environment: comma-separated); needs --master"),
                          all: { (c, v) throws(StoreError) in for s in v { try c.addSentinel(s) } }),
        ConnectionSetting(OptionSpec("master", value: "NAME", env: "LDREDIS_SENTINEL_MASTER",
                                     help: "the master name the sentinels watch"))
            { (c, v) throws(StoreError) in try c.setSentinelMaster(v) },
        ConnectionSetting(OptionSpec("sentinel-username", value: "NAME", env: "LDREDIS_SENTINEL_USERNAME",
                                     help: "the sentinels' own ACL user name"))
            { (c, v) throws(StoreError) in c.setSentinelAuth(username: v, password: c.sentinelPassword) },
        ConnectionSetting(OptionSpec("sentinel-password", value: "PASSWORD", env: "LDREDIS_SENTINEL_PASSWORD",
                                     help: "the sentinels' own password"))
            { (c, v) throws(StoreError) in c.setSentinelAuth(username: c.sentinelUsername, password: v) },
        ConnectionSetting(OptionSpec("cluster-node", value: "HOST:PORT", env: "LDREDIS_CLUSTER_NODES", repeatable: true,
                                     help: "a Redis Cluster seed node (repeat for each; the environment: comma-separated)"),
                          all: { (c, v) throws(StoreError) in for n in v { try c.addClusterNode(n) } }),
        ConnectionSetting(OptionSpec("tls", env: "LDREDIS_TLS", help: "use TLS (as rediss:// does)"))
            { (c, v) throws(StoreError) in if try flag(v) { c.tlsOverride = true } },
        ConnectionSetting(OptionSpec("tls-ca-file", value: "FILE", env: "LDREDIS_TLS_CA_FILE",
                                     help: "PEM file of CA certificates to trust (default: the system's)"))
            { (c, v) throws(StoreError) in c.tlsCAFile = v },
        ConnectionSetting(OptionSpec("tls-cert-file", value: "FILE", env: "LDREDIS_TLS_CERT_FILE",
                                     help: "client certificate chain (PEM), for mutual TLS"))
            { (c, v) throws(StoreError) in c.tlsCertFile = v },
        ConnectionSetting(OptionSpec("tls-key-file", value: "FILE", env: "LDREDIS_TLS_KEY_FILE",
                                     help: "client private key (PEM), for mutual TLS"))
            { (c, v) throws(StoreError) in c.tlsKeyFile = v },
        ConnectionSetting(OptionSpec("tls-server-name", value: "NAME", env: "LDREDIS_TLS_SERVER_NAME",
                                     help: "name for SNI and the certificate check (default: the URL's host)"))
            { (c, v) throws(StoreError) in c.tlsServerName = v },
        ConnectionSetting(OptionSpec("tls-insecure", env: "LDREDIS_TLS_INSECURE",
                                     help: "do not verify the server's certificate (insecure)"))
            { (c, v) throws(StoreError) in if try flag(v) { c.tlsVerify = false } },
        ConnectionSetting(OptionSpec("connect-timeout", value: "MS", env: "LDREDIS_CONNECT_TIMEOUT",
                                     help: "connect timeout in milliseconds (default 3000)"))
            { (c, v) throws(StoreError) in try c.setConnectTimeout(milliseconds: try milliseconds(v)) },
        ConnectionSetting(OptionSpec("timeout", value: "MS", env: "LDREDIS_TIMEOUT",
                                     help: "operation timeout in milliseconds (default 2000)"))
            { (c, v) throws(StoreError) in try c.setOperationTimeout(milliseconds: try milliseconds(v)) },
    ]

    static var specs: [OptionSpec] { settings.map(\.spec) }

    /// The configuration from the environment and the command line (which wins).
    static func configuration(_ arguments: Arguments) throws(CLIError) -> StoreConfiguration {
        var config = StoreConfiguration()
        try? config.setPoolSize(4)
        for setting in settings {
            var values = arguments.all(setting.spec.name)
            if values.isEmpty, let env = setting.spec.env, let text = environment(env) {
                values = setting.spec.repeatable ? text.split(separator: ",").map(String.init) : [text]
            }
            try setting.apply(&config, values)
        }
        return config
    }

    /// The store (no cache: every read goes to Redis), or why it cannot be made (TLS files).
    static func store(_ config: StoreConfiguration) throws(CLIError) -> RedisFeatureStore {
        let store: RedisFeatureStore
        do throws(StoreError) {
            store = try RedisFeatureStore(configuration: config)
        } catch {
            throw error.isOutage ? CLIError(error) : CLIError.usage(error.description)
        }
        if let error = store.tlsSetupError {
            store.close()
            throw CLIError(error)
        }
        return store
    }

    /// A non-empty environment variable.
    static func environment(_ name: String) -> String? {
        guard let value = getenv(name), value.pointee != 0 else { return nil }
        return String(cString: value)
    }

    private static func flag(_ text: String) throws(StoreError) -> Bool {
        switch text.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw StoreError.invalidArgument("expected 1/true/yes/on or 0/false/no/off")
        }
    }

    private static func milliseconds(_ text: String) throws(StoreError) -> Int64 {
        guard let n = Int64(text) else {
            throw StoreError.invalidArgument("expected a whole number of milliseconds")
        }
        return n
    }

    /// The first line of a file (without its line break); the error names the file, not its
    /// content.
    private static func readPasswordFile(_ path: String) throws(StoreError) -> String {
        guard let bytes = readFile(path) else {
            throw StoreError.invalidArgument("cannot read \(path): \(String(cString: strerror(errno)))")
        }
        let line = bytes.prefix { $0 != 0x0A && $0 != 0x0D }
        return String(decoding: line, as: UTF8.self)
    }
}
