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

    public func create(_ c: ConnectorRecord, secrets: ConnectorSecrets) async throws {
        try await create(c, secrets: secrets, then: { _ in })
    }

    /// Creates the connector and runs `then` in the same transaction (the service adds its
    /// endpoints, first status event and sync job there: all of it lands, or none).
    public func create(_ c: ConnectorRecord, secrets: ConnectorSecrets, then: @Sendable (any SQLDatabase) async throws -> Void) async throws {
        let secret = try box.seal(secrets.clientSecret)
        let webhook = try secrets.webhookSecretToken.map { try box.seal($0) }
        try await storage.transaction { db in
            let existing = try await db.raw("SELECT id FROM connectors WHERE client_id = \(bind: c.clientID)").all()
            guard existing.isEmpty else { throw StoreError.duplicateClientID(c.clientID) }
            try await db.raw("""
                INSERT INTO connectors (id, name, account_id, client_id, plan, status, status_detail, client_secret_sealed, webhook_secret_sealed, created_at, updated_at)
                VALUES (\(bind: c.id), \(bind: c.name), \(bind: c.accountID), \(bind: c.clientID), \(bind: c.plan), \(bind: c.status), \(bind: c.statusDetail),
                        \(bind: secret), \(bind: webhook), \(bind: millis(c.createdAt)), \(bind: millis(c.updatedAt)))
                """).run()
            try await then(db)
        }
    }

    static func record(_ row: any SQLRow) throws -> ConnectorRecord {
        ConnectorRecord(
            id: try row.decode(column: "id", as: String.self), name: try row.decode(column: "name", as: String.self),
            accountID: try row.decode(column: "account_id", as: String.self), clientID: try row.decode(column: "client_id", as: String.self),
            plan: try row.decode(column: "plan", as: String.self), status: try row.decode(column: "status", as: String.self),
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

    public func secrets(id: String) async throws -> ConnectorSecrets? {
        let row = try await storage.withSQL { db in
            try await db.raw("SELECT client_secret_sealed, webhook_secret_sealed FROM connectors WHERE id = \(bind: id)").first().map {
                (try $0.decode(column: "client_secret_sealed", as: String.self), try $0.decode(column: "webhook_secret_sealed", as: String?.self))
            }
        }
        guard let row else { return nil }
        return ConnectorSecrets(clientSecret: try box.open(row.0, what: "client secret"),
                                webhookSecretToken: try row.1.map { try box.open($0, what: "webhook secret token") })
    }

    public func updateStatus(id: String, status: String, detail: String?, at: Date) async throws {
        try await storage.withSQL { db in
            try await db.raw("UPDATE connectors SET status = \(bind: status), status_detail = \(bind: detail), updated_at = \(bind: millis(at)) WHERE id = \(bind: id)").run()
        }
        guard try await get(id: id) != nil else { throw StoreError.notFound("Connector \(id)") }
    }

    /// Tables holding a connector's data, deleted with it.
    static let dependentTables = ["sync_checkpoints", "activities", "scans", "connector_events", "sync_jobs", "sync_runs", "inventories",
                                  "score_daily", "control_states", "control_state_changes"]

    public func delete(id: String) async throws {
        guard try await get(id: id) != nil else { throw StoreError.notFound("Connector \(id)") }
        try await storage.transaction { db in
            // Explicit, so it does not depend on SQLite's foreign-key pragma.
            for table in Self.dependentTables {
                try await db.raw("DELETE FROM \(unsafeRaw: table) WHERE connector_id = \(bind: id)").run()
            }
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
        try await insertPolled(activities, correlations: activities.map { $0.kind == "signin" ? ActivityCorrelation.forReportRow($0.payload) : nil })
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
