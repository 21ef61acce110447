import Foundation
import SSPMCore

/// The detection and notification tables of `MemoryDatabase`.
struct DetectionTables: Sendable {
    var policies: [String: StoredPolicy] = [:]
    var versions: [String: [StoredPolicy]] = [:]
    /// In creation order.
    var alerts: [AlertRecord] = []
    var comments: [AlertComment] = []
    var channels: [String: NotificationChannel] = [:]
    var outbox: [OutboxItem] = []
}

public struct MemoryDetectionStore: DetectionStore {
    let db: MemoryDatabase

    public func policies() async throws -> [StoredPolicy] {
        await db.run { db in db.detection.policies.values.sorted { $0.policy.id < $1.policy.id } }
    }

    public func policy(id: String) async throws -> StoredPolicy? { await db.run { db in db.detection.policies[id] } }

    public func versions(id: String) async throws -> [StoredPolicy] { await db.run { db in (db.detection.versions[id] ?? []).reversed() } }

    public func savePolicy(_ policy: DetectionPolicy, template: String?, by: String?, at: Date) async throws -> StoredPolicy {
        let copy = try throughJSON(policy)
        return await db.run { db in
            let current = db.detection.policies[policy.id]
            var saved = copy
            saved.version = max(current?.policy.version ?? 0, db.detection.versions[policy.id]?.map(\.policy.version).max() ?? 0) + 1
            let stored = StoredPolicy(policy: saved, template: current?.template ?? template, updatedAt: ms(at), updatedBy: by)
            db.detection.policies[policy.id] = stored
            db.detection.versions[policy.id, default: []].append(stored)
            return stored
        }
    }

    public func seed(templates: [DetectionPolicy], at: Date) async throws -> Int {
        let copies = try templates.map(throughJSON)
        return await db.run { db in
            var added = 0
            for template in copies where db.detection.versions[template.id] == nil {
                var policy = template
                policy.version = 1
                let stored = StoredPolicy(policy: policy, template: template.id, updatedAt: ms(at), updatedBy: nil)
                db.detection.policies[template.id] = stored
                db.detection.versions[template.id] = [stored]
                added += 1
            }
            return added
        }
    }

    public func deletePolicy(id: String) async throws -> Bool {
        await db.run { db in
            db.detection.policies.removeValue(forKey: id) != nil
        }
    }

    public func record(_ drafts: [AlertDraft], at: Date, notify: @Sendable (AlertRecord) -> [OutboxDraft]) async throws -> (created: [AlertRecord], updated: [AlertRecord]) {
        let drafts = try drafts.map { draft in
            var copy = draft
            copy.alert.firstSeen = ms(draft.alert.firstSeen)
            copy.alert.lastSeen = ms(draft.alert.lastSeen)
            copy.context = try draft.context.map(throughJSON)
            return copy
        }
        let at = ms(at)
        // One all-or-nothing write (a foreign-key refusal leaves every table as it was).
        return try await db.run { db in
            var created: [AlertRecord] = []
            var updated: [AlertRecord] = []
            for draft in drafts {
                try db.requireConnector(draft.connectorID)
                let a = draft.alert
                let earliest = a.firstSeen.addingTimeInterval(-draft.groupWindow)
                let candidates = db.detection.alerts.filter { old in
                    old.connectorID == draft.connectorID && old.policyID == a.policyID && old.key == a.key && old.firstSeen <= a.lastSeen && old.firstSeen >= earliest
                }
                let decision = AlertMerge.decide(candidates, draft)
                if decision == .skip { continue }
                if case .merge(let old) = decision, let index = db.detection.alerts.firstIndex(where: { $0.id == old.id }) {
                    guard let merged = AlertMerge.merge(db.detection.alerts[index], draft, at: at) else { continue }
                    db.detection.alerts[index] = merged
                    updated.append(merged)
                } else {
                    let record = AlertMerge.new(draft, at: at)
                    db.detection.alerts.append(record)
                    for item in notify(record) {
                        guard db.detection.channels[item.channelID] != nil else { throw MemoryConstraintError("no channel \(item.channelID) (foreign key)") }
                        db.detection.outbox.append(OutboxItem(channelID: item.channelID, alertID: record.id, event: item.event, payload: item.payload, nextAttemptAt: at, createdAt: at))
                    }
                    created.append(record)
                }
            }
            return (created, updated)
        }
    }

