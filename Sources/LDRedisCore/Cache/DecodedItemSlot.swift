import LDEvaluation
import Synchronization

/// Where a cached item keeps its decoded flag or segment, so that a warm evaluation parses
/// nothing. One slot per `StoredItem` (copies share it): new bytes from Redis or a write come
/// with a new, empty slot, so the decoding is invalidated with the bytes. With the cache off,
/// every read brings a new item and the flag is decoded each time.
public final class DecodedItemSlot: Sendable {
    enum Decoded: Sendable {
        case flag(FeatureFlag)
        case segment(Segment)
        case failure(EvaluationFailure)
    }

    private let state = Mutex<Decoded?>(nil)

    public init() {}

    func flag(_ json: [UInt8]) throws(EvaluationFailure) -> FeatureFlag {
        let decoded = state.withLock { $0 }
        switch decoded {
        case .flag(let f)?: return f
        case .failure(let e)?: throw e
        default: break
        }
        let result: Decoded
        do { result = .flag(try FeatureFlag(json: json)) } catch { result = .failure(error) }
        state.withLock { $0 = result }
        if case .flag(let f) = result { return f }
        if case .failure(let e) = result { throw e }
        throw EvaluationFailure.exception("the item is not a flag")
    }

    func segment(_ json: [UInt8]) throws(EvaluationFailure) -> Segment {
        let decoded = state.withLock { $0 }
        switch decoded {
        case .segment(let s)?: return s
        case .failure(let e)?: throw e
        default: break
        }
        let result: Decoded
        do { result = .segment(try Segment(json: json)) } catch { result = .failure(error) }
        state.withLock { $0 = result }
        if case .segment(let s) = result { return s }
        if case .failure(let e) = result { throw e }
        throw EvaluationFailure.exception("the item is not a segment")
    }
}
