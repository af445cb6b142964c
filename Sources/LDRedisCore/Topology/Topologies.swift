/// Makes the client a configuration asks for: one server's pool, a Sentinel topology, or a
/// Cluster topology.
enum Topologies {
    static func client(for config: StoreConfiguration, counters: StoreCounters) throws(StoreError) -> RedisClient {
        try config.validateTopology()
        let settings = TransportSettings(config: config, counters: counters)
        switch config.topology {
        case .standalone:
            return ConnectionPool(target: .node(config), settings: settings)
        case .sentinel:
            let topology = SentinelTopology(settings: settings)
            if let error = settings.tlsSetupError { throw error }
            try topology.start()
            return topology
        case .cluster:
            let topology = ClusterTopology(settings: settings)
            if let error = settings.tlsSetupError { throw error }
            return topology
        }
    }
}
