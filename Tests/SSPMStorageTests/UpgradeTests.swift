import Foundation
import Logging
import SSPMCore
import SSPMProvider
import SSPMStorage
import ZoomProvider
import SSPMTestSupport
import Testing

/// Upgrade without loss: a database written by release 595225d (SQLite and PostgreSQL) migrates to
/// the current schema with every connector, sealed secret, activity, scan, state and operator
/// intact. The release's database is built from frozen parts (Release595225d.swift and
/// Tests/Fixtures/schema-release-595225d.json), then `Migrator.migrate()` runs every current
/// migration, and each aggregate is read back through the current stores' public API and
/// compared field by field with what the release wrote.
///
/// A new migration that changes how an aggregate is stored (say 0005: connectors get a provider,
/// settings and one sealed credentials blob) extends that aggregate's `assertUpgraded…` below with
/// what the new columns must hold for the release's rows; the frozen parts stay as they are.
@Suite(.serialized)
struct UpgradeTests {
    @Test("the released migrations in Sources are byte for byte what release 595225d recorded (ids, order, SQL of both dialects)")
    func releasedMigrationsAreFrozen() throws {
        let frozen = try FrozenSchema.load("schema-release-595225d.json")
        let current = Array(Migrations.all.prefix(frozen.migrations.count))
        #expect(current.map(\.id) == frozen.migrations.map(\.id))
        for (migration, recorded) in zip(current, frozen.migrations) {
            #expect(migration.statements(false) == recorded.sqlite, "\(migration.id) (SQLite) is not what release \(frozen.release) ran")
            #expect(migration.statements(true) == recorded.postgres, "\(migration.id) (PostgreSQL) is not what release \(frozen.release) ran")
        }
    }

    @Test("a database written by release 595225d upgrades with every aggregate intact", arguments: Backend.available)
    func upgradeFrom595225d(_ backend: Backend) async throws {
        let release = try Release595225d.migrations()
        let data = ReleaseData.sample()
        let box = SecretBox(key: .init(size: .bits256))
        try await backend.withStorage(migrations: release) { (storage: SQLStorage) async throws -> Void in
            try await data.write(to: storage, box: box)
            let applied = try await Migrator(storage: storage, logger: LogCapture().logger(label: "upgrade"), box: box).migrate()
            #expect(applied == Migrations.all.dropFirst(release.count).map(\.id))

            try await Self.assertUpgradedConnectors(data, SQLConnectorStore(storage: storage, box: box))
            try await Self.assertUpgradedScans(data, SQLScanStore(storage: storage))
            try await Self.assertUpgradedPosture(data, SQLPostureStore(storage: storage), SQLInventoryStore(storage: storage))
            try await Self.assertUpgradedSync(data, SQLSyncJobStore(storage: storage), SQLCheckpointStore(storage: storage))
            try await Self.assertUpgradedAuth(data, SQLAuthStore(storage: storage))
            try await Self.assertUpgradedActivities(data, SQLActivityStore(storage: storage))  // last: it writes
        }
    }

    /// Results compared as the JSON they encode to (ScanResult and ConnectionReport are not Equatable).
    static func sameJSON<T: Encodable>(_ a: T?, _ b: T?) throws -> Bool {
        try a.map { try ReleaseData.releaseJSON($0) } == b.map { try ReleaseData.releaseJSON($0) }
    }

    // MARK: - One per aggregate: what the release's rows must read as now

