import Foundation
import SSPMCore
import SSPMProvider
import ZoomProvider
@testable import ZoomSimulator

/// Builds snapshots for control tests from the schema-valid default bodies (Zoom's official documents).
enum Fixture {
    static let now = ISO8601DateFormatter().date(from: "2026-11-22T12:00:00Z")!

    static func user(_ n: Int, role: String = "2", type: Int = 2, status: String = "active", groups: [String] = [],
                     login: [Int]? = [101], lastLoginDaysAgo: Double? = 1) -> PostureSnapshot.User {
        PostureSnapshot.User(id: "u\(n)", email: "user\(n)@example.com", type: type, status: status, roleID: role, groupIDs: groups,
                             loginTypes: login, lastLoginTime: lastLoginDaysAgo.map { now.addingTimeInterval(-$0 * 86_400) },
                             createdAt: now.addingTimeInterval(-400 * 86_400))
    }

    /// An account whose settings are the defaults with `changes` applied (dotted path → value).
    static func snapshot(
        settings changes: [String: JSONValue] = [:], locks lockChanges: [String: JSONValue] = [:],
        groups: [PostureSnapshot.Group] = [], users: [PostureSnapshot.User]? = nil,
        removeSettings: Bool = false, removeLocks: Bool = false, removeGroups: Bool = false
    ) -> PostureSnapshot {
        var settings = Defaults.account
        for (path, value) in changes { settings.setValue(value, at: path) }
        var locks = Defaults.accountLock
        for (path, value) in lockChanges { locks.setValue(value, at: path) }
        return PostureSnapshot(
            accountID: "acct", accountName: "Test", capturedAt: now,
            accountSettings: removeSettings ? nil : settings, lockSettings: removeLocks ? nil : locks,
            users: users ?? (1...10).map { user($0, groups: $0 <= 4 ? ["g1"] : []) },
            groups: removeGroups ? nil : groups, roles: [], managedDomains: [], trustedDomains: [], channels: [],
            operationLogRows: 5, signInRows: 5,
            unavailable: removeSettings ? [.accountSettings: "missing scope account:read:admin"] : [:])
    }

    /// A group with members u1…u4 whose settings are the group defaults with `changes`.
    static func group(_ id: String = "g1", name: String = "Contractors", members: [String] = ["u1", "u2", "u3", "u4"],
                      settings changes: [String: JSONValue]) -> PostureSnapshot.Group {
        var settings = JSONValue.object([:])
        for (path, value) in changes { settings.setValue(value, at: path) }
        return PostureSnapshot.Group(id: id, name: name, memberIDs: members, settings: settings, lockSettings: nil)
    }

    static func evaluate(_ id: String, _ snapshot: PostureSnapshot, baseline: Baseline = Baseline()) -> Evaluation {
        ZoomCatalogue.control(id)!.evaluate(snapshot, baseline)
    }
}
