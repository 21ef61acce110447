import Foundation
import SQLKit
import SSPMCore

/// Policies, alerts and comments in SQL (`detection_policies`, `detection_policy_versions`,
/// `alerts`, `alert_comments`); writing alerts also writes their notifications into
/// `notification_outbox`, in the same transaction.
public struct SQLDetectionStore: DetectionStore {
    let storage: SQLStorage
    public init(storage: SQLStorage) { self.storage = storage }

    static func stored(_ row: any SQLRow, body column: String = "body", at: String = "updated_at", by: String = "updated_by") throws -> StoredPolicy {
        StoredPolicy(policy: try decodeJSON(DetectionPolicy.self, try row.decode(column: column, as: String.self)),
                     template: try row.decode(column: "template", as: String?.self),
                     updatedAt: date(try row.decode(column: at, as: Int64.self)), updatedBy: try row.decode(column: by, as: String?.self))
    }

    public func policies() async throws -> [StoredPolicy] {
        try await storage.withSQL { db in try await db.raw("SELECT * FROM detection_policies ORDER BY id").all().map { try Self.stored($0) } }
    }

    public func policy(id: String) async throws -> StoredPolicy? {
        try await storage.withSQL { db in try await db.raw("SELECT * FROM detection_policies WHERE id = \(bind: id)").first().map { try Self.stored($0) } }
    }

    public func versions(id: String) async throws -> [StoredPolicy] {
        try await storage.withSQL { db in
            try await db.raw("SELECT * FROM detection_policy_versions WHERE policy_id = \(bind: id) ORDER BY version DESC").all()
                .map { try Self.stored($0, at: "saved_at", by: "saved_by") }
        }
    }

    public func savePolicy(_ policy: DetectionPolicy, template: String?, by: String?, at: Date) async throws -> StoredPolicy {
        try await storage.transaction { db in
            let current = try await db.raw("SELECT version, template FROM detection_policies WHERE id = \(bind: policy.id)").first()
            // Numbered after every version ever saved (a deleted policy's history stays).
            let last = try await db.raw("SELECT MAX(version) AS v FROM detection_policy_versions WHERE policy_id = \(bind: policy.id)").first()?
                .decode(column: "v", as: Int?.self) ?? 0
            var saved = policy
            saved.version = max(try current?.decode(column: "version", as: Int.self) ?? 0, last) + 1
            let origin = try current.map { try $0.decode(column: "template", as: String?.self) } ?? template
            try await Self.write(saved, template: origin, by: by, at: at, replacing: current != nil, on: db)
            return StoredPolicy(policy: saved, template: origin, updatedAt: date(millis(at)), updatedBy: by)
        }
    }

    static func write(_ policy: DetectionPolicy, template: String?, by: String?, at: Date, replacing: Bool, on db: any SQLDatabase) async throws {
        let body = try encodeJSON(policy)
        if replacing {
            try await db.raw("""
                UPDATE detection_policies SET version = \(bind: policy.version), enabled = \(bind: policy.enabled ? 1 : 0), body = \(bind: body),
                updated_at = \(bind: millis(at)), updated_by = \(bind: by) WHERE id = \(bind: policy.id)
                """).run()
        } else {
            try await db.raw("""
                INSERT INTO detection_policies (id, version, enabled, template, body, updated_at, updated_by)
                VALUES (\(bind: policy.id), \(bind: policy.version), \(bind: policy.enabled ? 1 : 0), \(bind: template), \(bind: body), \(bind: millis(at)), \(bind: by))
                """).run()
        }
        try await db.raw("""
            INSERT INTO detection_policy_versions (policy_id, version, template, body, saved_at, saved_by)
            VALUES (\(bind: policy.id), \(bind: policy.version), \(bind: template), \(bind: body), \(bind: millis(at)), \(bind: by))
            """).run()
    }

    public func seed(templates: [DetectionPolicy], at: Date) async throws -> Int {
        guard !templates.isEmpty else { return 0 }
        return try await storage.transaction { db in
            // A template stored once is never stored again: not after an edit, nor after a delete.
            let known = Set(try await db.raw("SELECT DISTINCT policy_id FROM detection_policy_versions WHERE policy_id IN (\(binds: templates.map(\.id)))").all()
                .map { try $0.decode(column: "policy_id", as: String.self) })
            var added = 0
            for template in templates where !known.contains(template.id) {
                var policy = template
                policy.version = 1
                try await Self.write(policy, template: template.id, by: nil, at: at, replacing: false, on: db)
                added += 1
            }
            return added
        }
    }

