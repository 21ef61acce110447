import Foundation
import SQLKit
import SSPMCore

/// Activities in SQL (`activities`), de-duplicated by (connector, fingerprint). Each row holds the
/// normalised event (provider, stream, category, action, actor, target, outcome, IP, client,
/// detail, time, correlation) in columns rules can filter on, the record as received (`payload`),
/// where it came from (`source`: poll or webhook), and the provider's mapping version that filled
/// the columns (`mapping_version`; NULL: written before 0006 and not mapped yet).
public struct SQLActivityStore: ActivityStore {
    let storage: SQLStorage
    public init(storage: SQLStorage) { self.storage = storage }

    /// Polled events; those carrying a correlation key replace a webhook copy of the same event.
    public func insert(_ events: [ActivityEvent], mappingVersion: Int) async throws {
        try await insertPolled(events, mappingVersion: mappingVersion)
    }

    public func count(connectorID: String) async throws -> Int {
        try await storage.withSQL { db in
            try await db.raw("SELECT COUNT(*) AS n FROM activities WHERE connector_id = \(bind: connectorID)").first()?.decode(column: "n", as: Int.self) ?? 0
        }
    }

    public func list(connectorID: String, from: Date?, to: Date?, user: String?, limit: Int) async throws -> [ActivityEvent] {
        var query = SQLQueryString("SELECT \(unsafeRaw: Self.columns) FROM activities WHERE connector_id = \(bind: connectorID)")
        if let from { query += " AND occurred_at >= \(bind: millis(from))" }
        if let to { query += " AND occurred_at <= \(bind: millis(to))" }
        if let user { query += " AND actor = \(bind: user)" }
        query += " ORDER BY occurred_at DESC, fingerprint LIMIT \(literal: max(1, min(limit, 10_000)))"
        let finalQuery = query
        return try await storage.withSQL { db in try await db.raw(finalQuery).all().map { try Self.event($0) } }
    }

    public func replay(connectorID: String, from: Date, after: (at: Date, fingerprint: String)?, limit: Int) async throws -> [ActivityEvent] {
        var query = SQLQueryString("SELECT \(unsafeRaw: Self.columns.replacingOccurrences(of: ", payload", with: "")) FROM activities WHERE connector_id = \(bind: connectorID)")
        if let after {
            let t = millis(after.at)
            query += " AND (occurred_at > \(bind: t) OR (occurred_at = \(bind: t) AND fingerprint > \(bind: after.fingerprint)))"
        } else {
            query += " AND occurred_at >= \(bind: millis(from))"
        }
        query += " ORDER BY occurred_at, fingerprint LIMIT \(literal: max(1, min(limit, 50_000)))"
        let finalQuery = query
        return try await storage.withSQL { db in try await db.raw(finalQuery).all().map { try Self.event($0, payload: false) } }
    }

    public func evidence(connectorID: String, keys: [String]) async throws -> [ActivityEvent] {
        let keys = Array(keys.prefix(500))
        guard !keys.isEmpty else { return [] }
        return try await storage.withSQL { db in
            try await db.raw("""
                SELECT \(unsafeRaw: Self.columns) FROM activities WHERE connector_id = \(bind: connectorID)
                AND (fingerprint IN (\(binds: keys)) OR correlation IN (\(binds: keys))) ORDER BY occurred_at, fingerprint
                """).all().map { try Self.event($0) }
        }
    }

    // MARK: Queries with a cursor, webhook events

    /// The columns an event is read from.
    static let columns = "connector_id, provider, stream, category, action, actor, target, outcome, ip_address, client, detail, occurred_at, correlation, fingerprint, payload"

    static func event(_ row: any SQLRow, payload: Bool = true) throws -> ActivityEvent {
        ActivityEvent(
            connectorID: try row.decode(column: "connector_id", as: String.self), provider: try row.decode(column: "provider", as: String.self),
            stream: try row.decode(column: "stream", as: String.self), category: try row.decode(column: "category", as: String?.self),
            action: try row.decode(column: "action", as: String?.self), actor: try row.decode(column: "actor", as: String.self),
            target: try row.decode(column: "target", as: String?.self),
            outcome: ActivityEvent.Outcome(rawValue: try row.decode(column: "outcome", as: String?.self) ?? "") ?? .unknown,
            ipAddress: try row.decode(column: "ip_address", as: String?.self), client: try row.decode(column: "client", as: String?.self),
            detail: try row.decode(column: "detail", as: String?.self), occurredAt: date(try row.decode(column: "occurred_at", as: Int64.self)),
            correlation: try row.decode(column: "correlation", as: String?.self), fingerprint: try row.decode(column: "fingerprint", as: String.self),
            raw: payload ? try JSONDecoder().decode(JSONValue.self, from: Data(try row.decode(column: "payload", as: String.self).utf8)) : .null)
    }

