import Foundation

/// One user of a connected account's directory, as the inventory shows it. `type` and
/// `loginTypes` are the provider's own codes; its `describe` functions name them.
public struct InventoryUser: Sendable, Codable, Hashable {
    public var id: String?
    public var email: String
    public var displayName: String
    public var type: Int
    public var status: String
    public var roleID: String
    public var roleName: String?
    public var groupIDs: [String]
    /// The names of those groups, as the provider lists them (nil in inventories saved before
    /// they were kept).
    public var groupNames: [String]?
    public var loginTypes: [Int]?
    public var lastLoginTime: Date?
    public var createdAt: Date?
    /// Where the user stands in the identity directory paired with the connector (an enabled
    /// account, a disabled one, none), matched by address; nil when no directory is paired or its
    /// users could not be read. Detection's `terminated_user` kind reads it.
    public var directoryStanding: DirectoryStanding?

    enum CodingKeys: String, CodingKey {
        case id, email, displayName, type, status, roleID = "roleId", roleName, groupIDs = "groupIds", groupNames, loginTypes, lastLoginTime, createdAt, directoryStanding
    }

    public init(id: String?, email: String, displayName: String, type: Int, status: String, roleID: String, roleName: String?, groupIDs: [String],
                groupNames: [String]? = nil, loginTypes: [Int]?, lastLoginTime: Date?, createdAt: Date?, directoryStanding: DirectoryStanding? = nil) {
        self.directoryStanding = directoryStanding
        self.id = id
        self.email = email
        self.displayName = displayName
        self.type = type
        self.status = status
        self.roleID = roleID
        self.roleName = roleName
        self.groupIDs = groupIDs
        self.groupNames = groupNames
        self.loginTypes = loginTypes
        self.lastLoginTime = lastLoginTime
        self.createdAt = createdAt
    }
}

