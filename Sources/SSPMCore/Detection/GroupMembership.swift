import Foundation

/// What a policy's `groups` and `excludeGroups` match an actor against: each user's group ids and
/// group names, and their role as `role:<name>` (`role:Owner`, `role:Admin`, a custom role's
/// name), keyed by e-mail address. Built from the latest users inventory.
public enum GroupMembership {
    public static func of(_ users: [InventoryUser]) -> [String: [String]] {
        var out: [String: [String]] = [:]
        for user in users where !user.email.isEmpty {
            var entries = user.groupIDs + (user.groupNames ?? [])
            let role = user.roleName ?? user.roleID
            if !role.isEmpty { entries.append("role:" + role) }
            out[user.email.lowercased(), default: []].append(contentsOf: entries)
        }
        return out
    }
}

extension EventMatch {
    /// Whether the match reads group membership (the engine then needs the inventory).
    public var readsGroups: Bool { groups?.isEmpty == false || excludeGroups?.isEmpty == false }
}
