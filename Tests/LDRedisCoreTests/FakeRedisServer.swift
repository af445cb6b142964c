import Glibc
@testable import LDRedisCore

/// A misbehaving Redis for transport tests: listens on a free 127.0.0.1 port, in this process,
/// on one thread of its own (a `poll` loop), reads RESP commands and answers each as the test's
/// script says: several replies in one packet, a reply cut short then silence or a close, a
/// reply written one byte at a time, an error echoing the command's arguments ...
/// `stop()` (also run by deinit) wakes the thread, joins it and closes every socket.
final class FakeRedisServer: @unchecked Sendable {
    /// What the server does with one command, in order.
    enum Action: Sendable {
        /// Writes these bytes in one `send`.
        case send([UInt8])
        /// Writes these bytes one per `send`, pausing `microseconds` between them.
        case trickle([UInt8], microseconds: UInt32)
        /// Closes the connection (commands after it on that connection are not read).
        case close
    }

    /// One command as the client sent it, and where: the connection's number (from 0, in
    /// accept order) and the command's number on that connection (from 0).
    struct Command: Sendable {
        let arguments: [String]
        let connection: Int
        let index: Int

        /// The command's name, upper-cased ("HGET").
        var name: String { arguments.first?.uppercased() ?? "" }
    }

    typealias Script = @Sendable (Command) -> [Action]

    let port: Int
    private let script: Script
    private let listener: Int32
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private var thread: pthread_t?
    private let lock = Lock()
    private var received: [Command] = []
    private var acceptedCount = 0

