import Foundation
import SQLKit
import SSPMCore

func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }
func date(_ millis: Int64) -> Date { Date(timeIntervalSince1970: Double(millis) / 1000) }

/// Connectors in SQL; secrets sealed with the `SecretBox`.
public struct SQLConnectorStore: ConnectorStore {
    let storage: SQLStorage
    let box: SecretBox

    public init(storage: SQLStorage, box: SecretBox) {
        self.storage = storage
        self.box = box
    }

    public func create(_ c: ConnectorRecord, credentials: ConnectorCredentials) async throws {
        try await create(c, credentials: credentials, then: { _ in })
    }

    /// Creates the connector and runs `then` in the same transaction (the service adds its first
    /// status event and sync job there: all of it lands, or none).
    public func create(_ c: ConnectorRecord, credentials: ConnectorCredentials, then: @Sendable (any SQLDatabase) async throws -> Void) async throws {
        let sealed = try box.seal(try encodeJSON(credentials.values))
        let settings = try encodeJSON(c.settings)
        try await storage.transaction { db in
            if let key = c.uniqueKey {
                let existing = try await db.raw("SELECT id FROM connectors WHERE provider = \(bind: c.provider) AND unique_key = \(bind: key)").all()
                guard existing.isEmpty else { throw StoreError.duplicateConnector(provider: c.provider, key: key) }
            }
            try await db.raw("""
                INSERT INTO connectors (id, provider, name, unique_key, settings, credentials_sealed, status, status_detail, created_at, updated_at)
                VALUES (\(bind: c.id), \(bind: c.provider), \(bind: c.name), \(bind: c.uniqueKey), \(bind: settings), \(bind: sealed), \(bind: c.status),
                        \(bind: c.statusDetail), \(bind: millis(c.createdAt)), \(bind: millis(c.updatedAt)))
                """).run()
            try await then(db)
        }
    }

    static func record(_ row: any SQLRow) throws -> ConnectorRecord {
        ConnectorRecord(
            id: try row.decode(column: "id", as: String.self), provider: try row.decode(column: "provider", as: String.self),
            name: try row.decode(column: "name", as: String.self),
            settings: try decodeJSON(JSONValue.self, try row.decode(column: "settings", as: String.self)),
            uniqueKey: try row.decode(column: "unique_key", as: String?.self), status: try row.decode(column: "status", as: String.self),
            statusDetail: try row.decode(column: "status_detail", as: String?.self),
            createdAt: date(try row.decode(column: "created_at", as: Int64.self)), updatedAt: date(try row.decode(column: "updated_at", as: Int64.self)))
    }

    public func list() async throws -> [ConnectorRecord] {
        try await storage.withSQL { db in
            try await db.raw("SELECT * FROM connectors ORDER BY created_at, id").all().map(Self.record)
        }
    }

    public func get(id: String) async throws -> ConnectorRecord? {
        try await storage.withSQL { db in
            try await db.raw("SELECT * FROM connectors WHERE id = \(bind: id)").first().map(Self.record)
        }
    }

    /// The connector's credentials, unsealed; nil when there is no such connector.
    public func credentials(id: String) async throws -> ConnectorCredentials? {
        let sealed = try await storage.withSQL { db in
            try await db.raw("SELECT credentials_sealed FROM connectors WHERE id = \(bind: id)").first()?.decode(column: "credentials_sealed", as: String.self)
        }
        guard let sealed else { return nil }
        return ConnectorCredentials(try decodeJSON([String: String].self, try box.open(sealed, what: "credentials")))
    }

    /// Replaces the settings (e.g. the demo's simulator moved to another port).
    public func updateSettings(id: String, _ settings: JSONValue) async throws {
        let text = try encodeJSON(settings)
        try await storage.withSQL { db in
            try await db.raw("UPDATE connectors SET settings = \(bind: text) WHERE id = \(bind: id)").run()
        }
    }

    /// Replaces the credentials (e.g. after a secret was rotated).
    public func updateCredentials(id: String, _ credentials: ConnectorCredentials) async throws {
        let sealed = try box.seal(try encodeJSON(credentials.values))
        try await storage.withSQL { db in
            try await db.raw("UPDATE connectors SET credentials_sealed = \(bind: sealed) WHERE id = \(bind: id)").run()
        }
    }

