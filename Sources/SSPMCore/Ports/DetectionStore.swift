import Foundation

/// A policy as stored: the rule, where it came from and who saved this version.
public struct StoredPolicy: Sendable, Codable, Hashable {
    public var policy: DetectionPolicy
    /// The template it was made from (its id), or nil for a policy written from scratch.
    public var template: String?
    public var updatedAt: Date
    public var updatedBy: String?

    public init(policy: DetectionPolicy, template: String?, updatedAt: Date, updatedBy: String?) {
        self.policy = policy
        self.template = template
        self.updatedAt = updatedAt
        self.updatedBy = updatedBy
    }
}

/// Where an alert is in its life: raised (`open`), seen by someone (`acknowledged`), dealt with
/// (`resolved`) or set aside (`dismissed`, with a reason).
public enum AlertStatus: String, Sendable, Codable, Hashable, CaseIterable {
    case open, acknowledged, resolved, dismissed
}

/// Why an alert was closed: what the triage found.
public enum AlertResolution: String, Sendable, Codable, Hashable, CaseIterable {
    case truePositive = "true_positive", benign, falsePositive = "false_positive"
}

/// A raised alert as stored: what a policy found (grouped per policy, scope key and window), and
/// what people did about it.
public struct AlertRecord: Sendable, Codable, Hashable, Identifiable {
    public var id: String
    public var connectorID: String
    public var policyID: String
    public var policyVersion: Int
    public var title: String
    public var severity: Severity
    /// The scope key (an actor, a target, `account`, or a control for posture drift).
    public var key: String
    public var actor: String
    public var value: String?
    public var firstSeen: Date
    public var lastSeen: Date
    public var count: Int
    /// The evidence events' keys (their correlation key when they have one, else their
    /// fingerprint), oldest first, at most `DetectionEngine.evidenceCap`.
    public var evidence: [String]
    public var status: AlertStatus
    public var resolution: AlertResolution?
    public var assignee: String?
    public var createdAt: Date
    public var updatedAt: Date
    /// For posture drift: the control's old and new verdict and values (JSON), else nil.
    public var context: JSONValue?

    public init(id: String = UUID().uuidString.lowercased(), connectorID: String, policyID: String, policyVersion: Int, title: String, severity: Severity,
                key: String, actor: String, value: String?, firstSeen: Date, lastSeen: Date, count: Int, evidence: [String],
                status: AlertStatus = .open, resolution: AlertResolution? = nil, assignee: String? = nil, createdAt: Date, updatedAt: Date,
                context: JSONValue? = nil) {
        self.id = id
        self.connectorID = connectorID
        self.policyID = policyID
        self.policyVersion = policyVersion
        self.title = title
        self.severity = severity
        self.key = key
        self.actor = actor
        self.value = value
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.count = count
        self.evidence = evidence
        self.status = status
        self.resolution = resolution
        self.assignee = assignee
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.context = context
    }
}

/// What detection found, to be merged into the stored alerts: an alert whose policy, connector
/// and key match a stored one whose span overlaps this one's (within the policy's group window)
/// is the same alert, counted up; anything else is a new alert.
public struct AlertDraft: Sendable, Hashable {
    public var connectorID: String
    public var alert: DetectionAlert
    /// The evidence's keys (see `AlertRecord.evidence`).
    public var evidence: [String]
    public var groupWindow: TimeInterval
    public var context: JSONValue?

    public init(connectorID: String, alert: DetectionAlert, evidence: [String], groupWindow: TimeInterval, context: JSONValue? = nil) {
        self.connectorID = connectorID
        self.alert = alert
        self.evidence = evidence
        self.groupWindow = groupWindow
        self.context = context
    }
}

public struct AlertComment: Sendable, Codable, Hashable {
    public var id: String
    public var alertID: String
    public var author: String
    public var body: String
    public var at: Date

    public init(id: String = UUID().uuidString.lowercased(), alertID: String, author: String, body: String, at: Date) {
        self.id = id
        self.alertID = alertID
        self.author = author
        self.body = body
        self.at = at
    }
}

public struct AlertQuery: Sendable {
    public var connectorID: String?
    public var statuses: [AlertStatus]?
    public var minSeverity: Severity?
    public var policyID: String?
    public var limit: Int
    /// Alerts raised before this one (its id), for the next page; newest first.
    public var before: String?

    public init(connectorID: String? = nil, statuses: [AlertStatus]? = nil, minSeverity: Severity? = nil, policyID: String? = nil, limit: Int = 100, before: String? = nil) {
        self.connectorID = connectorID
        self.statuses = statuses
        self.minSeverity = minSeverity
        self.policyID = policyID
        self.limit = limit
        self.before = before
    }
}

/// A change to an alert's lifecycle; nil members are left as they are (`assignee` set to an
/// empty string clears it).
public struct AlertUpdate: Sendable, Hashable {
    public var status: AlertStatus?
    public var resolution: AlertResolution?
    public var assignee: String?

    public init(status: AlertStatus? = nil, resolution: AlertResolution? = nil, assignee: String? = nil) {
        self.status = status
        self.resolution = resolution
        self.assignee = assignee
    }
}