    /// Starts listening; throws when no socket could be bound.
    init(script: @escaping Script) throws {
        self.script = script
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("fake server: socket() failed") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa -> Bool in
                bind(fd, sa, len) == 0 && listen(fd, 16) == 0 && getsockname(fd, sa, &len) == 0
            }
        }
        var pipeFDs: [Int32] = [-1, -1]
        guard bound, pipe(&pipeFDs) == 0 else {
            close(fd)
            throw TestFailure("fake server: cannot listen on 127.0.0.1")
        }
        listener = fd
        wakeRead = pipeFDs[0]
        wakeWrite = pipeFDs[1]
        port = Int(UInt16(bigEndian: addr.sin_port))
        let context = Unmanaged.passRetained(self).toOpaque()
        var tid = pthread_t()
        guard pthread_create(&tid, nil, { raw in
            guard let raw else { return nil }
            let server = Unmanaged<FakeRedisServer>.fromOpaque(raw).takeRetainedValue()
            server.run()
            return nil
        }, context) == 0 else {
            Unmanaged<FakeRedisServer>.fromOpaque(context).release()
            close(fd); close(pipeFDs[0]); close(pipeFDs[1])
            throw TestFailure("fake server: cannot start its thread")
        }
        thread = tid
    }

    deinit { stop() }

    /// Stops the thread (joined) and closes the listener and every connection. Idempotent.
    func stop() {
        let running: pthread_t? = lock.withLock {
            let t = thread
            thread = nil
            return t
        }
        guard let running else { return }
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
        pthread_join(running, nil)
        close(listener)
        close(wakeRead)
        close(wakeWrite)
    }

    /// The commands received so far, in order.
    var commands: [Command] { lock.withLock { received } }

    /// Connections accepted so far.
    var connectionCount: Int { lock.withLock { acceptedCount } }

    var configuration: StoreConfiguration {
        var c = StoreConfiguration()
        try? c.setHost("127.0.0.1", port: port)
        c.setPrefix("fake")
        try? c.setOperationTimeout(milliseconds: 1_000)
        try? c.setConnectTimeout(milliseconds: 1_000)
        return c
    }

    // MARK: The server thread

    private final class Client {
        let fd: Int32
        let number: Int
        var input: [UInt8] = []
        var commandCount = 0
        var closed = false
        init(fd: Int32, number: Int) { self.fd = fd; self.number = number }
    }

    private func run() {
        var clients: [Client] = []
        defer { for c in clients where !c.closed { close(c.fd) } }
        while true {
            var fds = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: listener, events: Int16(POLLIN), revents: 0)]
            fds += clients.map { pollfd(fd: $0.fd, events: Int16(POLLIN), revents: 0) }
            let rc = poll(&fds, nfds_t(fds.count), 1_000)
            if rc < 0 && errno != EINTR { return }
            if fds[0].revents != 0 { return }
            if fds[1].revents != 0 {
                let fd = accept(listener, nil, nil)
                if fd >= 0 {
                    var one: Int32 = 1
                    setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                    let number = lock.withLock { acceptedCount += 1; return acceptedCount - 1 }
                    clients.append(Client(fd: fd, number: number))
                }
            }
            for (k, client) in clients.enumerated() where k + 2 < fds.count && fds[k + 2].revents != 0 {
                serve(client)
            }
            clients.removeAll { $0.closed }
        }
    }

    private func serve(_ client: Client) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        let n = recv(client.fd, &buffer, buffer.count, 0)
        if n <= 0 {
            close(client.fd)
            client.closed = true
            return
        }
        client.input += buffer[0..<n]
        while !client.closed, let (arguments, used) = FakeRedisServer.parseCommand(client.input) {
            client.input.removeFirst(used)
            let command = Command(arguments: arguments, connection: client.number, index: client.commandCount)
            client.commandCount += 1
            lock.withLock { received.append(command) }
            for action in script(command) where !client.closed {
                perform(action, on: client)
            }
        }
    }

    private func perform(_ action: Action, on client: Client) {
        switch action {
        case .send(let bytes):
            sendAll(bytes[...], to: client.fd)
        case .trickle(let bytes, let pause):
            for b in bytes {
                sendAll([b][...], to: client.fd)
                usleep(pause)
            }
        case .close:
            close(client.fd)
            client.closed = true
        }
    }

    private func sendAll(_ bytes: ArraySlice<UInt8>, to fd: Int32) {
        var offset = bytes.startIndex
        while offset < bytes.endIndex {
            let n = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return }
            offset += n
        }
    }

    /// One complete RESP command (`*N` then N bulk strings) at the start of `input` and the bytes
    /// it takes; nil when incomplete.
    static func parseCommand(_ input: [UInt8]) -> ([String], Int)? {
        var pos = 0
        func line() -> String? {
            var k = pos
            while k + 1 < input.count {
                if input[k] == 0x0D && input[k + 1] == 0x0A {
                    let text = String(decoding: input[pos..<k], as: UTF8.self)
                    pos = k + 2
                    return text
                }
                k += 1
            }
            return nil
        }
        guard let header = line(), header.hasPrefix("*"), let count = Int(header.dropFirst()) else { return nil }
        var arguments: [String] = []
        for _ in 0..<max(0, count) {
            guard let size = line(), size.hasPrefix("$"), let length = Int(size.dropFirst()),
                  pos + length + 2 <= input.count else { return nil }
            arguments.append(String(decoding: input[pos..<pos + length], as: UTF8.self))
            pos += length + 2
        }
        return (arguments, pos)
    }
}

/// RESP encodings of replies, for scripts.
enum RESP {
    static func bulk(_ text: String) -> [UInt8] { Array("$\(text.utf8.count)\r\n\(text)\r\n".utf8) }
    static func error(_ text: String) -> [UInt8] { Array("-\(text)\r\n".utf8) }
    static func status(_ text: String) -> [UInt8] { Array("+\(text)\r\n".utf8) }
    static func integer(_ value: Int) -> [UInt8] { Array(":\(value)\r\n".utf8) }
    static let null: [UInt8] = Array("$-1\r\n".utf8)
    static func array(_ elements: [[UInt8]]) -> [UInt8] { Array("*\(elements.count)\r\n".utf8) + elements.flatMap { $0 } }
    /// A LaunchDarkly item's JSON as a bulk string.
    static func item(_ key: String, _ version: Int) -> [UInt8] { bulk("{\"key\":\"\(key)\",\"version\":\(version)}") }
}