    static func filters(_ q: ActivityQuery, into query: inout SQLQueryString) {
        if let kinds = q.kinds, !kinds.isEmpty { query += " AND stream IN (\(binds: kinds))" }
        if let user = q.user { query += " AND actor = \(bind: user)" }
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
        var query = SQLQueryString("SELECT \(unsafeRaw: Self.columns) FROM activities WHERE connector_id = \(bind: q.connectorID)")
        Self.filters(q, into: &query)
        if let cursor = q.cursor {
            let (time, fingerprint) = try ActivityCursor.decode(cursor)
            query += " AND (occurred_at < \(bind: time) OR (occurred_at = \(bind: time) AND fingerprint < \(bind: fingerprint)))"
        }
        query += " ORDER BY occurred_at DESC, fingerprint DESC LIMIT \(literal: limit + 1)"
        let finalQuery = query
        var items = try await storage.withSQL { db in try await db.raw(finalQuery).all().map { try Self.event($0) } }
        var next: String?
        if items.count > limit {
            items.removeLast()
            next = items.last.map(ActivityCursor.encode)
        }
        return ActivityPage(items: items, nextCursor: next)
    }

    // MARK: Writing

    /// One row to write: the event, its payload text, where it came from.
    struct Row {
        var event: ActivityEvent
        var payload: String
        var source: String
        var mappingVersion: Int
    }

    /// The written columns, in the order `values` binds them.
    static let insertColumns = "connector_id, fingerprint, provider, stream, category, action, actor, target, outcome, ip_address, client, detail, occurred_at, payload, source, correlation, mapping_version"

    /// `(…), (…)` for `rows`: the one builder of multi-row VALUES lists for this table.
    static func values(_ rows: ArraySlice<Row>) -> SQLQueryString {
        var query = SQLQueryString("")
        for (index, row) in rows.enumerated() {
            let e = row.event
            if index > 0 { query.appendLiteral(", ") }
            query += """
                (\(bind: e.connectorID), \(bind: e.fingerprint), \(bind: e.provider), \(bind: e.stream), \(bind: e.category), \(bind: e.action), \(bind: e.actor), \
                \(bind: e.target), \(bind: e.outcome.rawValue), \(bind: e.ipAddress), \(bind: e.client), \(bind: e.detail), \(bind: millis(e.occurredAt)), \
                \(bind: row.payload), \(bind: row.source), \(bind: e.correlation), \(bind: row.mappingVersion))
                """
        }
        return query
    }

    /// Chunks of at most 200 rows (well under SQLite's and PostgreSQL's bind limits).
    static func chunks(_ rows: [Row]) -> [ArraySlice<Row>] {
        stride(from: 0, to: rows.count, by: 200).map { rows[$0..<min($0 + 200, rows.count)] }
    }

    /// Stores polled events: an event with a correlation key replaces a webhook-sourced row with
    /// the same key (the polled row is the richer one).
    func insertPolled(_ events: [ActivityEvent], mappingVersion: Int) async throws {
        guard !events.isEmpty else { return }
        let rows = try events.map { Row(event: $0, payload: try encodeJSON($0.raw), source: "poll", mappingVersion: mappingVersion) }
        try await storage.transaction { db in
            for chunk in Self.chunks(rows) {
                try await db.raw("INSERT INTO activities (\(unsafeRaw: Self.insertColumns)) VALUES \(Self.values(chunk)) ON CONFLICT DO NOTHING").run()
                let keys = chunk.compactMap(\.event.correlation)
                if !keys.isEmpty, let connector = chunk.first?.event.connectorID {
                    try await db.raw("DELETE FROM activities WHERE connector_id = \(bind: connector) AND source = 'webhook' AND correlation IN (\(binds: keys))").run()
                }
            }
        }
    }