    public func alert(id: String) async throws -> AlertRecord? { await db.run { db in db.detection.alerts.first { $0.id == id } } }

    public func alerts(_ q: AlertQuery) async throws -> [AlertRecord] {
        try await db.run { db in
            var list = db.detection.alerts.filter { a in
                (q.connectorID.map { a.connectorID == $0 } ?? true) && (q.statuses.map { $0.isEmpty || $0.contains(a.status) } ?? true)
                    && (q.minSeverity.map { a.severity >= $0 } ?? true) && (q.policyID.map { a.policyID == $0 } ?? true)
            }
            list.sort { $0.createdAt != $1.createdAt ? $0.createdAt > $1.createdAt : $0.id > $1.id }
            if let before = q.before {
                guard let anchor = db.detection.alerts.first(where: { $0.id == before }) else { throw InvalidCursor() }
                list = list.filter { $0.createdAt < anchor.createdAt || ($0.createdAt == anchor.createdAt && $0.id < anchor.id) }
            }
            return Array(list.prefix(clamp(q.limit, 1...1000)))
        }
    }

    public func alertCounts() async throws -> [String: Int] {
        await db.run { db in Dictionary(db.detection.alerts.map { ($0.policyID, 1) }, uniquingKeysWith: +) }
    }

    public func update(alertID: String, _ update: AlertUpdate, at: Date) async throws -> AlertRecord? {
        await db.run { db in
            guard let index = db.detection.alerts.firstIndex(where: { $0.id == alertID }) else { return nil }
            db.detection.alerts[index] = AlertMerge.apply(update, to: db.detection.alerts[index], at: ms(at))
            return db.detection.alerts[index]
        }
    }

    public func addComment(_ comment: AlertComment) async throws {
        try await db.run { db in
            guard db.detection.alerts.contains(where: { $0.id == comment.alertID }) else { throw MemoryConstraintError("no alert \(comment.alertID) (foreign key)") }
            var copy = comment
            copy.at = ms(comment.at)
            db.detection.comments.append(copy)
        }
    }

    public func comments(alertID: String) async throws -> [AlertComment] {
        await db.run { db in db.detection.comments.filter { $0.alertID == alertID }.sorted { $0.at != $1.at ? $0.at < $1.at : $0.id < $1.id } }
    }
}

public struct MemoryNotificationStore: NotificationStore {
    let db: MemoryDatabase

    public func channels() async throws -> [NotificationChannel] {
        await db.run { db in db.detection.channels.values.sorted { $0.createdAt != $1.createdAt ? $0.createdAt < $1.createdAt : $0.id < $1.id } }
    }

    public func channel(id: String) async throws -> NotificationChannel? { await db.run { db in db.detection.channels[id] } }

    public func save(_ channel: NotificationChannel) async throws {
        var copy = channel
        copy.createdAt = ms(channel.createdAt)
        copy.updatedAt = ms(channel.updatedAt)
        let fresh = copy
        await db.run { db in
            var stored = fresh
            if let old = db.detection.channels[fresh.id] { stored.createdAt = old.createdAt }
            db.detection.channels[fresh.id] = stored
        }
    }

    public func deleteChannel(id: String) async throws -> Bool {
        await db.run { db in
            guard db.detection.channels.removeValue(forKey: id) != nil else { return false }
            db.detection.outbox.removeAll { $0.channelID == id }
            return true
        }
    }

