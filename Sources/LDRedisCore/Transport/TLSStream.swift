import COpenSSL
import Glibc

/// A TLS session over a connected socket: the `ByteStream` for `rediss://`. The handshake,
/// reads and writes are non-blocking, each wait bounded by the caller's deadline. Owned by one
/// connection; not thread-safe.
final class TLSStream: ByteStream {
    private let socket: Socket
    private var ssl: OpaquePointer?
    var peer: String { socket.peer }

    /// Runs the handshake on `socket` (which the stream owns from now on) before `deadline`:
    /// SNI and the host-name check use `serverName` (an IP address is checked
    /// against the certificate's IP addresses). A failed handshake or verification is
    /// `.unavailable` saying what failed.
    init(socket: Socket, context: TLSContext, serverName: String, deadline: Deadline) throws(StoreError) {
        self.socket = socket
        guard let ssl = SSL_new(context.context) else {
            socket.close()
            throw StoreError.internal("cannot create a TLS session: \(TLSContext.openSSLError())")
        }
        self.ssl = ssl
        guard let bio = TLSSocketBIO.make(descriptor: socket.descriptor) else {
            close()
            throw StoreError.internal("cannot create a TLS socket BIO: \(TLSContext.openSSLError())")
        }
        SSL_set_bio(ssl, bio, bio)
        let name = serverName
        let isAddress = TLSStream.isIPAddress(name)
        if !isAddress {
            var sni = Array(name.utf8CString)
            _ = SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, Int(TLSEXT_NAMETYPE_host_name), &sni)
        }
        if context.verify {
            let parameters = SSL_get0_param(ssl)
            let ok = isAddress ? X509_VERIFY_PARAM_set1_ip_asc(parameters, name)
                               : X509_VERIFY_PARAM_set1_host(parameters, name, 0)
            guard ok == 1 else {
                close()
                throw StoreError.invalidArgument("the TLS server name \"\(name)\" cannot be checked: \(TLSContext.openSSLError())")
            }
        }
        ERR_clear_error()
        while true {
            let rc = SSL_connect(ssl)
            if rc == 1 { break }
            do throws(StoreError) {
                try waitForRetry(rc, deadline: deadline, doing: "in the TLS handshake with")
            } catch {
                let message = TLSStream.handshakeFailure(ssl, error, name: name, peer: socket.peer)
                close()
                throw message
            }
        }
    }

    deinit { close() }

    func close() {
        if let ssl {
            SSL_free(ssl)   // frees the BIO; the socket is closed below
            self.ssl = nil
        }
        socket.close()
    }

    func read(into buffer: UnsafeMutableRawBufferPointer, deadline: Deadline) throws(StoreError) -> Int {
        guard let ssl, let base = buffer.baseAddress else { throw closedError }
        while true {
            ERR_clear_error()
            let n = SSL_read(ssl, base, Int32(clamping: buffer.count))
            if n > 0 { return Int(n) }
            try waitForRetry(n, deadline: deadline, doing: "waiting for a reply from")
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer, deadline: Deadline) throws(StoreError) {
        guard let ssl else { throw closedError }
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            ERR_clear_error()
            let n = SSL_write(ssl, base + offset, Int32(clamping: bytes.count - offset))
            if n > 0 {
                offset += Int(n)
                continue
            }
            try waitForRetry(n, deadline: deadline, doing: "sending to")
        }
    }

    /// Decrypted bytes waiting, or input on the wire that is application data or the end of
    /// the session. TLS records that carry no data (TLS 1.3 session tickets arrive after the
    /// handshake) are consumed here and do not make the stream stale.
    var hasInputWhileIdle: Bool {
        guard let ssl else { return true }
        if SSL_pending(ssl) > 0 { return true }
        guard socket.hasInputWhileIdle else { return false }
        var byte: UInt8 = 0
        ERR_clear_error()
        let n = SSL_peek(ssl, &byte, 1)
        if n > 0 { return true }
        let error = SSL_get_error(ssl, n)
        return !(error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE)
    }

    /// After a non-positive result: waits for the socket when OpenSSL asks to retry; throws
    /// when the session ended or failed.
    private func waitForRetry(_ rc: Int32, deadline: Deadline, doing: String) throws(StoreError) {
        guard let ssl else { throw closedError }
        do throws(StoreError) {
            try waitOrFail(ssl, rc, deadline: deadline, doing: doing)
        } catch {
            guard case .unavailable(let message) = error, TLSContext.certificateWasRequested(ssl) else { throw error }
            throw StoreError.unavailable(message + " (the server asked for a client certificate and none is configured: it requires one; set the TLS certificate and key files)")
        }
    }

    private func waitOrFail(_ ssl: OpaquePointer, _ rc: Int32, deadline: Deadline, doing: String) throws(StoreError) {
        switch SSL_get_error(ssl, rc) {
        case SSL_ERROR_WANT_READ:
            try socket.wait(for: Int16(POLLIN), deadline: deadline, doing: doing)
        case SSL_ERROR_WANT_WRITE:
            try socket.wait(for: Int16(POLLOUT), deadline: deadline, doing: doing)
        case SSL_ERROR_ZERO_RETURN:
            throw StoreError.unavailable("Redis at \(peer) closed the TLS connection")
        case SSL_ERROR_SYSCALL:
            let reason = errno != 0 ? Socket.errnoText() : "the connection was closed"
            throw StoreError.unavailable("lost the TLS connection to Redis at \(peer): \(reason)")
        default:
            throw StoreError.unavailable("TLS error with Redis at \(peer): \(TLSContext.openSSLError())")
        }
    }

    private var closedError: StoreError {
        StoreError.unavailable("the TLS connection to Redis at \(peer) is closed")
    }

    /// What a failed handshake means, for the message: a verification failure names its reason.
    private static func handshakeFailure(_ ssl: OpaquePointer, _ error: StoreError, name: String, peer: String) -> StoreError {
        if case .timeout = error {
            return StoreError.timeout("timed out in the TLS handshake with Redis at \(peer) (a server that does not speak TLS?)")
        }
        let result = SSL_get_verify_result(ssl)
        if result != X509_V_OK {
            let reason: String
            switch Int32(result) {
            case X509_V_ERR_HOSTNAME_MISMATCH, X509_V_ERR_IP_ADDRESS_MISMATCH:
                reason = "host name mismatch: expected \(name)"
            default:
                reason = "certificate verify failed: " + String(cString: X509_verify_cert_error_string(result))
            }
            return StoreError.unavailable("TLS handshake with Redis at \(peer) failed: \(reason)")
        }
        return StoreError.unavailable("TLS handshake with Redis at \(peer) failed: \(error.description)")
    }

    private static func isIPAddress(_ text: String) -> Bool {
        var v4 = in_addr(), v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }
}
