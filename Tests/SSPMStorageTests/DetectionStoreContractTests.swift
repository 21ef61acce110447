import Foundation
import SQLKit
import SSPMCore
import SSPMStorage
import SSPMTestSupport
import Testing

/// The detection and notification stores answer alike on SQLite, PostgreSQL and in memory.
@Suite(.serialized)
struct DetectionStoreContractTests {
    static let t0 = Date(timeIntervalSince1970: 1_790_000_000)

    static func policy(_ id: String, enabled: Bool = true) -> DetectionPolicy {
        DetectionPolicy(id: id, title: "Title of \(id)", severity: .high, enabled: enabled,
                        match: EventMatch(streams: ["operation"], detailContains: ["from On to Off"]),
                        kind: .count(threshold: 3, window: 600, per: .actor), catches: "c", falsePositives: "f", tuning: "t")
    }

    static func detected(_ policy: String, key: String, first: Date, last: Date, count: Int, evidence: [String]) -> DetectionAlert {
        DetectionAlert(policyID: policy, policyVersion: 1, title: "\(policy) for \(key)", severity: .high, key: key, actor: key, value: nil,
                       firstSeen: first, lastSeen: last, count: count, evidence: evidence)
    }

    @Test("policies: versioned saves keep every version and the template they came from; templates are seeded once; delete", arguments: StoreBackend.available)
    func policies(_ backend: StoreBackend) async throws {
        try await backend.withStores { stores in
            let store = stores.detections
            #expect(try await store.seed(templates: [Self.policy("T-1"), Self.policy("T-2")], at: Self.t0) == 2)
            #expect(try await store.seed(templates: [Self.policy("T-1"), Self.policy("T-3")], at: Self.t0) == 1)
            #expect(try await store.policies().map(\.policy.id) == ["T-1", "T-2", "T-3"])
            var changed = Self.policy("T-1", enabled: false)
            changed.version = 99  // the store numbers versions, not the caller
            changed.kind = .distinct(field: .ipAddress, threshold: 4, window: 3600, per: .actor)
            let saved = try await store.savePolicy(changed, template: nil, by: "admin@example.com", at: Self.t0.addingTimeInterval(60))
            #expect(saved.policy.version == 2 && saved.template == "T-1" && saved.updatedBy == "admin@example.com")
            let read = try #require(try await store.policy(id: "T-1"))
            #expect(read.policy == saved.policy && !read.policy.enabled)
            #expect(try await store.versions(id: "T-1").map(\.policy.version) == [2, 1])
            #expect(try await store.versions(id: "T-1").last?.policy.enabled == true)
            let custom = try await store.savePolicy(Self.policy("P-custom"), template: nil, by: "a", at: Self.t0)
            #expect(custom.policy.version == 1 && custom.template == nil)
            #expect(try await store.deletePolicy(id: "P-custom"))
            #expect(try await store.deletePolicy(id: "P-custom") == false)
            #expect(try await store.policy(id: "P-custom") == nil)
            // The history stays; made again, the policy goes on from it.
            #expect(try await store.versions(id: "P-custom").map(\.policy.version) == [1])
            #expect(try await store.savePolicy(Self.policy("P-custom"), template: nil, by: "a", at: Self.t0).policy.version == 2)
            // A deleted template is not stored again at the next start.
            #expect(try await store.deletePolicy(id: "T-2"))
            #expect(try await store.seed(templates: [Self.policy("T-1"), Self.policy("T-2")], at: Self.t0) == 0)
            #expect(try await store.policy(id: "T-2") == nil)
        }
    }

