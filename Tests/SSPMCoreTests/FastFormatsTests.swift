import Foundation
import SSPMCore
import SSPMProvider
import ZoomProvider
import Testing

struct FastFormatsTests {
    @Test("the fast UTC time parser and formatter agree with ISO8601DateFormatter on 20,000 random instants, and refuses other shapes")
    func timestamps() {
        let formatter = ISO8601DateFormatter()
        var rng = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let date = Date(timeIntervalSince1970: Double(Int64.random(in: -2_000_000_000...4_000_000_000, using: &rng)))
            let text = formatter.string(from: date)
            #expect(FastFormats.parseUTCTimestamp(text) == formatter.date(from: text), "\(text)")
            #expect(FastFormats.utcTimestamp(date) == text)
        }
        #expect(FastFormats.parseUTCTimestamp("2026-11-20T10:00:00.250Z") == Date(timeIntervalSince1970: 1_795_168_800.25))
        // Any number of fraction digits (a viewer's query parameter, a vendor's time) without
        // overflowing: the first nine count.
        #expect(FastFormats.parseUTCTimestamp("2026-11-20T10:00:00." + String(repeating: "9", count: 40) + "Z") == Date(timeIntervalSince1970: 1_795_168_800.999999999))
        for bad in ["2026-11-20", "2026-11-20T10:00:00+01:00", "2026-13-20T10:00:00Z", "2026-11-20T25:00:00Z", "20261120T100000Z", "x",
                    "2026-11-20T10:00:00.1234567890123x5Z"] {
            #expect(FastFormats.parseUTCTimestamp(bad) == nil, "\(bad)")
        }
        // The general parser still takes offsets.
        #expect(ActivityCorrelation.parseTime("2026-11-20T11:00:00+01:00") == Date(timeIntervalSince1970: 1_795_168_800))
    }

    @Test("a date or date-time given as input is read strictly: no day outside the calendar, no hour 25, no five-digit year, no trailing text")
    func strictInput() throws {
        let day = try #require(FastFormats.parseInput("2028-02-29"))
        #expect(day.day && day.date == Date(timeIntervalSince1970: 1_835_395_200))
        let utc = try #require(FastFormats.parseInput("2026-12-04T10:30:00Z"))
        #expect(!utc.day && utc.date == Date(timeIntervalSince1970: 1_796_380_200))
        #expect(FastFormats.parseInput("2026-12-04T12:30:00+02:00")?.date == utc.date)
        #expect(FastFormats.parseInput("2026-12-04t05:30:00.000-05:00")?.date == utc.date)
        #expect(FastFormats.parseInput("2026-12-04T10:30:00.5z")?.date == utc.date.addingTimeInterval(0.5))
        // Past the last second of 9999 in UTC: read as that second, which a stamp can show.
        #expect(FastFormats.parseInput("9999-12-31T23:59:59-23:59")?.date == Date(timeIntervalSince1970: 253_402_300_799))
        for bad in ["2027-02-30", "2026-02-29", "2027-04-31", "2027-01-01 10:30", "2027-01-01Tgarbage", "2027-01-01T25:00:00Z", "2027-2-3",
                    "99999-01-01", "100000000-01-01", "2026-12-01T25:99:00Z", "2026-12-04T10:30:00+24:00", "2026-12-04T10:30:00+02:0x",
                    "2026-12-04T10:30:00", "2026-12-04T10:30:00Zjunk", "yesterday", ""] {
            #expect(FastFormats.parseInput(bad) == nil, "\(bad) should be refused")
        }
    }

    @Test("text written to a log shows control characters, separators and direction marks escaped")
    func logText() {
        let cleaned = LogText.clean("ok\r\n2026 critical\u{1b}[31m\u{0}\u{202e}gnp.exe\u{2066}\u{200f}\u{2028}", limit: 200)
        #expect(cleaned == #"ok\u{d}\u{a}2026 critical\u{1b}[31m\u{0}\u{202e}gnp.exe\u{2066}\u{200f}\u{2028}"#)
        #expect(LogText.clean("Zoë 東京 ok") == "Zoë 東京 ok")
    }

    @Test("hex matches String(format:) for every byte")
    func hex() {
        let bytes = (0...255).map { UInt8($0) }
        #expect(FastFormats.hex(bytes) == bytes.map { String(format: "%02x", $0) }.joined())
    }
}
