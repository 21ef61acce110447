import Foundation

/// The bytes of one member's value inside a JSON document, found by walking its structure without
/// building a tree: the webhook path keeps a Zoom event's `payload.object` as its detail at a
/// fraction of the cost of decoding the body (the intake answers thousands of events a second).
enum JSONSlice {
    /// The value at `path` (object keys, outermost first) as it appears in `data`; nil when absent
    /// or when `data` is not well-formed along the way.
    static func value(at path: [String], in data: Data) -> Data? {
        data.withUnsafeBytes { raw -> Data? in
            let bytes = raw.bindMemory(to: UInt8.self)
            var range = 0..<bytes.count
            for key in path {
                guard let found = member(key, in: bytes, range: range) else { return nil }
                range = found
            }
            return Data(bytes[range])
        }
    }

    /// The range of the value of `key` in the object that starts (after whitespace) at `range.lowerBound`.
    private static func member(_ key: String, in b: UnsafeBufferPointer<UInt8>, range: Range<Int>) -> Range<Int>? {
        var i = skipSpace(b, range.lowerBound, range.upperBound)
        guard i < range.upperBound, b[i] == UInt8(ascii: "{") else { return nil }
        i += 1
        let wanted = Array(key.utf8)
        while true {
            i = skipSpace(b, i, range.upperBound)
            guard i < range.upperBound else { return nil }
            if b[i] == UInt8(ascii: "}") { return nil }
            if b[i] == UInt8(ascii: ",") { i += 1; continue }
            guard b[i] == UInt8(ascii: "\""), let keyEnd = endOfString(b, i, range.upperBound) else { return nil }
            let isWanted = keyEnd - i - 2 == wanted.count && zip(b[(i + 1)..<(keyEnd - 1)], wanted).allSatisfy { $0 == $1 }
            i = skipSpace(b, keyEnd, range.upperBound)
            guard i < range.upperBound, b[i] == UInt8(ascii: ":") else { return nil }
            let start = skipSpace(b, i + 1, range.upperBound)
            guard let end = endOfValue(b, start, range.upperBound) else { return nil }
            if isWanted { return start..<end }
            i = end
        }
    }

    private static func skipSpace(_ b: UnsafeBufferPointer<UInt8>, _ from: Int, _ limit: Int) -> Int {
        var i = from
        while i < limit, b[i] == 0x20 || b[i] == 0x09 || b[i] == 0x0A || b[i] == 0x0D { i += 1 }
        return i
    }

    /// Index just past the string starting at `from` (a `"`), escapes honoured.
    private static func endOfString(_ b: UnsafeBufferPointer<UInt8>, _ from: Int, _ limit: Int) -> Int? {
        var i = from + 1
        while i < limit {
            if b[i] == UInt8(ascii: "\\") { i += 2; continue }
            if b[i] == UInt8(ascii: "\"") { return i + 1 }
            i += 1
        }
        return nil
    }

    /// Index just past the value starting at `from`.
    private static func endOfValue(_ b: UnsafeBufferPointer<UInt8>, _ from: Int, _ limit: Int) -> Int? {
        guard from < limit else { return nil }
        switch b[from] {
        case UInt8(ascii: "\""):
            return endOfString(b, from, limit)
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            var depth = 0
            var i = from
            while i < limit {
                switch b[i] {
                case UInt8(ascii: "\""):
                    guard let end = endOfString(b, i, limit) else { return nil }
                    i = end
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    depth -= 1
                    if depth == 0 { return i + 1 }
                default: break
                }
                i += 1
            }
            return nil
        default:
            var i = from
            while i < limit, ![UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), 0x20, 0x09, 0x0A, 0x0D].contains(b[i]) { i += 1 }
            return i > from ? i : nil
        }
    }
}
