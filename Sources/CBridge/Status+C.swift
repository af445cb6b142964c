import LDRedisCore

/// A C listener and its user data; the caller vouches for using user_data across threads.
private struct CListener: @unchecked Sendable {
    let fn: @convention(c) (UnsafeMutableRawPointer?, Int32, Int32) -> Void
    let userData: UnsafeMutableRawPointer?
}

@_cdecl("ldredis_store_status")
public func ldredis_store_status(_ outAvailable: UnsafeMutablePointer<Int32>?,
                                 _ outNeedsRefresh: UnsafeMutablePointer<Int32>?,
                                 _ outChangedAt: UnsafeMutablePointer<Int64>?,
                                 _ outLastError: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                                 _ store: OpaquePointer?) -> Int32 {
    // On failure every output reads 0 / NULL (the header's convention): cleared first, and
    // the numbers set only after the last step that can fail (the copy of the message).
    outAvailable?.pointee = 0
    outNeedsRefresh?.pointee = 0
    outChangedAt?.pointee = 0
    outLastError?.pointee = nil
    return cCall { () throws(StoreError) in
        let status = try withStore(store) { (s) throws(StoreError) in s.currentStatus }
        if let outLastError, let message = status.lastError {
            try output(Array(message.utf8), outLastError, nil)
        }
        outAvailable?.pointee = status.available ? 1 : 0
        outNeedsRefresh?.pointee = status.needsRefresh ? 1 : 0
        outChangedAt?.pointee = status.changedAtMilliseconds
        return LDREDIS_OK
    }
}

@_cdecl("ldredis_store_set_status_listener")
public func ldredis_store_set_status_listener(
    _ store: OpaquePointer?,
    _ fn: (@convention(c) (UnsafeMutableRawPointer?, Int32, Int32) -> Void)?,
    _ userData: UnsafeMutableRawPointer?
) -> Int32 {
    cCall { () throws(StoreError) in
        try withStore(store) { (s) throws(StoreError) in
            if let fn {
                let listener = CListener(fn: fn, userData: userData)
                s.setStatusListener { available, needsRefresh in
                    listener.fn(listener.userData, available ? 1 : 0, needsRefresh ? 1 : 0)
                }
            } else {
                s.setStatusListener(nil)
            }
        }
        return LDREDIS_OK
    }
}

@_cdecl("ldredis_store_stats_json")
public func ldredis_store_stats_json(_ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                                     _ outLen: UnsafeMutablePointer<Int>?, _ store: OpaquePointer?) -> Int32 {
    out?.pointee = nil
    outLen?.pointee = 0
    return cCall { () throws(StoreError) in
        let out = try required(out, "out")
        let (st, c) = try withStore(store) { (s) throws(StoreError) in (s.statistics, s.core.counters) }
        let json = "{\"cache_hits\":\(st.cacheHits),\"cache_misses\":\(st.cacheMisses),"
            + "\"coalesced_waits\":\(st.coalescedWaits),\"redis_round_trips\":\(st.redisRoundTrips),"
            + "\"redis_errors\":\(st.redisErrors),\"malformed_skipped\":\(st.malformedSkipped),"
            + "\"cache_evictions\":\(st.cacheEvictions),\"cache_entries\":\(st.cacheEntries),"
            + "\"write_back_written\":\(st.writeBackWritten),\"write_back_refused\":\(st.writeBackRefused),"
            + "\"failovers\":\(c.failovers),\"redirects_moved\":\(c.movedRedirects),"
            + "\"redirects_ask\":\(c.askRedirects),\"slot_map_refreshes\":\(c.slotMapRefreshes)}"
        try output(Array(json.utf8), out, outLen)
        return LDREDIS_OK
    }
}

@_cdecl("ldredis_store_describe")
public func ldredis_store_describe(_ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                                   _ outLen: UnsafeMutablePointer<Int>?, _ store: OpaquePointer?) -> Int32 {
    out?.pointee = nil
    outLen?.pointee = 0
    return cCall { () throws(StoreError) in
        let out = try required(out, "out")
        try output(withStore(store) { (s) throws(StoreError) in s.describeJSON }, out, outLen)
        return LDREDIS_OK
    }
}

@_cdecl("ldredis_store_big_segments_metadata")
public func ldredis_store_big_segments_metadata(_ out: UnsafeMutablePointer<Int64>?, _ store: OpaquePointer?) -> Int32 {
    out?.pointee = 0
    return cCall { () throws(StoreError) in
        let out = try required(out, "out_synchronized_on_ms")
        guard let value = try withStore(store, { (s) throws(StoreError) in try s.bigSegmentsSynchronizedOn() }) else {
            return LDREDIS_NOT_FOUND
        }
        out.pointee = value
        return LDREDIS_OK
    }
}

@_cdecl("ldredis_store_big_segments_membership")
public func ldredis_store_big_segments_membership(_ out: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?,
                                                  _ outLen: UnsafeMutablePointer<Int>?, _ store: OpaquePointer?,
                                                  _ contextHash: UnsafePointer<CChar>?) -> Int32 {
    out?.pointee = nil
    outLen?.pointee = 0
    return cCall { () throws(StoreError) in
        let out = try required(out, "out")
        let hash = try string(contextHash, "context_hash")
        guard let membership = try withStore(store, { (s) throws(StoreError) in try s.bigSegmentMembership(contextHash: hash) }) else {
            return LDREDIS_NOT_FOUND
        }
        var json: [UInt8] = [UInt8(ascii: "{")]
        for (ref, included) in membership.sorted(by: { $0.key < $1.key }) {
            if json.count > 1 { json.append(UInt8(ascii: ",")) }
            JSONWriter.appendString(ref, to: &json)
            json.append(contentsOf: Array((included ? ":true" : ":false").utf8))
        }
        json.append(UInt8(ascii: "}"))
        try output(json, out, outLen)
        return LDREDIS_OK
    }
}
