/// A map with optional expiry and an optional bound on entries, evicting the least recently
/// used. Hits do not allocate: entries live in arrays linked by index. Not thread-safe (each
/// cache shard guards one with its lock).
struct LRUCache<Key: Hashable, Value> {
    private struct Slot {
        var key: Key
        var value: Value
        /// Monotonic nanoseconds after which the entry is stale; `UInt64.max` = never.
        var expiresAt: UInt64
        var prev: Int
        var next: Int
    }

    private var slots: [Slot] = []
    private var free: [Int] = []
    private var index: [Key: Int] = [:]
    private var head = -1   // most recently used
    private var tail = -1   // least recently used
    /// 0 = unbounded.
    let capacity: Int
    private(set) var evictions = 0

    init(capacity: Int) {
        self.capacity = max(0, capacity)
    }

    var count: Int { index.count }

    /// The entry and whether it is still fresh at `now`; marks it most recently used (only
    /// when bounded: an unbounded cache never evicts, so a hit then writes nothing).
    mutating func lookup(_ key: Key, now: UInt64) -> (value: Value, fresh: Bool)? {
        guard let i = index[key] else { return nil }
        if capacity > 0 { moveToFront(i) }
        return (slots[i].value, now < slots[i].expiresAt)
    }

    mutating func set(_ key: Key, _ value: Value, expiresAt: UInt64) {
        if let i = index[key] {
            slots[i].value = value
            slots[i].expiresAt = expiresAt
            moveToFront(i)
            return
        }
        if capacity > 0 && index.count >= capacity && tail >= 0 {
            let victim = tail
            remove(at: victim)
            evictions += 1
        }
        let slot = Slot(key: key, value: value, expiresAt: expiresAt, prev: -1, next: head)
        let i: Int
        if let reused = free.popLast() {
            slots[reused] = slot
            i = reused
        } else {
            slots.append(slot)
            i = slots.count - 1
        }
        if head >= 0 { slots[head].prev = i }
        head = i
        if tail < 0 { tail = i }
        index[key] = i
    }

    mutating func removeValue(forKey key: Key) {
        if let i = index[key] { remove(at: i) }
    }

    mutating func removeAll() {
        slots.removeAll()
        free.removeAll()
        index.removeAll()
        head = -1
        tail = -1
    }

    /// Every entry, most recently used first.
    func entries() -> [(key: Key, value: Value)] {
        var out: [(key: Key, value: Value)] = []
        out.reserveCapacity(index.count)
        var i = head
        while i >= 0 {
            out.append((slots[i].key, slots[i].value))
            i = slots[i].next
        }
        return out
    }

    private mutating func unlink(_ i: Int) {
        let p = slots[i].prev, n = slots[i].next
        if p >= 0 { slots[p].next = n } else { head = n }
        if n >= 0 { slots[n].prev = p } else { tail = p }
        slots[i].prev = -1
        slots[i].next = -1
    }

    private mutating func moveToFront(_ i: Int) {
        guard head != i else { return }
        unlink(i)
        slots[i].next = head
        if head >= 0 { slots[head].prev = i }
        head = i
        if tail < 0 { tail = i }
    }

    private mutating func remove(at i: Int) {
        unlink(i)
        index.removeValue(forKey: slots[i].key)
        free.append(i)
    }
}
