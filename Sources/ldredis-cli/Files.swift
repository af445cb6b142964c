import Glibc

/// The whole content of a file (`-`: standard input), or nil (errno says why).
func readFile(_ path: String) -> [UInt8]? {
    let fd = path == "-" ? 0 : open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { if fd != 0 { close(fd) } }
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 256 * 1024)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 {
            if errno == EINTR { continue }
            return nil
        }
        if n == 0 { return out }
        out.append(contentsOf: chunk[0..<n])
    }
}

/// Writes `bytes` to `path.tmp`, then renames it over `path`.
func writeFileAtomically(_ path: String, _ bytes: [UInt8]) throws(CLIError) {
    let temporary = path + ".tmp\(getpid())"
    let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw CLIError.failed("cannot create \(temporary): \(String(cString: strerror(errno)))") }
    let file = Output(fd: fd)
    file.write(bytes: bytes)
    let written = file.flush()
    let synced = fsync(fd) == 0
    close(fd)
    guard written, synced, rename(temporary, path) == 0 else {
        let reason = String(cString: strerror(errno))
        unlink(temporary)
        throw CLIError.failed("cannot write \(path): \(reason)")
    }
}