    @Test("alerts: a detection merges into the stored alert of its policy, key and window (a replay changes nothing); outside the window it is a new alert; notifications are queued with new alerts only", arguments: StoreBackend.available)
    func alertsMerge(_ backend: StoreBackend) async throws {
        try await backend.withStores { stores in
            let c = ConnectorRecord.zoom(name: "A", accountID: "acct", clientID: "client-a")
            try await stores.connectors.create(c, credentials: .zoom(clientSecret: "x"))
            let channel = NotificationChannel(name: "hook", kind: .webhook, secrets: ChannelSecrets(url: "https://example.com/h", signingSecret: "whsec_AAAA"),
                                              createdAt: Self.t0, updatedAt: Self.t0)
            try await stores.notifications.save(channel)
            let route: @Sendable (AlertRecord) -> [OutboxDraft] = { alert in [OutboxDraft(channelID: channel.id, event: "alert.raised", payload: ["id": .string(alert.id)])] }
            let first = Self.detected("P", key: "bob@example.com", first: Self.t0, last: Self.t0.addingTimeInterval(30), count: 3, evidence: ["e1", "e2", "e3"])
            var result = try await stores.detections.record([AlertDraft(connectorID: c.id, alert: first, evidence: first.evidence, groupWindow: 3600)],
                                                           at: Self.t0.addingTimeInterval(31), notify: route)
            #expect(result.created.count == 1 && result.updated.isEmpty)
            let id = try #require(result.created.first?.id)
            // The same detection again (a replay): nothing changes, nothing is queued.
            result = try await stores.detections.record([AlertDraft(connectorID: c.id, alert: first, evidence: first.evidence, groupWindow: 3600)],
                                                       at: Self.t0.addingTimeInterval(40), notify: route)
            #expect(result.created.isEmpty && result.updated.isEmpty)
            // More events within the window: the same alert, counted up, evidence merged.
            var more = first
            more.lastSeen = Self.t0.addingTimeInterval(600)
            more.count = 5
            more.evidence = ["e1", "e4"]
            result = try await stores.detections.record([AlertDraft(connectorID: c.id, alert: more, evidence: more.evidence, groupWindow: 3600)],
                                                       at: Self.t0.addingTimeInterval(601), notify: route)
            #expect(result.created.isEmpty && result.updated.map(\.id) == [id])
            let merged = try #require(try await stores.detections.alert(id: id))
            #expect(merged.count == 5 && merged.evidence == ["e1", "e2", "e3", "e4"] && merged.lastSeen == Self.t0.addingTimeInterval(600))
            // Two hours later: a new alert; another key: a new alert.
            let later = Self.detected("P", key: "bob@example.com", first: Self.t0.addingTimeInterval(7200), last: Self.t0.addingTimeInterval(7200), count: 3, evidence: ["e9"])
            let other = Self.detected("P", key: "eve@example.com", first: Self.t0, last: Self.t0, count: 3, evidence: ["e8"])
            result = try await stores.detections.record([later, other].map { AlertDraft(connectorID: c.id, alert: $0, evidence: $0.evidence, groupWindow: 3600) },
                                                       at: Self.t0.addingTimeInterval(7201), notify: route)
            #expect(result.created.count == 2)
            #expect(try await stores.notifications.deliveries(channelID: channel.id, limit: 10).count == 3)
            // Queries: newest first, filters, pages.
            let all = try await stores.detections.alerts(AlertQuery(connectorID: c.id))
            #expect(all.count == 3 && all.last?.id == id)
            #expect(try await stores.detections.alerts(AlertQuery(policyID: "nope")).isEmpty)
            let page = try await stores.detections.alerts(AlertQuery(connectorID: c.id, limit: 2))
            let rest = try await stores.detections.alerts(AlertQuery(connectorID: c.id, limit: 2, before: page.last?.id))
            #expect(page.count == 2 && rest.map(\.id) == [id])
            #expect(try await stores.detections.alertCounts() == ["P": 3])

            // Closed alerts: a replay of what it holds changes nothing; activity after it was
            // closed is a new alert (notified), not hidden in the closed one.
            _ = try await stores.detections.update(alertID: id, AlertUpdate(status: .dismissed, resolution: .falsePositive), at: Self.t0.addingTimeInterval(700))
            result = try await stores.detections.record([AlertDraft(connectorID: c.id, alert: more, evidence: more.evidence, groupWindow: 3600)],
                                                       at: Self.t0.addingTimeInterval(800), notify: route)
            #expect(result.created.isEmpty && result.updated.isEmpty)
            var after = more
            after.lastSeen = Self.t0.addingTimeInterval(900)
            after.count = 6
            after.evidence = ["e1", "e5"]
            result = try await stores.detections.record([AlertDraft(connectorID: c.id, alert: after, evidence: after.evidence, groupWindow: 3600)],
                                                       at: Self.t0.addingTimeInterval(901), notify: route)
            #expect(result.created.count == 1 && result.updated.isEmpty)
            let reopened = try #require(result.created.first)
            #expect(reopened.id != id && reopened.status == .open)
            #expect(try await stores.detections.alert(id: id)?.count == 5)  // the dismissed one is as it was
            // The next replay counts into the new, open alert.
            after.lastSeen = Self.t0.addingTimeInterval(950)
            after.count = 7
            result = try await stores.detections.record([AlertDraft(connectorID: c.id, alert: after, evidence: after.evidence, groupWindow: 3600)],
                                                       at: Self.t0.addingTimeInterval(951), notify: route)
            #expect(result.created.isEmpty && result.updated.map(\.id) == [reopened.id])
        }
    }

