import Foundation
import SQLKit
import SSPMCore

/// Notification channels (`notification_channels`, their secrets sealed with the master key) and
/// the outbox (`notification_outbox`): every notification owed, claimed by a sender under a
/// lease, and its attempts.
public struct SQLNotificationStore: NotificationStore {
    let storage: SQLStorage
    let box: SecretBox
    public init(storage: SQLStorage, box: SecretBox) {
        self.storage = storage
        self.box = box
    }

    func channel(_ row: any SQLRow) throws -> NotificationChannel {
        let sealed = try row.decode(column: "secrets", as: String.self)
        return NotificationChannel(
            id: try row.decode(column: "id", as: String.self), name: try row.decode(column: "name", as: String.self),
            kind: ChannelKind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .webhook,
            enabled: try row.decode(column: "enabled", as: Int.self) != 0,
            minSeverity: Severity(rawValue: try row.decode(column: "min_severity", as: String.self)) ?? .low,
            policies: try row.decode(column: "policies", as: String?.self).map { try decodeJSON([String].self, $0) },
            email: try row.decode(column: "email", as: String?.self).map { try decodeJSON(EmailSettings.self, $0) },
            secrets: try decodeJSON(ChannelSecrets.self, try box.open(sealed, what: "notification channel secrets")),
            createdAt: date(try row.decode(column: "created_at", as: Int64.self)), updatedAt: date(try row.decode(column: "updated_at", as: Int64.self)))
    }

    public func channels() async throws -> [NotificationChannel] {
        try await storage.withSQL { db in try await db.raw("SELECT * FROM notification_channels ORDER BY created_at, id").all().map(channel) }
    }

    public func channel(id: String) async throws -> NotificationChannel? {
        try await storage.withSQL { db in try await db.raw("SELECT * FROM notification_channels WHERE id = \(bind: id)").first().map(channel) }
    }

    public func save(_ c: NotificationChannel) async throws {
        let sealed = try box.seal(try encodeJSON(c.secrets))
        let policies = try c.policies.map(encodeJSON)
        let email = try c.email.map(encodeJSON)
        try await storage.transaction { db in
            if try await db.raw("SELECT id FROM notification_channels WHERE id = \(bind: c.id)").first() != nil {
                try await db.raw("""
                    UPDATE notification_channels SET name = \(bind: c.name), kind = \(bind: c.kind.rawValue), enabled = \(bind: c.enabled ? 1 : 0),
                    min_severity = \(bind: c.minSeverity.rawValue), policies = \(bind: policies), email = \(bind: email), secrets = \(bind: sealed),
                    updated_at = \(bind: millis(c.updatedAt)) WHERE id = \(bind: c.id)
                    """).run()
            } else {
                try await db.raw("""
                    INSERT INTO notification_channels (id, name, kind, enabled, min_severity, policies, email, secrets, created_at, updated_at)
                    VALUES (\(bind: c.id), \(bind: c.name), \(bind: c.kind.rawValue), \(bind: c.enabled ? 1 : 0), \(bind: c.minSeverity.rawValue),
                    \(bind: policies), \(bind: email), \(bind: sealed), \(bind: millis(c.createdAt)), \(bind: millis(c.updatedAt)))
                    """).run()
            }
        }
    }

    public func deleteChannel(id: String) async throws -> Bool {
        try await storage.transaction { db in
            guard try await db.raw("SELECT id FROM notification_channels WHERE id = \(bind: id)").first() != nil else { return false }
            try await db.raw("DELETE FROM notification_outbox WHERE channel_id = \(bind: id)").run()
            try await db.raw("DELETE FROM notification_channels WHERE id = \(bind: id)").run()
            return true
        }
    }

    /// Writes outbox items on `db` (the caller's transaction: the alert's, for alert notifications).
    @discardableResult
    static func insert(_ drafts: [OutboxDraft], alertID: String?, at: Date, on db: any SQLDatabase) async throws -> [OutboxItem] {
        var items: [OutboxItem] = []
        for draft in drafts {
            let item = OutboxItem(channelID: draft.channelID, alertID: alertID, event: draft.event, payload: draft.payload, nextAttemptAt: at, createdAt: at)
            try await db.raw("""
                INSERT INTO notification_outbox (id, channel_id, alert_id, event, payload, state, attempts, next_attempt_at, created_at)
                VALUES (\(bind: item.id), \(bind: item.channelID), \(bind: alertID), \(bind: item.event), \(bind: try encodeJSON(item.payload)),
                'pending', 0, \(bind: millis(at)), \(bind: millis(at)))
                """).run()
            items.append(item)
        }
        return items
    }

    public func enqueue(_ drafts: [OutboxDraft], alertID: String?, at: Date) async throws -> [OutboxItem] {
        try await storage.transaction { db in try await Self.insert(drafts, alertID: alertID, at: at, on: db) }
    }

