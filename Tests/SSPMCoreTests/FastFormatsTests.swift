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

    @Test("hex matches String(format:) for every byte")
    func hex() {
        let bytes = (0...255).map { UInt8($0) }
        #expect(FastFormats.hex(bytes) == bytes.map { String(format: "%02x", $0) }.joined())
    }
}
