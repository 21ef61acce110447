import CSV
import Foundation
import SSPMCore

/// Exports of the activity log: CSV, JSON lines and OCSF 1.3 (Authentication 3002 for sign-ins,
/// Account Change 3001 for changes to users, Entity Management 3004 for other admin operations).
public enum ActivityFormatter {
    /// What one activity says, whatever its source (report row or webhook).
    public struct Summary: Sendable, Hashable {
        public var action: String
        public var target: String
        public var detail: String
    }

    /// From the normalised event alone: its action, its target, and its detail (or its client).
    public static func summary(_ a: ActivityEvent) -> Summary {
        Summary(action: a.action ?? "", target: a.target ?? "", detail: a.detail ?? a.client ?? "")
    }

    static func compact(_ value: JSONValue) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(value), as: UTF8.self)) ?? ""
    }

    static func isoString(_ date: Date) -> String { FastFormats.utcTimestamp(date) }

    public static let csvHeader = ["time", "kind", "user", "ipAddress", "action", "target", "detail", "fingerprint"]

    /// Text from a provider may start like a spreadsheet formula (`=HYPERLINK(…)`); opened in Excel or
    /// Sheets it would run. Such a cell gets a leading apostrophe, as OWASP advises for CSV exports.
    public static func spreadsheetSafe(_ cell: String) -> String {
        guard let first = cell.unicodeScalars.first, ["=", "+", "-", "@", "\t", "\r"].contains(first) else { return cell }
        return "'" + cell
    }

    public static func csv(_ items: [ActivityEvent], header: Bool = true) throws -> String {
        let writer = try CSVWriter(stream: .toMemory())
        if header { try writer.write(row: csvHeader) }
        for a in items {
            let s = summary(a)
            try writer.write(row: [isoString(a.occurredAt), a.stream, a.actor, a.ipAddress ?? "", s.action, s.target, s.detail, a.fingerprint].map(spreadsheetSafe))
        }
        writer.stream.close()
        let data = writer.stream.property(forKey: .dataWrittenToMemoryStreamKey) as? Data ?? Data()
        let text = String(decoding: data, as: UTF8.self)
        return text.isEmpty ? "" : text + "\n"
    }

    /// `catalogue` names the vendor (product, service) of the connector the events came from.
    public static func ocsf(_ a: ActivityEvent, accountID: String, catalogue: RuleCatalogue) -> JSONValue {
        let s = summary(a)
        let time = JSONValue.int(Int64((a.occurredAt.timeIntervalSince1970 * 1000).rounded()))
        let metadata: JSONValue = ["version": "1.3.0", "uid": .string(a.fingerprint), "original_time": .string(isoString(a.occurredAt)),
                                   "product": ["name": .string(catalogue.vendor), "vendor_name": .string(catalogue.vendorCompany), "feature": ["name": .string(a.stream)]],
                                   "tenant_uid": .string(accountID)]
        let actorUser: JSONValue = ["email_addr": .string(a.actor), "name": .string(a.actor), "type_id": 1, "type": "User"]
        var event: JSONValue
        if a.stream == "signin" {
            let signOut = s.action.lowercased().contains("out")
            let activity: (Int64, String) = signOut ? (2, "Logoff") : (1, "Logon")
            event = ["class_uid": 3002, "class_name": "Authentication", "category_uid": 3, "category_name": "Identity & Access Management",
                     "activity_id": .int(activity.0), "activity_name": .string(activity.1), "type_uid": .int(300200 + activity.0),
                     "type_name": .string("Authentication: \(activity.1)"), "user": actorUser, "status_id": 1, "status": "Success",
                     "service": ["name": .string(catalogue.vendor)]]
            if let ip = a.ipAddress { event["src_endpoint"] = ["ip": .string(ip)] }
            if let client = a.client, !client.isEmpty { event["http_request"] = ["user_agent": .string(client)] }
            if a.outcome == .failure { event["status_id"] = 2; event["status"] = "Failure" }
        } else {
            let lowered = s.action.lowercased()
            let userChange = a.category?.lowercased() == "user"
            if userChange {
                let activity: (Int64, String) = lowered.contains("add") || lowered.contains("created") ? (1, "Create")
                    : lowered.contains("activated") && !lowered.contains("deactivated") ? (2, "Enable")
                    : lowered.contains("deactivat") || lowered.contains("disable") ? (5, "Disable")
                    : lowered.contains("delete") ? (6, "Delete") : (99, "Other")
                let target = s.target.isEmpty || s.target.lowercased() == "user" ? a.actor : s.target
                event = ["class_uid": 3001, "class_name": "Account Change", "category_uid": 3, "category_name": "Identity & Access Management",
                         "activity_id": .int(activity.0), "activity_name": .string(activity.1), "type_uid": .int(300100 + activity.0),
                         "type_name": .string("Account Change: \(activity.1)"),
                         "user": ["name": .string(target), "email_addr": .string(target.contains("@") ? target : ""), "type_id": 1, "type": "User"],
                         "actor": ["user": actorUser], "status_id": 1, "status": "Success"]
            } else {
                let activity: (Int64, String) = lowered.contains("add") || lowered.contains("create") ? (1, "Create")
                    : lowered.contains("delete") || lowered.contains("remove") ? (4, "Delete")
                    : lowered.contains("update") || lowered.contains("settings") || lowered.contains("edit") ? (3, "Update") : (99, "Other")
                event = ["class_uid": 3004, "class_name": "Entity Management", "category_uid": 3, "category_name": "Identity & Access Management",
                         "activity_id": .int(activity.0), "activity_name": .string(activity.1), "type_uid": .int(300400 + activity.0),
                         "type_name": .string("Entity Management: \(activity.1)"),
                         "entity": ["name": .string(s.target.isEmpty ? s.action : s.target), "type": .string(a.category ?? catalogue.vendor)],
                         "actor": ["user": actorUser], "status_id": 1, "status": "Success"]
            }
            if !s.detail.isEmpty { event["message"] = .string(String(s.detail.prefix(2000))) }
        }
        event["time"] = time
        event["severity_id"] = 1
        event["severity"] = "Informational"
        event["metadata"] = metadata
        event["unmapped"] = .object([a.provider: a.raw])
        return event
    }

    /// One JSON object per line.
    public static func ocsfLines(_ items: [ActivityEvent], accountID: String, catalogue: RuleCatalogue) -> String {
        items.map { compact(ocsf($0, accountID: accountID, catalogue: catalogue)) + "\n" }.joined()
    }
}
