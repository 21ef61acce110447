import Foundation
import SSPMCore

/// Decides what to do with one webhook request, on its raw bytes: answer Zoom's
/// `endpoint.url_validation` challenge, accept a correctly signed recent event once, or reject it.
public struct ZoomWebhookVerifier: Sendable {
    public enum Outcome: Sendable, Equatable {
        /// Answer 200 with this JSON body.
        case challenge(response: Data)
        /// A verified event to store (then answer 200/204).
        case event(name: String, envelope: ZoomWebhookEnvelope)
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
        // The envelope's few fields, typed: several times faster than a generic JSON tree, and the
        // body is stored as received anyway.
        guard var envelope = try? JSONDecoder().decode(ZoomWebhookEnvelope.self, from: body) else {
            return .rejected(status: 400, reason: "body is not a Zoom event")
        }
        envelope.raw = body
        let name = envelope.event
        if name == "endpoint.url_validation" {
            guard let plain = envelope.payload?.plainToken else { return .rejected(status: 400, reason: "challenge without plainToken") }
            let answer: JSONValue = ["plainToken": .string(plain), "encryptedToken": .string(ZoomWebhookSignature.encryptedToken(secret: secret, plainToken: plain))]
            return .challenge(response: (try? JSONEncoder().encode(answer)) ?? Data())
        }
        return .event(name: name, envelope: envelope)
    }
}

/// What the service reads of a webhook body; `raw` is the body as received.
public struct ZoomWebhookEnvelope: Decodable, Sendable, Equatable {
    public struct Payload: Decodable, Sendable, Equatable {
        public var accountId: String?
        public var `operator`: String?
        public var plainToken: String?
        public var object: Object?
        enum CodingKeys: String, CodingKey { case accountId = "account_id", `operator`, plainToken, object }
    }
    public struct Object: Decodable, Sendable, Equatable {
        public var id: String?
        public var email: String?
        public var name: String?
        public var dateTime: String?
        public var clientType: String?
        /// The client's version (sign-in events).
        public var version: String?
        enum CodingKeys: String, CodingKey { case id, email, name, dateTime = "date_time", clientType = "client_type", version }
    }
    public var event: String
    public var eventTs: Int64?
    public var payload: Payload?
    public var raw = Data()
    enum CodingKeys: String, CodingKey { case event, eventTs = "event_ts", payload }
}

/// Remembers signatures until their timestamp leaves the window, so a captured request cannot be replayed.
public actor ReplayGuard {
    private var seen: [String: Date] = [:]
    /// Expired entries are swept when the table reaches this size; it then doubles the live size,
    /// so sweeping stays amortised O(1) per request even at thousands of events a second.
    private var sweepAt = 50_000
    public init() {}

    /// True the first time `key` is offered (until `until`), false afterwards.
    public func firstSeen(_ key: String, until: Date, now: Date) -> Bool {
        if seen.count >= sweepAt {
            seen = seen.filter { $0.value > now }
            sweepAt = max(50_000, seen.count * 2)
        }
        if let expiry = seen[key], expiry > now { return false }
        seen[key] = until
        return true
    }
}