    static func assertUpgradedConnectors(_ data: ReleaseData, _ store: SQLConnectorStore) async throws {
        // 0005: Zoom's columns became the provider's settings, the two sealed secrets one sealed blob.
        func upgraded(_ c: ReleaseData.Connector) -> ConnectorRecord {
            let r = c.record
            var settings: [String: JSONValue] = ["account_id": .string(r.accountID), "client_id": .string(r.clientID), "plan": .string(r.plan)]
            if let api = c.endpoints.apiURL { settings["api_url"] = .string(api) }
            if let token = c.endpoints.tokenURL { settings["token_url"] = .string(token) }
            return ConnectorRecord(id: r.id, provider: "zoom", name: r.name, settings: .object(settings), uniqueKey: r.clientID, status: r.status,
                                   statusDetail: r.statusDetail, createdAt: r.createdAt, updatedAt: r.updatedAt)
        }
        #expect(try await store.list() == data.connectors.map(upgraded))
        for c in data.connectors {
            let id = c.record.id
            #expect(try await store.get(id: id) == upgraded(c))
            var credentials = ConnectorCredentials(["client_secret": c.secrets.clientSecret])
            credentials["webhook_secret_token"] = c.secrets.webhookSecretToken
            #expect(try await store.credentials(id: id) == credentials, "sealed secrets of \(id) open to the release's values")
            #expect(try sameJSON(try await store.health(id: id), c.health))
            #expect(try await store.lastSync(id: id) == c.lastSync)
            #expect(try await store.events(id: id) == c.events)
        }
    }

