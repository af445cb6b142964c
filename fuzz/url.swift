// libFuzzer target: the Redis URL parser (Sources/LDRedisCore/Config/RedisURL.swift) and the
// configuration built from it (StoreConfiguration). Compiled with the LDRedisCore sources by
// scripts/fuzz.sh.
//
// Checks, besides "no crash": a password never shows in an error message or in the
// configuration's descriptions. Each input is tried twice:
//  - as a whole URL: when it parses, the descriptions must not depend on the password's
//    content (they are compared with those of the same configuration under another password);
//  - as the parts around a known secret: `SCHEME://USER:<secret>@REST`, the input's bytes being
//    `SCHEME \n USER \n REST` (missing parts: `redis`, empty). The secret must then appear in
//    no error message and, when the URL parses, in no description (unless the input itself
//    spells the secret somewhere else).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzURL(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    checkWhole(text)
    checkSecret(text)
    return 0
}

private let secret = "Qz7-secret-Wv9"

private func fail(_ what: String, _ input: String) -> Never {
    fatalError("fuzz/url: \(what): \(String(input.prefix(400)).debugDescription)")
}

/// Everything the configuration shows to callers.
private func shown(_ c: StoreConfiguration) -> [String] {
    [c.redactedDescription, c.redactedServer, c.endpoint.description]
}

private func checkWhole(_ text: String) {
    var config = StoreConfiguration()
    do {
        try config.setURL(text)
    } catch {
        _ = error.description
        return
    }
    let url = try? RedisURL(parsing: text)
    if url?.endpoint != config.endpoint || url?.password != config.password {
        fail("RedisURL and StoreConfiguration disagree", text)
    }
    if case .tcp(_, let port) = config.endpoint, !(1...65535).contains(port) { fail("port \(port) accepted", text) }
    if config.database < 0 { fail("negative database accepted", text) }
    guard config.password != nil else { return }
    var other = config
    other.passwordOverride = .some(config.password == "x" ? "y" : "x")
    if shown(config) != shown(other) { fail("a description depends on the password", text) }
}

private func checkSecret(_ text: String) {
    guard !text.contains(secret) else { return }
    let parts = text.split(separator: "\n", maxSplits: 2, omittingEmptySubsequences: false)
    let scheme = parts[0].isEmpty ? "redis" : String(parts[0])
    let user = parts.count > 1 ? String(parts[1]) : ""
    let rest = parts.count > 2 ? String(parts[2]) : ""
    let url = "\(scheme)://\(user):\(secret)@\(rest)"
    var config = StoreConfiguration()
    do {
        try config.setURL(url)
    } catch {
        if error.description.contains(secret) { fail("an error message shows the password: \(error.description)", url) }
        return
    }
    for s in shown(config) where s.contains(secret) {
        fail("a description shows the password: \(s)", url)
    }
}
