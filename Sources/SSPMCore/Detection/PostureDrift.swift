import Foundation

/// A control that passed in one scan and fails (or warns) in the next: posture drift.
public struct ControlDrift: Sendable, Hashable {
    public var controlId: String
    public var title: String
    public var severity: Severity
    public var from: Verdict
    public var to: Verdict
    /// What each scan found (the finding's detail: the values it read).
    public var before: String
    public var after: String
    public var portalPath: String
}

public enum PostureDrift {
    /// The policy id drift alerts carry (for routing and filtering, beside the stored policies).
    public static let policyID = "posture-drift"

    /// Controls that went from pass to fail or warn between `previous` and `current`.
    public static func changes(from previous: ScanResult, to current: ScanResult) -> [ControlDrift] {
        let before = Dictionary(previous.findings.map { ($0.controlId, $0) }, uniquingKeysWith: { a, _ in a })
        return current.findings.compactMap { now in
            guard let was = before[now.controlId], was.verdict == .pass, now.verdict == .fail || now.verdict == .warn else { return nil }
            return ControlDrift(controlId: now.controlId, title: now.title, severity: now.severity, from: was.verdict, to: now.verdict,
                                before: was.detail, after: now.detail, portalPath: now.portalPath)
        }
    }

    /// The alert for one drift, scoped to its control; `changedBy` is who the activity says made
    /// the change (nil when nothing says).
    public static func alert(_ drift: ControlDrift, at: Date, changedBy: String?) -> DetectionAlert {
        DetectionAlert(policyID: policyID, policyVersion: 1,
                       title: "\(drift.controlId) now \(drift.to == .fail ? "fails" : "warns"): \(drift.title)" + (changedBy.map { " (changed by \($0))" } ?? ""),
                       severity: drift.severity, key: drift.controlId, actor: changedBy ?? "", value: drift.after, firstSeen: at, lastSeen: at, count: 1,
                       evidence: [])
    }

    public static func context(_ drift: ControlDrift, changedBy: String?) -> JSONValue {
        var context: JSONValue = ["controlId": .string(drift.controlId), "from": .string(drift.from.rawValue), "to": .string(drift.to.rawValue),
                                  "before": .string(drift.before), "after": .string(drift.after), "portalPath": .string(drift.portalPath)]
        if let changedBy { context["changedBy"] = .string(changedBy) }
        return context
    }
}
