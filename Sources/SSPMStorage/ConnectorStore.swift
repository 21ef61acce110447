import Foundation
import SQLKit
import SSPMCore

/// Other Zoom hosts for a connector (Zoom for Government, the simulator); nil: Zoom's own.
public struct ConnectorEndpoints: Sendable, Hashable {
    public var apiURL: String?
    public var tokenURL: String?
    public init(apiURL: String?, tokenURL: String?) {
        self.apiURL = apiURL
        self.tokenURL = tokenURL
    }
}

/// A connector status change.
public struct ConnectorEvent: Sendable, Codable, Hashable {
    public var at: Date
    public var fromStatus: String?
    public var toStatus: String
    public var detail: String?

    public init(at: Date, fromStatus: String? = nil, toStatus: String, detail: String? = nil) {
        self.at = at
        self.fromStatus = fromStatus
        self.toStatus = toStatus
        self.detail = detail
    }
}

/// Connectors in SQL (`connectors`, and their status history `connector_events`); secrets sealed
/// with the `SecretBox`.
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

    public func setEndpoints(id: String, _ endpoints: ConnectorEndpoints) async throws {
        try await storage.withSQL { db in
            try await db.raw("UPDATE connectors SET api_url = \(bind: endpoints.apiURL), token_url = \(bind: endpoints.tokenURL) WHERE id = \(bind: id)").run()
        }
    }

    public func endpoints(id: String) async throws -> ConnectorEndpoints {
        try await storage.withSQL { db in
            guard let row = try await db.raw("SELECT api_url, token_url FROM connectors WHERE id = \(bind: id)").first() else {
                throw StoreError.notFound("Connector \(id)")
            }
            return ConnectorEndpoints(apiURL: try row.decode(column: "api_url", as: String?.self), tokenURL: try row.decode(column: "token_url", as: String?.self))
        }
    }

    /// Replaces the client secret (and optionally the webhook secret token), e.g. after rotating it in Zoom.
    public func updateSecrets(id: String, _ secrets: ConnectorSecrets) async throws {
        let secret = try box.seal(secrets.clientSecret)
        let webhook = try secrets.webhookSecretToken.map { try box.seal($0) }
        try await storage.withSQL { db in
            try await db.raw("UPDATE connectors SET client_secret_sealed = \(bind: secret), webhook_secret_sealed = COALESCE(\(bind: webhook), webhook_secret_sealed) WHERE id = \(bind: id)").run()
        }
    }

    /// Sets the status and records the change (when it is one) in `connector_events`; one transaction.
    /// Records a status change (and the health report, when given). With `unlessDisconnected`, a
    /// connector an operator disconnected meanwhile stays disconnected (a sync that was running
    /// when they did must not undo it); only its health is updated.
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

    /// A new connector with everything the service keeps beside it, in one transaction: other
    /// Zoom hosts, the validation report and first status event, and a sync job due at once.
    public func createForService(_ c: ConnectorRecord, secrets: ConnectorSecrets, endpoints: ConnectorEndpoints, health: ConnectionReport, detail: String) async throws {
        let healthJSON = try encodeJSON(health)
        try await create(c, secrets: secrets) { db in
            try await db.raw("""
                UPDATE connectors SET api_url = \(bind: endpoints.apiURL), token_url = \(bind: endpoints.tokenURL), health = \(bind: healthJSON),
                    status_detail = \(bind: detail) WHERE id = \(bind: c.id)
                """).run()
            try await Self.recordEvent(id: c.id, at: c.createdAt, from: nil, to: c.status, detail: detail, on: db)
            try await SQLSyncJobStore.schedule(connectorID: c.id, at: c.createdAt, on: db)
        }
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

    /// The webhook secret token alone (the intake path reads it often; the caller caches it).
    public func webhookSecret(id: String) async throws -> String? {
        let sealed = try await storage.withSQL { db in
            guard let row = try await db.raw("SELECT webhook_secret_sealed FROM connectors WHERE id = \(bind: id)").first() else {
                throw StoreError.notFound("Connector \(id)")
            }
            return try row.decode(column: "webhook_secret_sealed", as: String?.self)
        }
        return try sealed.map { try box.open($0, what: "webhook secret token") }
    }
}
