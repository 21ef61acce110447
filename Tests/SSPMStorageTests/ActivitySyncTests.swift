import Foundation
import SSPMCore
import SSPMProvider
import ZoomProvider
import SSPMStorage
import SSPMTestSupport
import Testing
import ZoomAPI
import ZoomSimulator

@Suite(.serialized)
struct ActivitySyncTests {
    struct Crash: Error {}

    @Test("backfill 7 days, then incremental with overlap: exact counts, raw rows kept; a crash before the checkpoint loses and duplicates nothing",
          arguments: Backend.available)
    func backfillIncrementalAndCrash(_ backend: Backend) async throws {
        let tenant = TenantGenerator(users: 120, groups: 2, days: 9, seed: 12).generate()
        try await backend.withStorage { (storage: SQLStorage) async throws -> Void in
            try await SimulatorFixture.with(tenant) { f in
                let connectors = SQLConnectorStore(storage: storage, box: SecretBox(key: .init(size: .bits256)))
                let record = ConnectorRecord.zoom(id: "c1", name: "Acme", accountID: tenant.accountID, clientID: tenant.credentials.clientID,
                                                  plan: tenant.plan.rawValue, apiURL: f.simulator.apiURL, tokenURL: f.simulator.tokenURL)
                let credentials = ConnectorCredentials.zoom(clientSecret: tenant.credentials.clientSecret)
                try await connectors.create(record, credentials: credentials)
                // The provider's session returns events; the provider-neutral sync stores them and moves the checkpoints.
                let session = try ZoomProvider().open(settings: record.settings, credentials: credentials,
                                                      context: ProviderContext(http: f.http, logger: f.logger, allowedHosts: ["127.0.0.1"]))
                let activities = SQLActivityStore(storage: storage)
                let sync = ActivitySync(activities: activities, checkpoints: SQLCheckpointStore(storage: storage), logger: f.logger)
                struct Pass { var storedTotal: Int; var windowStart: [String: Date] }
                @Sendable func run(now: Date, afterStore: @Sendable (String) throws -> Void = { _ in }) async throws -> Pass {
                    var starts: [String: Date] = [:]
                    for stream in session.streams {
                        starts[stream.id] = try await sync.run(session: session, stream: stream, connectorID: "c1", mappingVersion: ZoomActivityMapping.version, now: now, afterStore: afterStore).windowStart
                    }
                    return Pass(storedTotal: try await activities.count(connectorID: "c1"), windowStart: starts)
                }
                let now = Date()
                // Expected by hand from the tenant: rows at or after the start of the first day of the 7-day window.
                var calendar = Calendar(identifier: .gregorian)
                calendar.timeZone = TimeZone(identifier: "UTC")!
                let start = calendar.startOfDay(for: now.addingTimeInterval(-7 * 86_400))
                let iso = ISO8601DateFormatter()
                func inWindow(_ rows: [JSONValue]) -> Int { rows.filter { iso.date(from: $0["time"]!.stringValue!)! >= start }.count }
                let expected = inWindow(tenant.activityLogs) + inWindow(tenant.operationLogs)

                // First run crashes after storing sign-ins, before moving the checkpoint.
                await #expect(throws: Crash.self) {
                    _ = try await run(now: now) { stream in if stream == "signin" { throw Crash() } }
                }
                let first = try await run(now: now)
                #expect(first.storedTotal == expected)
                let stored = try await SQLActivityStore(storage: storage).list(connectorID: "c1", from: nil, to: nil, user: nil, limit: 10_000)
                // Stored normalised: sign-ins with their address and client, operations with their category and action.
                let signIns = stored.filter { $0.stream == "signin" }
                #expect(!signIns.isEmpty && signIns.allSatisfy { $0.provider == "zoom" && $0.category == "authentication" && $0.outcome == .success })
                #expect(signIns.contains { $0.raw["ip_address"] != nil && $0.ipAddress != nil && $0.client != nil })
                #expect(stored.filter { $0.stream == "operation" }.allSatisfy { $0.action != nil && $0.category != nil && $0.detail != nil })

                // New activity arrives; the next pass fetches from the checkpoint minus the overlap and stores only the new rows.
                let email = tenant.users.first { $0["status"]?.stringValue == "active" && $0["id"] != nil }!["email"]!.stringValue!
                #expect(await f.engine.recordSignIn(email: email))
                #expect(await f.engine.recordSignIn(email: email, signOut: true))
                let second = try await run(now: Date())
                #expect(second.storedTotal == expected + 2)
                #expect(second.windowStart["signin"]! > now.addingTimeInterval(-20 * 60))
                let third = try await run(now: Date())
                #expect(third.storedTotal == expected + 2)  // nothing new, nothing doubled
            }
        }
    }
}
