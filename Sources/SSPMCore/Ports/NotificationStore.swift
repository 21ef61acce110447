import Foundation

/// How a channel delivers: a signed webhook (Standard Webhooks), a Slack incoming webhook, a
/// Microsoft Teams workflow webhook (Adaptive Card), or e-mail over SMTP.
public enum ChannelKind: String, Sendable, Codable, Hashable, CaseIterable {
    case webhook, slack, teams, email
}

/// An SMTP relay and the message's envelope (the password is a secret, kept apart).
public struct EmailSettings: Sendable, Codable, Hashable {
    public enum Security: String, Sendable, Codable, Hashable, CaseIterable {
        /// Plain connection upgraded with STARTTLS (port 587); refused if the server does not offer it.
        case starttls
        /// TLS from the first byte (port 465).
        case tls
        /// No encryption: only for a relay on the loopback interface.
        case none
    }
    public var host: String
    public var port: Int
    public var security: Security
    public var username: String?
    public var from: String
    public var to: [String]
    /// A certificate authority (PEM) to trust for this relay beside the system's (a relay with
    /// an internal CA); nil: the system's roots only.
    public var caCertificate: String?

    public init(host: String, port: Int, security: Security, username: String?, from: String, to: [String], caCertificate: String? = nil) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.from = from
        self.to = to
        self.caCertificate = caCertificate
    }
}

/// A channel's secrets, in clear text in memory only (sealed by the store).
public struct ChannelSecrets: Sendable, Codable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The receiver's URL (Slack's and Teams' URLs are bearer secrets themselves).
    public var url: String?
    /// The Standard Webhooks signing secret (`whsec_…`).
    public var signingSecret: String?
    /// The SMTP password.
    public var password: String?

    public init(url: String? = nil, signingSecret: String? = nil, password: String? = nil) {
        self.url = url
        self.signingSecret = signingSecret
        self.password = password
    }
    public var description: String { "ChannelSecrets([REDACTED])" }
    public var debugDescription: String { description }
}

/// Where alerts are sent, and which ones.
public struct NotificationChannel: Sendable, Hashable, Identifiable {
    public var id: String
    public var name: String
    public var kind: ChannelKind
    public var enabled: Bool
    /// Alerts at or above this severity.
    public var minSeverity: Severity
    /// Only alerts of these policies (nil: every policy).
    public var policies: [String]?
    public var email: EmailSettings?
    public var secrets: ChannelSecrets
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: String = UUID().uuidString.lowercased(), name: String, kind: ChannelKind, enabled: Bool = true, minSeverity: Severity = .low,
                policies: [String]? = nil, email: EmailSettings? = nil, secrets: ChannelSecrets, createdAt: Date, updatedAt: Date) {
        self.id = id
        self.name = name
        self.kind = kind
        self.enabled = enabled
        self.minSeverity = minSeverity
        self.policies = policies
        self.email = email
        self.secrets = secrets
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Whether this channel takes `alert` (routing by severity and policy).
    public func routes(_ alert: AlertRecord) -> Bool {
        enabled && alert.severity >= minSeverity && (policies?.contains(alert.policyID) ?? true)
    }
}

public enum DeliveryState: String, Sendable, Codable, Hashable, CaseIterable {
    /// Waiting for its (next) attempt.
    case pending
    /// Claimed by a sender until its lease ends (a sender that dies leaves it to be claimed again).
    case sending
    case delivered
    /// Given up: a receiver that refused it for good, or every retry spent.
    case dead
}

/// A notification to queue: for a channel, about an alert (or a channel test), with its message.
public struct OutboxDraft: Sendable, Hashable {
    public var channelID: String
    /// `alert.raised`, `channel.test`.
    public var event: String
    /// The message in the Standard Webhooks shape (`type`, `timestamp`, `data`); other channel
    /// kinds render it at sending.
    public var payload: JSONValue

    public init(channelID: String, event: String, payload: JSONValue) {
        self.channelID = channelID
        self.event = event
        self.payload = payload
    }
}

/// One notification in the outbox: the record of what is owed to a receiver and what happened.
public struct OutboxItem: Sendable, Hashable, Identifiable {
    /// Also the `webhook-id` receivers de-duplicate on: the same on every attempt.
    public var id: String
    public var channelID: String
    public var alertID: String?
    public var event: String
    public var payload: JSONValue
    public var state: DeliveryState
    public var attempts: Int
    public var nextAttemptAt: Date
    public var leaseUntil: Date?
    public var lastStatus: Int?
    public var lastError: String?
    public var createdAt: Date
    public var deliveredAt: Date?

    public init(id: String = "msg_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: ""), channelID: String, alertID: String?, event: String,
                payload: JSONValue, state: DeliveryState = .pending, attempts: Int = 0, nextAttemptAt: Date, leaseUntil: Date? = nil,
                lastStatus: Int? = nil, lastError: String? = nil, createdAt: Date, deliveredAt: Date? = nil) {
        self.id = id
        self.channelID = channelID
        self.alertID = alertID
        self.event = event
        self.payload = payload
        self.state = state
        self.attempts = attempts
        self.nextAttemptAt = nextAttemptAt
        self.leaseUntil = leaseUntil
        self.lastStatus = lastStatus
        self.lastError = lastError
        self.createdAt = createdAt
        self.deliveredAt = deliveredAt
    }
}

/// What an attempt came to.
public enum DeliveryOutcome: Sendable, Hashable {
    case delivered(status: Int)
    /// Try again at `at`.
    case retry(at: Date, status: Int?, error: String)
    case dead(status: Int?, error: String)
}

/// Notification channels (their secrets sealed) and the outbox.
public protocol NotificationStore: Sendable {
    func channels() async throws -> [NotificationChannel]
    func channel(id: String) async throws -> NotificationChannel?
    /// Creates or replaces (by id).
    func save(_ channel: NotificationChannel) async throws
    /// Removes the channel and its deliveries. False when there was none.
    func deleteChannel(id: String) async throws -> Bool

    /// Queues notifications not tied to an alert (a channel test).
    func enqueue(_ drafts: [OutboxDraft], alertID: String?, at: Date) async throws -> [OutboxItem]
    /// Claims up to `limit` due items (pending and due, or sending with an expired lease) until
    /// `now + lease`, counting an attempt for each; an item is claimed by one sender at a time.
    func claim(now: Date, lease: TimeInterval, limit: Int) async throws -> [OutboxItem]
    /// Records the outcome of attempt `attempt` (the item's `attempts` when it was claimed): an
    /// outcome from a sender whose lease ran out, and whose item another sender claimed since,
    /// changes nothing.
    func finish(id: String, attempt: Int, _ outcome: DeliveryOutcome, at: Date) async throws
    /// Removes delivered and dead items queued before `before`; returns how many.
    @discardableResult
    func prune(before: Date) async throws -> Int
    /// A channel's deliveries, newest first.
    func deliveries(channelID: String, limit: Int) async throws -> [OutboxItem]
    func item(id: String) async throws -> OutboxItem?
    /// How many items are in each state (for the metrics).
    func stateCounts() async throws -> [DeliveryState: Int]
    /// When the next pending item is due (nil: nothing is waiting).
    func nextDue() async throws -> Date?
}
