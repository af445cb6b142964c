// libFuzzer target: the JSON scanner, the item parser and the all-data parser
// (Sources/LDRedisCore/JSON/). Compiled together with the LDRedisCore sources by
// scripts/fuzz.sh, so it sees the module's internal API.
//
// Checks, besides "no crash" (a trap, an ASan report or a libFuzzer limit):
//  - the scanner accepts exactly what Foundation's JSONSerialization accepts, with the
//    exceptions Tests/LDRedisCoreTests/JSONScannerTests.swift documents (Foundation also takes
//    trailing commas; it refuses unpaired surrogate escapes, which JSON's grammar allows), and
//    two more found by fuzzing: Foundation refuses numbers beyond Double's range, which JSON's
//    grammar allows, and its encoding detection makes some inputs not UTF-8 JSON at all (see
//    `referenceJudges`);
//  - an item the strict parser accepts is an object whose "version" Foundation reads as the
//    same integer, and the lenient parser accepts it too with the same header;
//  - a data set the all-data parser accepts is valid JSON; each item it keeps is the exact
//    bytes of a valid object; the kind's `AllJSON` document it would serve is valid JSON; its
//    decoded keys are Foundation's.
import Foundation

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data else { return 0 }
    let bytes = UnsafeBufferPointer(start: data, count: size)
    checkScanner(bytes)
    checkItem(bytes)
    checkDataSet(bytes)
    return 0
}

private func fail(_ what: String, _ bytes: UnsafeBufferPointer<UInt8>) -> Never {
    let text = String(decoding: bytes.prefix(400), as: UTF8.self).debugDescription
    fatalError("fuzz/json: \(what): \(text)")
}

private func scannerAccepts(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    var s = JSONScanner(bytes)
    do {
        try s.skipValue()
        try s.expectEnd()
        return true
    } catch {
        return false
    }
}

private func reference(_ bytes: UnsafeBufferPointer<UInt8>) -> Any? {
    try? JSONSerialization.jsonObject(with: Data(buffer: bytes), options: [.fragmentsAllowed])
}

/// Whether Foundation's verdict on `bytes` is a verdict on UTF-8 JSON. Foundation first guesses
/// the encoding (UTF-16/32 when NUL bytes lead, and it skips a BOM), so inputs with a NUL or a
/// leading BOM are not compared; NUL is valid nowhere in JSON, so the scanner must refuse them.
private func referenceJudges(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    if bytes.contains(0) { return false }
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { return false }
    return true
}

private func hasTrailingComma(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    // A ',' followed (after JSON whitespace) by '}' or ']' outside strings.
    var inString = false, escaped = false, lastComma = false
    for b in bytes {
        if inString {
            if escaped { escaped = false } else if b == 0x5C { escaped = true } else if b == 0x22 { inString = false }
            continue
        }
        switch b {
        case 0x22: inString = true; lastComma = false
        case 0x2C: lastComma = true
        case 0x20, 0x09, 0x0A, 0x0D: break
        case 0x5D, 0x7D: if lastComma { return true }; lastComma = false
        default: lastComma = false
        }
    }
    return false
}

/// Whether a number outside strings is beyond Double's range ("1e400"): Foundation refuses
/// those; JSON's grammar has no range (and Python's json reads them as infinity).
private func hasHugeNumber(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    var inString = false, escaped = false
    var token: [UInt8] = []
    func huge() -> Bool {
        defer { token.removeAll() }
        guard token.count > 15 || token.contains(where: { $0 | 0x20 == UInt8(ascii: "e") }) else { return false }
        guard let d = Double(String(decoding: token, as: UTF8.self)) else { return false }
        return d.isInfinite
    }
    for b in bytes {
        if inString {
            if escaped { escaped = false } else if b == 0x5C { escaped = true } else if b == 0x22 { inString = false }
            continue
        }
        switch b {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "."),
             UInt8(ascii: "e"), UInt8(ascii: "E"):
            token.append(b)
        default:
            if huge() { return true }
            if b == 0x22 { inString = true }
        }
    }
    return huge()
}

private func hasSurrogateEscape(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    // "\uD800" ... "\uDFFF", any case.
    var k = 0
    while k + 3 < bytes.count {
        if bytes[k] == 0x5C, bytes[k + 1] | 0x20 == UInt8(ascii: "u"), bytes[k + 2] | 0x20 == UInt8(ascii: "d"),
           let h = JSONScanner.hexValue(bytes[k + 3]), h >= 8 {
            return true
        }
        k += 1
    }
    return false
}

