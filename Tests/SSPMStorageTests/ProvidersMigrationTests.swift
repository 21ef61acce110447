import Foundation
import SQLKit
import SSPMCore
import SSPMStorage
import SSPMTestSupport
import Testing

/// Migration 0005 on a database the previous release wrote: Zoom's connector columns become the
/// provider's settings and one sealed credentials blob, nothing is lost, and the rebuilt SQLite
/// table is still what every other table's foreign key points at (a delete still cascades).
@Suite(.serialized)
struct ProvidersMigrationTests {
    static let box = SecretBox(key: .init(size: .bits256))

    @Test("0005: connectors keep their settings, secrets, status and data; cascades still work", arguments: Backend.available)
    func upgrade(_ backend: Backend) async throws {
        let before = Array(Migrations.all.prefix { $0.id != "0005_providers" })
        #expect(before.map(\.id) == ["0001_initial", "0002_sync_checkpoints", "0003_service", "0004_signin_throttle"])
        try await backend.withStorage(migrations: before) { (storage: SQLStorage) async throws -> Void in
            // Two connectors as the previous release stored them.
            for (id, webhook, api) in [("c1", "wh-token-1" as String?, "http://127.0.0.1:9/v2" as String?), ("c2", nil, nil)] {
                let secret = try Self.box.seal("secret-\(id)")
                let sealedWebhook = try webhook.map { try Self.box.seal($0) }
                try await storage.withSQL { db in
                    try await db.raw("""
                        INSERT INTO connectors (id, name, account_id, client_id, plan, status, status_detail, client_secret_sealed, webhook_secret_sealed,
                                                created_at, updated_at, api_url, token_url, health, last_sync_at)
                        VALUES (\(bind: id), \(bind: "Name \(id)"), \(bind: "acct-\(id)"), \(bind: "client-\(id)"), 'business', 'degraded', 'detail',
                                \(bind: secret), \(bind: sealedWebhook), 1000, 2000, \(bind: api), NULL, NULL, 3000)
                        """).run()
                    try await db.raw("""
                        INSERT INTO activities (connector_id, fingerprint, kind, occurred_at, user_email, ip_address, payload)
                        VALUES (\(bind: id), 'fp', 'signin', 1, 'a@example.com', NULL, '{}')
                        """).run()
                }
            }
            let logs = LogCapture()
            // Without the key the step refuses (nothing changed), with it the migration applies.
            await #expect(throws: MigrationError.self) { try await Migrator(storage: storage, logger: logs.logger(label: "m")).migrate() }
            #expect(try await Migrator(storage: storage, logger: logs.logger(label: "m")).applied().contains("0005_providers") == false)
            #expect(try await Migrator(storage: storage, logger: logs.logger(label: "m"), box: Self.box).migrate().first == "0005_providers")

            let store = SQLConnectorStore(storage: storage, box: Self.box)
            let c1 = try #require(try await store.get(id: "c1"))
            #expect(c1.provider == "zoom" && c1.name == "Name c1" && c1.status == "degraded" && c1.statusDetail == "detail" && c1.uniqueKey == "client-c1")
            #expect(c1.settings == ["account_id": "acct-c1", "client_id": "client-c1", "plan": "business", "api_url": "http://127.0.0.1:9/v2"])
            #expect(c1.createdAt == Date(timeIntervalSince1970: 1) && c1.updatedAt == Date(timeIntervalSince1970: 2))
            #expect(try await store.credentials(id: "c1") == ConnectorCredentials(["client_secret": "secret-c1", "webhook_secret_token": "wh-token-1"]))
            #expect(try await store.credentials(id: "c2") == ConnectorCredentials(["client_secret": "secret-c2"]))
            #expect(try await store.lastSync(id: "c1") == Date(timeIntervalSince1970: 3))
            // The same app twice is still refused, now by (provider, unique key).
            await #expect(throws: StoreError.duplicateConnector(provider: "zoom", key: "client-c1")) {
                try await store.create(ConnectorRecord.zoom(name: "Again", accountID: "x", clientID: "client-c1"), credentials: .zoom(clientSecret: "x"))
            }
            // The activities still belong to their connectors, and deleting one cascades.
            let activities = SQLActivityStore(storage: storage)
            #expect(try await activities.count(connectorID: "c1") == 1)
            #expect(try await activities.count(connectorID: "c2") == 1)
            try await store.delete(id: "c1")
            #expect(try await activities.count(connectorID: "c1") == 0)
            #expect(try await activities.count(connectorID: "c2") == 1)
        }
    }
}
