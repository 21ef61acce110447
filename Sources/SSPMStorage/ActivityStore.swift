import Foundation
import SQLKit
import SSPMCore

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
    public var items: [ActivityRecord]
    public var nextCursor: String?
}

public struct InvalidCursor: Error, CustomStringConvertible {
    public var description: String { "The cursor is not one this server issued: start again without it (cursors come from nextCursor or the X-Next-Cursor header)." }
}

/// Activities in SQL (`activities`), de-duplicated by (connector, fingerprint).
public struct SQLActivityStore: ActivityStore {
    let storage: SQLStorage
    public init(storage: SQLStorage) { self.storage = storage }

    /// Sign-in rows carry a correlation key, so a webhook copy of the same sign-in is replaced by the polled row.
    public func insert(_ activities: [ActivityRecord]) async throws {
        try await insertPolled(activities, correlations: activities.map(\.correlation))
    }

    public func count(connectorID: String) async throws -> Int {
        try await storage.withSQL { db in
            try await db.raw("SELECT COUNT(*) AS n FROM activities WHERE connector_id = \(bind: connectorID)").first()?.decode(column: "n", as: Int.self) ?? 0
        }
    }

    public func list(connectorID: String, from: Date?, to: Date?, user: String?, limit: Int) async throws -> [ActivityRecord] {
        var query = SQLQueryString("SELECT * FROM activities WHERE connector_id = \(bind: connectorID)")
        if let from { query += " AND occurred_at >= \(bind: millis(from))" }
        if let to { query += " AND occurred_at <= \(bind: millis(to))" }
        if let user { query += " AND user_email = \(bind: user)" }
        query += " ORDER BY occurred_at DESC, fingerprint LIMIT \(literal: max(1, min(limit, 10_000)))"
        let finalQuery = query
        return try await storage.withSQL { db in try await db.raw(finalQuery).all().map(Self.record) }
    }

    // MARK: Queries with a cursor, webhook events

