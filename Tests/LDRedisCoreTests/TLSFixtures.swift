import Foundation
import Glibc
import Testing

/// Certificates for the TLS tests, made once per test process with the `openssl` CLI in a
/// temporary directory (EC P-256 keys: the whole set takes well under a second). Nothing here
/// is a secret: every key is made at test time and removed when the process exits.
///
/// - `ca` signs `server` (DNS:localhost, IP:127.0.0.1), `client` (clientAuth) and `expired`
///   (the server's key, valid in January 2020 only, made with `openssl ca -startdate/-enddate`).
/// - `otherCA`, unrelated, signs `otherServer` (the same names).
/// - `strayKey` matches no certificate; `garbage` is a PEM file whose body is not base64;
///   `garbageKey` is a "private key" PEM whose body is a marker text that must never be echoed.
final class TLSCertificates: Sendable {
    struct Pair: Sendable {
        let cert: String
        let key: String
    }

    let directory: String
    let caFile: String
    let otherCAFile: String
    let server: Pair
    let client: Pair
    let otherServer: Pair
    /// The server's key with a certificate that expired in 2020.
    let expired: Pair
    /// A key that matches none of the certificates.
    let strayKey: String
    /// A PEM certificate file whose body is not base64.
    let garbage: String
    /// A PEM private-key file whose body is `garbageKeyMarker`.
    let garbageKey: String
    let garbageKeyMarker = "NOT-A-KEY-but-a-secret-marker-7f3a9c"

    /// The shared set, made on first use (a static let: initialized once, thread-safe).
    static func shared() throws -> TLSCertificates {
        try made.get()
    }

    private static let made: Result<TLSCertificates, TestFailure> = {
        do {
            let made = try TLSCertificates()
            atexit {
                if case .success(let certificates) = TLSCertificates.made {
                    try? FileManager.default.removeItem(atPath: certificates.directory)
                }
            }
            return .success(made)
        } catch let failure as TestFailure {
            return .failure(failure)
        } catch {
            return .failure(TestFailure("making the TLS certificates failed: \(error)"))
        }
    }()

