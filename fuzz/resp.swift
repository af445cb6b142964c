// libFuzzer target: the RESP path. Compiled with the LDRedisCore sources by scripts/fuzz.sh.
//
// The input's first byte chooses how the rest is delivered; the rest is what "Redis" sends.
//  1. ReplyReader alone: the bytes are fed in chunks (1 to 64 bytes, from the first byte) and
//     every complete reply is taken after each chunk, until the reader reports an error.
//  2. A RedisConnection whose server is a Unix socket of this process: the server end sends the
//     bytes and closes, the connection sends 1 to 8 commands (from the first byte) and reads
//     their replies, then a second batch if it still looks reusable.
// Checks: no crash, no allocation beyond libFuzzer's -malloc_limit_mb (scripts/fuzz.sh sets a
// small one: a few KB of input must never make the client allocate hundreds of MB), and no
// read past the deadline by more than a generous bound.
import Glibc

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzRESP(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, size > 0 else { return 0 }
    let control = data[0]
    let payload = UnsafeRawBufferPointer(start: data + 1, count: size - 1)
    feedReader(payload, chunk: Int(control & 0x3F) + 1)
    if control & 0x40 != 0 { converse(payload, commands: Int(control >> 7) * 4 + Int(control & 0x03) + 1) }
    return 0
}

private func feedReader(_ payload: UnsafeRawBufferPointer, chunk: Int) {
    guard let reader = try? ReplyReader() else { return }
    var offset = 0
    while offset < payload.count {
        let end = min(payload.count, offset + chunk)
        do throws(StoreError) {
            try reader.feed(UnsafeRawBufferPointer(rebasing: payload[offset..<end]))
            while let reply = try reader.next() { consume(reply) }
        } catch {
            _ = error.description
            return
        }
        offset = end
    }
}

/// Walks a reply, as a caller would.
private func consume(_ reply: RedisReply) {
    switch reply {
    case .array(let items): items.forEach(consume)
    case .bulk(let bytes): _ = bytes.count
    case .status(let text), .error(let text): _ = text.utf8.count
    case .integer, .null: break
    }
}

/// A private directory for the listening socket (in $TMPDIR, which scripts/fuzz.sh points to a
/// directory it removes afterwards: a crash skips the atexit handler), removed at exit.
private let serverDirectory: String? = {
    let parent = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
    var template = Array((parent + "/ldredis-fuzz-resp.XXXXXX").utf8CString)
    guard let dir = mkdtemp(&template) else { return nil }
    atexit {
        if let d = serverDirectory { unlink(d + "/s"); rmdir(d) }
    }
    return String(cString: dir)
}()

/// A listening Unix socket in `serverDirectory`, made once per process.
private let server: (fd: Int32, path: String)? = {
    guard let dir = serverDirectory else { return nil }
    let path = dir + "/s"
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
    guard fd >= 0 else { return nil }
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
        let utf8 = Array(path.utf8)
        raw.copyBytes(from: utf8)
        raw[utf8.count] = 0
    }
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
    guard bound == 0, listen(fd, 16) == 0 else { return nil }
    return (fd, path)
}()

private func converse(_ payload: UnsafeRawBufferPointer, commands: Int) {
    guard let server else { return }
    var config = StoreConfiguration()
    guard (try? config.setURL("unix://" + server.path)) != nil else { return }
    let start = Deadline.now()
    let timeoutMs: Int64 = 2_000
    let deadline = Deadline.after(milliseconds: timeoutMs)
    guard let connection = try? RedisConnection.open(.node(config), redactor: Redactor(config), deadline: deadline) else { return }
    let peer = accept(server.fd, nil, nil)
    guard peer >= 0 else { connection.close(); return }
    defer { close(peer) }
    if let base = payload.baseAddress, payload.count > 0 {
        var offset = 0
        while offset < payload.count {
            let n = send(peer, base + offset, payload.count - offset, Int32(MSG_NOSIGNAL))
            if n <= 0 { break }
            offset += n
        }
    }
    shutdown(peer, Int32(SHUT_WR))
    var batch = CommandEncoder()
    for k in 0..<commands { batch.command("HGET", "launchdarkly:features", "f\(k)") }
    for round in 0..<2 {
        if round == 1 && connection.isStale { break }
        do {
            let replies = try connection.pipeline(batch, deadline: deadline)
            if replies.count != commands { fatalError("fuzz/resp: \(replies.count) replies to \(commands) commands") }
            replies.forEach(consume)
        } catch {
            _ = error.description
            break
        }
    }
    connection.close()
    let elapsedMs = (Deadline.now().nanoseconds - start.nanoseconds) / 1_000_000
    if elapsedMs > UInt64(timeoutMs) + 1_000 { fatalError("fuzz/resp: a read took \(elapsedMs) ms with a \(timeoutMs) ms deadline") }
}
