import Foundation
import SSPMCore
import ZoomAPI

extension Tenant {
    /// The tenant as the account reader would have read it, without going over HTTP (offline scans
    /// of tenant files). Each part is decoded with the same models the client uses.
    public func accountData(from: Date? = nil, to: Date? = nil) throws -> ZoomAccountData {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let encoder = JSONEncoder()
        func decode<T: Decodable>(_ value: JSONValue, as type: T.Type) throws -> T {
            try decoder.decode(T.self, from: encoder.encode(value))
        }
        var data = ZoomAccountData()
        data.accountSettings = settings ?? Defaults.account
        data.lockSettings = lockSettings ?? Defaults.accountLock
        data.users = try decode(.array(users), as: [ZoomUser].self)
        data.groups = try groups.map { group in
            let members = (group["members"]?.arrayValue ?? []).compactMap(\.stringValue)
            let memberObjects = members.map { ZoomMember(id: $0) }
            return ZoomGroupData(group: try decode(group, as: ZoomGroup.self), settings: group["settings"] ?? Defaults.group,
                                 lockSettings: group["lock_settings"] ?? Defaults.groupLock, members: memberObjects)
        }
        data.roles = try roles.map { role in
            let members = (role["members"]?.arrayValue ?? []).compactMap(\.stringValue).map {
                ZoomMember(id: $0)
            }
            return ZoomRoleData(role: try decode(role, as: ZoomRole.self), members: members)
        }
        data.managedDomains = try decode(managedDomains ?? ["domains": [], "total_records": 0], as: ZoomManagedDomains.self)
        data.trustedDomains = try decode(trustedDomains ?? ["trusted_domains": []], as: ZoomTrustedDomains.self)
        func inWindow(_ row: JSONValue) -> Bool {
            guard let from, let to, let time = row["time"]?.stringValue.flatMap(ZoomSimulatorEngine.parseTimestamp) else { return from == nil }
            return time >= from && time <= to
        }
        data.activityLogs = try decode(.array(activityLogs.filter(inWindow)), as: [ZoomActivityLog].self)
        data.operationLogs = try decode(.array(operationLogs.filter(inWindow)), as: [ZoomOperationLog].self)
        data.channels = try decode(.array(channels.filter { [3, 5].contains($0["type"]?.intValue ?? 3) }), as: [ZoomChannel].self)
        if plan == .free {
            let error = ZoomAPIError(.notPermitted(message: "No permission."))
            data.failures[.signInReport] = error
            data.failures[.operationLog] = error
        }
        return data
    }
}
