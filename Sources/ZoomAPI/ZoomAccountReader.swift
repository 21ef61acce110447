import SSPMCore
import Foundation
import Logging

/// The data sources OpenSSPM reads from a Zoom account; each can fail on its own (a missing scope,
/// a plan without reports) without failing the others. The provider names them to the core by
/// their raw values.
public enum ZoomDataSource: String, Sendable, CaseIterable, Hashable {
    case accountSettings = "account_settings"
    case lockSettings = "lock_settings"
    case users
    case groups
    case roles
    case domains
    case signInReport = "signin_report"
    case operationLog = "operation_log"
    case chatChannels = "chat_channels"

    /// The classic scope that grants it (granular equivalents work too).
    public var scope: String {
        switch self {
        case .accountSettings, .lockSettings, .domains: return "account:read:admin"
        case .users: return "user:read:admin"
        case .groups: return "group:read:admin"
        case .roles: return "role:read:admin"
        case .signInReport, .operationLog: return "report:read:admin"
        case .chatChannels: return "chat_channel:read:admin"
        }
    }
}

public struct ZoomGroupData: Sendable {
    public var group: ZoomGroup
    /// Group settings in the tenant-file convention: the full body plus `meeting_security`.
    public var settings: JSONValue
    public var lockSettings: JSONValue
    /// The users whose `group_ids` name this group (`GET /users` carries them, so the reader sends no
    /// `/groups/{groupId}/members` listing). Empty, with `membersKnown` false, when the users were not read.
    public var members: [ZoomMember]
    public var membersKnown: Bool
    public init(group: ZoomGroup, settings: JSONValue, lockSettings: JSONValue, members: [ZoomMember], membersKnown: Bool = true) {
        self.group = group
        self.settings = settings
        self.lockSettings = lockSettings
        self.members = members
        self.membersKnown = membersKnown
    }
}

public struct ZoomRoleData: Sendable {
    /// Zoom's built-in Member role.
    public static let memberRoleID = "2"
    public var role: ZoomRole
    /// The users whose `role_id` is this role's id (no `/roles/{roleId}/members` listing is sent).
    /// Empty, with `membersKnown` false, when the users were not read.
    public var members: [ZoomMember]
    public var membersKnown: Bool
    public init(role: ZoomRole, members: [ZoomMember], membersKnown: Bool = true) {
        self.role = role
        self.members = members
        self.membersKnown = membersKnown
    }
}

/// Everything read from one account in one pass.
public struct ZoomAccountData: Sendable {
    /// Account settings: the full body, plus `meeting_security` (the inner object of
    /// `?option=meeting_security`) and the whole bodies of `?option=meeting_authentication` and
    /// `?option=recording_authentication` under those keys.
    public var accountSettings: JSONValue = .null
    public var lockSettings: JSONValue = .null
    public var users: [ZoomUser] = []
    public var groups: [ZoomGroupData] = []
    public var roles: [ZoomRoleData] = []
    public var managedDomains: ZoomManagedDomains?
    public var trustedDomains: ZoomTrustedDomains?
    public var activityLogs: [ZoomActivityLog] = []
    public var operationLogs: [ZoomOperationLog] = []
    public var channels: [ZoomChannel] = []
    /// Data sources that could not be read, with why.
    public var failures: [ZoomDataSource: ZoomAPIError] = [:]
    public init() {}

    /// Fills each group's and role's members from `users` (their `group_ids` and `role_id`), or,
    /// when the users were not read (`users` nil), marks the memberships unknown.
    public mutating func assignMembers(from users: [ZoomUser]?) {
        guard let users else {
            for index in groups.indices { groups[index].members = []; groups[index].membersKnown = false }
            for index in roles.indices { roles[index].members = []; roles[index].membersKnown = false }
            return
        }
        var byGroup: [String: [ZoomMember]] = [:]
        var byRole: [String: [ZoomMember]] = [:]
        for user in users {
            // Pending users have no id yet, and Zoom lists only users with one as members.
            guard let id = user.id else { continue }
            let member = ZoomMember(id: id, email: user.email, firstName: user.firstName, lastName: user.lastName, type: user.type)
            for groupID in Set(user.groupIds ?? []) { byGroup[groupID, default: []].append(member) }
            if let roleID = user.roleId { byRole[roleID, default: []].append(member) }
        }
        for index in groups.indices {
            groups[index].members = byGroup[groups[index].group.id] ?? []
            groups[index].membersKnown = true
        }
        for index in roles.indices {
            roles[index].members = byRole[roles[index].role.id] ?? []
            roles[index].membersKnown = true
        }
    }
}