    static func assertUpgradedScans(_ data: ReleaseData, _ store: SQLScanStore) async throws {
        for connectorID in data.connectors.map(\.record.id) {
            let scans = data.scans.filter { $0.connectorID == connectorID }.sorted { $0.result.scannedAt > $1.result.scannedAt }
            #expect(try await store.summaries(connectorID: connectorID, limit: 100) == scans.map {
                ScanSummary(id: $0.id, scannedAt: $0.result.scannedAt, achieved: $0.result.score.achieved, max: $0.result.score.max, percent: $0.result.score.percent)
            })
            for scan in scans {
                #expect(try sameJSON(try await store.scan(connectorID: connectorID, id: scan.id), scan.result), "scan \(scan.id) reads as written")
            }
            #expect(try sameJSON(try await store.latest(connectorID: connectorID), scans.first?.result))
            let history = try await store.history(connectorID: connectorID, limit: 100)
            #expect(history.map { $0.scannedAt } == scans.reversed().map(\.result.scannedAt))
            #expect(history.map { $0.score } == scans.reversed().map { ScoreSummary(achieved: $0.result.score.achieved, max: $0.result.score.max) })
        }
    }

    static func assertUpgradedPosture(_ data: ReleaseData, _ store: SQLPostureStore, _ inventories: SQLInventoryStore) async throws {
        for p in data.posture {
            #expect(try await store.states(connectorID: p.connectorID) == p.states.map(\.record))
            #expect(try await store.stateChanges(connectorID: p.connectorID) == p.changes)
            #expect(try await store.daily(connectorID: p.connectorID, days: 3660) == p.daily)
            let inventory = try await inventories.latest(connectorID: p.connectorID)
            #expect(inventory?.capturedAt == p.inventory?.capturedAt)
            #expect(inventory?.users == p.inventory?.users)
        }
    }

    static func assertUpgradedSync(_ data: ReleaseData, _ jobs: SQLSyncJobStore, _ checkpoints: SQLCheckpointStore) async throws {
        for s in data.sync {
            let id = s.job.connectorID
            #expect(try await jobs.job(connectorID: id) == s.job)
            #expect(try await jobs.progress(connectorID: id) == s.progress)
            #expect(try await jobs.runs(connectorID: id) == s.runs)
            for (stream, to) in s.checkpoints {
                #expect(try await checkpoints.checkpoint(connectorID: id, stream: stream) == to)
            }
        }
    }

    static func assertUpgradedAuth(_ data: ReleaseData, _ store: SQLAuthStore) async throws {
        #expect(try await store.operators() == data.operators.map(\.op))
        for (op, hash) in data.operators {
            let found = try await store.operatorAndHash(email: op.email)
            #expect(found?.0 == op)
            #expect(found?.1 == hash, "the password hash of \(op.email) is kept")
        }
        for s in data.sessions {
            let found = try await store.session(tokenHash: tokenDigest(s.token), now: data.now)
            #expect(found?.0.id == s.operatorID)
            #expect(found?.csrf == s.csrf)
        }
        #expect(try await store.tokens() == data.tokens.map(\.record))
        for (record, token) in data.tokens {
            let found = try await store.token(tokenHash: tokenDigest(token), now: data.now)
            if record.revokedAt == nil {
                #expect(found?.0.id == record.id)
                #expect(found?.1.id == record.operatorID)
            } else {
                #expect(found == nil, "revoked token \(record.id) stays revoked")
            }
        }
        #expect(try await store.auditLog(limit: 100) == data.audit)
        let since = Date(timeIntervalSince1970: 0)
        for f in data.loginFailures {
            let pair = data.loginFailures.filter { $0.email == f.email && $0.client == f.client }
            let client = data.loginFailures.filter { $0.client == f.client }
            let counts = try await store.loginFailures(email: f.email, client: f.client, since: since)
            #expect(counts.pair == pair.count && counts.pairOldest == pair.map(\.at).min())
            #expect(counts.client == client.count && counts.clientOldest == client.map(\.at).min())
        }
    }

    /// 0006: the columns are renamed and the normalised ones added; the server's remapper fills
    /// them from the stored payload through the provider's mapping (done here as it does it). Every
    /// stored row then reads as the provider maps its record, with its stored identity, time,
    /// actor, address and correlation.
    static func assertUpgradedActivities(_ data: ReleaseData, _ store: SQLActivityStore) async throws {
        #expect(try await store.unmapped(provider: "zoom", version: ZoomActivityMapping.version, limit: 100).count == data.activities.count)
        let rows = try await store.unmapped(provider: "zoom", version: ZoomActivityMapping.version, limit: 100)
        try await store.remap(rows.map { ($0, ZoomActivityMapping.remap(stream: $0.stream, source: $0.source, payload: Data($0.payload.utf8))) },
                              version: ZoomActivityMapping.version)
        #expect(try await store.unmapped(provider: "zoom", version: ZoomActivityMapping.version, limit: 100).isEmpty)
        func expected(_ a: ReleaseData.Activity) -> ActivityEvent {
            let r = a.record
            var e = ZoomActivityMapping.remap(stream: r.kind, source: a.source, payload: Data(a.payloadText.utf8))!
            e.connectorID = r.connectorID
            e.actor = r.user
            e.ipAddress = r.ipAddress
            e.occurredAt = r.occurredAt
            e.correlation = r.correlation
            e.fingerprint = r.fingerprint
            e.raw = r.payload
            return e
        }
        for connectorID in data.connectors.map(\.record.id) {
            let mine = data.activities.filter { $0.record.connectorID == connectorID }
            #expect(try await store.count(connectorID: connectorID) == mine.count)
            let page = try await store.query(ActivityQuery(connectorID: connectorID, limit: 5000))
            #expect(Set(page.items) == Set(mine.map(expected)), "activities of \(connectorID): streams, times, actors, addresses, fingerprints, payloads and the mapped fields")
            #expect(page.items.allSatisfy { $0.action != nil && $0.category != nil }, "every row was mapped")
            #expect(page.items.map(\.occurredAt) == mine.map(\.record.occurredAt).sorted(by: >))
        }
        // Source and correlation are not read back by the API; what they decide is: a polled sign-in
        // replaces the webhook copy that shares its correlation, and never a polled row.
        let iso = ISO8601DateFormatter()
        for a in data.activities where a.correlation != nil {
            let r = a.record
            let signOut = r.payload["type"]?.stringValue == "Sign out" || r.payload["event"]?.stringValue == "user.signed_out"
            let sameSignIn: JSONValue = ["email": .string(r.user), "time": .string(iso.string(from: r.occurredAt)),
                                         "type": signOut ? "Sign out" : "Sign in", "ip_address": "192.0.2.99", "note": "a later poll of the same sign-in"]
            // The provider's mapping gives the polled row its correlation, as the sync stores it.
            var polled = ZoomActivityMapping.signIn(sameSignIn)
            polled.connectorID = r.connectorID
            #expect(polled.correlation == a.correlation)
            try await store.insert([polled], mappingVersion: ZoomActivityMapping.version)
            let rows = try await store.query(ActivityQuery(connectorID: r.connectorID, limit: 5000)).items
            #expect(rows.contains(polled))
            #expect(rows.contains { $0.fingerprint == r.fingerprint } == (a.source == "poll"), "the \(a.source) row \(r.fingerprint) kept its source and correlation")
        }
    }
}
