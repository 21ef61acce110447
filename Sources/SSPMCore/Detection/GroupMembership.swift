import Foundation

/// What a policy's `groups` and `excludeGroups` match an actor against: each user's group ids and
/// group names, and their role as `role:<name>` (`role:Owner`, `role:Admin`, a custom role's
/// name), keyed by e-mail address, in lower case, sorted (so two inventories compare equal when
/// the membership is the same, whatever order the provider listed it in). Built from the latest
/// users inventory. A group named like a role (`role:Admin`) counts as that role: only account
/// admins name groups.
///
/// When a directory is paired, each user also has `directory:<standing>`: `directory:enabled`,
/// `directory:disabled` (their directory account is disabled) or `directory:missing` (the
/// directory has no account with their address), so a policy can single out leavers.
public enum GroupMembership {
    public static func of(_ users: [InventoryUser]) -> [String: [String]] {
        var out: [String: Set<String>] = [:]
        for user in users where !user.email.isEmpty {
            var entries = user.groupIDs + (user.groupNames ?? [])
            let role = user.roleName ?? user.roleID
            if !role.isEmpty { entries.append("role:" + role) }
            if let standing = user.directoryStanding { entries.append("directory:" + standing.rawValue) }
            out[user.email.lowercased(), default: []].formUnion(entries.map { $0.lowercased() })
        }
        return out.mapValues { $0.sorted() }
    }
}

extension EventMatch {
    /// Whether the match reads group membership (the engine then needs the inventory).
    public var readsGroups: Bool { groups?.isEmpty == false || excludeGroups?.isEmpty == false }
}