    private init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("ldredis-tls-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let d = directory
        let openssl = try RedisServer.which("openssl")
        func run(_ args: String...) throws {
            try TLSCertificates.run(openssl, args)
        }
        let config = d + "/openssl.cnf"
        try TLSCertificates.configuration(directory: d).write(toFile: config, atomically: true, encoding: .utf8)
        try "".write(toFile: d + "/index.txt", atomically: true, encoding: .utf8)
        try "1000\n".write(toFile: d + "/serial", atomically: true, encoding: .utf8)

        func key(_ name: String) throws -> String {
            let path = "\(d)/\(name).key"
            try run("genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path)
            return path
        }
        func authority(_ name: String, _ subject: String) throws -> Pair {
            let k = try key(name)
            let cert = "\(d)/\(name).pem"
            try run("req", "-config", config, "-x509", "-new", "-key", k, "-subj", subject,
                    "-extensions", "v3_ca", "-days", "3650", "-out", cert)
            return Pair(cert: cert, key: k)
        }
        func request(_ name: String, _ subject: String, key k: String) throws -> String {
            let csr = "\(d)/\(name).csr"
            try run("req", "-config", config, "-new", "-key", k, "-subj", subject, "-out", csr)
            return csr
        }
        func signed(_ name: String, by ca: Pair, extensions: String, subject: String) throws -> Pair {
            let k = try key(name)
            let cert = "\(d)/\(name).pem"
            try run("x509", "-req", "-in", try request(name, subject, key: k), "-CA", ca.cert, "-CAkey", ca.key,
                    "-set_serial", String(Int.random(in: 1..<Int(Int32.max))), "-days", "3650",
                    "-extfile", config, "-extensions", extensions, "-out", cert)
            return Pair(cert: cert, key: k)
        }

        let ca = try authority("ca", "/CN=ldredis test CA")
        let other = try authority("other-ca", "/CN=ldredis unrelated CA")
        caFile = ca.cert
        otherCAFile = other.cert
        server = try signed("server", by: ca, extensions: "server_ext", subject: "/CN=localhost")
        client = try signed("client", by: ca, extensions: "client_ext", subject: "/CN=ldredis test client")
        otherServer = try signed("other-server", by: other, extensions: "server_ext", subject: "/CN=localhost")

        // OpenSSL 3.0's x509 has no -not_before; `openssl ca` takes explicit dates.
        let expiredCert = d + "/expired.pem"
        try run("ca", "-batch", "-config", config, "-cert", ca.cert, "-keyfile", ca.key,
                "-in", try request("expired", "/CN=localhost", key: server.key),
                "-startdate", "20200101000000Z", "-enddate", "20200201000000Z",
                "-extensions", "server_ext", "-notext", "-out", expiredCert)
        expired = Pair(cert: expiredCert, key: server.key)
        strayKey = try key("stray")

        garbage = d + "/garbage.pem"
        try "-----BEGIN CERTIFICATE-----\nthis is not base64 at all !!!\n-----END CERTIFICATE-----\n"
            .write(toFile: garbage, atomically: true, encoding: .utf8)
        garbageKey = d + "/garbage.key"
        try "-----BEGIN PRIVATE KEY-----\n\(garbageKeyMarker)\n-----END PRIVATE KEY-----\n"
            .write(toFile: garbageKey, atomically: true, encoding: .utf8)

        for pair in [server, client, otherServer, expired] {
            guard let text = try? String(contentsOfFile: pair.cert, encoding: .utf8),
                  text.contains("BEGIN CERTIFICATE") else {
                throw TestFailure("openssl made no certificate at \(pair.cert)")
            }
        }
    }

    /// The lines of a PEM file between its BEGIN and END lines (key material, for the check that
    /// it never appears in a message).
    static func body(ofPEM path: String) -> [String] {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(whereSeparator: \.isNewline).map(String.init)
            .filter { !$0.hasPrefix("-----") && $0.count >= 16 }
    }

    /// Runs openssl to completion; a non-zero exit is a failure naming the command.
    private static func run(_ openssl: String, _ args: [String]) throws {
        let pid = try Subprocess.spawn(openssl, args)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { throw TestFailure("waitpid failed for openssl \(args.first ?? "")") }
        }
        // WIFEXITED && WEXITSTATUS == 0
        guard status & 0x7f == 0, (status >> 8) & 0xff == 0 else {
            throw TestFailure("openssl \(args.joined(separator: " ")) failed (status \(status))")
        }
    }

    /// One configuration for `req`, `x509 -extfile` and `ca` (independent of the system's
    /// openssl.cnf).
    private static func configuration(directory d: String) -> String {
        """
        [ req ]
        distinguished_name = dn
        prompt = no
        [ dn ]
        CN = unused
        [ v3_ca ]
        basicConstraints = critical, CA:TRUE
        keyUsage = critical, keyCertSign, cRLSign
        subjectKeyIdentifier = hash
        [ server_ext ]
        basicConstraints = CA:FALSE
        keyUsage = critical, digitalSignature
        extendedKeyUsage = serverAuth
        subjectAltName = DNS:localhost, IP:127.0.0.1
        [ client_ext ]
        basicConstraints = CA:FALSE
        keyUsage = critical, digitalSignature
        extendedKeyUsage = clientAuth
        [ ca ]
        default_ca = test_ca
        [ test_ca ]
        database = \(d)/index.txt
        new_certs_dir = \(d)
        serial = \(d)/serial
        default_md = sha256
        policy = any_name
        copy_extensions = none
        unique_subject = no
        [ any_name ]
        commonName = supplied

        """
    }
}

/// How a `RedisServer` listens with TLS: TLS only (`--port 0 --tls-port PORT`), with this
/// certificate, and whether clients must present one signed by `caFile`.
struct TLSServerSettings: Sendable {
    let certificate: TLSCertificates.Pair
    /// The CA the server checks client certificates against; also what redis-cli trusts.
    let caFile: String
    let authClients: Bool
    /// redis-cli skips verification (for the expired certificate).
    let cliInsecure: Bool
    let certificates: TLSCertificates

