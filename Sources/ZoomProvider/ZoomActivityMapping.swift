import Foundation
import SSPMCore
import SSPMProvider
import ZoomAPI

/// Zoom's activity records in the core's shape. The fields are Zoom's own:
/// - sign-in report (`GET /report/activities`): `email`, `time`, `type` (`Sign in` / `Sign out`),
///   `ip_address`, `client_type`, `version` — Zoom lists only successful sign-ins;
/// - operation log (`GET /report/operationlogs`): `time`, `operator`, `category_type`, `action`,
///   `operation_detail` (free text, kept as Zoom wrote it, irregular spacing included);
/// - webhooks: `event`, `event_ts`, `payload.operator`, `payload.object`.
/// Fingerprints are those the service has always stored, so re-fetched rows stay no-ops across upgrades.
public enum ZoomActivityMapping {
    public static func signIn(_ row: JSONValue) -> ActivityEvent {
        let email = row["email"]?.stringValue ?? ""
        let type = row["type"]?.stringValue
        let client = [row["client_type"]?.stringValue, row["version"]?.stringValue].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: " ")
        return ActivityEvent(
            provider: ZoomProvider.kind, stream: "signin", category: "authentication", action: type, actor: email, target: email.isEmpty ? nil : email,
            outcome: .success, ipAddress: row["ip_address"]?.stringValue, client: client.isEmpty ? nil : client,
            occurredAt: time(row["time"]), correlation: ActivityCorrelation.forReportRow(row),
            fingerprint: ActivityFingerprint.make(kind: "signin", row), raw: row)
    }

    public static func operation(_ row: JSONValue) -> ActivityEvent {
        let detail = row["operation_detail"]?.stringValue
        return ActivityEvent(
            provider: ZoomProvider.kind, stream: "operation", category: row["category_type"]?.stringValue, action: row["action"]?.stringValue,
            actor: row["operator"]?.stringValue ?? "", target: detail.flatMap(target(inDetail:)), outcome: .success, detail: detail,
            occurredAt: time(row["time"]), fingerprint: ActivityFingerprint.make(kind: "operation", row), raw: row)
    }

    /// A verified webhook; its body is stored as received (`raw` holds the event name only: the
    /// store keeps the bytes).
    public static func event(_ envelope: ZoomWebhookEnvelope) -> ActivityEvent {
        let name = envelope.event
        let object = envelope.payload?.object
        let signIn = name == "user.signed_in" || name == "user.signed_out"
        var occurred = Date(timeIntervalSince1970: Double(envelope.eventTs ?? 0) / 1000)
        if signIn, let text = object?.dateTime, let time = FastFormats.parseTime(text) { occurred = time }
        let category = name.split(separator: ".").first.map(String.init)
        // Zoom's retries repeat the body byte for byte: the same fingerprint, stored once.
        return ActivityEvent(
            provider: ZoomProvider.kind, stream: signIn ? "signin" : "webhook", category: signIn ? "authentication" : category, action: name,
            actor: envelope.payload?.operator ?? object?.email ?? "", target: object?.email ?? object?.id,
            outcome: signIn ? .success : .unknown, occurredAt: occurred,
            correlation: ActivityCorrelation.forWebhook(event: name, email: object?.email, dateTime: object?.dateTime),
            fingerprint: ActivityFingerprint.make(kind: "webhook", raw: envelope.raw), raw: ["event": .string(name)])
    }

    static func time(_ value: JSONValue?) -> Date {
        value?.stringValue.flatMap { FastFormats.parseTime($0) } ?? Date(timeIntervalSince1970: 0)
    }

    /// The object an operation-log detail names, when it starts with one: Zoom writes
    /// `Update User  a@b.c - …` or `Add Role member: a@b.c`; the first e-mail address is the target.
    static func target(inDetail detail: String) -> String? {
        for word in detail.split(whereSeparator: { $0 == " " || $0 == "," || $0 == ";" || $0 == "(" || $0 == ")" }) where word.contains("@") {
            let trimmed = word.trimmingCharacters(in: CharacterSet(charactersIn: ".:'\""))
            if trimmed.split(separator: "@").count == 2 { return trimmed }
        }
        return nil
    }
}
