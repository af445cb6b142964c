import Glibc

/// A non-blocking stream socket (TCP or Unix) whose every wait is bounded by a deadline: the
/// plaintext `ByteStream`. Owned by one connection; not thread-safe.
final class Socket: ByteStream {
    private var fd: Int32
    let peer: String

    private init(fd: Int32, peer: String) {
        self.fd = fd
        self.peer = peer
    }

    deinit { close() }

    func close() {
        if fd >= 0 {
            Glibc.close(fd)
            fd = -1
        }
    }

    /// Connects to `endpoint`, trying each resolved address until one answers or the deadline
    /// passes.
    static func connect(to endpoint: RedisEndpoint, deadline: Deadline) throws(StoreError) -> Socket {
        switch endpoint {
        case .tcp(let host, let port):
            return try connectTCP(host: host, port: port, peer: endpoint.description, deadline: deadline)
        case .unix(let path):
            return try connectUnix(path: path, peer: endpoint.description, deadline: deadline)
        }
    }

    private static func connectTCP(host: String, port: Int, peer: String,
                                   deadline: Deadline) throws(StoreError) -> Socket {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_protocol = Int32(IPPROTO_TCP)
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            let reason = rc == 0 ? "no address" : String(cString: gai_strerror(rc))
            throw StoreError.unavailable("cannot resolve Redis host \(peer): \(reason)")
        }
        defer { freeaddrinfo(first) }

        var lastError = StoreError.unavailable("cannot connect to Redis at \(peer)")
        var node: UnsafeMutablePointer<addrinfo>? = first
        while let ai = node {
            node = ai.pointee.ai_next
            do {
                let socket = try open(family: ai.pointee.ai_family, peer: peer)
                try socket.finishConnect(ai.pointee.ai_addr, ai.pointee.ai_addrlen, deadline: deadline)
                var one: Int32 = 1
                setsockopt(socket.fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                return socket
            } catch {
                lastError = error
                if case .timeout = error { throw error }
            }
        }
        throw lastError
    }

    private static func connectUnix(path: String, peer: String, deadline: Deadline) throws(StoreError) -> Socket {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        let utf8 = Array(path.utf8)
        guard utf8.count < capacity, !utf8.contains(0) else {
            throw StoreError.invalidArgument("the Unix socket path is too long (at most \(capacity - 1) bytes)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: utf8)
            raw[utf8.count] = 0
        }
        let socket = try open(family: AF_UNIX, peer: peer)
        try withUnsafePointer(to: &address) { (p) throws(StoreError) in
            try p.withMemoryRebound(to: sockaddr.self, capacity: 1) { (sa) throws(StoreError) in
                try socket.finishConnect(sa, socklen_t(MemoryLayout<sockaddr_un>.size), deadline: deadline)
            }
        }
        return socket
    }

    private static func open(family: Int32, peer: String) throws(StoreError) -> Socket {
        let fd = socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else {
            throw StoreError.unavailable("cannot create a socket for \(peer): \(Socket.errnoText())")
        }
        return Socket(fd: fd, peer: peer)
    }

    private func finishConnect(_ address: UnsafePointer<sockaddr>?, _ length: socklen_t,
                               deadline: Deadline) throws(StoreError) {
        if Glibc.connect(fd, address, length) == 0 { return }
        guard errno == EINPROGRESS || errno == EAGAIN || errno == EINTR else {
            throw StoreError.unavailable("cannot connect to Redis at \(peer): \(Socket.errnoText())")
        }
        try wait(for: Int16(POLLOUT), deadline: deadline, doing: "connecting")
        var error: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size)
        if error != 0 {
            throw StoreError.unavailable("cannot connect to Redis at \(peer): \(String(cString: strerror(error)))")
        }
    }

    /// True when the idle socket has something to read: the server closed it (or sent
    /// something unasked). A socket buffers nothing itself, so this asks the kernel.
    var hasInputWhileIdle: Bool {
        guard fd >= 0 else { return true }
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        return poll(&pfd, 1, 0) != 0
    }

    /// Writes all of `bytes`.
    func write(_ bytes: UnsafeRawBufferPointer, deadline: Deadline) throws(StoreError) {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            let n = send(fd, base + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
            if n > 0 {
                offset += n
            } else if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                try wait(for: Int16(POLLOUT), deadline: deadline, doing: "sending to")
            } else if n < 0 && errno == EINTR {
                continue
            } else {
                throw StoreError.unavailable("lost the connection to Redis at \(peer): \(Socket.errnoText())")
            }
        }
    }

    /// Reads what is available (waiting for at least one byte) into `buffer`; returns the count.
    func read(into buffer: UnsafeMutableRawBufferPointer, deadline: Deadline) throws(StoreError) -> Int {
        while true {
            try wait(for: Int16(POLLIN), deadline: deadline, doing: "waiting for a reply from")
            let n = recv(fd, buffer.baseAddress, buffer.count, 0)
            if n > 0 { return n }
            if n == 0 {
                throw StoreError.unavailable("Redis at \(peer) closed the connection")
            }
            if errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR { continue }
            throw StoreError.unavailable("lost the connection to Redis at \(peer): \(Socket.errnoText())")
        }
    }

    /// The descriptor, for the TLS stream layered on this socket (which never closes it).
    var descriptor: Int32 { fd }

    /// Waits until the socket is readable (`POLLIN`) or writable (`POLLOUT`), or the deadline.
    func wait(for events: Int16, deadline: Deadline, doing: String) throws(StoreError) {
        while true {
            var pfd = pollfd(fd: fd, events: events, revents: 0)
            let remaining = deadline.remainingMilliseconds
            if remaining == 0 {
                throw StoreError.timeout("timed out \(doing) Redis at \(peer)")
            }
            let rc = poll(&pfd, 1, remaining)
            if rc > 0 { return }  // readable/writable, or an error that the next call reports
            if rc == 0 || (rc < 0 && errno == EINTR) { continue }
            throw StoreError.unavailable("lost the connection to Redis at \(peer): \(Socket.errnoText())")
        }
    }

    static func errnoText() -> String {
        String(cString: strerror(errno))
    }
}
