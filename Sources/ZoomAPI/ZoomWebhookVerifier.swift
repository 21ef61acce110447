import Foundation
import SSPMCore

/// Decides what to do with one webhook request, on its raw bytes: answer Zoom's
/// `endpoint.url_validation` challenge, accept a correctly signed recent event once, or reject it.
public struct ZoomWebhookVerifier: Sendable {
    public enum Outcome: Sendable, Equatable {
        /// Answer 200 with this JSON body.
        case challenge(response: Data)
        /// A verified event to store (then answer 200/204).
        case event(name: String, body: JSONValue)
        /// Answer with this status; `reason` is for logs, never the secret.
        case rejected(status: Int, reason: String)
    }

    public let secret: String
    /// How far `x-zm-request-timestamp` may be from now.
    public let tolerance: TimeInterval
    public let replays: ReplayGuard

    public init(secret: String, tolerance: TimeInterval = 300, replays: ReplayGuard = ReplayGuard()) {
        self.secret = secret
        self.tolerance = tolerance
        self.replays = replays
    }

    /// `headers` with lower-cased names.
    public func handle(body: Data, headers: [String: String], now: Date = Date()) async -> Outcome {
        guard let timestamp = headers["x-zm-request-timestamp"], let signature = headers["x-zm-signature"] else {
            return .rejected(status: 401, reason: "missing x-zm-request-timestamp or x-zm-signature")
        }
        guard let seconds = TimeInterval(timestamp), abs(now.timeIntervalSince1970 - seconds) <= tolerance else {
            return .rejected(status: 401, reason: "timestamp \(timestamp) is outside the \(Int(tolerance)) s window")
        }
        guard ZoomWebhookSignature.isValid(signature: signature, secret: secret, timestamp: timestamp, body: body) else {
            return .rejected(status: 401, reason: "signature does not match the webhook secret token")
        }
        guard await replays.firstSeen(signature, until: Date(timeIntervalSince1970: seconds + tolerance), now: now) else {
            return .rejected(status: 409, reason: "replayed request (same signature seen before)")
        }
        guard let json = try? JSONDecoder().decode(JSONValue.self, from: body), let name = json["event"]?.stringValue else {
            return .rejected(status: 400, reason: "body is not a Zoom event")
        }
        if name == "endpoint.url_validation" {
            guard let plain = json["payload"]?["plainToken"]?.stringValue else { return .rejected(status: 400, reason: "challenge without plainToken") }
            let answer: JSONValue = ["plainToken": .string(plain), "encryptedToken": .string(ZoomWebhookSignature.encryptedToken(secret: secret, plainToken: plain))]
            return .challenge(response: (try? JSONEncoder().encode(answer)) ?? Data())
        }
        return .event(name: name, body: json)
    }
}

/// Remembers signatures until their timestamp leaves the window, so a captured request cannot be replayed.
public actor ReplayGuard {
    private var seen: [String: Date] = [:]
    public init() {}

    /// True the first time `key` is offered (until `until`), false afterwards.
    public func firstSeen(_ key: String, until: Date, now: Date) -> Bool {
        if seen.count > 50_000 { seen = seen.filter { $0.value > now } }
        if let expiry = seen[key], expiry > now { return false }
        seen[key] = until
        return true
    }
}