/// Policies (versioned), alerts and their comments. Writing alerts also queues their
/// notifications in the outbox in the same transaction, so an alert is never stored without the
/// notifications it is owed, nor notified without being stored.
public protocol DetectionStore: Sendable {
    /// Every policy's current version, by id.
    func policies() async throws -> [StoredPolicy]
    func policy(id: String) async throws -> StoredPolicy?
    /// Every saved version of one policy, newest first.
    func versions(id: String) async throws -> [StoredPolicy]
    /// Saves `policy` as its next version (after every version ever saved under its id, so a
    /// policy made again after a delete goes on from its history), whatever `policy.version`
    /// says; returns it as stored.
    func savePolicy(_ policy: DetectionPolicy, template: String?, by: String?, at: Date) async throws -> StoredPolicy
    /// Stores the templates never stored before (by id: one edited or deleted since is left as
    /// it is), as version 1; returns how many.
    @discardableResult
    func seed(templates: [DetectionPolicy], at: Date) async throws -> Int
    /// Removes a policy (its version history and its alerts stay). False when there was none.
    func deletePolicy(id: String) async throws -> Bool

    /// Merges detected alerts into the stored ones (see `AlertDraft`). For each alert it creates,
    /// `notify` names the notifications to queue with it. Returns the alerts created, then the
    /// ones updated.
    func record(_ drafts: [AlertDraft], at: Date, notify: @Sendable (AlertRecord) -> [OutboxDraft]) async throws -> (created: [AlertRecord], updated: [AlertRecord])
    func alert(id: String) async throws -> AlertRecord?
    /// Newest first (by when they were raised).
    func alerts(_ query: AlertQuery) async throws -> [AlertRecord]
    /// How many alerts each policy has raised (for the metrics and the gallery).
    func alertCounts() async throws -> [String: Int]
    /// Applies `update` (the caller has checked it); nil when there is no such alert.
    func update(alertID: String, _ update: AlertUpdate, at: Date) async throws -> AlertRecord?
    func addComment(_ comment: AlertComment) async throws
    /// Oldest first.
    func comments(alertID: String) async throws -> [AlertComment]
}

/// The one rule for merging detections into stored alerts and for lifecycle changes, used by
/// every `DetectionStore`.
public enum AlertMerge {
    public enum Decision: Sendable, Equatable {
        /// Count it into this stored alert.
        case merge(AlertRecord)
        /// Nothing new: a replay of what a closed alert already holds.
        case skip
        /// A new alert.
        case create
    }

    /// Where a draft goes among the stored alerts of its policy, connector and key whose span
    /// overlaps it: an open or acknowledged one takes it; a resolved or dismissed one takes only
    /// what it already holds (a replay), so activity after an alert was closed is a new alert,
    /// notified, and never hides in a closed one.
    public static func decide(_ candidates: [AlertRecord], _ draft: AlertDraft) -> Decision {
        if let live = candidates.filter({ $0.status == .open || $0.status == .acknowledged }).min(by: { $0.firstSeen < $1.firstSeen }) {
            return .merge(live)
        }
        guard let closed = candidates.max(by: { $0.lastSeen < $1.lastSeen }) else { return .create }
        return ActivityCursor.millis(draft.alert.lastSeen) > ActivityCursor.millis(closed.lastSeen) ? .create : .skip
    }

    /// A new alert from a draft.
    public static func new(_ draft: AlertDraft, at: Date) -> AlertRecord {
        let a = draft.alert
        return AlertRecord(connectorID: draft.connectorID, policyID: a.policyID, policyVersion: a.policyVersion, title: a.title, severity: a.severity,
                           key: a.key, actor: a.actor, value: a.value, firstSeen: a.firstSeen, lastSeen: a.lastSeen, count: a.count,
                           evidence: Array(draft.evidence.prefix(DetectionEngine.evidenceCap)), createdAt: at, updatedAt: at, context: draft.context)
    }

    /// `old` widened by what `draft` saw (a replay sees the same events again: the count is the
    /// larger of the two, the evidence their union); nil when nothing changed.
    public static func merge(_ old: AlertRecord, _ draft: AlertDraft, at: Date) -> AlertRecord? {
        var next = old
        next.firstSeen = min(old.firstSeen, draft.alert.firstSeen)
        next.lastSeen = max(old.lastSeen, draft.alert.lastSeen)
        next.count = max(old.count, draft.alert.count)
        var evidence = old.evidence
        var known = Set(evidence)
        for key in draft.evidence where evidence.count < DetectionEngine.evidenceCap && known.insert(key).inserted { evidence.append(key) }
        next.evidence = evidence
        if let value = draft.alert.value { next.value = value }
        if let context = draft.context { next.context = context }
        // Compared at the stores' precision (milliseconds).
        let ms = ActivityCursor.millis
        guard ms(next.firstSeen) != ms(old.firstSeen) || ms(next.lastSeen) != ms(old.lastSeen) || next.count != old.count
                || next.evidence != old.evidence || next.value != old.value || next.context != old.context else { return nil }
        next.updatedAt = at
        return next
    }

    /// The lifecycle change applied: a resolution only on a closed alert (reopening clears it).
    public static func apply(_ update: AlertUpdate, to alert: AlertRecord, at: Date) -> AlertRecord {
        var next = alert
        if let status = update.status { next.status = status }
        if let resolution = update.resolution { next.resolution = resolution }
        if next.status == .open || next.status == .acknowledged { next.resolution = nil }
        if let assignee = update.assignee { next.assignee = assignee.isEmpty ? nil : assignee }
        next.updatedAt = at
        return next
    }
}
