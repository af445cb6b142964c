/// A Redis Cluster's slot map, as one node sees it (`CLUSTER SHARDS`, or `CLUSTER SLOTS` on
/// servers before 7.0): the slot ranges of each shard, its master and its replicas.
struct SlotMap: Sendable, Equatable {
    struct Shard: Sendable, Equatable {
        var slots: [ClosedRange<Int>]
        var master: RedisEndpoint
        var replicas: [RedisEndpoint]
        /// Replicas the node asked says are online (`CLUSTER SLOTS` leaves failed ones out).
        var onlineReplicas = 0
    }

    var shards: [Shard] = []

    /// The master serving `slot`, if the map covers it.
    func master(of slot: Int) -> RedisEndpoint? {
        shards.first { $0.slots.contains { $0.contains(slot) } }?.master
    }

    /// The online replicas of the shard that serves `slot` (0 if none covers it).
    func onlineReplicas(of slot: Int) -> Int {
        shards.first { $0.slots.contains { $0.contains(slot) } }?.onlineReplicas ?? 0
    }

    /// Every node, masters first, then replicas, each once.
    var nodes: [RedisEndpoint] {
        var all: [RedisEndpoint] = []
        for node in shards.map(\.master) + shards.flatMap(\.replicas) where !all.contains(node) {
            all.append(node)
        }
        return all
    }

    /// Parses the RESP2 reply to `CLUSTER SHARDS`: per shard a flat map with "slots" (pairs of
    /// integers) and "nodes" (flat maps with "endpoint"/"ip", "port"/"tls-port", "role",
    /// "health"). A node's address "" is the node asked; "?" (unknown) leaves the node out.
    /// `tls` picks "tls-port" over "port".
    static func parsingShards(_ reply: RedisReply, asked: RedisEndpoint, tls: Bool) throws(StoreError) -> SlotMap {
        guard case .array(let shardReplies) = reply else { throw unexpected("CLUSTER SHARDS") }
        var map = SlotMap()
        for shardReply in shardReplies {
            let fields = try fieldMap(shardReply, "CLUSTER SHARDS")
            guard case .array(let bounds)? = fields["slots"], case .array(let nodeReplies)? = fields["nodes"] else {
                throw unexpected("CLUSTER SHARDS")
            }
            var slots: [ClosedRange<Int>] = []
            var k = 0
            while k + 1 < bounds.count {
                guard let range = slotRange(bounds[k], bounds[k + 1]) else { throw unexpected("CLUSTER SHARDS") }
                slots.append(range)
                k += 2
            }
            var masters: [(RedisEndpoint, online: Bool)] = []
            var replicas: [RedisEndpoint] = []
            var online = 0
            for nodeReply in nodeReplies {
                let node = try fieldMap(nodeReply, "CLUSTER SHARDS")
                let ports = tls ? [node["tls-port"], node["port"]] : [node["port"], node["tls-port"]]
                let port = ports.lazy.compactMap { $0?.integerValue }.first { $0 > 0 }
                let host = [node["endpoint"], node["ip"]].lazy.compactMap { $0?.text }.first { $0 != "?" && !$0.isEmpty }
                    ?? (node["endpoint"]?.text == "" ? asked.host : nil)
                guard let port, let endpoint = endpoint(host, port) else { continue }
                if node["role"]?.text == "master" {
                    masters.append((endpoint, node["health"]?.text.map { $0 == "online" } ?? true))
                } else {
                    replicas.append(endpoint)
                    if node["health"]?.text.map({ $0 == "online" }) ?? true { online += 1 }
                }
            }
            // After a failover the failed old master may still be listed as a master.
            guard !slots.isEmpty, let master = (masters.first { $0.online } ?? masters.first)?.0 else { continue }
            let others = masters.map(\.0).filter { $0 != master }
            map.shards.append(Shard(slots: slots, master: master, replicas: replicas + others, onlineReplicas: online))
        }
        return map
    }

    /// Parses the RESP2 reply to `CLUSTER SLOTS`: per range `[start, end, [host, port, …],
    /// [replica host, port, …]…]`.
    static func parsingSlots(_ reply: RedisReply, asked: RedisEndpoint) throws(StoreError) -> SlotMap {
        guard case .array(let ranges) = reply else { throw unexpected("CLUSTER SLOTS") }
        var map = SlotMap()
        for rangeReply in ranges {
            guard case .array(let parts) = rangeReply, parts.count >= 3,
                  let range = slotRange(parts[0], parts[1]) else { throw unexpected("CLUSTER SLOTS") }
            var nodes: [RedisEndpoint] = []
            for nodeReply in parts[2...] {
                guard case .array(let node) = nodeReply, node.count >= 2 else { throw unexpected("CLUSTER SLOTS") }
                let host = node[0].text.flatMap { $0 == "?" ? nil : ($0.isEmpty ? asked.host : $0) }
                if let port = node[1].integerValue, let endpoint = endpoint(host, port) { nodes.append(endpoint) }
            }
            guard let master = nodes.first else { continue }
            if let k = map.shards.firstIndex(where: { $0.master == master }) {
                map.shards[k].slots.append(range)
            } else {
                map.shards.append(Shard(slots: [range], master: master, replicas: Array(nodes.dropFirst()),
                                        onlineReplicas: nodes.count - 1))
            }
        }
        return map
    }

    private static func unexpected(_ command: String) -> StoreError {
        StoreError.redis("unexpected reply to \(command)")
    }

    private static func slotRange(_ low: RedisReply, _ high: RedisReply) -> ClosedRange<Int>? {
        guard let a = low.integerValue, let b = high.integerValue, 0 <= a, a <= b, b < KeySlot.count else { return nil }
        return a...b
    }

    private static func endpoint(_ host: String?, _ port: Int) -> RedisEndpoint? {
        guard let host, (1...65535).contains(port),
              host.utf8.allSatisfy({ $0 > 0x20 && $0 != 0x7F }) else { return nil }
        return .tcp(host: host, port: port)
    }

    /// A flat `[name, value, name, value …]` array as a dictionary (the first of a repeated name).
    private static func fieldMap(_ reply: RedisReply, _ command: String) throws(StoreError) -> [String: RedisReply] {
        guard case .array(let flat) = reply, flat.count % 2 == 0 else { throw unexpected(command) }
        var fields: [String: RedisReply] = [:]
        var k = 0
        while k + 1 < flat.count {
            if let name = flat[k].text, fields[name] == nil { fields[name] = flat[k + 1] }
            k += 2
        }
        return fields
    }
}

extension RedisReply {
    /// An integer reply (or a decimal bulk string) as an Int.
    var integerValue: Int? {
        switch self {
        case .integer(let n): return Int(exactly: n)
        case .bulk, .status: return text.flatMap { Int($0) }
        default: return nil
        }
    }
}