    @Test("alert lifecycle: status, resolution, assignee, comments; reopening clears the resolution; the connector's delete takes its alerts", arguments: StoreBackend.available)
    func lifecycle(_ backend: StoreBackend) async throws {
        try await backend.withStores { stores in
            let c = ConnectorRecord.zoom(name: "A", accountID: "acct", clientID: "client-b")
            try await stores.connectors.create(c, credentials: .zoom(clientSecret: "x"))
            let d = Self.detected("P", key: "k", first: Self.t0, last: Self.t0, count: 1, evidence: ["e"])
            let id = try #require(try await stores.detections.record([AlertDraft(connectorID: c.id, alert: d, evidence: ["e"], groupWindow: 60)], at: Self.t0,
                                                                    notify: { _ in [] }).created.first?.id)
            var a = try #require(try await stores.detections.update(alertID: id, AlertUpdate(status: .acknowledged, assignee: "soc@example.com"), at: Self.t0))
            #expect(a.status == .acknowledged && a.assignee == "soc@example.com" && a.resolution == nil)
            a = try #require(try await stores.detections.update(alertID: id, AlertUpdate(status: .dismissed, resolution: .falsePositive), at: Self.t0))
            #expect(a.status == .dismissed && a.resolution == .falsePositive)
            #expect(try await stores.detections.alerts(AlertQuery(statuses: [.open, .acknowledged])).isEmpty)
            a = try #require(try await stores.detections.update(alertID: id, AlertUpdate(status: .open, assignee: ""), at: Self.t0))
            #expect(a.status == .open && a.resolution == nil && a.assignee == nil)
            #expect(try await stores.detections.update(alertID: "missing", AlertUpdate(status: .open), at: Self.t0) == nil)
            try await stores.detections.addComment(AlertComment(alertID: id, author: "a", body: "first", at: Self.t0))
            try await stores.detections.addComment(AlertComment(alertID: id, author: "b", body: "second", at: Self.t0.addingTimeInterval(1)))
            #expect(try await stores.detections.comments(alertID: id).map(\.body) == ["first", "second"])
            await #expect(throws: (any Error).self) { try await stores.detections.addComment(AlertComment(alertID: "missing", author: "a", body: "x", at: Self.t0)) }
            try await stores.connectors.delete(id: c.id)
            #expect(try await stores.detections.alert(id: id) == nil)
            #expect(try await stores.detections.comments(alertID: id).isEmpty)
        }
    }

    @Test("outbox: a due item is claimed by one sender at a time, counted as an attempt; retry, deliver, dead; an expired lease is claimed again; a channel's delete takes its items", arguments: StoreBackend.available)
    func outbox(_ backend: StoreBackend) async throws {
        try await backend.withStores { stores in
            let store = stores.notifications
            let channel = NotificationChannel(name: "mail", kind: .email, minSeverity: .high, policies: ["ZDT-01"],
                                              email: EmailSettings(host: "smtp.example.com", port: 587, security: .starttls, username: "u", from: "a@example.com", to: ["b@example.com"]),
                                              secrets: ChannelSecrets(password: "pw"), createdAt: Self.t0, updatedAt: Self.t0)
            try await store.save(channel)
            let read = try #require(try await store.channel(id: channel.id))
            #expect(read.secrets.password == "pw" && read.email == channel.email && read.policies == ["ZDT-01"] && read.minSeverity == .high)
            let items = try await store.enqueue([OutboxDraft(channelID: channel.id, event: "channel.test", payload: ["n": 1]),
                                                 OutboxDraft(channelID: channel.id, event: "channel.test", payload: ["n": 2])], alertID: nil, at: Self.t0)
            #expect(try await store.nextDue() == Self.t0)
            async let a = store.claim(now: Self.t0, lease: 60, limit: 1)
            async let b = store.claim(now: Self.t0, lease: 60, limit: 1)
            let claims = try await [a, b]
            #expect(Set(claims.flatMap { $0.map(\.id) }) == Set(items.map(\.id)), "each item once: \(claims)")
            #expect(try await store.claim(now: Self.t0.addingTimeInterval(1), lease: 60, limit: 10).isEmpty)
            #expect(claims.flatMap { $0 }.allSatisfy { $0.attempts == 1 && $0.state == .sending })
            try await store.finish(id: items[0].id, attempt: 1, .retry(at: Self.t0.addingTimeInterval(5), status: 503, error: "busy"), at: Self.t0)
            try await store.finish(id: items[1].id, attempt: 1, .dead(status: 410, error: "gone"), at: Self.t0)
            #expect(try await store.claim(now: Self.t0.addingTimeInterval(4), lease: 60, limit: 10).isEmpty)
            let again = try await store.claim(now: Self.t0.addingTimeInterval(5), lease: 2, limit: 10)
            #expect(again.map(\.id) == [items[0].id] && again.first?.attempts == 2 && again.first?.lastStatus == 503)
            // The sender dies: after its lease the item is claimed again, with the same id.
            let taken = try await store.claim(now: Self.t0.addingTimeInterval(8), lease: 60, limit: 10)
            #expect(taken.map(\.id) == [items[0].id] && taken.first?.attempts == 3)
            // The sender whose lease ran out (attempt 2) reports late: it changes nothing.
            try await store.finish(id: items[0].id, attempt: 2, .dead(status: 500, error: "late"), at: Self.t0.addingTimeInterval(9))
            #expect(try await store.item(id: items[0].id)?.state == .sending)
            try await store.finish(id: items[0].id, attempt: 3, .delivered(status: 250), at: Self.t0.addingTimeInterval(9))
            let log = try await store.deliveries(channelID: channel.id, limit: 10)
            #expect(Set(log.map(\.state)) == [.delivered, .dead])
            #expect(log.first { $0.state == .delivered }?.deliveredAt == Self.t0.addingTimeInterval(9))
            #expect(try await store.stateCounts() == [.delivered: 1, .dead: 1])
            #expect(try await store.nextDue() == nil)
            // Housekeeping removes finished items older than the retention; pending ones stay.
            let fresh = try await store.enqueue([OutboxDraft(channelID: channel.id, event: "channel.test", payload: ["n": 3])], alertID: nil, at: Self.t0.addingTimeInterval(20))
            #expect(try await store.prune(before: Self.t0.addingTimeInterval(30)) == 2)
            #expect(try await store.deliveries(channelID: channel.id, limit: 10).map(\.id) == fresh.map(\.id))
            #expect(try await store.deleteChannel(id: channel.id))
            #expect(try await store.item(id: items[0].id) == nil)
            #expect(try await store.deleteChannel(id: channel.id) == false)
        }
    }

    @Test("channel secrets are sealed at rest in SQL: the URL, signing secret and password are not in the table", arguments: Backend.available)
    func sealed(_ backend: Backend) async throws {
        try await backend.withStorage { (storage: SQLStorage) async throws -> Void in
            let store = SQLNotificationStore(storage: storage, box: SecretBox(key: .init(size: .bits256)))
            try await store.save(NotificationChannel(name: "slack", kind: .slack, secrets: ChannelSecrets(url: "https://hooks.slack.com/services/T0/B0/SECRETPART"),
                                                     createdAt: Self.t0, updatedAt: Self.t0))
            let raw = try await storage.withSQL { db in
                try await db.raw("SELECT * FROM notification_channels").all().map { try $0.decode(column: "secrets", as: String.self) }
            }
            #expect(raw.count == 1 && !raw[0].contains("SECRETPART") && !raw[0].contains("hooks.slack.com"))
            #expect(try await store.channels().first?.secrets.url == "https://hooks.slack.com/services/T0/B0/SECRETPART")
        }
    }
}