    func serverArguments(port: Int) -> [String] {
        ["--port", "0", "--tls-port", String(port),
         "--tls-cert-file", certificate.cert, "--tls-key-file", certificate.key,
         "--tls-ca-cert-file", caFile, "--tls-auth-clients", authClients ? "yes" : "no"]
    }

    /// redis-cli's options to reach the server (always with the client certificate: harmless
    /// when the server does not ask for one).
    var cliArguments: [String] {
        ["--tls", "--cacert", caFile, "--cert", certificates.client.cert, "--key", certificates.client.key]
            + (cliInsecure ? ["--insecure"] : [])
    }
}

/// Which certificate a TLS Redis presents.
enum TLSServerIdentity {
    /// Signed by the test CA, for localhost and 127.0.0.1.
    case standard
    /// Signed by the unrelated CA.
    case otherCA
    /// Signed by the test CA, expired in 2020.
    case expired
}

/// TLS-only redis-servers for the tests: a `RedisServer` (stop, restart, pause/resume, cli all
/// work the same; `cli` speaks TLS; `url` is `rediss://127.0.0.1:PORT/0`).
enum TLSRedisServer {
    static func start(_ identity: TLSServerIdentity = .standard, authClients: Bool = false,
                      arguments: [String] = []) throws -> RedisServer {
        let certs = try TLSCertificates.shared()
        let settings: TLSServerSettings
        switch identity {
        case .standard:
            settings = TLSServerSettings(certificate: certs.server, caFile: certs.caFile, authClients: authClients,
                                         cliInsecure: false, certificates: certs)
        case .otherCA:
            // The server checks client certificates against the test CA (the client's issuer).
            settings = TLSServerSettings(certificate: certs.otherServer, caFile: certs.caFile, authClients: authClients,
                                         cliInsecure: true, certificates: certs)
        case .expired:
            settings = TLSServerSettings(certificate: certs.expired, caFile: certs.caFile, authClients: authClients,
                                         cliInsecure: true, certificates: certs)
        }
        return try RedisServer(arguments: arguments, tls: settings)
    }
}

/// The fixture itself (no ldredis TLS involved): the certificates verify as intended and a TLS
/// redis-server answers redis-cli over TLS.
@Suite("TLS fixtures: openssl certificates and TLS redis-servers")
struct TLSFixtureTests {
    /// `openssl verify` of one certificate against one CA: "OK", or openssl's reason.
    func verify(_ cert: String, ca: String) throws -> String {
        try Subprocess.output(try RedisServer.which("openssl"), ["verify", "-CAfile", ca, cert])
    }

    @Test("the certificates are made once and verify (or not) as each test needs")
    func certificates() throws {
        let certs = try TLSCertificates.shared()
        #expect(try TLSCertificates.shared() === certs)
        #expect(try verify(certs.server.cert, ca: certs.caFile).contains(": OK"))
        #expect(try verify(certs.client.cert, ca: certs.caFile).contains(": OK"))
        #expect(try verify(certs.otherServer.cert, ca: certs.otherCAFile).contains(": OK"))
        #expect(try !verify(certs.otherServer.cert, ca: certs.caFile).contains(": OK"))
        #expect(try !verify(certs.expired.cert, ca: certs.caFile).contains(": OK"))
        #expect(!TLSCertificates.body(ofPEM: certs.server.key).isEmpty)
    }

    @Test("a TLS redis-server listens only on its TLS port and answers redis-cli over TLS")
    func server() throws {
        let server = try TLSRedisServer.start(authClients: true)
        #expect(server.url.hasPrefix("rediss://127.0.0.1:"))
        #expect(try server.cli("SET", "k", "v") == "OK")
        #expect(try server.cli("GET", "k") == "v")
        #expect(!RedisServer.ping(port: server.port), "no plain-text answer on the TLS port")
        server.pause()
        server.resume()
        try server.restart()
        #expect(try server.cli("EXISTS", "k") == "0", "restarted empty")
        for identity in [TLSServerIdentity.otherCA, .expired] {
            #expect(try TLSRedisServer.start(identity).cli("PING") == "PONG")
        }
    }
}
