import COpenSSL
import Glibc

/// The TLS settings of a store, loaded once when the store is created (SPEC section 6): an
/// OpenSSL context with the trusted CAs (a PEM file, or the system's roots), the client
/// certificate and key for mutual TLS, TLS 1.2 at least, and whether to verify the chain and
/// the host name. Thread-safe: connections create their sessions from it concurrently.
final class TLSContext: @unchecked Sendable {
    let context: OpaquePointer
    let verify: Bool

    /// Reads the files now: a missing, unreadable or unparsable file, or a key that does not
    /// match the certificate, is `.invalidArgument` naming the file and the reason.
    init(_ config: StoreConfiguration) throws(StoreError) {
        if config.topology == .standalone, case .unix = config.endpoint {
            throw StoreError.invalidArgument("TLS needs a TCP endpoint (host and port), not a Unix socket")
        }
        guard let method = TLS_client_method(), let context = SSL_CTX_new(method) else {
            throw StoreError.internal("cannot create a TLS context: \(TLSContext.openSSLError())")
        }
        self.context = context
        self.verify = config.tlsVerify
        _ = SSL_CTX_ctrl(context, SSL_CTRL_SET_MIN_PROTO_VERSION, Int(TLS1_2_VERSION), nil)
        _ = SSL_CTX_ctrl(context, SSL_CTRL_CLEAR_MODE, Int(SSL_MODE_AUTO_RETRY), nil)
        ERR_clear_error()
        if config.tlsVerify {
            if let ca = config.tlsCAFile {
                try TLSContext.check(file: ca, what: "CA file")
                guard SSL_CTX_load_verify_locations(context, ca, nil) == 1 else {
                    throw StoreError.invalidArgument("the TLS CA file \(ca) has no usable certificate: \(TLSContext.openSSLError())")
                }
            } else if SSL_CTX_set_default_verify_paths(context) != 1 {
                throw StoreError.invalidArgument("cannot load the system's CA certificates: \(TLSContext.openSSLError())")
            }
            SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        } else {
            if let ca = config.tlsCAFile { try TLSContext.check(file: ca, what: "CA file") }
            SSL_CTX_set_verify(context, SSL_VERIFY_NONE, nil)
        }
        switch (config.tlsCertFile, config.tlsKeyFile) {
        case (nil, nil):
            // Called when the server asks for a client certificate and none is configured: no
            // certificate is sent (a server with optional client authentication goes on), and
            // the session is marked so that a server that requires one is named as the cause
            // when it then drops the connection (under TLS 1.3 it does so after the handshake).
            SSL_CTX_set_client_cert_cb(context) { ssl, _, _ in
                SSL_set_ex_data(ssl, 0, TLSContext.certificateRequestedMark)
                return 0
            }
        case (let cert?, let key?):
            try TLSContext.check(file: cert, what: "certificate file")
            try TLSContext.check(file: key, what: "key file")
            guard SSL_CTX_use_certificate_chain_file(context, cert) == 1 else {
                throw StoreError.invalidArgument("the TLS certificate file \(cert) has no usable certificate: \(TLSContext.openSSLError())")
            }
            guard SSL_CTX_use_PrivateKey_file(context, key, SSL_FILETYPE_PEM) == 1 else {
                let reason = TLSContext.openSSLError()
                if reason.contains("mismatch") {
                    throw StoreError.invalidArgument("the TLS key file \(key) does not match the certificate in \(cert)")
                }
                throw StoreError.invalidArgument("the TLS key file \(key) has no usable private key: \(reason)")
            }
            guard SSL_CTX_check_private_key(context) == 1 else {
                throw StoreError.invalidArgument("the TLS key file \(key) does not match the certificate in \(cert)")
            }
        case (_?, nil):
            throw StoreError.invalidArgument("a TLS client certificate needs its key file too")
        case (nil, _?):
            throw StoreError.invalidArgument("a TLS key file needs its certificate file too")
        }
    }

    deinit {
        SSL_CTX_free(context)
    }

    /// The mark a session gets when the server asked for a client certificate we do not have.
    nonisolated(unsafe) static let certificateRequestedMark = UnsafeMutableRawPointer(bitPattern: 1)

    /// Whether the server asked this session for a client certificate and none was configured.
    static func certificateWasRequested(_ ssl: OpaquePointer) -> Bool {
        SSL_get_ex_data(ssl, 0) == certificateRequestedMark
    }

    /// A readable regular file, or an error naming it.
    private static func check(file path: String, what: String) throws(StoreError) {
        guard access(path, R_OK) == 0 else {
            throw StoreError.invalidArgument("the TLS \(what) \(path) cannot be read: \(Socket.errnoText())")
        }
    }

    /// The oldest queued OpenSSL error, as text, and clears the queue.
    static func openSSLError() -> String {
        let code = ERR_get_error()
        ERR_clear_error()
        guard code != 0 else { return "unknown error" }
        var buffer = [CChar](repeating: 0, count: 256)
        ERR_error_string_n(code, &buffer, buffer.count)
        let text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        // "error:0A000086:SSL routines::certificate verify failed" → the reason.
        return text.split(separator: ":", omittingEmptySubsequences: false).last.map(String.init) ?? text
    }
}
