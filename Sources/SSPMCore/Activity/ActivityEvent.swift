import Foundation

/// One activity in a provider-neutral shape: who did what to what, from where, when, and whether
/// it worked — with the record as the provider sent it. Providers map their rows and webhook
/// events into it; detection rules, the OCSF export and the summaries read only these fields.
public struct ActivityEvent: Sendable, Hashable {
    public enum Outcome: String, Sendable, Hashable, Codable, CaseIterable {
        case success, failure, unknown
    }

    /// Set by the sync or the webhook intake (a provider does not know it).
    public var connectorID: String
    /// The provider kind.
    public var provider: String
    /// The stream it came from (`signin`, `operation`, `webhook`).
    public var stream: String
    /// The provider's grouping of the action (an operation log's category, `sign_in`, a webhook's object type).
    public var category: String?
    /// What happened (`Sign in`, `Update`, `user.updated`).
    public var action: String?
    /// Who did it (e-mail address or id; empty when unknown).
    public var actor: String
    /// What it was done to, when the record says.
    public var target: String?
    public var outcome: Outcome
    public var ipAddress: String?
    /// User agent or client (`Mac 6.0.2`).
    public var client: String?
    /// Free text of the record (an operation log's detail), for search and display.
    public var detail: String?
    public var occurredAt: Date
    /// Joins records of one event that arrive in different shapes (a webhook and a report row).
    public var correlation: String?
    /// Identifies the record across overlapping fetches (report rows have no ids).
    public var fingerprint: String
    /// The record as the provider sent it.
    public var raw: JSONValue

    public init(connectorID: String = "", provider: String, stream: String, category: String? = nil, action: String? = nil, actor: String,
                target: String? = nil, outcome: Outcome = .unknown, ipAddress: String? = nil, client: String? = nil, detail: String? = nil,
                occurredAt: Date, correlation: String? = nil, fingerprint: String, raw: JSONValue) {
        self.connectorID = connectorID
        self.provider = provider
        self.stream = stream
        self.category = category
        self.action = action
        self.actor = actor
        self.target = target
        self.outcome = outcome
        self.ipAddress = ipAddress
        self.client = client
        self.detail = detail
        self.occurredAt = occurredAt
        self.correlation = correlation
        self.fingerprint = fingerprint
        self.raw = raw
    }
}

extension ActivityEvent {
    /// What names this event in an alert's evidence: its correlation key when it has one (a
    /// webhook copy and the report row that replaces it share it), else its fingerprint.
    public var evidenceKey: String { correlation ?? fingerprint }
}
