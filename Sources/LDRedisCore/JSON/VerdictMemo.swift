import Glibc

/// What `ItemParser.parseStored` made of each value of a kind's last `HGETALL`, with the value's
/// bytes, in reply order. `allJSON` (cache off) compares each value with the one at the same
/// place in the last reply (`memcmp`) and, when the bytes are the same, takes the verdict instead
/// of scanning the JSON again: flags change rarely, so most values of a reply are the bytes of
/// the last one, and comparing runs many times faster than validating.
///
/// A verdict depends only on the value's bytes, so a stale memo can cost a scan, never a wrong
/// answer: a value that differs in any byte (or in length) is scanned. The position only decides
/// which entry is compared; a hash that changed order just scans more.
///
/// Immutable once made: passes on several threads read one memo while each builds its own.
final class VerdictMemo: @unchecked Sendable {
    enum Verdict: UInt8 {
        case live, deleted, malformed
    }

    /// Entries, back to back: the value's length (8 bytes, unaligned), its verdict (1 byte),
    /// its bytes. Never written after `init`.
    private let base: UnsafeMutableRawPointer
    /// Bytes of entries (what the memo holds in memory).
    let count: Int

    /// Takes over `base` (from `malloc`).
    fileprivate init(taking base: UnsafeMutableRawPointer, count: Int) {
        self.base = base
        self.count = count
    }

    deinit { free(base) }

    static let entryHeader = MemoryLayout<Int>.size + 1
    private static let verdictOffset = MemoryLayout<Int>.size

    /// The entry at `offset` (an entry boundary): its verdict when its bytes equal `value`, and
    /// the next entry's offset; nil as the offset at the end.
    fileprivate func compare(at offset: Int, with value: UnsafeRawBufferPointer) -> (verdict: Verdict?, next: Int?) {
        guard offset <= count - VerdictMemo.entryHeader else { return (nil, nil) }
        let length = base.loadUnaligned(fromByteOffset: offset, as: Int.self)
        let bytes = offset + VerdictMemo.entryHeader
        guard length >= 0, length <= count - bytes else { return (nil, nil) }
        let next = bytes + length
        guard length == value.count, let verdict = Verdict(rawValue: base.load(fromByteOffset: offset + VerdictMemo.verdictOffset, as: UInt8.self)),
              length == 0 || (value.baseAddress.map { memcmp(base + bytes, $0, length) == 0 } ?? false) else { return (nil, next) }
        return (verdict, next)
    }

    /// One `allJSON` pass: the verdict of each value, from `old` where the bytes are the same,
    /// and the memo for the next pass. While every value so far equals `old`'s entry at its
    /// place, nothing is written: the next memo is `old` again.
    final class Pass {
        private let old: VerdictMemo?
        private let limit: Int
        /// Where the next value is compared in `old` (nil: past its end).
        private var readAt: Int? = 0
        /// How many bytes of `old` the values so far equal (while nothing differed).
        private var matched = 0
        /// The next memo, once a value differed from `old` (or there was no `old`).
        private var new: UnsafeMutableRawPointer?
        private var newCount = 0
        private var newCapacity = 0
        private var diverged = false
        /// Out of memory, or over `limit`: this pass leaves no memo.
        private var dropped = false

        /// `limit`: the most bytes the next memo may hold (a larger one is not kept).
        init(old: VerdictMemo?, limit: Int) {
            self.old = old
            self.limit = limit
            if old == nil { readAt = nil }
        }

        deinit { free(new) }

        /// The verdict on `value`: `old`'s when the entry at this place holds the same bytes,
        /// else `scan(value)`'s.
        func verdict(_ value: UnsafeRawBufferPointer, scan: (UnsafeRawBufferPointer) -> Verdict) -> Verdict {
            var known: Verdict?
            if let old, let at = readAt {
                let (verdict, next) = old.compare(at: at, with: value)
                known = verdict
                readAt = next
            }
            let verdict = known ?? scan(value)
            if !diverged, known != nil, let at = readAt {
                matched = at
                return verdict
            }
            if !diverged {
                diverged = true
                if let old, matched > 0, reserve(matched), let new {
                    memcpy(new, old.base, matched)
                    newCount = matched
                }
            }
            append(value, verdict)
            return verdict
        }

        /// The memo for the next pass: `old` when every value equalled its entries, in full.
        func finish() -> VerdictMemo? {
            guard !dropped else { return nil }
            if !diverged {
                guard let old else { return nil }
                if matched == old.count { return old }
                guard matched > 0, reserve(matched), let new else { return nil }
                memcpy(new, old.base, matched)
                newCount = matched
            }
            guard let made = new else { return nil }
            new = nil
            return VerdictMemo(taking: made, count: newCount)
        }

        private func append(_ value: UnsafeRawBufferPointer, _ verdict: Verdict) {
            let (size, overflow) = value.count.addingReportingOverflow(VerdictMemo.entryHeader)
            guard !overflow, reserve(size), let new else { return }
            new.storeBytes(of: value.count, toByteOffset: newCount, as: Int.self)
            new.storeBytes(of: verdict.rawValue, toByteOffset: newCount + VerdictMemo.verdictOffset, as: UInt8.self)
            if let source = value.baseAddress, value.count > 0 {
                memcpy(new + newCount + VerdictMemo.entryHeader, source, value.count)
            }
            newCount += size
        }

        /// Room for `extra` more bytes within `limit`; false (and no memo from this pass) when
        /// there is none.
        private func reserve(_ extra: Int) -> Bool {
            guard !dropped else { return false }
            let (needed, overflow) = newCount.addingReportingOverflow(extra)
            guard !overflow, needed <= limit else { drop(); return false }
            if needed <= newCapacity { return true }
            let size = min(limit, max(needed, newCapacity.multipliedReportingOverflow(by: 2).partialValue, 4096))
            guard let grown = realloc(new, size) else { drop(); return false }
            new = grown
            newCapacity = size
            return true
        }

        private func drop() {
            dropped = true
            free(new)
            new = nil
            newCount = 0
            newCapacity = 0
        }
    }
}
