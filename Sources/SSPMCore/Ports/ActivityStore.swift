import Foundation

/// Filters for the activity log. `cursor` is opaque to callers (see `ActivityPage.nextCursor`).
public struct ActivityQuery: Sendable {
    public var connectorID: String
    public var kinds: [String]?
    public var user: String?
    public var ipAddress: String?
    public var from: Date?
    public var to: Date?
    public var cursor: String?
    public var limit: Int

    public init(connectorID: String, kinds: [String]? = nil, user: String? = nil, ipAddress: String? = nil, from: Date? = nil, to: Date? = nil,
                cursor: String? = nil, limit: Int = 100) {
        self.connectorID = connectorID
        self.kinds = kinds
        self.user = user
        self.ipAddress = ipAddress
        self.from = from
        self.to = to
        self.cursor = cursor
        self.limit = limit
    }
}

public struct ActivityPage: Sendable {
    public var items: [ActivityEvent]
    public var nextCursor: String?
    public init(items: [ActivityEvent], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}

public struct InvalidCursor: Error, CustomStringConvertible {
    public init() {}
    public var description: String { "The cursor is not one this server issued: start again without it (cursors come from nextCursor or the X-Next-Cursor header)." }
}

/// The activity log's keyset cursor: the last item's time (milliseconds) and fingerprint, in
/// URL-safe base64. Opaque to callers; every activity store issues and reads it this way.
public enum ActivityCursor {
    public static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    public static func encode(_ event: ActivityEvent) -> String {
        Data("\(millis(event.occurredAt)):\(event.fingerprint)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Throws `InvalidCursor` for anything `encode` did not make.
    public static func decode(_ text: String) throws -> (millis: Int64, fingerprint: String) {
        guard let data = Data(base64Encoded: text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/") + String(repeating: "=", count: (4 - text.count % 4) % 4)),
              let plain = String(data: data, encoding: .utf8), let colon = plain.firstIndex(of: ":"),
              let time = Int64(plain[..<colon]) else { throw InvalidCursor() }
        let fingerprint = String(plain[plain.index(after: colon)...])
        guard fingerprint.allSatisfy({ $0.isHexDigit || $0 == "-" }) else { throw InvalidCursor() }
        return (time, fingerprint)
    }
}

/// A stored record its provider has not mapped at the current mapping version yet.
public struct UnmappedActivity: Sendable {
    public var connectorID: String
    public var fingerprint: String
    public var stream: String
    public var source: String
    public var payload: String
    public init(connectorID: String, fingerprint: String, stream: String, source: String, payload: String) {
        self.connectorID = connectorID
        self.fingerprint = fingerprint
        self.stream = stream
        self.source = source
        self.payload = payload
    }
}

/// The activity log: normalised events, de-duplicated per connector by fingerprint.
public protocol ActivityStore: Sendable {
    /// Stores polled events (mapped by the provider's mapping `mappingVersion`); ones whose
    /// fingerprint is already stored for the connector are skipped, and one carrying a correlation
    /// key replaces a webhook copy of the same event.
    func insert(_ events: [ActivityEvent], mappingVersion: Int) async throws
    /// Stores webhook deliveries as received (a polled copy of the same event wins).
    func insertWebhookEvents(_ events: [(event: ActivityEvent, rawJSON: String?, mappingVersion: Int)]) async throws
    func count(connectorID: String) async throws -> Int
    func count(query: ActivityQuery) async throws -> Int
    /// Newest first.
    func list(connectorID: String, from: Date?, to: Date?, user: String?, limit: Int) async throws -> [ActivityEvent]
    /// Up to `limit` events from `from` on, oldest first (by time, then fingerprint), after the
    /// event `after` names; without their payload (`raw` is null): what detection replays.
    func replay(connectorID: String, from: Date, after: (at: Date, fingerprint: String)?, limit: Int) async throws -> [ActivityEvent]
    /// The stored events an alert's evidence names (by fingerprint or correlation key), oldest first.
    func evidence(connectorID: String, keys: [String]) async throws -> [ActivityEvent]
    /// One page, newest first; throws `InvalidCursor` for a cursor this store did not issue.
    func query(_ query: ActivityQuery) async throws -> ActivityPage
    /// Up to `limit` rows of `provider` never mapped and, with `olderVersions`, mapped by a version
    /// older than `version`.
    func unmapped(provider: String, version: Int, olderVersions: Bool, limit: Int) async throws -> [UnmappedActivity]
    /// Writes the normalised fields of stored rows (identity, time, payload and correlation stay);
    /// `nil` marks a row the provider cannot map, so it is not offered again.
    func remap(_ updates: [(UnmappedActivity, ActivityEvent?)], version: Int) async throws
}
