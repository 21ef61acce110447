import Foundation
import SSPMCore

/// Detection alerts as a table, JSON, or OCSF 1.3 Detection Findings (class 2004, one per line).
public enum DetectionFormatter {
    public enum Format: String, CaseIterable, Sendable { case table, json, ocsf }

    public static func render(_ alerts: [DetectionAlert], policies: [DetectionPolicy], evaluated: Int, suppressed: [String: Int],
                              as format: Format, accountID: String, catalogue: RuleCatalogue) -> String {
        switch format {
        case .json: return json(alerts, evaluated: evaluated, suppressed: suppressed)
        case .ocsf: return alerts.map { ActivityFormatter.compact(ocsf($0, accountID: accountID, catalogue: catalogue)) + "\n" }.joined()
        case .table: return table(alerts, policies: policies, evaluated: evaluated, suppressed: suppressed)
        }
    }

    /// `{"alerts":[{"ruleId","title","severity","actor","time","count","evidence":[…]}], "evaluated", "suppressed"}`.
    public static func json(_ alerts: [DetectionAlert], evaluated: Int, suppressed: [String: Int]) -> String {
        let items: [JSONValue] = alerts.map { alert in
            var item: JSONValue = ["ruleId": .string(alert.policyID), "ruleVersion": .int(Int64(alert.policyVersion)), "title": .string(alert.title),
                                   "severity": .string(alert.severity.rawValue), "key": .string(alert.key), "actor": .string(alert.actor),
                                   "time": .string(ActivityFormatter.isoString(alert.firstSeen)), "lastTime": .string(ActivityFormatter.isoString(alert.lastSeen)),
                                   "count": .int(Int64(alert.count)), "evidence": .array(alert.evidence.map(JSONValue.string))]
            if let value = alert.value { item["value"] = .string(value) }
            return item
        }
        let document: JSONValue = ["alerts": .array(items), "evaluated": .int(Int64(evaluated)),
                                   "suppressed": .object(suppressed.mapValues { .int(Int64($0)) })]
        return ActivityFormatter.compact(document) + "\n"
    }

    static func ocsfSeverity(_ severity: Severity) -> (Int64, String) {
        switch severity {
        case .info: return (1, "Informational")
        case .low: return (2, "Low")
        case .medium: return (3, "Medium")
        case .high: return (4, "High")
        case .critical: return (5, "Critical")
        }
    }

    /// A new alert as an OCSF Detection Finding: activity Create, status New.
    public static func ocsf(_ alert: DetectionAlert, accountID: String, catalogue: RuleCatalogue) -> JSONValue {
        let severity = ocsfSeverity(alert.severity)
        func millis(_ date: Date) -> JSONValue { .int(Int64((date.timeIntervalSince1970 * 1000).rounded())) }
        let uid = "\(alert.policyID):\(alert.key):\(Int64(alert.firstSeen.timeIntervalSince1970))"
        return [
            "class_uid": 2004, "class_name": "Detection Finding", "category_uid": 2, "category_name": "Findings",
            "activity_id": 1, "activity_name": "Create", "type_uid": 200401, "type_name": "Detection Finding: Create",
            "status_id": 1, "status": "New", "severity_id": .int(severity.0), "severity": .string(severity.1), "is_alert": true,
            "time": millis(alert.firstSeen), "start_time": millis(alert.firstSeen), "end_time": millis(alert.lastSeen),
            "message": .string(alert.title),
            "finding_info": ["uid": .string(uid), "title": .string(alert.title),
                             "analytic": ["uid": .string(alert.policyID), "name": .string(alert.policyID), "type_id": 1, "type": "Rule",
                                          "version": .string(String(alert.policyVersion))],
                             "first_seen_time": millis(alert.firstSeen), "last_seen_time": millis(alert.lastSeen),
                             "related_events_count": .int(Int64(alert.count)),
                             "related_events": .array(alert.evidence.map { ["uid": .string($0)] })],
            "evidences": [["actor": ["user": ["email_addr": .string(alert.actor), "name": .string(alert.actor), "type_id": 1, "type": "User"]]]],
            "metadata": ["version": "1.3.0", "uid": .string(uid),
                         "product": ["name": "OpenSSPM", "vendor_name": "OpenSSPM", "feature": ["name": .string("\(catalogue.vendor) detection")]],
                         "tenant_uid": .string(accountID)],
        ]
    }

    static func table(_ alerts: [DetectionAlert], policies: [DetectionPolicy], evaluated: Int, suppressed: [String: Int]) -> String {
        var lines = ["\(alerts.count) alert(s) from \(policies.count) enabled polic\(policies.count == 1 ? "y" : "ies") over \(evaluated) event(s)."]
        if !alerts.isEmpty {
            lines.append("")
            lines.append("SEVERITY  RULE    FIRST SEEN (UTC)      COUNT  TITLE")
            for alert in alerts.sorted(by: { ($0.severity, $1.firstSeen) > ($1.severity, $0.firstSeen) }) {
                let time = ActivityFormatter.isoString(alert.firstSeen)
                lines.append("\(alert.severity.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) \(alert.policyID.padding(toLength: 7, withPad: " ", startingAt: 0)) \(time.padding(toLength: 21, withPad: " ", startingAt: 0)) \(String(alert.count).padding(toLength: 6, withPad: " ", startingAt: 0)) \(LogText.clean(alert.title))")
            }
        }
        for (id, count) in suppressed.sorted(by: { $0.key < $1.key }) {
            lines.append("\(id): \(count) alert(s) over the daily cap were not raised.")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
