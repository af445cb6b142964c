/// The `+switch-master` subscription of a Sentinel topology: a thread that subscribes on one
/// sentinel (the first that accepts, in the topology's order), and on an event for its master
/// switches the topology to the new address. When that sentinel goes away it subscribes on
/// the next, and asks for the master again (a switch may have happened meanwhile). Stops
/// within one wait (`waitMilliseconds`) of `stop()`.
final class SentinelWatcher: @unchecked Sendable {
    static let waitMilliseconds: Int64 = 250
    private let lock = Lock()
    private var stopping = false
    private var subscribed = false

    /// True while a subscription is in place.
    var isSubscribed: Bool { lock.withLock { subscribed } }

    func start(_ topology: SentinelTopology) throws(StoreError) {
        // The thread holds the topology until stop(): closing the store stops it.
        try DetachedThread.start("the Sentinel subscription thread") { [self] in run(topology) }
    }

    func stop() {
        lock.withLock { stopping = true }
    }

    private var isStopping: Bool { lock.withLock { stopping } }

    private func run(_ topology: SentinelTopology) {
        var next = 0
        while !isStopping {
            let order = topology.sentinelOrder
            guard !order.isEmpty else { return }
            let sentinel = order[next % order.count]
            next &+= 1
            do {
                try watch(sentinel, topology)
            } catch {
                // The next sentinel; after a full round, a pause (one wait) before trying again.
            }
            lock.withLock { subscribed = false }
            if next % order.count == 0 { pause() }
        }
    }

    /// Subscribes on `sentinel` and handles its events until it fails or the watcher stops.
    private func watch(_ sentinel: RedisEndpoint, _ topology: SentinelTopology) throws(StoreError) {
        let settings = topology.settingsForWatcher
        let connection = try settings.open(.sentinel(settings.config, sentinel))
        defer { connection.close() }
        var subscribe = CommandEncoder()
        subscribe.command("SUBSCRIBE", "+switch-master")
        let confirmation = try connection.pipeline(subscribe, deadline: .after(milliseconds: settings.config.operationTimeoutMilliseconds))
        if let message = confirmation.first?.errorMessage {
            throw StoreError.redis("sentinel \(sentinel) refused SUBSCRIBE: \(message)")
        }
        lock.withLock { subscribed = true }
        // Events missed while not subscribed: ask once now that none can be missed.
        if topology.currentMaster != nil { try? topology.discover() }
        while !isStopping {
            guard let push = try connection.nextPush(deadline: .after(milliseconds: SentinelWatcher.waitMilliseconds)) else { continue }
            guard case .array(let parts) = push, parts.count == 3, parts[0].text == "message",
                  let payload = parts[2].text else { continue }
            // "<master name> <old ip> <old port> <new ip> <new port>"
            let words = payload.split(separator: " ")
            guard words.count == 5, words[0] == topology.watchedMaster,
                  let port = Int(words[4]), (1...65535).contains(port) else { continue }
            topology.switchMaster(to: .tcp(host: String(words[3]), port: port))
        }
    }

    private func pause() {
        let until = Deadline.after(milliseconds: SentinelWatcher.waitMilliseconds)
        let wake = Condition()
        lock.withLock { while !stopping && !until.hasPassed { _ = wake.wait(lock, until: until) } }
    }
}