private func checkScanner(_ bytes: UnsafeBufferPointer<UInt8>) {
    let accepted = scannerAccepts(bytes)
    if accepted && bytes.contains(0) { fail("the scanner accepted a NUL byte", bytes) }
    guard referenceJudges(bytes) else { return }
    let expected = reference(bytes) != nil && !hasTrailingComma(bytes)
    if !expected && (hasSurrogateEscape(bytes) || hasHugeNumber(bytes)) { return }
    if accepted != expected {
        fail("the scanner \(accepted ? "accepts" : "refuses") what the reference \(expected ? "accepts" : "refuses")", bytes)
    }
}

private func checkItem(_ bytes: UnsafeBufferPointer<UInt8>) {
    let lenient = ItemParser.parseStored(bytes)
    guard let strict = try? ItemParser.parseInput(bytes) else { return }
    if lenient != strict { fail("the lenient parser disagrees with the strict one (\(String(describing: lenient)) vs \(strict))", bytes) }
    if strict.version < 0 || strict.version > ItemParser.maximumVersion { fail("strict version out of range", bytes) }
    guard referenceJudges(bytes), !hasSurrogateEscape(bytes), !hasHugeNumber(bytes) else { return }
    guard let object = reference(bytes) as? [String: Any] else { fail("an accepted item is not a JSON object", bytes) }
    // Duplicate member names: the scanner reads the last; do not judge which one Foundation kept.
    guard !hasDuplicateNames(bytes) else { return }
    guard let version = object["version"] as? NSNumber, version.int64Value == strict.version else {
        fail("the item's version (\(strict.version)) is not the reference's \(String(describing: object["version"]))", bytes)
    }
}

/// Whether the top-level object has two members whose names decode alike (Foundation and the
/// scanner may keep different ones of the two).
private func hasDuplicateNames(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    var s = JSONScanner(bytes)
    guard (try? s.beginObject()) != nil else { return false }
    var first = true
    var names: Set<String> = []
    while let name = try? s.nextMember(first: first) {
        first = false
        if !names.insert(s.decodeString(name)).inserted { return true }
        guard (try? s.skipValue()) != nil else { return false }
    }
    return false
}

private func checkDataSet(_ bytes: UnsafeBufferPointer<UInt8>) {
    guard let set = try? FullDataSet.parse(bytes) else { return }
    if !scannerAccepts(bytes) { fail("the all-data parser accepted what the scanner refuses", bytes) }
    for kind in set.kinds {
        for (key, item) in kind.items {
            if key.isEmpty { fail("an empty key was accepted", bytes) }
            let header = item.json.withUnsafeBufferPointer { try? ItemParser.parseInput($0) }
            if header != item.header { fail("an item's bytes do not parse to its header", bytes) }
        }
        let all = AllJSON.encode(kind.items)
        let ok = all.withUnsafeBufferPointer { b -> Bool in
            if !scannerAccepts(b) { return false }
            guard referenceJudges(b), !hasSurrogateEscape(b), !hasHugeNumber(b) else { return true }
            return reference(b) is [String: Any]
        }
        if !ok { fail("AllJSON of kind \(kind.name) is not a valid JSON object", bytes) }
    }
    checkKeys(set, bytes)
}

/// The keys the parser decoded are those Foundation decodes (byte for byte), when both see
/// the same number of distinct keys: Swift's String equality is canonical equivalence, so
/// Foundation's dictionary merges "é" and "e\u0301", which the store keeps apart. Found by
/// fuzzing: Foundation drops U+FEFF from a string that also has an escape ("a\\<U+FEFF>b"
/// decodes to "a\\b"), so keys holding U+FEFF are not compared.
private func checkKeys(_ set: FullDataSet, _ bytes: UnsafeBufferPointer<UInt8>) {
    let hasBOM = (0..<max(0, bytes.count - 2)).contains { bytes[$0] == 0xEF && bytes[$0 + 1] == 0xBB && bytes[$0 + 2] == 0xBF }
    guard referenceJudges(bytes), !hasBOM, !hasSurrogateEscape(bytes), !hasHugeNumber(bytes),
          let top = reference(bytes) as? [String: Any] else { return }
    for kind in set.kinds {
        let member = kind.name == "features" && top["features"] == nil ? "flags" : kind.name
        guard let items = top[member] as? [String: Any] else { fail("kind \(kind.name) is not in the reference's object", bytes) }
        let ours = Set(kind.items.map { Array($0.key.utf8) })
        guard ours.count == kind.items.count, items.count == ours.count else { continue }
        if ours != Set(items.keys.map { Array($0.utf8) }) { fail("kind \(kind.name) has other keys than the reference's", bytes) }
    }
}
