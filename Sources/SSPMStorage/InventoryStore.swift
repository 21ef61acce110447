import Foundation
import SQLKit
import SSPMCore


/// The users inventory in SQL (`inventories`): the latest list of a connector's Zoom users, replaced
/// by each sync that could read them.
public struct SQLInventoryStore: InventoryStore {
    let storage: SQLStorage
    public init(storage: SQLStorage) { self.storage = storage }

    public func save(connectorID: String, users: [InventoryUser], at: Date) async throws {
        let text = try encodeJSON(users)
        try await storage.withSQL { db in
            try await db.raw("""
                INSERT INTO inventories (connector_id, captured_at, users) VALUES (\(bind: connectorID), \(bind: millis(at)), \(bind: text))
                ON CONFLICT (connector_id) DO UPDATE SET captured_at = excluded.captured_at, users = excluded.users
                """).run()
        }
    }

    public func replace(connectorID: String, users: [InventoryUser], capturedAt: Date) async throws -> Bool {
        let text = try encodeJSON(users)
        let updated = try await storage.withSQL { db in
            try await db.raw("""
                UPDATE inventories SET users = \(bind: text) WHERE connector_id = \(bind: connectorID) AND captured_at = \(bind: millis(capturedAt))
                RETURNING connector_id
                """).all()
        }
        return !updated.isEmpty
    }

    /// The latest inventory; nil before a sync read the users.
    public func latest(connectorID: String) async throws -> (capturedAt: Date, users: [InventoryUser])? {
        let row = try await storage.withSQL { db in
            try await db.raw("SELECT captured_at, users FROM inventories WHERE connector_id = \(bind: connectorID)").first().map {
                (try $0.decode(column: "captured_at", as: Int64.self), try $0.decode(column: "users", as: String.self))
            }
        }
        guard let row else { return nil }
        return (date(row.0), try decodeJSON([InventoryUser].self, row.1))
    }
}
