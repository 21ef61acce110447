import Foundation
import SSPMCore

extension JSONValue {
    /// A short rendering for findings: `true`, `30`, `"all"`.
    public var brief: String {
        switch self {
        case .null: return "null"
        case .bool(let b): return b ? "on" : "off"
        case .int(let i): return String(i)
        case .double(let d): return String(d)
        case .string(let s): return "\"\(s)\""
        case .array(let a): return "[" + a.map(\.brief).joined(separator: ", ") + "]"
        case .object: return "{…}"
        }
    }
}

/// A control over one setting with Zoom's account → group inheritance and lock flags:
/// - the account value must comply (else `fail`, crediting groups that comply);
/// - a compliant value that is not locked, or whose lock state is unknown, is at best `warn`;
/// - a group whose own value breaks it turns `pass` into `warn`, naming the group and its members;
/// - coverage is the share of active users whose effective value complies.
public struct SettingRule: Sendable {
    /// Path in the settings document (tenant-file convention), e.g. `meeting_security.waiting_room`.
    public var path: String
    /// Path in the lock settings, when Zoom has a lock for it.
    public var lockPath: String?
    /// What compliant means, for the finding's text.
    public var expectation: @Sendable (Baseline) -> String
    public var isCompliant: @Sendable (JSONValue, Baseline) -> Bool

    public init(_ path: String, lock lockPath: String? = nil, expect expectation: @escaping @Sendable (Baseline) -> String,
                _ isCompliant: @escaping @Sendable (JSONValue, Baseline) -> Bool) {
        self.path = path
        self.lockPath = lockPath
        self.expectation = expectation
        self.isCompliant = isCompliant
    }

    /// `path` must be `value`; locked when `locked` is true (the lock key has the same path).
    public static func equals(_ path: String, _ value: JSONValue, locked: Bool = true) -> SettingRule {
        SettingRule(path, lock: locked ? path : nil, expect: { _ in "\(value.brief)" }) { found, _ in found == value }
    }

    public func evaluate(_ snapshot: PostureSnapshot, _ baseline: Baseline) -> Evaluation {
        guard let settings = snapshot.accountSettings else { return Evaluation(.error, snapshot.missing(.accountSettings)) }
        guard let value = settings.value(at: path), !value.isNull else {
            return Evaluation(.error, "Zoom did not return \(path) in the account settings, so it cannot be judged.")
        }
        let expected = expectation(baseline)
        let accountOK = isCompliant(value, baseline)
        var locked: Bool?
        if let lockPath, let locks = snapshot.lockSettings { locked = locks.value(at: lockPath)?.boolValue }
        let lockedAtAccount = lockPath != nil && locked == true

        // Groups inherit the account's value unless they set their own; a locked setting cannot be overridden.
        var breaking: [AffectedGroup] = []
        var fixing: [AffectedGroup] = []
        var breakingMembers = Set<String>()
        var fixingMembers = Set<String>()
        if let groups = snapshot.groups, !lockedAtAccount {
            for group in groups {
                guard let groupValue = group.settings?.value(at: path), !groupValue.isNull else { continue }
                let groupOK = isCompliant(groupValue, baseline)
                let affected = AffectedGroup(id: group.id, name: group.name, members: group.memberCount, value: groupValue.brief)
                if accountOK, !groupOK {
                    breaking.append(affected)
                    breakingMembers.formUnion(group.memberIDs)
                } else if !accountOK, groupOK {
                    fixing.append(affected)
                    fixingMembers.formUnion(group.memberIDs)
                }
            }
        }
        var coverage: Double?
        if snapshot.users != nil {
            let active = snapshot.activeUserIDs
            if !active.isEmpty {
                coverage = accountOK
                    ? 1 - Double(breakingMembers.filter(active.contains).count) / Double(active.count)
                    : Double(fixingMembers.filter { active.contains($0) && !breakingMembers.contains($0) }.count) / Double(active.count)
            }
        }

        if !accountOK {
            var detail = "\(path) is \(value.brief) at the account; expected \(expected)."
            if !fixing.isEmpty { detail += " \(fixing.count) group(s) set a compliant value of their own: \(fixing.map(\.name).joined(separator: ", "))." }
            // Every group that keeps a non-compliant value (its own or the account's) is affected.
            let fixingIDs = Set(fixing.map(\.id))
            let affected = (snapshot.groups ?? []).filter { !fixingIDs.contains($0.id) }.map { group in
                AffectedGroup(id: group.id, name: group.name, members: group.memberCount,
                              value: (group.settings?.value(at: path) ?? value).brief)
            }
            return Evaluation(.fail, detail, affectedGroups: affected, coverage: coverage ?? 0)
        }
        if !breaking.isEmpty {
            let members = breaking.reduce(0) { $0 + $1.members }
            return Evaluation(.warn, "\(path) is \(value.brief) at the account, but \(breaking.count) group(s) with \(members) member(s) override it: \(breaking.map(\.name).joined(separator: ", ")).",
                              affectedGroups: breaking, coverage: coverage)
        }
        if lockPath != nil, snapshot.lockSettings == nil {
            return Evaluation(.warn, "\(path) is \(value.brief) as expected, but the lock settings could not be read, so groups and users may be able to change it.", coverage: coverage)
        }
        if lockPath != nil, locked != true {
            return Evaluation(.warn, "\(path) is \(value.brief) as expected, but it is not locked: groups and users can turn it back.", coverage: coverage)
        }
        // `security.*` lives only at the account (no group or user value), so unread groups do not matter for it.
        if !lockedAtAccount, snapshot.groups == nil, !path.hasPrefix("security.") {
            return Evaluation(.warn, "\(path) is \(value.brief) as expected; group overrides could not be checked (\(snapshot.unavailable[.groups] ?? "groups not read")).", coverage: coverage)
        }
        return Evaluation(.pass, "\(path) is \(value.brief)" + (lockedAtAccount ? " and locked." : "."), coverage: coverage.map { _ in 1 })
    }
}

extension Control where Snapshot == PostureSnapshot {
    /// A control decided by one setting rule.
    public static func setting(_ metadata: ControlMetadata, _ rule: SettingRule) -> ZoomControl {
        ZoomControl(metadata) { snapshot, baseline in rule.evaluate(snapshot, baseline) }
    }
}
