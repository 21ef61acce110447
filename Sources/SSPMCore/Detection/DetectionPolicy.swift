import Foundation

/// Which normalised events a policy looks at. Every member that is set must match; a list matches
/// when any of its values does. Texts compare case-insensitively, except the detail, which is
/// matched verbatim (providers write it irregularly, e.g. two spaces before a dash, and a rule
/// must match what they really write).
public struct EventMatch: Codable, Sendable, Hashable {
    public var providers: [String]?
    public var streams: [String]?
    public var categories: [String]?
    public var actions: [String]?
    /// Only these actors (e-mail addresses), and never these.
    public var actors: [String]?
    public var excludeActors: [String]?
    public var targets: [String]?
    /// Addresses or CIDR blocks (`192.0.2.0/24`, `2001:db8::/32`); an event without an address
    /// does not match an include list.
    public var ipNetworks: [String]?
    public var excludeIPNetworks: [String]?
    /// Prefixes of the client (`Browser`, `Mac 5.`).
    public var clients: [String]?
    public var outcome: ActivityEvent.Outcome?
    /// Every one of these appears in the detail, verbatim.
    public var detailContains: [String]?
    public var detailPrefix: String?
    public var detailSuffix: String?
    /// A regular expression the detail must match somewhere.
    public var detailPattern: String?

    public init(providers: [String]? = nil, streams: [String]? = nil, categories: [String]? = nil, actions: [String]? = nil,
                actors: [String]? = nil, excludeActors: [String]? = nil, targets: [String]? = nil,
                ipNetworks: [String]? = nil, excludeIPNetworks: [String]? = nil, clients: [String]? = nil,
                outcome: ActivityEvent.Outcome? = nil, detailContains: [String]? = nil, detailPrefix: String? = nil,
                detailSuffix: String? = nil, detailPattern: String? = nil) {
        self.providers = providers
        self.streams = streams
        self.categories = categories
        self.actions = actions
        self.actors = actors
        self.excludeActors = excludeActors
        self.targets = targets
        self.ipNetworks = ipNetworks
        self.excludeIPNetworks = excludeIPNetworks
        self.clients = clients
        self.outcome = outcome
        self.detailContains = detailContains
        self.detailPrefix = detailPrefix
        self.detailSuffix = detailSuffix
        self.detailPattern = detailPattern
    }
}

/// A value of an event that a policy counts, learns or groups by.
public enum EventField: String, Codable, Sendable, Hashable, CaseIterable {
    case actor, target, ipAddress = "ip_address", client, category, action
    /// The client's first word (`Browser`, `Mac`, `Android`): a new kind of client, not a new version.
    case clientType = "client_type"

    public func value(of event: ActivityEvent) -> String? {
        let text: String?
        switch self {
        case .actor: text = event.actor
        case .target: text = event.target
        case .ipAddress: text = event.ipAddress
        case .client: text = event.client
        case .clientType: text = event.client.map { client in client.firstIndex(of: " ").map { String(client[..<$0]) } ?? client }
        case .category: text = event.category
        case .action: text = event.action
        }
        guard let text, !text.isEmpty else { return nil }
        return text.lowercased()
    }
}

/// What a policy's alerts are grouped by: each actor, each target, or the whole account.
public enum DetectionScope: String, Codable, Sendable, Hashable {
    case actor, target, account
}

/// How matching events become an alert.
public enum DetectionKind: Codable, Sendable, Hashable {
    /// Every matching event.
    case single
    /// At least `threshold` matching events within `window` seconds, per scope.
    case count(threshold: Int, window: TimeInterval, per: DetectionScope)
    /// At least `threshold` different values of `field` within `window` seconds, per scope (e.g.
    /// IP addresses per user).
    case distinct(field: EventField, threshold: Int, window: TimeInterval, per: DetectionScope)
    /// A value of `field` never seen for this scope before, in a scope seen before (a user's first
    /// sign-in ever teaches, it does not alert). The first `learning` seconds of events the engine
    /// sees only teach it what is usual (the 7-day backfill, by default).
    case firstSeen(field: EventField, learning: TimeInterval, per: DetectionScope)
    /// A scope that shows up again after at least `gap` seconds without any matching event
    /// (an inactive account that signs in again); learns like `firstSeen`.
    case returnAfter(gap: TimeInterval, learning: TimeInterval, per: DetectionScope)
}

/// A stored, versioned rule over normalised activity events.
public struct DetectionPolicy: Codable, Sendable, Hashable, Identifiable {
    public var id: String
    public var version: Int
    /// `{actor}`, `{target}`, `{value}`, `{count}` and `{detail}` are filled in from the alert.
    public var title: String
    public var severity: Severity
    public var enabled: Bool
    public var match: EventMatch
    public var kind: DetectionKind
    /// Matches of one scope within this many seconds of the alert's first make one alert, not many.
    public var groupWindow: TimeInterval
    /// At most this many new alerts a day (UTC); later ones are counted as suppressed.
    public var dailyCap: Int
    /// For the gallery: what it catches, when it is wrong, how to tune it.
    public var catches: String
    public var falsePositives: String
    public var tuning: String

    public init(id: String, version: Int = 1, title: String, severity: Severity, enabled: Bool = true, match: EventMatch, kind: DetectionKind = .single,
                groupWindow: TimeInterval = 3600, dailyCap: Int = 100, catches: String, falsePositives: String, tuning: String) {
        self.id = id
        self.version = version
        self.title = title
        self.severity = severity
        self.enabled = enabled
        self.match = match
        self.kind = kind
        self.groupWindow = groupWindow
        self.dailyCap = dailyCap
        self.catches = catches
        self.falsePositives = falsePositives
        self.tuning = tuning
    }
}

/// What a policy raised: one alert per policy, scope key and group window, with its evidence.
public struct DetectionAlert: Codable, Sendable, Hashable {
    public var policyID: String
    public var policyVersion: Int
    public var title: String
    public var severity: Severity
    /// The scope's key (the actor, the target, or `account`).
    public var key: String
    public var actor: String
    /// The value that was new, or the last one counted.
    public var value: String?
    public var firstSeen: Date
    public var lastSeen: Date
    /// Matching events grouped into this alert.
    public var count: Int
    /// Fingerprints of the evidence events, oldest first (at most `DetectionEngine.evidenceCap`).
    public var evidence: [String]
}