    /// Stores webhook events (one transaction for the batch). An event whose correlation key is
    /// already held by a stored row, or whose fingerprint is stored, is skipped. Multi-row
    /// statements: the batch is a handful of round trips, not one per event.
    /// `rawJSON` is the body as received (already valid JSON), stored as is.
    public func insertWebhookEvents(_ events: [(event: ActivityEvent, rawJSON: String?, mappingVersion: Int)]) async throws {
        guard !events.isEmpty else { return }
        // One row per correlation key in the batch (the first): the statement below checks the
        // table, not its own other rows, so two deliveries of one event in a batch would both land.
        var seen: Set<String> = []
        let unique = events.filter { item in
            guard let key = item.event.correlation else { return true }
            return seen.insert(item.event.connectorID + "\u{1}" + key).inserted
        }
        let rows = try unique.map { Row(event: $0.event, payload: try $0.rawJSON ?? encodeJSON($0.event.raw), source: "webhook", mappingVersion: $0.mappingVersion) }
        try await storage.transaction { db in
            for chunk in Self.chunks(rows) {
                let plain = chunk.filter { $0.event.correlation == nil }
                if !plain.isEmpty {
                    try await db.raw("INSERT INTO activities (\(unsafeRaw: Self.insertColumns)) VALUES \(Self.values(plain[...])) ON CONFLICT DO NOTHING").run()
                }
                let correlated = chunk.filter { $0.event.correlation != nil }
                if !correlated.isEmpty {
                    // WITH … INSERT … SELECT works on both SQLite and PostgreSQL; the WHERE also keeps SQLite's parser clear of ON CONFLICT.
                    try await db.raw("""
                        WITH v (\(unsafeRaw: Self.insertColumns)) AS (VALUES \(Self.values(correlated[...])))
                        INSERT INTO activities (\(unsafeRaw: Self.insertColumns))
                        SELECT \(unsafeRaw: Self.insertColumns.split(separator: ",").map { "v." + $0.trimmingCharacters(in: .whitespaces) }.joined(separator: ", ")) FROM v
                        WHERE NOT EXISTS (SELECT 1 FROM activities a WHERE a.connector_id = v.connector_id AND a.correlation = v.correlation)
                        ON CONFLICT DO NOTHING
                        """).run()
                }
            }
        }
    }

    // MARK: Mapping older rows

    /// Up to `limit` rows of `provider` whose mapping is absent (rows from before 0006: a partial
    /// index finds them) and, with `olderVersions`, older than `version` (after a provider raised
    /// it: a table scan, which the caller does once per process).
    public func unmapped(provider: String, version: Int, olderVersions: Bool = true, limit: Int) async throws -> [UnmappedActivity] {
        let limit = max(1, min(limit, 5000))
        return try await storage.withSQL { db in
            var rows = try await db.raw("""
                SELECT connector_id, fingerprint, stream, source, payload FROM activities
                WHERE provider = \(bind: provider) AND mapping_version IS NULL LIMIT \(literal: limit)
                """).all()
            if olderVersions, rows.count < limit {
                rows += try await db.raw("""
                    SELECT connector_id, fingerprint, stream, source, payload FROM activities
                    WHERE provider = \(bind: provider) AND mapping_version < \(bind: version) LIMIT \(literal: limit - rows.count)
                    """).all()
            }
            return try rows.map {
                    UnmappedActivity(connectorID: try $0.decode(column: "connector_id", as: String.self), fingerprint: try $0.decode(column: "fingerprint", as: String.self),
                             stream: try $0.decode(column: "stream", as: String.self), source: try $0.decode(column: "source", as: String.self),
                             payload: try $0.decode(column: "payload", as: String.self))
                }
        }
    }

    /// Writes the normalised columns of stored rows (their identity, time, payload and correlation
    /// stay as stored); `nil` marks a row the provider cannot map, so it is not offered again.
    public func remap(_ updates: [(UnmappedActivity, ActivityEvent?)], version: Int) async throws {
        guard !updates.isEmpty else { return }
        try await storage.transaction { db in
            for (row, event) in updates {
                if let e = event {
                    try await db.raw("""
                        UPDATE activities SET category = \(bind: e.category), action = \(bind: e.action), target = \(bind: e.target), outcome = \(bind: e.outcome.rawValue),
                            client = \(bind: e.client), detail = \(bind: e.detail), mapping_version = \(bind: version)
                        WHERE connector_id = \(bind: row.connectorID) AND fingerprint = \(bind: row.fingerprint)
                        """).run()
                } else {
                    try await db.raw("UPDATE activities SET mapping_version = \(bind: version) WHERE connector_id = \(bind: row.connectorID) AND fingerprint = \(bind: row.fingerprint)").run()
                }
            }
        }
    }
}