/// Reads a whole account: categories run concurrently, and inside a category up to
/// `concurrencyPerCategory` requests are in flight, all paced by the client's `RatePacer`.
/// It reads only what it cannot derive: group and role memberships come from the users'
/// `group_ids` and `role_id` in `GET /users`, not from one member listing per group and role.
public struct ZoomAccountReader: Sendable {
    public let client: ZoomClient
    public let logger: Logger

    public init(client: ZoomClient, logger: Logger) {
        self.client = client
        self.logger = logger
    }

    /// Reads every data source; sign-in and operation logs over `[from, to]`.
    public func read(from: Date, to: Date, sources: Set<ZoomDataSource> = Set(ZoomDataSource.allCases)) async -> ZoomAccountData {
        var data = ZoomAccountData()
        await withTaskGroup(of: Part.self) { group in
            if sources.contains(.accountSettings) { group.addTask { await self.part(.accountSettings) { .accountSettings(try await self.accountSettings()) } } }
            if sources.contains(.lockSettings) { group.addTask { await self.part(.lockSettings) { .lockSettings(try await self.lockSettings()) } } }
            if sources.contains(.users) { group.addTask { await self.part(.users) { .users(try await self.users()) } } }
            if sources.contains(.groups) { group.addTask { await self.part(.groups) { .groups(try await self.groups()) } } }
            if sources.contains(.roles) { group.addTask { await self.part(.roles) { .roles(try await self.roles()) } } }
            if sources.contains(.domains) { group.addTask { await self.part(.domains) { try await self.domains() } } }
            if sources.contains(.signInReport) {
                group.addTask {
                    await self.part(.signInReport) {
                        .activities(try await client.listReport(.reportSignInActivities, ZoomActivityLogsPage.self, from: from, to: to))
                    }
                }
            }
            if sources.contains(.operationLog) {
                group.addTask {
                    await self.part(.operationLog) {
                        .operations(try await client.listReport(.reportOperationLogs, ZoomOperationLogsPage.self, from: from, to: to))
                    }
                }
            }
            if sources.contains(.chatChannels) {
                group.addTask { await self.part(.chatChannels) { .channels(try await client.listAll(.listAccountChannels, ZoomChannelsPage.self)) } }
            }
            for await part in group {
                switch part {
                case .accountSettings(let value): data.accountSettings = value
                case .lockSettings(let value): data.lockSettings = value
                case .users(let value): data.users = value
                case .groups(let value): data.groups = value
                case .roles(let value): data.roles = value
                case .domains(let managed, let trusted):
                    data.managedDomains = managed
                    data.trustedDomains = trusted
                case .activities(let value): data.activityLogs = value
                case .operations(let value): data.operationLogs = value
                case .channels(let value): data.channels = value
                case .failed(let source, let error): data.failures[source] = error
                }
            }
        }
        data.assignMembers(from: sources.contains(.users) && data.failures[.users] == nil ? data.users : nil)
        return data
    }

    enum Part: Sendable {
        case accountSettings(JSONValue)
        case lockSettings(JSONValue)
        case users([ZoomUser])
        case groups([ZoomGroupData])
        case roles([ZoomRoleData])
        case domains(ZoomManagedDomains, ZoomTrustedDomains?)
        case activities([ZoomActivityLog])
        case operations([ZoomOperationLog])
        case channels([ZoomChannel])
        case failed(ZoomDataSource, ZoomAPIError)
    }

