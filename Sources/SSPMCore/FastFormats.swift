import Foundation

/// Hot-path formatting: lower-case hex of bytes (digests, MACs) and UTC ISO 8601 time stamps of
/// the form SaaS APIs send (`2026-11-20T10:00:00Z`, optionally with fractional seconds). Foundation's
/// `String(format:)` and `ISO8601DateFormatter` cost microseconds per call, and the webhook path
/// calls them for every event.
public enum FastFormats {
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    public static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` (whole seconds, UTC), as ISO8601DateFormatter's default writes it.
    public static func utcTimestamp(_ date: Date) -> String {
        let total = Int64(date.timeIntervalSince1970.rounded(.down))
        var days = total / 86_400
        var secondOfDay = total % 86_400
        if secondOfDay < 0 { secondOfDay += 86_400; days -= 1 }
        // Civil from days (the inverse of the formula below).
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ n: Int64) -> String { n < 10 ? "0\(n)" : "\(n)" }
        func four(_ n: Int64) -> String { String(repeating: "0", count: max(0, 4 - String(n).count)) + "\(n)" }
        return "\(four(year))-\(two(month))-\(two(day))T\(two(secondOfDay / 3600)):\(two(secondOfDay / 60 % 60)):\(two(secondOfDay % 60))Z"
    }

    /// An ISO 8601 / RFC 3339 time stamp (the fast path first, then Foundation's parser, with and
    /// without fractional seconds); nil when it is not one.
    public static func parseTime(_ text: String) -> Date? {
        if let date = parseUTCTimestamp(text) { return date }
        let formatter = ISO8601DateFormatter()
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.date(from: text)
    }

    /// A date or time a person or client gives (a query's `from`, a state's `expiresAt`), read
    /// strictly: `YYYY-MM-DD` (`day` true: the start of that day, UTC) or an RFC 3339 date-time
    /// `YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)`. A date that is not in the calendar (2027-02-30), an
    /// hour past 23, a five-digit year or trailing text is nil, never a nearby date.
    public static func parseInput(_ text: String) -> (date: Date, day: Bool)? {
        let utf8 = Array(text.utf8)
        if utf8.count == 10 {
            return parseUTCTimestamp(text + "T00:00:00Z").map { ($0, true) }
        }
        guard utf8.count >= 20, utf8.count <= 64 else { return nil }
        var normalized = utf8
        if normalized[10] == UInt8(ascii: "t") { normalized[10] = UInt8(ascii: "T") }
        var offset = 0
        if normalized.last == UInt8(ascii: "z") || normalized.last == UInt8(ascii: "Z") {
            normalized[normalized.count - 1] = UInt8(ascii: "Z")
        } else {
            // ±HH:MM
            let n = normalized.count
            let sign = normalized[n - 6]
            guard n >= 25, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-"), normalized[n - 3] == UInt8(ascii: ":"),
                  let hours = Int(String(decoding: normalized[(n - 5)..<(n - 3)], as: UTF8.self)), hours < 24,
                  let minutes = Int(String(decoding: normalized[(n - 2)..<n], as: UTF8.self)), minutes < 60,
                  normalized[(n - 5)..<n].allSatisfy({ $0 == UInt8(ascii: ":") || ($0 >= 48 && $0 <= 57) }) else { return nil }
            offset = (hours * 3600 + minutes * 60) * (sign == UInt8(ascii: "+") ? 1 : -1)
            normalized.removeLast(6)
            normalized.append(UInt8(ascii: "Z"))
        }
        guard let utc = parseUTCTimestamp(String(decoding: normalized, as: UTF8.self)) else { return nil }
        let date = utc.addingTimeInterval(TimeInterval(-offset))
        // 9999-12-31T23:59:59-23:59 is in year 10000 in UTC, which no four-digit stamp can show:
        // it is read as the last second of 9999 (a valid RFC 3339 time is not refused).
        return (min(date, Date(timeIntervalSince1970: 253_402_300_799)), false)
    }

    /// Days in a month of the proleptic Gregorian calendar.
    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// `YYYY-MM-DDTHH:MM:SS[.fff]Z`; nil for anything else (callers fall back to a full parser).
    public static func parseUTCTimestamp(_ text: String) -> Date? {
        var utf8 = Array(text.utf8)
        guard utf8.count >= 20, utf8.last == UInt8(ascii: "Z") else { return nil }
        utf8.removeLast()
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for i in range {
                let c = utf8[i]
                guard c >= 48, c <= 57 else { return nil }
                value = value * 10 + Int(c - 48)
            }
            return value
        }
        guard utf8[4] == UInt8(ascii: "-"), utf8[7] == UInt8(ascii: "-"), utf8[10] == UInt8(ascii: "T"),
              utf8[13] == UInt8(ascii: ":"), utf8[16] == UInt8(ascii: ":"),
              let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
              (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day), hour < 24, minute < 60, second < 61 else { return nil }
        var fraction = 0.0
        if utf8.count > 19 {
            // Every digit must be a digit, but only the first nine count (nanoseconds): more would
            // overflow the sum.
            let end = min(utf8.count, 29)
            guard utf8[19] == UInt8(ascii: "."), utf8.count > 20, utf8[20...].allSatisfy({ $0 >= 48 && $0 <= 57 }),
                  let digits = number(20..<end) else { return nil }
            fraction = Double(digits) / pow(10, Double(end - 20))
        }
        // Days from civil (proleptic Gregorian), after H. Hinnant's well-known formula.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        let days = era * 146_097 + doe - 719_468
        let seconds = Double(days * 86_400 + hour * 3600 + minute * 60 + second) + fraction
        return Date(timeIntervalSince1970: seconds)
    }
}

/// `YYYY-MM-DD` in UTC.
public func isoDay(_ date: Date) -> String {
    let c = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: date)
    return String(format: "%04d-%02d-%02d", c.year ?? 0, c.month ?? 0, c.day ?? 0)
}