    static func item(_ row: any SQLRow) throws -> OutboxItem {
        OutboxItem(id: try row.decode(column: "id", as: String.self), channelID: try row.decode(column: "channel_id", as: String.self),
                   alertID: try row.decode(column: "alert_id", as: String?.self), event: try row.decode(column: "event", as: String.self),
                   payload: try decodeJSON(JSONValue.self, try row.decode(column: "payload", as: String.self)),
                   state: DeliveryState(rawValue: try row.decode(column: "state", as: String.self)) ?? .pending,
                   attempts: try row.decode(column: "attempts", as: Int.self), nextAttemptAt: date(try row.decode(column: "next_attempt_at", as: Int64.self)),
                   leaseUntil: try row.decode(column: "lease_until", as: Int64?.self).map(date), lastStatus: try row.decode(column: "last_status", as: Int?.self),
                   lastError: try row.decode(column: "last_error", as: String?.self), createdAt: date(try row.decode(column: "created_at", as: Int64.self)),
                   deliveredAt: try row.decode(column: "delivered_at", as: Int64?.self).map(date))
    }

    public func claim(now: Date, lease: TimeInterval, limit: Int) async throws -> [OutboxItem] {
        let postgres = storage.isPostgres
        let now64 = millis(now)
        let until = millis(now.addingTimeInterval(lease))
        return try await storage.transaction { db in
            let lock = postgres ? " FOR UPDATE SKIP LOCKED" : ""
            let ids = try await db.raw("""
                SELECT id FROM notification_outbox
                WHERE (state = 'pending' AND next_attempt_at <= \(bind: now64)) OR (state = 'sending' AND lease_until < \(bind: now64))
                ORDER BY next_attempt_at, id LIMIT \(literal: max(1, limit))\(unsafeRaw: lock)
                """).all().map { try $0.decode(column: "id", as: String.self) }
            guard !ids.isEmpty else { return [] }
            try await db.raw("""
                UPDATE notification_outbox SET state = 'sending', lease_until = \(bind: until), attempts = attempts + 1 WHERE id IN (\(binds: ids))
                """).run()
            return try await db.raw("SELECT * FROM notification_outbox WHERE id IN (\(binds: ids)) ORDER BY next_attempt_at, id").all().map(Self.item)
        }
    }

    public func finish(id: String, attempt: Int, _ outcome: DeliveryOutcome, at: Date) async throws {
        var query: SQLQueryString
        switch outcome {
        case .delivered(let status):
            query = "UPDATE notification_outbox SET state = 'delivered', lease_until = NULL, last_status = \(bind: status), last_error = NULL, delivered_at = \(bind: millis(at)) WHERE id = \(bind: id)"
        case .retry(let next, let status, let error):
            query = "UPDATE notification_outbox SET state = 'pending', lease_until = NULL, last_status = \(bind: status), last_error = \(bind: String(error.prefix(500))), next_attempt_at = \(bind: millis(next)) WHERE id = \(bind: id)"
        case .dead(let status, let error):
            query = "UPDATE notification_outbox SET state = 'dead', lease_until = NULL, last_status = \(bind: status), last_error = \(bind: String(error.prefix(500))) WHERE id = \(bind: id)"
        }
        // Only the sender of this attempt, while it is still out.
        query += " AND state = 'sending' AND attempts = \(bind: attempt)"
        let final = query
        try await storage.withSQL { db in try await db.raw(final).run() }
    }

    public func prune(before: Date) async throws -> Int {
        try await storage.transaction { db in
            let n = try await db.raw("SELECT COUNT(*) AS n FROM notification_outbox WHERE state IN ('delivered', 'dead') AND created_at < \(bind: millis(before))")
                .first()?.decode(column: "n", as: Int.self) ?? 0
            try await db.raw("DELETE FROM notification_outbox WHERE state IN ('delivered', 'dead') AND created_at < \(bind: millis(before))").run()
            return n
        }
    }

    public func deliveries(channelID: String, limit: Int) async throws -> [OutboxItem] {
        try await storage.withSQL { db in
            try await db.raw("SELECT * FROM notification_outbox WHERE channel_id = \(bind: channelID) ORDER BY created_at DESC, id DESC LIMIT \(literal: max(1, min(limit, 1000)))")
                .all().map(Self.item)
        }
    }

    public func item(id: String) async throws -> OutboxItem? {
        try await storage.withSQL { db in try await db.raw("SELECT * FROM notification_outbox WHERE id = \(bind: id)").first().map(Self.item) }
    }

    public func stateCounts() async throws -> [DeliveryState: Int] {
        try await storage.withSQL { db in
            var out: [DeliveryState: Int] = [:]
            for row in try await db.raw("SELECT state, COUNT(*) AS n FROM notification_outbox GROUP BY state").all() {
                if let state = DeliveryState(rawValue: try row.decode(column: "state", as: String.self)) { out[state] = try row.decode(column: "n", as: Int.self) }
            }
            return out
        }
    }

    public func nextDue() async throws -> Date? {
        try await storage.withSQL { db in
            try await db.raw("""
                SELECT MIN(CASE WHEN state = 'pending' THEN next_attempt_at ELSE lease_until END) AS due FROM notification_outbox
                WHERE state = 'pending' OR state = 'sending'
                """).first()?.decode(column: "due", as: Int64?.self).map(date)
        }
    }
}
