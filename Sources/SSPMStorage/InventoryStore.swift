import Foundation
import SQLKit
import SSPMCore

/// One Zoom user as the inventory shows it.
public struct InventoryUser: Sendable, Codable, Hashable {
    public var id: String?
    public var email: String
    public var displayName: String
    public var type: Int
    public var status: String
    public var roleID: String
    public var roleName: String?
    public var groupIDs: [String]
    public var loginTypes: [Int]?
    public var lastLoginTime: Date?
    public var createdAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, email, displayName, type, status, roleID = "roleId", roleName, groupIDs = "groupIds", loginTypes, lastLoginTime, createdAt
    }

    public init(id: String?, email: String, displayName: String, type: Int, status: String, roleID: String, roleName: String?, groupIDs: [String],
                loginTypes: [Int]?, lastLoginTime: Date?, createdAt: Date?) {
        self.id = id
        self.email = email
        self.displayName = displayName
        self.type = type
        self.status = status
        self.roleID = roleID
        self.roleName = roleName
        self.groupIDs = groupIDs
        self.loginTypes = loginTypes
        self.lastLoginTime = lastLoginTime
        self.createdAt = createdAt
    }
}

/// The users inventory in SQL (`inventories`): the latest list of a connector's Zoom users, replaced
/// by each sync that could read them.
public struct SQLInventoryStore: Sendable {
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
