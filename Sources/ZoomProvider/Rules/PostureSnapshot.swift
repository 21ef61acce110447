import Foundation
import SSPMCore
import ZoomAPI

/// Everything the posture engine knows about one Zoom account at one moment. Built by an adapter
/// (the Zoom reader, or a tenant file); `nil` parts were not read, and `unavailable` says why.
public struct PostureSnapshot: PostureSubject {
    public struct User: Sendable, Hashable {
        public var id: String?
        public var email: String
        public var displayName: String
        /// 1 Basic, 2 Licensed, 4 Unassigned, 99 None.
        public var type: Int
        public var status: String
        public var roleID: String
        public var groupIDs: [String]
        /// Zoom login types when known (0 Facebook, 1 Google, 24 Apple, 27 Microsoft, 100 Zoom, 101 SSO); nil when not read.
        public var loginTypes: [Int]?
        public var lastLoginTime: Date?
        public var createdAt: Date?
        public init(id: String?, email: String, displayName: String = "", type: Int, status: String, roleID: String,
                    groupIDs: [String] = [], loginTypes: [Int]? = nil, lastLoginTime: Date? = nil, createdAt: Date? = nil) {
            self.id = id
            self.email = email
            self.displayName = displayName
            self.type = type
            self.status = status
            self.roleID = roleID
            self.groupIDs = groupIDs
            self.loginTypes = loginTypes
            self.lastLoginTime = lastLoginTime
            self.createdAt = createdAt
        }
    }

    public struct Group: Sendable, Hashable {
        public var id: String
        public var name: String
        /// Member user ids; empty when the memberships are unknown (the users could not be read).
        public var memberIDs: [String]
        /// How many members the group has: `memberIDs.count`, or, when the memberships are unknown,
        /// the count Zoom's group listing gives (`total_members`).
        public var memberCount: Int
        /// Settings in the tenant-file convention (full body + `meeting_security` + authentication bodies); nil when not read.
        public var settings: JSONValue?
        public var lockSettings: JSONValue?
        public init(id: String, name: String, memberIDs: [String], settings: JSONValue?, lockSettings: JSONValue?, memberCount: Int? = nil) {
            self.id = id
            self.name = name
            self.memberIDs = memberIDs
            self.memberCount = memberCount ?? memberIDs.count
            self.settings = settings
            self.lockSettings = lockSettings
        }
    }

    public struct Role: Sendable, Hashable {
        public var id: String
        public var name: String
        /// Member user ids (users whose role_id is this role); empty when the users could not be read.
        public var memberIDs: [String]
        public init(id: String, name: String, memberIDs: [String]) {
            self.id = id
            self.name = name
            self.memberIDs = memberIDs
        }
    }

    public struct Channel: Sendable, Hashable {
        public var id: String
        public var name: String
        public var type: Int
        /// `channel_settings.allow_to_add_external_users` (0 none … 3 anyone).
        public var allowExternalUsers: Int?
        public init(id: String, name: String, type: Int, allowExternalUsers: Int?) {
            self.id = id
            self.name = name
            self.type = type
            self.allowExternalUsers = allowExternalUsers
        }
    }

    public var accountID: String
    public var accountName: String
    public var capturedAt: Date
    /// Account settings in the tenant-file convention.
    public var accountSettings: JSONValue?
    public var lockSettings: JSONValue?
    public var users: [User]? {
        didSet { activeUserIDs = Self.activeIDs(users) }
    }
    /// Ids of active users, computed once per change of `users` (controls use it for coverage).
    public private(set) var activeUserIDs: Set<String> = []
    public var groups: [Group]?
    public var roles: [Role]?
    /// `(domain, status)` of managed domains.
    public var managedDomains: [(domain: String, status: String)]?
    public var trustedDomains: [String]?
    public var channels: [Channel]?
    /// Rows read from the operation log in the scan window (nil when not read).
    public var operationLogRows: Int?
    public var signInRows: Int?
    /// Why a data source could not be read (e.g. "missing scope report:read:admin").
    public var unavailable: [DataSource: String]
    /// The Microsoft 365 directory paired with the account (nil: none paired); the Microsoft 365
    /// cross-checks read it.
    public var directory: DirectorySnapshot? {
        didSet { directoryIndex = directory?.users.map(DirectoryIndex.init) }
    }
    /// The directory's users by address, built once per change of `directory` (two controls read it).
    public private(set) var directoryIndex: DirectoryIndex?

    public init(accountID: String, accountName: String = "", capturedAt: Date, accountSettings: JSONValue? = nil, lockSettings: JSONValue? = nil,
                users: [User]? = nil, groups: [Group]? = nil, roles: [Role]? = nil, managedDomains: [(domain: String, status: String)]? = nil,
                trustedDomains: [String]? = nil, channels: [Channel]? = nil, operationLogRows: Int? = nil, signInRows: Int? = nil,
                unavailable: [DataSource: String] = [:]) {
        self.accountID = accountID
        self.accountName = accountName
        self.capturedAt = capturedAt
        self.accountSettings = accountSettings
        self.lockSettings = lockSettings
        self.users = users
        self.activeUserIDs = Self.activeIDs(users)
        self.groups = groups
        self.roles = roles
        self.managedDomains = managedDomains
        self.trustedDomains = trustedDomains
        self.channels = channels
        self.operationLogRows = operationLogRows
        self.signInRows = signInRows
        self.unavailable = unavailable
    }

    static func activeIDs(_ users: [User]?) -> Set<String> {
        Set((users ?? []).lazy.filter { $0.status == "active" }.compactMap(\.id))
    }

    /// Users that count for coverage: active, with an id.
    public var activeUsers: [User] { (users ?? []).filter { $0.status == "active" } }

    /// Why `source` is missing, for an `error` verdict.
    public func missing(_ source: DataSource) -> String {
        let reason = unavailable[source] ?? "not read"
        let scope = ZoomDataSource(rawValue: source.rawValue)?.scope ?? "?"
        return "The \(source.words) could not be read (\(reason)); it needs the scope \(scope)."
    }
}
