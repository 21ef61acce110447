import Foundation
import Logging
import SSPMCore
import SSPMProvider
import ZoomProvider
import SSPMStorage
import SSPMTestSupport
import Testing

@Suite(.serialized)
struct StoreContractTests {
    static let box = SecretBox(key: .init(size: .bits256))

    @Test("migrations run once and are recorded", arguments: Backend.available)
    func migrations(_ backend: Backend) async throws {
        try await backend.withStorage { (storage: SQLStorage) async throws -> Void in
            let migrator = Migrator(storage: storage, logger: LogCapture().logger(label: "m"))
            #expect(try await migrator.applied() == Migrations.all.map(\.id))
            #expect(try await migrator.migrate().isEmpty)  // second run: nothing to do
        }
    }

    @Test("connectors: create, list, get, status, delete; duplicate client IDs refused", arguments: StoreBackend.available)
    func connectors(_ backend: StoreBackend) async throws {
        try await backend.withStores { stores in
            let store = stores.connectors
            let a = ConnectorRecord.zoom(name: "Acme production", accountID: "acct-1", clientID: "client-1")
            try await store.create(a, credentials: .zoom(clientSecret: "s3cret-value", webhookSecretToken: "wh-token"))
            #expect(try await store.list().map(\.id) == [a.id])
            #expect(try await store.get(id: a.id)?.name == "Acme production")
            #expect(try await store.credentials(id: a.id) == ConnectorCredentials.zoom(clientSecret: "s3cret-value", webhookSecretToken: "wh-token"))
            await #expect(throws: StoreError.duplicateConnector(provider: "zoom", key: "client-1")) {
                try await store.create(ConnectorRecord.zoom(name: "Again", accountID: "acct-1", clientID: "client-1"), credentials: .zoom(clientSecret: "x"))
            }
            try await store.updateStatus(id: a.id, status: "degraded", detail: "signin_report: missing scope report:read:admin", at: Date())
            #expect(try await store.get(id: a.id)?.status == "degraded")
            // A status change is recorded once; the same status again is not a change.
            let t = Date(timeIntervalSince1970: 1_790_000_000)
            try await store.transition(id: a.id, to: "connected", detail: nil, health: nil, at: t)
            try await store.transition(id: a.id, to: "connected", detail: nil, health: nil, at: t.addingTimeInterval(1))
            #expect(try await store.events(id: a.id).map(\.toStatus) == ["connected"])
            // A disconnected connector stays so when a sync ends with unlessDisconnected.
            try await store.transition(id: a.id, to: "disconnected", detail: "by an operator", health: nil, at: t.addingTimeInterval(2))
            try await store.transition(id: a.id, to: "connected", detail: nil, health: nil, at: t.addingTimeInterval(3), unlessDisconnected: true)
            #expect(try await store.get(id: a.id)?.status == "disconnected")
            // Deleting takes what is kept for the connector with it.
            try await stores.jobs.schedule(connectorID: a.id, at: t)
            try await stores.checkpoints.setCheckpoint(connectorID: a.id, stream: "signin", to: t)
            try await store.delete(id: a.id)
            #expect(try await store.list().isEmpty)
            #expect(try await stores.jobs.job(connectorID: a.id) == nil)
            #expect(try await stores.checkpoints.checkpoint(connectorID: a.id, stream: "signin") == nil)
            await #expect(throws: StoreError.notFound("Connector \(a.id)")) { try await store.delete(id: a.id) }
        }
    }

    @Test("pairings: none, set, replaced, one directory for several readers (oldest first), unpaired; unknown ids refused and nothing changed; deleting either side deletes the pairing", arguments: StoreBackend.available)
    func pairings(_ backend: StoreBackend) async throws {
        try await backend.withStores { stores in
            let store = stores.connectors
            let t = Date(timeIntervalSince1970: 1_790_000_000)
            let zoomA = ConnectorRecord.zoom(id: "zoom-a", name: "A", accountID: "acct-a", clientID: "client-a")
            let zoomB = ConnectorRecord.zoom(id: "zoom-b", name: "B", accountID: "acct-b", clientID: "client-b")
            let dir1 = ConnectorRecord.zoom(id: "dir-1", name: "D1", accountID: "acct-d1", clientID: "client-d1")
            let dir2 = ConnectorRecord.zoom(id: "dir-2", name: "D2", accountID: "acct-d2", clientID: "client-d2")
            for c in [zoomA, zoomB, dir1, dir2] { try await store.create(c, credentials: .zoom(clientSecret: "x")) }
            #expect(try await store.pairedDirectory(id: "zoom-a") == nil)
            try await store.setPairing(id: "zoom-a", directoryID: "dir-1", at: t, by: "admin")
            try await store.setPairing(id: "zoom-b", directoryID: "dir-1", at: t.addingTimeInterval(1), by: "admin")
            #expect(try await store.pairedDirectory(id: "zoom-a") == "dir-1")
            #expect(try await store.pairedReaders(directoryID: "dir-1") == ["zoom-a", "zoom-b"])
            try await store.setPairing(id: "zoom-a", directoryID: "dir-2", at: t.addingTimeInterval(2), by: "admin")
            #expect(try await store.pairedDirectory(id: "zoom-a") == "dir-2")
            #expect(try await store.pairedReaders(directoryID: "dir-1") == ["zoom-b"])
            await #expect(throws: StoreError.notFound("Connector nope")) { try await store.setPairing(id: "zoom-a", directoryID: "nope", at: t, by: nil) }
            await #expect(throws: StoreError.notFound("Connector nope")) { try await store.setPairing(id: "nope", directoryID: "dir-1", at: t, by: nil) }
            #expect(try await store.pairedDirectory(id: "zoom-a") == "dir-2", "a refused pairing changed the stored one")
            // Pairings of one connector at once (two admins, two processes): each lands whole, none fails.
            try await withThrowingTaskGroup(of: Void.self) { group in
                for n in 0..<12 {
                    group.addTask { try await store.setPairing(id: "zoom-a", directoryID: n.isMultiple(of: 2) ? "dir-1" : "dir-2", at: t, by: "admin \(n)") }
                }
                try await group.waitForAll()
            }
            #expect(["dir-1", "dir-2"].contains(try await store.pairedDirectory(id: "zoom-a") ?? ""))
            try await store.setPairing(id: "zoom-a", directoryID: nil, at: t, by: "admin")
            #expect(try await store.pairedDirectory(id: "zoom-a") == nil)
            try await store.delete(id: "dir-1")
            #expect(try await store.pairedDirectory(id: "zoom-b") == nil)
            try await store.setPairing(id: "zoom-b", directoryID: "dir-2", at: t, by: "admin")
            try await store.delete(id: "zoom-b")
            #expect(try await store.pairedReaders(directoryID: "dir-2").isEmpty)
        }
    }

    @Test("connectors in SQL: secrets sealed at rest, settings in clear; another master key cannot open them", arguments: Backend.available)
    func sealedAtRest(_ backend: Backend) async throws {
        try await backend.withStorage { (storage: SQLStorage) async throws -> Void in
            let store = SQLConnectorStore(storage: storage, box: Self.box)
            let a = ConnectorRecord.zoom(name: "Acme production", accountID: "acct-1", clientID: "client-1")
            try await store.create(a, credentials: .zoom(clientSecret: "s3cret-value", webhookSecretToken: "wh-token"))
            let raw = try await storage.withSQL { db in
                try await db.raw("SELECT credentials_sealed, settings FROM connectors").first().map {
                    (try $0.decode(column: "credentials_sealed", as: String.self), try $0.decode(column: "settings", as: String.self))
                }
            }
            #expect(raw?.0.hasPrefix("v1:") == true && raw?.0.contains("s3cret") == false && raw?.0.contains("wh-token") == false)
            #expect(raw?.1.contains("client-1") == true && raw?.1.contains("s3cret") == false)
            let other = SQLConnectorStore(storage: storage, box: SecretBox(key: .init(size: .bits256)))
            await #expect(throws: StoreError.cannotUnseal("credentials")) { _ = try await other.credentials(id: a.id) }
        }
    }

    @Test("activities: fingerprint de-duplication across overlapping batches, filters, newest first, pages by cursor", arguments: StoreBackend.available)
    func activities(_ backend: StoreBackend) async throws {
        try await backend.withStores { stores in
            let connectors = stores.connectors
            let c = ConnectorRecord.zoom(name: "A", accountID: "a", clientID: "c-act")
            try await connectors.create(c, credentials: .zoom(clientSecret: "x"))
            let store = stores.activities
            let base = Date(timeIntervalSince1970: 1_790_000_000)
            @Sendable func row(_ n: Int) -> ActivityEvent {
                let payload: JSONValue = ["email": .string("u\(n % 3)@example.com"), "time": .string("t\(n)"), "type": "Sign in", "ip_address": "192.0.2.1"]
                return ActivityEvent(connectorID: c.id, provider: "test", stream: "signin", category: "authentication", action: "Sign in",
                                     actor: "u\(n % 3)@example.com", target: "t\(n % 5)", outcome: n % 7 == 0 ? .failure : .success, ipAddress: "192.0.2.1",
                                     client: "Browser \(n)", detail: n % 2 == 0 ? "even" : nil, occurredAt: base.addingTimeInterval(Double(n) * 60),
                                     fingerprint: ActivityFingerprint.make(kind: "signin", payload), raw: payload)
            }
            try await store.insert((0..<500).map(row), mappingVersion: 1)
            try await store.insert((400..<700).map(row), mappingVersion: 1)  // overlap 400..<500
            // Every normalised field reads back as written.
            #expect(Set(try await store.list(connectorID: c.id, from: nil, to: nil, user: nil, limit: 10_000)) == Set((0..<700).map(row)))
            #expect(try await store.count(connectorID: c.id) == 700)
            let recent = try await store.list(connectorID: c.id, from: base.addingTimeInterval(600 * 60), to: nil, user: nil, limit: 1000)
            #expect(recent.count == 100)
            #expect(recent.first?.occurredAt == base.addingTimeInterval(699 * 60))
            let oneUser = try await store.list(connectorID: c.id, from: nil, to: nil, user: "u1@example.com", limit: 10_000)
            #expect(oneUser.count == (0..<700).filter { $0 % 3 == 1 }.count)
            #expect(oneUser.first?.raw["type"] == "Sign in")
            // Pages of 300 by cursor, newest first, cover every row once; a forged cursor is refused.
            var seen: [String] = []
            var cursor: String?
            repeat {
                let page = try await store.query(ActivityQuery(connectorID: c.id, cursor: cursor, limit: 300))
                seen += page.items.map(\.fingerprint)
                cursor = page.nextCursor
            } while cursor != nil
            #expect(seen.count == 700 && Set(seen).count == 700)
            #expect(try await store.count(query: ActivityQuery(connectorID: c.id, user: "u1@example.com")) == oneUser.count)
            await #expect(throws: InvalidCursor.self) { _ = try await store.query(ActivityQuery(connectorID: c.id, cursor: "bm90LWEtY3Vyc29y")) }
            // A polled row replaces the webhook copy of the same event (same correlation key).
            var hooked = row(1000)
            hooked.correlation = "k-1000"
            hooked.fingerprint = "wh-1000"
            // Two deliveries of one event in one batch (a retried delivery) store one row.
            var again = hooked
            again.fingerprint = "wh-1000-retry"
            try await store.insertWebhookEvents([(hooked, nil, 1), (again, nil, 1)])
            try await store.insertWebhookEvents([(hooked, nil, 1)])
            #expect(try await store.count(connectorID: c.id) == 701)
            var polled = row(1000)
            polled.correlation = "k-1000"
            try await store.insert([polled], mappingVersion: 1)
            #expect(try await store.count(connectorID: c.id) == 701)
            #expect(try await store.list(connectorID: c.id, from: nil, to: nil, user: nil, limit: 1).first?.fingerprint == polled.fingerprint)
        }
    }

    @Test("an inventory is replaced only as it was read: a newer one saved meanwhile is kept", arguments: StoreBackend.available)
    func inventoryReplace(_ backend: StoreBackend) async throws {
        try await backend.withStores { (stores: StoreSet) async throws -> Void in
            try await stores.connectors.create(ConnectorRecord.zoom(id: "inv", name: "I", accountID: "a", clientID: "c-inv"), credentials: .zoom(clientSecret: "x"))
            let first = Date(timeIntervalSince1970: 1_790_000_000), second = first.addingTimeInterval(60)
            func user(_ email: String, _ standing: DirectoryStanding?) -> InventoryUser {
                InventoryUser(id: email, email: email, displayName: email, type: 2, status: "active", roleID: "0", roleName: nil, groupIDs: [],
                              loginTypes: nil, lastLoginTime: nil, createdAt: nil, directoryStanding: standing)
            }
            try await stores.inventory.save(connectorID: "inv", users: [user("a@x.example", .disabled)], at: first)
            let read = try #require(try await stores.inventory.latest(connectorID: "inv"))
            #expect(try await stores.inventory.replace(connectorID: "inv", users: [user("a@x.example", nil)], capturedAt: read.capturedAt))
            #expect(try await stores.inventory.latest(connectorID: "inv")?.users.first?.directoryStanding == nil)
            #expect(try await stores.inventory.latest(connectorID: "inv")?.capturedAt == read.capturedAt)
            // A sync saves a newer inventory between the read and the write: the write is refused.
            try await stores.inventory.save(connectorID: "inv", users: [user("b@x.example", .enabled)], at: second)
            #expect(try await stores.inventory.replace(connectorID: "inv", users: [], capturedAt: read.capturedAt) == false)
            #expect(try await stores.inventory.latest(connectorID: "inv")?.users.map(\.email) == ["b@x.example"])
        }
    }

    @Test("the last admin is kept: two admins deleting each other at once leave one", arguments: StoreBackend.available)
    func lastAdmin(_ backend: StoreBackend) async throws {
        try await backend.withStores { (stores: StoreSet) async throws -> Void in
            let ids = ["adm-a", "adm-b"]
            for id in ids { #expect(try await stores.auth.createOperator(Operator(id: id, email: "\(id)@example.com", role: "admin"), passwordHash: "h")) }
            #expect(try await stores.auth.createOperator(Operator(id: "view", email: "view@example.com", role: "viewer"), passwordHash: "h"))
            async let first = stores.auth.deleteOperator(id: ids[0])
            async let second = stores.auth.deleteOperator(id: ids[1])
            let outcomes = [try await first, try await second]
            #expect(outcomes.filter { $0 == .removed }.count == 1 && outcomes.contains(.lastAdmin), "\(outcomes)")
            let admins = try await stores.auth.operators().filter { $0.role == "admin" }
            #expect(admins.count == 1)
            // A viewer goes; the one admin left stays until another exists.
            #expect(try await stores.auth.deleteOperator(id: "view") == .removed)
            #expect(try await stores.auth.deleteOperator(id: admins[0].id) == .lastAdmin)
            #expect(try await stores.auth.deleteOperator(id: "nobody") == .missing)
            #expect(try await stores.auth.createOperator(Operator(id: "adm-next", email: "next@example.com", role: "admin"), passwordHash: "h"))
            #expect(try await stores.auth.deleteOperator(id: admins[0].id) == .removed)
            #expect(try await stores.auth.deleteOperator(id: "adm-next") == .lastAdmin)
        }
    }

    @Test("what is kept for a connector needs the connector: a job, a checkpoint, a scan, a state, activities and an inventory for an unknown id are refused", arguments: StoreBackend.available)
    func needsConnector(_ backend: StoreBackend) async throws {
        try await backend.withStores { (stores: StoreSet) async throws -> Void in
            let at = Date(timeIntervalSince1970: 1_790_000_000)
            await #expect(throws: (any Error).self) { try await stores.jobs.schedule(connectorID: "nobody", at: at) }
            await #expect(throws: (any Error).self) { try await stores.checkpoints.setCheckpoint(connectorID: "nobody", stream: "signin", to: at) }
            let scan = ZoomCatalogue.scan(PostureSnapshot(accountID: "s", capturedAt: at, unavailable: [:]))
            await #expect(throws: (any Error).self) { try await stores.scans.save(connectorID: "nobody", scan) }
            await #expect(throws: (any Error).self) {
                try await stores.posture.setState(connectorID: "nobody", ControlStateRecord(controlID: "ZID-01", state: .riskAccepted, rationale: "r", expires: at, by: "a"), at: at)
            }
            await #expect(throws: (any Error).self) { try await stores.inventory.save(connectorID: "nobody", users: [], at: at) }
            let event = ActivityEvent(connectorID: "nobody", provider: "test", stream: "signin", category: nil, action: "Sign in", actor: "a@example.com",
                                      target: nil, outcome: .success, ipAddress: nil, client: nil, detail: nil, occurredAt: at, correlation: nil,
                                      fingerprint: "f1", raw: ["a": 1])
            await #expect(throws: (any Error).self) { try await stores.activities.insert([event], mappingVersion: 1) }
            #expect(try await stores.activities.count(connectorID: "nobody") == 0)
            #expect(try await stores.jobs.job(connectorID: "nobody") == nil)
        }
    }

    @Test("checkpoints: absent, set, moved forward, per stream", arguments: StoreBackend.available)
    func checkpoints(_ backend: StoreBackend) async throws {
        try await backend.withStores { stores in
            try await stores.connectors.create(ConnectorRecord.zoom(id: "cp", name: "C", accountID: "a", clientID: "c-cp"), credentials: .zoom(clientSecret: "x"))
            let store = stores.checkpoints
            #expect(try await store.checkpoint(connectorID: "cp", stream: "signin") == nil)
            let t1 = Date(timeIntervalSince1970: 1_790_000_000)
            try await store.setCheckpoint(connectorID: "cp", stream: "signin", to: t1)
            try await store.setCheckpoint(connectorID: "cp", stream: "signin", to: t1.addingTimeInterval(60))
            #expect(try await store.checkpoint(connectorID: "cp", stream: "signin") == t1.addingTimeInterval(60))
            #expect(try await store.checkpoint(connectorID: "cp", stream: "operation") == nil)
        }
    }

    @Test("scans: score history oldest first, summaries newest first, latest and one scan round-trip, the daily roll-up reads them", arguments: StoreBackend.available)
    func scans(_ backend: StoreBackend) async throws {
        try await backend.withStores { stores in
            let connectors = stores.connectors
            let c = ConnectorRecord.zoom(name: "S", accountID: "s", clientID: "c-scan")
            try await connectors.create(c, credentials: .zoom(clientSecret: "x"))
            let store = stores.scans
            let snapshot = PostureSnapshot(accountID: "s", capturedAt: Date(timeIntervalSince1970: 1_790_000_000), unavailable: [:])
            for day in 0..<3 {
                var snap = snapshot
                snap.capturedAt = snapshot.capturedAt.addingTimeInterval(Double(day) * 86_400)
                try await store.save(connectorID: c.id, ZoomCatalogue.scan(snap))
            }
            let history = try await store.history(connectorID: c.id, limit: 10)
            #expect(history.count == 3)
            #expect(history.map(\.scannedAt) == history.map(\.scannedAt).sorted())
            let latest = try #require(try await store.latest(connectorID: c.id))
            #expect(latest.scannedAt == snapshot.capturedAt.addingTimeInterval(2 * 86_400))
            #expect(latest.findings.count == ZoomCatalogue.all.count)
            // Lists newest first; one scan by id; the day's roll-up reads the day's scans through the scan store.
            let summaries = try await store.summaries(connectorID: c.id, limit: 10)
            #expect(summaries.map(\.scannedAt) == history.map(\.scannedAt).reversed())
            #expect(try await store.scan(connectorID: c.id, id: summaries[0].id)?.scannedAt == latest.scannedAt)
            #expect(try await store.scan(connectorID: "other", id: summaries[0].id) == nil)
            let posture = stores.posture
            try await posture.rollUp(connectorID: c.id, day: latest.scannedAt)
            #expect(try await posture.daily(connectorID: c.id, days: 7).map(\.percent) == [summaries[0].percent])
            // Two scans within one second: the later is the latest, and the day's score.
            var quick = snapshot
            quick.capturedAt = snapshot.capturedAt.addingTimeInterval(5 * 86_400 + 0.2)
            var quicker = quick
            quicker.capturedAt = quick.capturedAt.addingTimeInterval(0.5)
            let first = ZoomCatalogue.scan(quick)
            var second = ZoomCatalogue.scan(quicker)
            second.score = ScoreSummary(achieved: 1, max: second.score.max)
            let firstID = try await store.save(connectorID: c.id, first)
            let newestID = try await store.save(connectorID: c.id, second)
            #expect(firstID != newestID)
            #expect(try await store.summaries(connectorID: c.id, limit: 1).first?.id == newestID)
            try await stores.posture.rollUp(connectorID: c.id, day: quicker.capturedAt)
            #expect(try await stores.posture.daily(connectorID: c.id, days: 1).first?.achieved == 1)
        }
    }

    @Test("sync leases: a due job is claimed by one owner only (also under concurrent claims), an expired lease is taken over, a lost lease cannot be renewed or released", arguments: StoreBackend.available)
    func leases(_ backend: StoreBackend) async throws {
        try await backend.withStores { stores in
            let connectors = stores.connectors
            let jobs = stores.jobs
            let t0 = Date(timeIntervalSince1970: 1_790_000_000)
            var ids: [String] = []
            for index in 0..<8 {
                let c = ConnectorRecord.zoom(name: "L\(index)", accountID: "a\(index)", clientID: "c-lease-\(index)")
                try await connectors.create(c, credentials: .zoom(clientSecret: "x"))
                try await jobs.schedule(connectorID: c.id, at: t0.addingTimeInterval(Double(index)))
                ids.append(c.id)
            }
            // Oldest due first; a claimed job is not handed out again while its lease lives.
            let first = try #require(try await jobs.claim(owner: "A", now: t0.addingTimeInterval(60), lease: 30))
            #expect(first.connectorID == ids[0])
            // Sixteen concurrent claimers on separate connections: each remaining job goes to exactly one.
            let claimed = try await withThrowingTaskGroup(of: String?.self) { group in
                for n in 0..<16 { group.addTask { try await jobs.claim(owner: "W\(n)", now: t0.addingTimeInterval(61), lease: 30)?.connectorID } }
                var result: [String] = []
                for try await id in group { if let id { result.append(id) } }
                return result
            }
            #expect(claimed.sorted() == Array(ids.dropFirst()).sorted())
            #expect(try await jobs.claim(owner: "B", now: t0.addingTimeInterval(62), lease: 30) == nil)
            // A's lease expires: B takes the job over; A can neither renew nor release it any more.
            let taken = try #require(try await jobs.claim(owner: "B", now: t0.addingTimeInterval(95), lease: 30))
            #expect(taken.connectorID == ids[0])
            #expect(try await jobs.renew(connectorID: ids[0], owner: "A", until: t0.addingTimeInterval(200)) == false)
            try await jobs.release(connectorID: ids[0], owner: "A", nextActivityAt: t0.addingTimeInterval(10_000), nextPostureAt: nil, postureDueAt: taken.nextPostureAt, failures: 0)
            #expect(try await jobs.job(connectorID: ids[0])?.leaseOwner == "B")
            // B releases with the next due times; a posture request that arrived meanwhile is kept.
            try await jobs.requestPosture(connectorIDs: [ids[0]], at: t0.addingTimeInterval(96))
            try await jobs.release(connectorID: ids[0], owner: "B", nextActivityAt: t0.addingTimeInterval(1000), nextPostureAt: t0.addingTimeInterval(9000),
                                   postureDueAt: taken.nextPostureAt, failures: 0)
            let released = try #require(try await jobs.job(connectorID: ids[0]))
            #expect(released.leaseOwner == nil)
            #expect(released.nextActivityAt == t0.addingTimeInterval(1000))
            #expect(released.nextPostureAt == t0.addingTimeInterval(96))
            // Paused jobs are never claimed; a request leaves them paused unless it resumes them.
            try await jobs.setPaused(connectorID: ids[0], true)
            #expect(try await jobs.claim(owner: "C", now: t0.addingTimeInterval(100_000), lease: 30).map(\.connectorID) != ids[0])
            try await jobs.request(connectorID: ids[0], posture: true, at: t0.addingTimeInterval(100_000))
            #expect(try await jobs.job(connectorID: ids[0])?.paused == true, "a request undid a disconnect")
            #expect(try await jobs.job(connectorID: ids[0])?.nextPostureAt == t0.addingTimeInterval(100_000))
            try await jobs.request(connectorID: ids[0], posture: false, at: t0.addingTimeInterval(100_001), resume: true)
            #expect(try await jobs.job(connectorID: ids[0])?.paused == false)
        }
    }
}