    static func decodeCursor(_ text: String) throws -> (Int64, String) {
        guard let data = Data(base64Encoded: text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/") + String(repeating: "=", count: (4 - text.count % 4) % 4)),
              let plain = String(data: data, encoding: .utf8), let colon = plain.firstIndex(of: ":"),
              let time = Int64(plain[..<colon]) else { throw InvalidCursor() }
        let fingerprint = String(plain[plain.index(after: colon)...])
        guard fingerprint.allSatisfy({ $0.isHexDigit || $0 == "-" }) else { throw InvalidCursor() }
        return (time, fingerprint)
    }

    static func encodeCursor(_ record: ActivityRecord) -> String {
        Data("\(millis(record.occurredAt)):\(record.fingerprint)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func record(_ row: any SQLRow) throws -> ActivityRecord {
        ActivityRecord(
            connectorID: try row.decode(column: "connector_id", as: String.self), kind: try row.decode(column: "kind", as: String.self),
            occurredAt: date(try row.decode(column: "occurred_at", as: Int64.self)), user: try row.decode(column: "user_email", as: String.self),
            ipAddress: try row.decode(column: "ip_address", as: String?.self), fingerprint: try row.decode(column: "fingerprint", as: String.self),
            payload: try JSONDecoder().decode(JSONValue.self, from: Data(try row.decode(column: "payload", as: String.self).utf8)),
            correlation: try row.decode(column: "correlation", as: String?.self))
    }

    static func filters(_ q: ActivityQuery, into query: inout SQLQueryString) {
        if let kinds = q.kinds, !kinds.isEmpty {
            query += " AND kind IN ("
            for (index, kind) in kinds.enumerated() {
                if index > 0 { query.appendLiteral(", ") }
                query += "\(bind: kind)"
            }
            query.appendLiteral(")")
        }
        if let user = q.user { query += " AND user_email = \(bind: user)" }
        if let ip = q.ipAddress { query += " AND ip_address = \(bind: ip)" }
        if let from = q.from { query += " AND occurred_at >= \(bind: millis(from))" }
        if let to = q.to { query += " AND occurred_at <= \(bind: millis(to))" }
    }

    /// How many activities match (cursor and limit ignored).
    public func count(query q: ActivityQuery) async throws -> Int {
        var query = SQLQueryString("SELECT COUNT(*) AS n FROM activities WHERE connector_id = \(bind: q.connectorID)")
        Self.filters(q, into: &query)
        let final = query
        return try await storage.withSQL { db in try await db.raw(final).first()?.decode(column: "n", as: Int.self) ?? 0 }
    }

    /// Newest first, keyset pagination on (occurred_at, fingerprint).
    public func query(_ q: ActivityQuery) async throws -> ActivityPage {
        let limit = max(1, min(q.limit, 5000))
        var query = SQLQueryString("SELECT connector_id, kind, occurred_at, user_email, ip_address, fingerprint, payload, correlation FROM activities WHERE connector_id = \(bind: q.connectorID)")
        Self.filters(q, into: &query)
        if let cursor = q.cursor {
            let (time, fingerprint) = try Self.decodeCursor(cursor)
            query += " AND (occurred_at < \(bind: time) OR (occurred_at = \(bind: time) AND fingerprint < \(bind: fingerprint)))"
        }
        query += " ORDER BY occurred_at DESC, fingerprint DESC LIMIT \(literal: limit + 1)"
        let finalQuery = query
        var items = try await storage.withSQL { db in try await db.raw(finalQuery).all().map(Self.record) }
        var next: String?
        if items.count > limit {
            items.removeLast()
            next = items.last.map(Self.encodeCursor)
        }
        return ActivityPage(items: items, nextCursor: next)
    }

    /// Stores polled rows with correlation keys: a webhook-sourced row with the same key is replaced
    /// by the (richer) polled row.
    public func insertPolled(_ activities: [ActivityRecord], correlations: [String?]) async throws {
        guard !activities.isEmpty else { return }
        let rows = try zip(activities, correlations).map { ($0, $1, try encodeJSON($0.payload)) }
        try await storage.transaction { db in
            for chunk in stride(from: 0, to: rows.count, by: 200).map({ Array(rows[$0..<min($0 + 200, rows.count)]) }) {
                var query = SQLQueryString("INSERT INTO activities (connector_id, fingerprint, kind, occurred_at, user_email, ip_address, payload, source, correlation) VALUES ")
                for (index, (a, correlation, payload)) in chunk.enumerated() {
                    if index > 0 { query.appendLiteral(", ") }
                    query += "(\(bind: a.connectorID), \(bind: a.fingerprint), \(bind: a.kind), \(bind: millis(a.occurredAt)), \(bind: a.user), \(bind: a.ipAddress), \(bind: payload), 'poll', \(bind: correlation))"
                }
                query.appendLiteral(" ON CONFLICT DO NOTHING")
                try await db.raw(query).run()
                let keys = chunk.compactMap(\.1)
                if !keys.isEmpty, let connector = chunk.first?.0.connectorID {
                    var delete = SQLQueryString("DELETE FROM activities WHERE connector_id = \(bind: connector) AND source = 'webhook' AND correlation IN (")
                    for (index, key) in keys.enumerated() {
                        if index > 0 { delete.appendLiteral(", ") }
                        delete += "\(bind: key)"
                    }
                    delete.appendLiteral(")")
                    try await db.raw(delete).run()
                }
            }
        }
    }

    /// Stores webhook events (one transaction for the batch). An event whose correlation key is
    /// already held by a stored row, or whose fingerprint is stored, is skipped. Multi-row
    /// statements: the batch is a handful of round trips, not one per event.
    /// `rawJSON` is the payload as received (already valid JSON), stored as is.
    public func insertWebhookEvents(_ events: [(record: ActivityRecord, correlation: String?, rawJSON: String?)]) async throws {
        guard !events.isEmpty else { return }
        let rows = try events.map { ($0.record, $0.correlation, try $0.rawJSON ?? encodeJSON($0.record.payload)) }
        try await storage.transaction { db in
            for chunk in stride(from: 0, to: rows.count, by: 200).map({ Array(rows[$0..<min($0 + 200, rows.count)]) }) {
                let plain = chunk.filter { $0.1 == nil }
                if !plain.isEmpty {
                    var query = SQLQueryString("INSERT INTO activities (connector_id, fingerprint, kind, occurred_at, user_email, ip_address, payload, source) VALUES ")
                    for (index, (a, _, payload)) in plain.enumerated() {
                        if index > 0 { query.appendLiteral(", ") }
                        query += "(\(bind: a.connectorID), \(bind: a.fingerprint), \(bind: a.kind), \(bind: millis(a.occurredAt)), \(bind: a.user), \(bind: a.ipAddress), \(bind: payload), 'webhook')"
                    }
                    query.appendLiteral(" ON CONFLICT DO NOTHING")
                    try await db.raw(query).run()
                }
                let correlated = chunk.filter { $0.1 != nil }
                if !correlated.isEmpty {
                    // WITH … INSERT … SELECT works on both SQLite and PostgreSQL; the WHERE also keeps SQLite's parser clear of ON CONFLICT.
                    var query = SQLQueryString("WITH v (connector_id, fingerprint, kind, occurred_at, user_email, payload, correlation) AS (VALUES ")
                    for (index, (a, correlation, payload)) in correlated.enumerated() {
                        if index > 0 { query.appendLiteral(", ") }
                        query += "(\(bind: a.connectorID), \(bind: a.fingerprint), \(bind: a.kind), \(bind: millis(a.occurredAt)), \(bind: a.user), \(bind: payload), \(bind: correlation))"
                    }
                    query.appendLiteral("""
                        ) INSERT INTO activities (connector_id, fingerprint, kind, occurred_at, user_email, payload, source, correlation)
                        SELECT v.connector_id, v.fingerprint, v.kind, v.occurred_at, v.user_email, v.payload, 'webhook', v.correlation FROM v
                        WHERE NOT EXISTS (SELECT 1 FROM activities a WHERE a.connector_id = v.connector_id AND a.correlation = v.correlation)
                        ON CONFLICT DO NOTHING
                        """)
                    try await db.raw(query).run()
                }
            }
        }
    }
}