    public func deletePolicy(id: String) async throws -> Bool {
        try await storage.transaction { db in
            guard try await db.raw("SELECT id FROM detection_policies WHERE id = \(bind: id)").first() != nil else { return false }
            try await db.raw("DELETE FROM detection_policies WHERE id = \(bind: id)").run()
            return true
        }
    }

    /// The advisory lock key alert writes take on PostgreSQL.
    static let alertLock = 5_347_001

    static func rank(_ severity: Severity) -> Int { Severity.allCases.firstIndex(of: severity) ?? 0 }

    static func alert(_ row: any SQLRow) throws -> AlertRecord {
        AlertRecord(id: try row.decode(column: "id", as: String.self), connectorID: try row.decode(column: "connector_id", as: String.self),
                    policyID: try row.decode(column: "policy_id", as: String.self), policyVersion: try row.decode(column: "policy_version", as: Int.self),
                    title: try row.decode(column: "title", as: String.self),
                    severity: Severity(rawValue: try row.decode(column: "severity", as: String.self)) ?? .medium,
                    key: try row.decode(column: "scope_key", as: String.self), actor: try row.decode(column: "actor", as: String.self),
                    value: try row.decode(column: "value", as: String?.self),
                    firstSeen: date(try row.decode(column: "first_seen", as: Int64.self)), lastSeen: date(try row.decode(column: "last_seen", as: Int64.self)),
                    count: try row.decode(column: "event_count", as: Int.self),
                    evidence: try decodeJSON([String].self, try row.decode(column: "evidence", as: String.self)),
                    status: AlertStatus(rawValue: try row.decode(column: "status", as: String.self)) ?? .open,
                    resolution: try row.decode(column: "resolution", as: String?.self).flatMap(AlertResolution.init(rawValue:)),
                    assignee: try row.decode(column: "assignee", as: String?.self),
                    createdAt: date(try row.decode(column: "created_at", as: Int64.self)), updatedAt: date(try row.decode(column: "updated_at", as: Int64.self)),
                    context: try row.decode(column: "context", as: String?.self).flatMap { try? decodeJSON(JSONValue.self, $0) })
    }

    public func record(_ drafts: [AlertDraft], at: Date, notify: @Sendable (AlertRecord) -> [OutboxDraft]) async throws -> (created: [AlertRecord], updated: [AlertRecord]) {
        guard !drafts.isEmpty else { return ([], []) }
        let now = millis(at)
        let postgres = storage.isPostgres
        return try await storage.transaction { db in
            // Processes sharing PostgreSQL write alerts one at a time: two that find the same alert
            // missing do not both create it (SQLite's single writer does this by itself).
            if postgres { try await db.raw("SELECT pg_advisory_xact_lock(\(literal: Self.alertLock))").run() }
            var created: [AlertRecord] = []
            var updated: [AlertRecord] = []
            for draft in drafts {
                let a = draft.alert
                let earliest = millis(a.firstSeen.addingTimeInterval(-draft.groupWindow))
                let candidates = try await db.raw("""
                    SELECT * FROM alerts WHERE connector_id = \(bind: draft.connectorID) AND policy_id = \(bind: a.policyID) AND scope_key = \(bind: a.key)
                    AND first_seen <= \(bind: millis(a.lastSeen)) AND first_seen >= \(bind: earliest) ORDER BY first_seen LIMIT 50
                    """).all().map(Self.alert)
                let decision = AlertMerge.decide(candidates, draft)
                if decision == .skip { continue }
                if case .merge(let old) = decision {
                    guard let merged = AlertMerge.merge(old, draft, at: date(now)) else { continue }
                    try await db.raw("""
                        UPDATE alerts SET first_seen = \(bind: millis(merged.firstSeen)), last_seen = \(bind: millis(merged.lastSeen)),
                        event_count = \(bind: merged.count), evidence = \(bind: try encodeJSON(merged.evidence)), value = \(bind: merged.value),
                        context = \(bind: try merged.context.map(encodeJSON)), updated_at = \(bind: now) WHERE id = \(bind: old.id)
                        """).run()
                    updated.append(merged)
                } else {
                    let record = AlertMerge.new(draft, at: date(now))
                    try await db.raw("""
                        INSERT INTO alerts (id, connector_id, policy_id, policy_version, title, severity, severity_rank, scope_key, actor, value,
                        first_seen, last_seen, event_count, evidence, status, resolution, assignee, context, created_at, updated_at)
                        VALUES (\(bind: record.id), \(bind: record.connectorID), \(bind: record.policyID), \(bind: record.policyVersion), \(bind: record.title),
                        \(bind: record.severity.rawValue), \(bind: Self.rank(record.severity)), \(bind: record.key), \(bind: record.actor), \(bind: record.value),
                        \(bind: millis(record.firstSeen)), \(bind: millis(record.lastSeen)), \(bind: record.count), \(bind: try encodeJSON(record.evidence)),
                        \(bind: record.status.rawValue), NULL, NULL, \(bind: try record.context.map(encodeJSON)), \(bind: now), \(bind: now))
                        """).run()
                    try await SQLNotificationStore.insert(notify(record), alertID: record.id, at: date(now), on: db)
                    created.append(record)
                }
            }
            return (created, updated)
        }
    }

