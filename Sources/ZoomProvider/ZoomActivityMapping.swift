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
    /// Raised when the mapping below changes: stored rows are re-mapped from their payload.
    /// 2: a sign-in webhook reads as its report row does (category `authentication`, action
    /// `Sign in` / `Sign out`, the client named as the report names it), so one policy matches both.
    public static let version = 2

    /// The report's client names for a sign-in webhook's `client_type` codes.
    static let webhookClients = ["browser": "Browser", "mac": "Mac", "win": "Windows", "windows": "Windows", "iphone": "iOS", "ipad": "iOS", "ios": "iOS",
                                 "android": "Android", "linux": "Linux"]

    public static func signIn(_ row: JSONValue) -> ActivityEvent {
        let email = row["email"]?.stringValue ?? ""
        let client = [row["client_type"]?.stringValue, row["version"]?.stringValue].compactMap { $0 }.joined(separator: " ")
        return ActivityEvent(
            provider: ZoomProvider.kind, stream: "signin", category: "authentication", action: row["type"]?.stringValue ?? "Sign in", actor: email,
            target: email.isEmpty ? nil : email, outcome: .success, ipAddress: row["ip_address"]?.stringValue, client: client.isEmpty ? nil : client,
            occurredAt: time(row["time"]), correlation: ActivityCorrelation.forReportRow(row),
            fingerprint: ActivityFingerprint.make(kind: "signin", row), raw: row)
    }

    /// The target is the first e-mail address in the detail (`Update User  a@b.c - …`), else the
    /// category (what the operation was done to: `User`, `Account`, `Role`).
    public static func operation(_ row: JSONValue) -> ActivityEvent {
        let detail = row["operation_detail"]?.stringValue
        let category = row["category_type"]?.stringValue
        return ActivityEvent(
            provider: ZoomProvider.kind, stream: "operation", category: category, action: row["action"]?.stringValue,
            actor: row["operator"]?.stringValue ?? "", target: detail.flatMap(target(inDetail:)) ?? category, outcome: .success, detail: detail,
            occurredAt: time(row["time"]), fingerprint: ActivityFingerprint.make(kind: "operation", row), raw: row)
    }

    /// A verified webhook, from its typed envelope (the body is not decoded into a tree: the
    /// intake answers thousands a second). The detail is `payload.object` as Zoom sent it; the
    /// store keeps the body as received, so `raw` here names only the event.
    public static func event(_ envelope: ZoomWebhookEnvelope) -> ActivityEvent {
        let name = envelope.event
        let object = envelope.payload?.object
        let signIn = name == "user.signed_in" || name == "user.signed_out"
        var occurred = Date(timeIntervalSince1970: Double(envelope.eventTs ?? 0) / 1000)
        if signIn, let text = object?.dateTime, let time = FastFormats.parseTime(text) { occurred = time }
        let detail = JSONSlice.value(at: ["payload", "object"], in: envelope.raw).map { String(decoding: $0, as: UTF8.self) }
        // Zoom's retries repeat the body byte for byte: the same fingerprint, stored once.
        if signIn {
            let email = object?.email ?? ""
            let clientType = object?.clientType.map { Self.webhookClients[$0.lowercased()] ?? $0 }
            let client = [clientType, object?.version].compactMap { $0 }.joined(separator: " ")
            return ActivityEvent(
                provider: ZoomProvider.kind, stream: "signin", category: "authentication", action: name == "user.signed_in" ? "Sign in" : "Sign out",
                actor: email, target: email.isEmpty ? nil : email, outcome: .success, client: client.isEmpty ? nil : client, detail: detail, occurredAt: occurred,
                correlation: ActivityCorrelation.forWebhook(event: name, email: object?.email, dateTime: object?.dateTime),
                fingerprint: ActivityFingerprint.make(kind: "webhook", raw: envelope.raw), raw: ["event": .string(name)])
        }
        return ActivityEvent(
            provider: ZoomProvider.kind, stream: "webhook", category: name.split(separator: ".").first.map(String.init), action: name,
            actor: envelope.payload?.operator ?? object?.email ?? "", target: object?.email ?? object?.name ?? object?.id,
            outcome: .unknown, detail: detail, occurredAt: occurred,
            correlation: ActivityCorrelation.forWebhook(event: name, email: object?.email, dateTime: object?.dateTime),
            fingerprint: ActivityFingerprint.make(kind: "webhook", raw: envelope.raw), raw: ["event": .string(name)])
    }

    /// A stored record mapped again (`source` "webhook": a body as received; else a report row).
    public static func remap(stream: String, source: String, payload: Data) -> ActivityEvent? {
        if source == "webhook" {
            guard var envelope = try? JSONDecoder().decode(ZoomWebhookEnvelope.self, from: payload) else { return nil }
            envelope.raw = payload
            return event(envelope)
        }
        guard let row = try? JSONDecoder().decode(JSONValue.self, from: payload) else { return nil }
        switch stream {
        case "signin": return signIn(row)
        case "operation": return operation(row)
        default: return nil
        }
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
