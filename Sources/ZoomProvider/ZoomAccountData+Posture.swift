import Foundation
import SSPMCore
import ZoomAPI

extension ZoomAccountData {
    /// The posture engine's view of what was read (Zoom types stay in this module).
    public func postureSnapshot(accountID: String, accountName: String = "", capturedAt: Date = Date(), readSources: Set<ZoomDataSource> = Set(ZoomDataSource.allCases)) -> PostureSnapshot {
        let iso = ISO8601DateFormatter()
        // Two time stamps per user: ISO8601DateFormatter alone spent about 2 s on 10,000 users.
        func date(_ text: String?) -> Date? { text.flatMap { FastFormats.parseUTCTimestamp($0) ?? iso.date(from: $0) } }
        func failed(_ source: ZoomDataSource) -> Bool { failures[source] != nil || !readSources.contains(source) }

        var unavailable: [DataSource: String] = [:]
        for (source, error) in failures {
            let reason: String
            switch error.kind {
            case .missingScopes(let scopes): reason = "missing scope \(scopes.joined(separator: ", "))"
            case .notPermitted(let message): reason = "not permitted: \(message)"
            default: reason = error.description
            }
            unavailable[DataSource(source)] = reason
        }
        for source in ZoomDataSource.allCases where !readSources.contains(source) && unavailable[DataSource(source)] == nil {
            unavailable[DataSource(source)] = "not read in this scan"
        }

        let postureUsers: [PostureSnapshot.User]? = failed(.users) ? nil : users.map { user in
            PostureSnapshot.User(
                id: user.id, email: user.email ?? "", displayName: user.displayName ?? "\(user.firstName ?? "") \(user.lastName ?? "")",
                type: user.type ?? 1, status: user.status ?? "active", roleID: user.roleId ?? "2", groupIDs: user.groupIds ?? [],
                loginTypes: user.loginTypes, lastLoginTime: date(user.lastLoginTime), createdAt: date(user.userCreatedAt ?? user.createdAt))
        }
        // Memberships come from the users (`group_ids`, `role_id`): unknown when the users were not read,
        // and then the group's size is the one its listing gives.
        let membersKnown = !failed(.users)
        let postureGroups: [PostureSnapshot.Group]? = failed(.groups) ? nil : groups.map { group in
            let known = membersKnown && group.membersKnown
            return PostureSnapshot.Group(id: group.group.id, name: group.group.name ?? group.group.id, memberIDs: known ? group.members.compactMap(\.id) : [],
                                         settings: group.settings, lockSettings: group.lockSettings,
                                         memberCount: known ? nil : group.group.totalMembers ?? 0)
        }
        let postureRoles: [PostureSnapshot.Role]? = failed(.roles) ? nil : roles.map { role in
            PostureSnapshot.Role(id: role.role.id, name: role.role.name ?? role.role.id,
                                 memberIDs: membersKnown && role.membersKnown ? role.members.compactMap(\.id) : [])
        }
        return PostureSnapshot(
            accountID: accountID, accountName: accountName, capturedAt: capturedAt,
            accountSettings: failed(.accountSettings) ? nil : accountSettings,
            lockSettings: failed(.lockSettings) ? nil : lockSettings,
            users: postureUsers, groups: postureGroups, roles: postureRoles,
            managedDomains: failed(.domains) ? nil : (managedDomains?.domains ?? []).map { (domain: $0.domain ?? "", status: $0.status ?? "") },
            trustedDomains: failed(.domains) ? nil : trustedDomains?.trustedDomains,
            channels: failed(.chatChannels) ? nil : channels.map { channel in
                PostureSnapshot.Channel(id: channel.id, name: channel.name ?? channel.id, type: channel.type ?? 0,
                                        allowExternalUsers: channel.channelSettings?.allowToAddExternalUsers)
            },
            operationLogRows: failed(.operationLog) ? nil : operationLogs.count,
            signInRows: failed(.signInReport) ? nil : activityLogs.count,
            unavailable: unavailable)
    }
}