    public func alert(id: String) async throws -> AlertRecord? {
        try await storage.withSQL { db in try await db.raw("SELECT * FROM alerts WHERE id = \(bind: id)").first().map(Self.alert) }
    }

    public func alerts(_ q: AlertQuery) async throws -> [AlertRecord] {
        var query = SQLQueryString("SELECT * FROM alerts WHERE 1 = 1")
        if let connector = q.connectorID { query += " AND connector_id = \(bind: connector)" }
        if let statuses = q.statuses, !statuses.isEmpty { query += " AND status IN (\(binds: statuses.map(\.rawValue)))" }
        if let severity = q.minSeverity { query += " AND severity_rank >= \(bind: Self.rank(severity))" }
        if let policy = q.policyID { query += " AND policy_id = \(bind: policy)" }
        let limit = max(1, min(q.limit, 1000))
        let before = q.before
        let base = query
        return try await storage.withSQL { db in
            var final = base
            if let before {
                // An id that is not an alert (any more) is refused: starting again from the newest
                // would make a client that pages on it loop.
                guard let row = try await db.raw("SELECT created_at FROM alerts WHERE id = \(bind: before)").first() else { throw InvalidCursor() }
                let at = try row.decode(column: "created_at", as: Int64.self)
                final += " AND (created_at < \(bind: at) OR (created_at = \(bind: at) AND id < \(bind: before)))"
            }
            final += " ORDER BY created_at DESC, id DESC LIMIT \(literal: limit)"
            return try await db.raw(final).all().map(Self.alert)
        }
    }

    public func alertCounts() async throws -> [String: Int] {
        try await storage.withSQL { db in
            Dictionary(uniqueKeysWithValues: try await db.raw("SELECT policy_id, COUNT(*) AS n FROM alerts GROUP BY policy_id").all().map {
                (try $0.decode(column: "policy_id", as: String.self), try $0.decode(column: "n", as: Int.self))
            })
        }
    }

    public func update(alertID: String, _ update: AlertUpdate, at: Date) async throws -> AlertRecord? {
        try await storage.transaction { db in
            guard let row = try await db.raw("SELECT * FROM alerts WHERE id = \(bind: alertID)").first() else { return nil }
            let next = AlertMerge.apply(update, to: try Self.alert(row), at: date(millis(at)))
            try await db.raw("""
                UPDATE alerts SET status = \(bind: next.status.rawValue), resolution = \(bind: next.resolution?.rawValue), assignee = \(bind: next.assignee),
                updated_at = \(bind: millis(next.updatedAt)) WHERE id = \(bind: alertID)
                """).run()
            return next
        }
    }

    public func addComment(_ comment: AlertComment) async throws {
        try await storage.withSQL { db in
            try await db.raw("""
                INSERT INTO alert_comments (id, alert_id, author, body, at)
                VALUES (\(bind: comment.id), \(bind: comment.alertID), \(bind: comment.author), \(bind: comment.body), \(bind: millis(comment.at)))
                """).run()
        }
    }

    public func comments(alertID: String) async throws -> [AlertComment] {
        try await storage.withSQL { db in
            try await db.raw("SELECT * FROM alert_comments WHERE alert_id = \(bind: alertID) ORDER BY at, id").all().map {
                AlertComment(id: try $0.decode(column: "id", as: String.self), alertID: try $0.decode(column: "alert_id", as: String.self),
                             author: try $0.decode(column: "author", as: String.self), body: try $0.decode(column: "body", as: String.self),
                             at: date(try $0.decode(column: "at", as: Int64.self)))
            }
        }
    }
}
