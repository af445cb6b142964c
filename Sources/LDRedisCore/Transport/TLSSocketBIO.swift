import COpenSSL
import Glibc

/// The socket BIO under a TLS session. OpenSSL's own socket BIO writes with `write()`, which
/// raises SIGPIPE on a connection the server closed; a library must neither kill its host
/// process nor change its signal handling, so this one sends with `MSG_NOSIGNAL`. The BIO
/// holds the descriptor, not the socket: the `Socket` closes it.
enum TLSSocketBIO {
    /// One method table for the process, made on first use.
    nonisolated(unsafe) private static let method: OpaquePointer? = {
        guard let m = BIO_meth_new(BIO_get_new_index() | BIO_TYPE_SOURCE_SINK, "ldredis socket") else { return nil }
        BIO_meth_set_write(m) { bio, buffer, length in
            guard let bio else { return -1 }
            let fd = Int32(truncatingIfNeeded: Int(bitPattern: BIO_get_data(bio)))
            BIO_clear_flags(bio, BIO_FLAGS_READ | BIO_FLAGS_WRITE | BIO_FLAGS_IO_SPECIAL | BIO_FLAGS_SHOULD_RETRY)
            var n: Int
            repeat { n = send(fd, buffer, Int(max(0, length)), Int32(MSG_NOSIGNAL)) } while n < 0 && errno == EINTR
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                BIO_set_flags(bio, BIO_FLAGS_WRITE | BIO_FLAGS_SHOULD_RETRY)
            }
            return Int32(clamping: n)
        }
        BIO_meth_set_read(m) { bio, buffer, length in
            guard let bio else { return -1 }
            let fd = Int32(truncatingIfNeeded: Int(bitPattern: BIO_get_data(bio)))
            BIO_clear_flags(bio, BIO_FLAGS_READ | BIO_FLAGS_WRITE | BIO_FLAGS_IO_SPECIAL | BIO_FLAGS_SHOULD_RETRY)
            var n: Int
            repeat { n = recv(fd, buffer, Int(max(0, length)), 0) } while n < 0 && errno == EINTR
            if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                BIO_set_flags(bio, BIO_FLAGS_READ | BIO_FLAGS_SHOULD_RETRY)
            }
            return Int32(clamping: n)
        }
        BIO_meth_set_ctrl(m) { _, command, _, _ in command == BIO_CTRL_FLUSH ? 1 : 0 }
        BIO_meth_set_create(m) { bio in
            BIO_set_init(bio, 1)
            return 1
        }
        return m
    }()

    /// A BIO over the connected, non-blocking descriptor; nil when out of memory.
    static func make(descriptor: Int32) -> OpaquePointer? {
        guard let method, let bio = BIO_new(method) else { return nil }
        BIO_set_data(bio, UnsafeMutableRawPointer(bitPattern: Int(descriptor)))
        return bio
    }
}