    public func enqueue(_ drafts: [OutboxDraft], alertID: String?, at: Date) async throws -> [OutboxItem] {
        let at = ms(at)
        return try await db.run { db in
            try drafts.map { draft in
                guard db.detection.channels[draft.channelID] != nil else { throw MemoryConstraintError("no channel \(draft.channelID) (foreign key)") }
                let item = OutboxItem(channelID: draft.channelID, alertID: alertID, event: draft.event, payload: draft.payload, nextAttemptAt: at, createdAt: at)
                db.detection.outbox.append(item)
                return item
            }
        }
    }

    public func claim(now: Date, lease: TimeInterval, limit: Int) async throws -> [OutboxItem] {
        let now = ms(now)
        return await db.run { db in
            let due = db.detection.outbox.indices.filter { i in
                let item = db.detection.outbox[i]
                return (item.state == .pending && item.nextAttemptAt <= now) || (item.state == .sending && (item.leaseUntil ?? .distantPast) < now)
            }.sorted { a, b in
                let x = db.detection.outbox[a], y = db.detection.outbox[b]
                return x.nextAttemptAt != y.nextAttemptAt ? x.nextAttemptAt < y.nextAttemptAt : x.id < y.id
            }.prefix(max(1, limit))
            return due.map { i in
                db.detection.outbox[i].state = .sending
                db.detection.outbox[i].leaseUntil = ms(now.addingTimeInterval(lease))
                db.detection.outbox[i].attempts += 1
                return db.detection.outbox[i]
            }
        }
    }

    public func finish(id: String, attempt: Int, _ outcome: DeliveryOutcome, at: Date) async throws {
        let at = ms(at)
        await db.run { db in
            guard let i = db.detection.outbox.firstIndex(where: { $0.id == id }), db.detection.outbox[i].state == .sending,
                  db.detection.outbox[i].attempts == attempt else { return }
            switch outcome {
            case .delivered(let status):
                db.detection.outbox[i].state = .delivered
                db.detection.outbox[i].lastStatus = status
                db.detection.outbox[i].lastError = nil
                db.detection.outbox[i].deliveredAt = at
            case .retry(let next, let status, let error):
                db.detection.outbox[i].state = .pending
                db.detection.outbox[i].lastStatus = status
                db.detection.outbox[i].lastError = String(error.prefix(500))
                db.detection.outbox[i].nextAttemptAt = ms(next)
            case .dead(let status, let error):
                db.detection.outbox[i].state = .dead
                db.detection.outbox[i].lastStatus = status
                db.detection.outbox[i].lastError = String(error.prefix(500))
            }
            db.detection.outbox[i].leaseUntil = nil
        }
    }

    public func deliveries(channelID: String, limit: Int) async throws -> [OutboxItem] {
        await db.run { db in
            Array(db.detection.outbox.filter { $0.channelID == channelID }
                .sorted { $0.createdAt != $1.createdAt ? $0.createdAt > $1.createdAt : $0.id > $1.id }.prefix(clamp(limit, 1...1000)))
        }
    }

    public func prune(before: Date) async throws -> Int {
        let before = ms(before)
        return await db.run { db in
            let count = db.detection.outbox.count
            db.detection.outbox.removeAll { ($0.state == .delivered || $0.state == .dead) && $0.createdAt < before }
            return count - db.detection.outbox.count
        }
    }

    public func item(id: String) async throws -> OutboxItem? { await db.run { db in db.detection.outbox.first { $0.id == id } } }

    public func stateCounts() async throws -> [DeliveryState: Int] {
        await db.run { db in Dictionary(db.detection.outbox.map { ($0.state, 1) }, uniquingKeysWith: +) }
    }

    public func nextDue() async throws -> Date? {
        await db.run { db in
            db.detection.outbox.compactMap { item -> Date? in
                switch item.state {
                case .pending: return item.nextAttemptAt
                case .sending: return item.leaseUntil
                default: return nil
                }
            }.min()
        }
    }
}
