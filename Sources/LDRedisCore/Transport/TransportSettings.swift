/// What every connection of a store shares, whichever server it goes to: the configuration
/// (timeouts, pool size), the secrets to redact, the TLS context (loaded once) and the counters.
final class TransportSettings: Sendable {
    let config: StoreConfiguration
    let redactor: Redactor
    let counters: StoreCounters?
    /// TLS, when the configuration turns it on: the context loaded from its files, or why it
    /// could not be (every connection attempt then fails with that error).
    private let tls: Result<TLSContext, StoreError>?

    init(config: StoreConfiguration, counters: StoreCounters? = nil) {
        self.config = config
        self.redactor = Redactor(config)
        self.counters = counters
        tls = config.tlsEnabled ? Result { () throws(StoreError) in try TLSContext(config) } : nil
    }

    /// The error that loading the TLS settings gave, if any (the store reports it at creation).
    var tlsSetupError: StoreError? {
        if case .failure(let error)? = tls { return error }
        return nil
    }

    /// A new connection to `target`, within the connect timeout (or `deadline`, if sooner).
    func open(_ target: ConnectionTarget, deadline: Deadline? = nil) throws(StoreError) -> RedisConnection {
        var connectDeadline = Deadline.after(milliseconds: config.connectTimeoutMilliseconds)
        if let deadline, deadline.nanoseconds < connectDeadline.nanoseconds { connectDeadline = deadline }
        return try RedisConnection.open(target, redactor: redactor, tls: tls?.get(), counters: counters,
                                        deadline: connectDeadline)
    }
}