    private func part(_ source: ZoomDataSource, _ body: @Sendable () async throws -> Part) async -> Part {
        do {
            return try await body()
        } catch let error as ZoomAPIError {
            logger.warning("Could not read a Zoom data source", metadata: ["source": "\(source.rawValue)", "error": "\(error)"])
            return .failed(source, error)
        } catch {
            return .failed(source, ZoomAPIError(.api(status: 0, code: nil, message: "\(error)")))
        }
    }

    /// The settings document in the tenant-file convention.
    func settingsDocument(
        _ operation: ZoomOperation, path: [String: String], options: [String]
    ) async throws -> JSONValue {
        // The full body and each option variant are independent requests: send them together.
        async let full = client.sendJSON(operation, path: path)
        let variants = try await withThrowingTaskGroup(of: (String, JSONValue).self) { group in
            for option in options {
                group.addTask { (option, try await client.sendJSON(operation, path: path, query: [("option", option)])) }
            }
            var result: [(String, JSONValue)] = []
            for try await variant in group { result.append(variant) }
            return result
        }
        var document = try await full
        for (option, body) in variants {
            if option == "meeting_security" {
                document["meeting_security"] = body["meeting_security"] ?? .object([:])
            } else {
                document[option] = body
            }
        }
        return document
    }

    func accountSettings() async throws -> JSONValue {
        try await settingsDocument(
            .getAccountSettings, path: ["accountId": "me"],
            options: ["meeting_security", "meeting_authentication", "recording_authentication"])
    }

    func lockSettings() async throws -> JSONValue {
        try await settingsDocument(.getAccountLockSettings, path: ["accountId": "me"], options: ["meeting_security"])
    }

    func users() async throws -> [ZoomUser] {
        async let active = client.listAll(.listUsers, ZoomUsersPage.self, query: [("status", "active")])
        async let inactive = client.listAll(.listUsers, ZoomUsersPage.self, query: [("status", "inactive")])
        async let pending = client.listAll(.listUsers, ZoomUsersPage.self, query: [("status", "pending")])
        return try await active + inactive + pending
    }

    func groups() async throws -> [ZoomGroupData] {
        let groups = try await client.listAll(.listGroups, ZoomGroupsPage.self)
        return try await boundedMap(groups, width: client.configuration.concurrencyPerCategory) { group in
            let path = ["groupId": group.id]
            async let settings = settingsDocument(.getGroupSettings, path: path, options: ["meeting_security"])
            async let locks = settingsDocument(.getGroupLockSettings, path: path, options: ["meeting_security"])
            // Members come from the users' `group_ids` once both are read (`assignMembers`).
            return ZoomGroupData(group: group, settings: try await settings, lockSettings: try await locks, members: [], membersKnown: false)
        }
    }

    /// The roles; their members come from the users' `role_id` once both are read (`assignMembers`).
    func roles() async throws -> [ZoomRoleData] {
        try await client.listAll(.listRoles, ZoomRolesPage.self).map { ZoomRoleData(role: $0, members: [], membersKnown: false) }
    }

    func domains() async throws -> Part {
        let managed = try await client.send(.listManagedDomains, ZoomManagedDomains.self, path: ["accountId": "me"])
        let trusted = try? await client.send(.listTrustedDomains, ZoomTrustedDomains.self, path: ["accountId": "me"])
        return .domains(managed, trusted)
    }
}

/// Maps `items` with at most `width` in flight, keeping order.
func boundedMap<T: Sendable, R: Sendable>(
    _ items: [T], width: Int, _ transform: @escaping @Sendable (T) async throws -> R
) async throws -> [R] {
    try await withThrowingTaskGroup(of: (Int, R).self) { group in
        var results = [R?](repeating: nil, count: items.count)
        var next = 0
        func launch() {
            let index = next
            let item = items[index]
            group.addTask { (index, try await transform(item)) }
            next += 1
        }
        while next < min(width, items.count) { launch() }
        while let (index, result) = try await group.next() {
            results[index] = result
            if next < items.count { launch() }
        }
        return results.map { $0! }
    }
}
