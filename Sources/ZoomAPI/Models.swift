// Typed models for what OpenSSPM reads from Zoom.
//
// Hand-written Codable rather than swift-openapi-generator output: Zoom's settings endpoints answer
// with a top-level `oneOf` whose branches have no required keys (every body matches several
// branches, see research/zoom-schema-quirks.md), enums in the documents reject values Zoom really
// sends, and undocumented keys appear in real traffic. These structs declare only what we read,
// every field optional, decoded with `convertFromSnakeCase`; unknown keys are ignored. Settings
// bodies stay `JSONValue` so the posture engine can read any path. The generated part is the
// operation catalogue (paths, scopes, rate-limit categories, page sizes), which is data.

public protocol ZoomListItem: Decodable, Sendable {
    /// Identifies the item across a restarted listing (pending users have no id; report rows have none).
    var dedupKey: String { get }
}

public protocol ZoomPage: Decodable, Sendable {
    associatedtype Item: ZoomListItem
    var pageItems: [Item] { get }
    var nextPageToken: String? { get }
}

public struct ZoomUser: ZoomListItem, Hashable {
    public var id: String?
    public var email: String?
    public var firstName: String?
    public var lastName: String?
    public var displayName: String?
    public var type: Int?
    public var status: String?
    public var roleId: String?
    public var groupIds: [String]?
    public var dept: String?
    public var timezone: String?
    public var verified: Int?
    public var lastLoginTime: String?
    public var lastClientVersion: String?
    public var userCreatedAt: String?
    public var createdAt: String?
    public var loginTypes: [Int]?
    public var language: String?
    public var dedupKey: String { id ?? email.map { "email:\($0.lowercased())" } ?? "" }
}

public struct ZoomUsersPage: ZoomPage {
    public var users: [ZoomUser]?
    public var nextPageToken: String?
    public var totalRecords: Int?
    public var pageItems: [ZoomUser] { users ?? [] }
}

public struct ZoomGroup: ZoomListItem, Hashable {
    public var id: String
    public var name: String?
    public var totalMembers: Int?
    public var dedupKey: String { id }
}

public struct ZoomGroupsPage: ZoomPage {
    public var groups: [ZoomGroup]?
    public var nextPageToken: String?
    public var totalRecords: Int?
    public var pageItems: [ZoomGroup] { groups ?? [] }
}

public struct ZoomMember: ZoomListItem, Hashable {
    public var id: String?
    public var email: String?
    public var firstName: String?
    public var lastName: String?
    public var type: Int?
    public var dedupKey: String { id ?? email ?? "" }
    public init(id: String?, email: String? = nil, firstName: String? = nil, lastName: String? = nil, type: Int? = nil) {
        self.id = id
        self.email = email
        self.firstName = firstName
        self.lastName = lastName
        self.type = type
    }
}

public struct ZoomMembersPage: ZoomPage {
    public var members: [ZoomMember]?
    public var nextPageToken: String?
    public var totalRecords: Int?
    public var pageItems: [ZoomMember] { members ?? [] }
}

public struct ZoomRole: ZoomListItem, Hashable {
    public var id: String
    public var name: String?
    public var description: String?
    public var type: String?
    public var totalMembers: Int?
    public var dedupKey: String { id }
}

public struct ZoomRolesPage: ZoomPage {
    public var roles: [ZoomRole]?
    public var nextPageToken: String?
    public var pageItems: [ZoomRole] { roles ?? [] }
}

public struct ZoomManagedDomains: Decodable, Sendable, Hashable {
    public struct Domain: Decodable, Sendable, Hashable {
        public var domain: String?
        public var status: String?
    }
    public var domains: [Domain]?
    public var totalRecords: Int?
}

public struct ZoomTrustedDomains: Decodable, Sendable, Hashable {
    public var trustedDomains: [String]?
}

/// A sign-in / sign-out report row. Rows have no id: the whole row is the key.
public struct ZoomActivityLog: ZoomListItem, Hashable {
    public var email: String?
    public var time: String?
    public var type: String?
    public var ipAddress: String?
    public var clientType: String?
    public var version: String?
    public var dedupKey: String {
        [email ?? "", time ?? "", type ?? "", ipAddress ?? "", clientType ?? "", version ?? ""].joined(separator: "\u{1F}")
    }
}

public struct ZoomActivityLogsPage: ZoomPage {
    public var activityLogs: [ZoomActivityLog]?
    public var nextPageToken: String?
    public var pageItems: [ZoomActivityLog] { activityLogs ?? [] }
}

/// An admin operation-log row. Rows have no id: the whole row is the key.
public struct ZoomOperationLog: ZoomListItem, Hashable {
    public var time: String?
    public var `operator`: String?
    public var categoryType: String?
    public var action: String?
    public var operationDetail: String?
    public var dedupKey: String {
        [time ?? "", `operator` ?? "", categoryType ?? "", action ?? "", operationDetail ?? ""].joined(separator: "\u{1F}")
    }
}

public struct ZoomOperationLogsPage: ZoomPage {
    public var operationLogs: [ZoomOperationLog]?
    public var nextPageToken: String?
    public var pageItems: [ZoomOperationLog] { operationLogs ?? [] }
}

public struct ZoomChannel: ZoomListItem, Hashable {
    public struct Settings: Decodable, Sendable, Hashable {
        /// 0 nobody … 3 anyone can add external users.
        public var allowToAddExternalUsers: Int?
    }
    public var id: String
    public var name: String?
    public var type: Int?
    public var channelSettings: Settings?
    public var dedupKey: String { id }
}

public struct ZoomChannelsPage: ZoomPage {
    public var channels: [ZoomChannel]?
    public var nextPageToken: String?
    public var pageItems: [ZoomChannel] { channels ?? [] }
}
