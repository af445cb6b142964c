import Foundation
import Glibc
@testable import LDRedisCore

/// The stores a test suite opened, closed when the suite instance goes away.
final class OpenedStores: @unchecked Sendable {
    private let stores = Box<[CachingStore]>([])

    deinit {
        for s in stores.value { s.close() }
    }

    /// A store on `config`, closed with the others.
    func open(_ config: StoreConfiguration) throws -> CachingStore {
        let s = try CachingStore(configuration: config)
        stores.mutate { $0.append(s) }
        return s
    }
}

extension CachingStore {
    /// `describeJSON` as text.
    var describeText: String { String(decoding: describeJSON, as: UTF8.self) }
}

/// Polls `condition` every 50 ms for up to `seconds` (a generous bound: failovers take a few
/// seconds on a loaded machine); throws naming `what` when it never held.
func waitUntil(_ what: String, seconds: Double = 60, _ condition: () -> Bool) throws {
    let end = Date().addingTimeInterval(seconds)
    while Date() < end {
        if condition() { return }
        usleep(50_000)
    }
    throw TestFailure("timed out waiting until \(what)")
}

/// Runs `disrupt` on a thread of its own and `step` in a loop on this one, with the step's
/// number (from 1) and whether `disrupt` had returned when the step began, until `disrupt`
/// returned and at least `minimumSteps` ran; then rethrows what `disrupt` threw.
func repeatWhile(_ disrupt: @escaping @Sendable () throws -> Void, minimumSteps: Int = 50,
                 _ step: (_ number: Int, _ disrupted: Bool) -> Void) throws {
    let done = Box(false)
    let failure = Box<String?>(nil)
    let thread = Thread {
        do { try disrupt() } catch { failure.mutate { $0 = "\(error)" } }
        done.mutate { $0 = true }
    }
    thread.start()
    var n = 0
    while true {
        let disrupted = done.value
        if disrupted && n >= minimumSteps { break }
        n += 1
        step(n, disrupted)
    }
    if let message = failure.value { throw TestFailure(message) }
}
