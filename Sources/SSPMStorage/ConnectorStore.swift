import Foundation
import SQLKit
import SSPMCore

/// Connectors in SQL (`connectors`, and their status history `connector_events`); secrets sealed
/// with the `SecretBox`.
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
    /// status event and sync job there: all of it lands, or none). "The same app twice" is the
    /// provider's unique key, unique per provider.
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

    public func updateStatus(id: String, status: String, detail: String?, at: Date) async throws {
        try await storage.withSQL { db in
            try await db.raw("UPDATE connectors SET status = \(bind: status), status_detail = \(bind: detail), updated_at = \(bind: millis(at)) WHERE id = \(bind: id)").run()
        }
        guard try await get(id: id) != nil else { throw StoreError.notFound("Connector \(id)") }
    }

    /// Deletes the connector. Its rows in other tables go with it by `ON DELETE CASCADE` alone: each
    /// such table references `connectors(id)` (SQLite opens with foreign keys on); the cascade
    /// contract test finds those tables in the schema and checks every one.
    public func delete(id: String) async throws {
        guard try await get(id: id) != nil else { throw StoreError.notFound("Connector \(id)") }
        try await storage.withSQL { db in
            try await db.raw("DELETE FROM connectors WHERE id = \(bind: id)").run()
        }
    }

    // MARK: Details the service keeps beside the record

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

    /// Records a status change (when it is one) in `connector_events`, and the health report when
    /// given; one transaction. With `unlessDisconnected`, a connector an operator disconnected
    /// meanwhile stays disconnected (a sync that was running when they did must not undo it); only
    /// its health is updated.
    public func transition(id: String, to status: String, detail: String?, health: ConnectionReport?, at: Date,
                           unlessDisconnected: Bool = false) async throws {
        let healthJSON = try health.map { try encodeJSON($0) }
        try await storage.transaction { db in
            guard let row = try await db.raw("SELECT status, status_detail FROM connectors WHERE id = \(bind: id)").first() else {
                throw StoreError.notFound("Connector \(id)")
            }
            let old = try row.decode(column: "status", as: String.self)
            let oldDetail = try row.decode(column: "status_detail", as: String?.self)
            if unlessDisconnected, old == "disconnected" {
                if let healthJSON { try await db.raw("UPDATE connectors SET health = \(bind: healthJSON) WHERE id = \(bind: id)").run() }
                return
            }
            if let healthJSON {
                try await db.raw("UPDATE connectors SET status = \(bind: status), status_detail = \(bind: detail), health = \(bind: healthJSON), updated_at = \(bind: millis(at)) WHERE id = \(bind: id)").run()
            } else {
                try await db.raw("UPDATE connectors SET status = \(bind: status), status_detail = \(bind: detail), updated_at = \(bind: millis(at)) WHERE id = \(bind: id)").run()
            }
            if old != status || oldDetail != detail {
                try await Self.recordEvent(id: id, at: at, from: old, to: status, detail: detail, on: db)
            }
        }
    }

    /// A new connector with everything the service keeps beside it, in one transaction: the
    /// validation report and first status event, and a sync job due at once.
    public func createForService(_ c: ConnectorRecord, credentials: ConnectorCredentials, health: ConnectionReport, detail: String,
                                 pairedDirectory: String?, pairedBy: String?) async throws {
        let healthJSON = try encodeJSON(health)
        do {
            try await create(c, credentials: credentials) { db in
                if let pairedDirectory {
                    try await Self.requireConnectors([pairedDirectory], on: db)
                    try await Self.upsertPairing(id: c.id, directoryID: pairedDirectory, at: c.createdAt, by: pairedBy, on: db)
                }
                try await Self.finishCreate(c, healthJSON: healthJSON, detail: detail, on: db)
            }
        } catch let error as StoreError {
            throw error
        } catch {
            if let pairedDirectory { try await Self.notFoundIfGone([pairedDirectory], storage: storage) }
            throw error
        }
    }

    /// What the service keeps beside a new connector: its validation report, first status event and sync job.
    static func finishCreate(_ c: ConnectorRecord, healthJSON: String, detail: String, on db: any SQLDatabase) async throws {
        try await db.raw("""
            UPDATE connectors SET health = \(bind: healthJSON), status_detail = \(bind: detail) WHERE id = \(bind: c.id)
            """).run()
        try await Self.recordEvent(id: c.id, at: c.createdAt, from: nil, to: c.status, detail: detail, on: db)
        try await SQLSyncJobStore.schedule(connectorID: c.id, at: c.createdAt, on: db)
    }

    static func recordEvent(id: String, at: Date, from: String?, to: String, detail: String?, on db: any SQLDatabase) async throws {
        try await db.raw("""
            INSERT INTO connector_events (id, connector_id, at, from_status, to_status, detail)
            VALUES (\(bind: UUID().uuidString.lowercased()), \(bind: id), \(bind: millis(at)), \(bind: from), \(bind: to), \(bind: detail))
            """).run()
    }

    public func health(id: String) async throws -> ConnectionReport? {
        let text = try await storage.withSQL { db in
            try await db.raw("SELECT health FROM connectors WHERE id = \(bind: id)").first()?.decode(column: "health", as: String?.self)
        }
        return try text.map { try decodeJSON(ConnectionReport.self, $0) }
    }

    public func events(id: String, limit: Int = 200) async throws -> [ConnectorEvent] {
        try await storage.withSQL { db in
            try await db.raw("SELECT at, from_status, to_status, detail FROM connector_events WHERE connector_id = \(bind: id) ORDER BY at DESC, id LIMIT \(literal: max(1, min(limit, 1000)))")
                .all().map {
                    ConnectorEvent(at: date(try $0.decode(column: "at", as: Int64.self)), fromStatus: try $0.decode(column: "from_status", as: String?.self),
                                   toStatus: try $0.decode(column: "to_status", as: String.self), detail: try $0.decode(column: "detail", as: String?.self))
                }
        }
    }

    public func setLastSync(id: String, at: Date) async throws {
        try await storage.withSQL { db in
            try await db.raw("UPDATE connectors SET last_sync_at = \(bind: millis(at)) WHERE id = \(bind: id)").run()
        }
    }

    public func lastSync(id: String) async throws -> Date? {
        try await storage.withSQL { db in
            try await db.raw("SELECT last_sync_at FROM connectors WHERE id = \(bind: id)").first()?.decode(column: "last_sync_at", as: Int64?.self)
        }.map(date)
    }

    // MARK: Pairings

    public func pairedDirectory(id: String) async throws -> String? {
        try await storage.withSQL { db in
            try await db.raw("SELECT directory_connector_id FROM connector_pairings WHERE connector_id = \(bind: id)").first()?
                .decode(column: "directory_connector_id", as: String.self)
        }
    }

    public func pairedReaders(directoryID: String) async throws -> [String] {
        try await storage.withSQL { db in
            try await db.raw("SELECT connector_id FROM connector_pairings WHERE directory_connector_id = \(bind: directoryID) ORDER BY paired_at, connector_id")
                .all().map { try $0.decode(column: "connector_id", as: String.self) }
        }
    }

    public func setPairing(id: String, directoryID: String?, at: Date, by: String?) async throws {
        let ids = [id] + (directoryID.map { [$0] } ?? [])
        do {
            try await storage.transaction { db in
                try await Self.requireConnectors(ids, on: db)
                if let directoryID {
                    try await Self.upsertPairing(id: id, directoryID: directoryID, at: at, by: by, on: db)
                } else {
                    try await db.raw("DELETE FROM connector_pairings WHERE connector_id = \(bind: id)").run()
                }
            }
        } catch let error as StoreError {
            throw error
        } catch {
            // A connector deleted between the check and the write (another process, PostgreSQL's
            // read committed): the foreign key refuses the row; that is "not found", not a fault.
            try await Self.notFoundIfGone(ids, storage: storage)
            throw error
        }
    }

    static func requireConnectors(_ ids: [String], on db: any SQLDatabase) async throws {
        for connector in ids where try await db.raw("SELECT id FROM connectors WHERE id = \(bind: connector)").first() == nil {
            throw StoreError.notFound("Connector \(connector.prefix(100))")
        }
    }

    /// One statement, so two pairings of the same connector at once cannot both insert.
    static func upsertPairing(id: String, directoryID: String, at: Date, by: String?, on db: any SQLDatabase) async throws {
        try await db.raw("""
            INSERT INTO connector_pairings (connector_id, directory_connector_id, paired_at, paired_by)
            VALUES (\(bind: id), \(bind: directoryID), \(bind: millis(at)), \(bind: by))
            ON CONFLICT (connector_id) DO UPDATE SET directory_connector_id = excluded.directory_connector_id,
                paired_at = excluded.paired_at, paired_by = excluded.paired_by
            """).run()
    }

    /// Throws "not found" when one of `ids` is gone; returns otherwise (also when it cannot tell),
    /// so the caller rethrows its own error.
    static func notFoundIfGone(_ ids: [String], storage: SQLStorage) async throws {
        for connector in ids {
            let exists = try? await storage.withSQL { db in try await db.raw("SELECT id FROM connectors WHERE id = \(bind: connector)").first() != nil }
            if exists == false { throw StoreError.notFound("Connector \(connector.prefix(100))") }
        }
    }
}
