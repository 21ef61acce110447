import Foundation
import SSPMCore
import SSPMGeoIP
import Testing
import ZoomProvider

/// The MaxMind DB reader against MaxMind's own reader, and the Geo-IP templates.
@Suite struct GeoIPTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")
    static var database: String { fixtures.appendingPathComponent("geoip-test-city.mmdb").path }

    /// JSON numbers as Double, so 52.52 from Python and from Swift compare equal.
    static func normalised(_ value: JSONValue) -> JSONValue {
        switch value {
        case .int(let i): return .double(Double(i))
        case .object(let o): return .object(o.mapValues(normalised))
        case .array(let a): return .array(a.map(normalised))
        default: return value
        }
    }

    @Test("every lookup answers what MaxMind's Python reader (maxminddb 3.2.0) answers for the test database: nested networks, IPv6, misses, an IPv4-mapped address")
    func readerMatchesMaxMind() throws {
        let expected = try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: Self.fixtures.appendingPathComponent("geoip-test-city.expected.json")))
        let reader = try MMDBReader(path: Self.database)
        #expect(reader.databaseType == expected["database_type"]?.stringValue)
        #expect(reader.nodeCount == expected["node_count"]?.intValue.map(Int.init) && reader.recordSize == expected["record_size"]?.intValue.map(Int.init))
        let lookups = try #require(expected["lookups"]?.objectValue)
        #expect(lookups.count == 11)
        for (address, answer) in lookups {
            let mine = try reader.lookup(address)?.json ?? .null
            #expect(Self.normalised(mine) == Self.normalised(answer), "\(address): \(mine) vs \(answer)")
        }
    }

    @Test("a file that is not a MaxMind DB, or is cut short, is refused with what it is, never a crash")
    func badFiles() throws {
        #expect(throws: MMDBReader.FormatError.self) { try MMDBReader(bytes: Array("not a database".utf8)) }
        #expect(throws: MMDBReader.FormatError.self) { try MMDBReader(path: "/nonexistent/geo.mmdb") }
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Self.database)))
        // Cut the data section away but keep the metadata: lookups fail cleanly.
        let marker = bytes.count - 400
        for cut in stride(from: 0, to: marker, by: 97) {
            var damaged = bytes
            for i in cut..<min(cut + 40, marker) { damaged[i] = 0xFF }
            if let reader = try? MMDBReader(bytes: damaged) {
                for address in ["192.0.2.1", "198.51.100.77", "2001:db8::1", "8.8.8.8"] { _ = try? reader.lookup(address) }
            }
        }
    }

    static let t0 = Date(timeIntervalSince1970: 1_790_000_000)
    static func signIn(_ user: String, _ ip: String, minutes: Double) -> ActivityEvent {
        ZoomActivityMapping.signIn(["email": .string(user), "time": .string(FastFormats.utcTimestamp(t0.addingTimeInterval(minutes * 60))), "type": "Sign in",
                                    "ip_address": .string(ip), "client_type": "Mac", "version": "6.2.0"])
    }
    static func template(_ id: String) -> DetectionPolicy { ZoomDetections.templates.first { $0.id == id }! }

    @Test("impossible travel: Berlin then New York half an hour later alerts with the distance; a city away within a country, a VPN range, or enough time do not")
    func impossibleTravel() throws {
        let locator = try MMDBGeoLocator(path: Self.database)
        var travel = Self.template("ZDT-26")
        travel.match.excludeIPNetworks = ["100.64.0.0/10"]  // the corporate VPN (London)
        var engine = try DetectionEngine(policies: [travel], learningSince: Self.t0.addingTimeInterval(-8 * 86_400), locator: locator)
        for event in [Self.signIn("ann@x.example", "192.0.2.1", minutes: 0), Self.signIn("ann@x.example", "198.51.100.77", minutes: 30),
                      // Sydney then Melbourne ten minutes later: one country, no alert.
                      Self.signIn("bob@x.example", "203.0.113.5", minutes: 0), Self.signIn("bob@x.example", "203.0.113.200", minutes: 10),
                      // Berlin, the VPN (London) a minute later, then Berlin: the VPN is not a place.
                      Self.signIn("cy@x.example", "192.0.2.7", minutes: 0), Self.signIn("cy@x.example", "100.100.1.1", minutes: 1),
                      Self.signIn("cy@x.example", "192.0.2.8", minutes: 2),
                      // Berlin, then New York 12 hours later: an airliner can.
                      Self.signIn("dee@x.example", "192.0.2.9", minutes: 0), Self.signIn("dee@x.example", "198.51.100.9", minutes: 720)] {
            engine.process(event)
        }
        #expect(engine.alerts.map(\.actor) == ["ann@x.example"])
        let value = try #require(engine.alerts.first?.value)
        #expect(value.hasPrefix("DE → US, 63") && value.hasSuffix("km in 30 min"), "\(value)")
        #expect(engine.alerts.first?.title == "Impossible travel for ann@x.example: \(value)")
    }

    @Test("a country new for the user, and new for the whole account, after the learning week; without a database the Geo-IP templates are inactive and say why")
    func newCountries() throws {
        let locator = try MMDBGeoLocator(path: Self.database)
        let policies = [Self.template("ZDT-27"), Self.template("ZDT-28")]
        var engine = try DetectionEngine(policies: policies, learningSince: Self.t0.addingTimeInterval(-8 * 86_400), locator: locator)
        for event in [Self.signIn("ann@x.example", "192.0.2.1", minutes: 0), Self.signIn("bob@x.example", "198.51.100.1", minutes: 5),
                      Self.signIn("ann@x.example", "198.51.100.2", minutes: 600),   // new for ann, known to the account
                      Self.signIn("bob@x.example", "203.0.113.9", minutes: 700)] {   // new for bob and for the account
            engine.process(event)
        }
        // The account first sees the US (bob, minute 5), then Australia (minute 700): one account-wide
        // alert grouped over its day, its value the newest country; per user, ann's US and bob's Australia.
        #expect(engine.alerts.map { "\($0.policyID) \($0.actor) \($0.value ?? "")" } == [
            "ZDT-28 bob@x.example au", "ZDT-27 ann@x.example us", "ZDT-27 bob@x.example au",
        ])
        #expect(engine.alerts.first?.count == 2 && engine.alerts.first?.title == "First sign-in of the account from us (by bob@x.example)")
        let without = try DetectionEngine(policies: ZoomDetections.templates)
        #expect(Set(without.inactive.keys) == ["ZDT-26", "ZDT-27", "ZDT-28"])
        #expect(without.inactive["ZDT-26"]?.contains("--geoip") == true)
        #expect(!without.policies.contains { $0.kind.needsGeoIP })
    }
}