    public func updateStatus(id: String, status: String, detail: String?, at: Date) async throws {
        try await storage.withSQL { db in
            try await db.raw("UPDATE connectors SET status = \(bind: status), status_detail = \(bind: detail), updated_at = \(bind: millis(at)) WHERE id = \(bind: id)").run()
        }
        guard try await get(id: id) != nil else { throw StoreError.notFound("Connector \(id)") }
    }

    public func delete(id: String) async throws {
        guard try await get(id: id) != nil else { throw StoreError.notFound("Connector \(id)") }
        // Every table holding a connector's data references it with ON DELETE CASCADE (SQLite opens
        // with foreign keys on).
        try await storage.withSQL { db in
            try await db.raw("DELETE FROM connectors WHERE id = \(bind: id)").run()
        }
    }
}

/// Activities in SQL, de-duplicated by (connector, fingerprint).
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
        return try await storage.withSQL { db in
            try await db.raw(finalQuery).all().map { row in
                ActivityRecord(
                    connectorID: try row.decode(column: "connector_id", as: String.self), kind: try row.decode(column: "kind", as: String.self),
                    occurredAt: date(try row.decode(column: "occurred_at", as: Int64.self)), user: try row.decode(column: "user_email", as: String.self),
                    ipAddress: try row.decode(column: "ip_address", as: String?.self), fingerprint: try row.decode(column: "fingerprint", as: String.self),
                    payload: try JSONDecoder().decode(JSONValue.self, from: Data(try row.decode(column: "payload", as: String.self).utf8)))
            }
        }
    }
}

/// Scans (score history) in SQL.
public struct SQLScanStore: ScanStore {
    let storage: SQLStorage
    public init(storage: SQLStorage) { self.storage = storage }

    @discardableResult
    public func save(connectorID: String, _ result: ScanResult) async throws -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(result), as: UTF8.self)
        let id = UUID().uuidString.lowercased()
        try await storage.withSQL { db in
            try await db.raw("""
                INSERT INTO scans (id, connector_id, scanned_at, achieved, max_score, percent, result)
                VALUES (\(bind: id), \(bind: connectorID), \(bind: millis(result.scannedAt)), \(bind: result.score.achieved), \(bind: result.score.max), \(bind: result.score.percent), \(bind: json))
                """).run()
        }
        return id
    }

    public func latest(connectorID: String) async throws -> ScanResult? {
        let text = try await storage.withSQL { db in
            try await db.raw("SELECT result FROM scans WHERE connector_id = \(bind: connectorID) ORDER BY scanned_at DESC LIMIT 1").first()?.decode(column: "result", as: String.self)
        }
        guard let text else { return nil }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(ScanResult.self, from: Data(text.utf8))
    }

    public func history(connectorID: String, limit: Int) async throws -> [(scannedAt: Date, score: ScoreSummary)] {
        let rows = try await storage.withSQL { db in
            try await db.raw("SELECT scanned_at, achieved, max_score FROM scans WHERE connector_id = \(bind: connectorID) ORDER BY scanned_at DESC LIMIT \(literal: max(1, limit))").all().map {
                (try $0.decode(column: "scanned_at", as: Int64.self), try $0.decode(column: "achieved", as: Double.self), try $0.decode(column: "max_score", as: Double.self))
            }
        }
        return rows.reversed().map { (date($0.0), ScoreSummary(achieved: $0.1, max: $0.2)) }
    }
}

/// Sync checkpoints in SQL.
public struct SQLCheckpointStore: CheckpointStore {
    let storage: SQLStorage
    public init(storage: SQLStorage) { self.storage = storage }

    public func checkpoint(connectorID: String, stream: String) async throws -> Date? {
        try await storage.withSQL { db in
            try await db.raw("SELECT synced_to FROM sync_checkpoints WHERE connector_id = \(bind: connectorID) AND stream = \(bind: stream)")
                .first()?.decode(column: "synced_to", as: Int64.self)
        }.map(date)
    }

    public func setCheckpoint(connectorID: String, stream: String, to: Date) async throws {
        let now = millis(Date())
        try await storage.withSQL { db in
            try await db.raw("""
                INSERT INTO sync_checkpoints (connector_id, stream, synced_to, updated_at) VALUES (\(bind: connectorID), \(bind: stream), \(bind: millis(to)), \(bind: now))
                ON CONFLICT (connector_id, stream) DO UPDATE SET synced_to = excluded.synced_to, updated_at = excluded.updated_at
                """).run()
        }
    }
}
