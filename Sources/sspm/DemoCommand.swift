import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import SSPMCore
import SSPMReports
import SSPMStorage
import ServiceLifecycle
import ZoomAPI
import ZoomSimulator

/// Until the server and web UI exist (the service issue), the demo runs everything else end to end:
/// a simulated Zoom with realistic misconfigurations, connection validation, activity sync and a
/// posture scan stored in a local SQLite database, then keeps the simulator up for other tools.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run OpenSSPM end to end on a simulated Zoom account (embedded defaults, data in ./sspm-data).")

    @Option(help: "Data directory (SQLite database and master key). Running again reuses it.") var dataDir: String = "sspm-data"
    @Option(help: "Port for the simulated Zoom (0 picks one).") var port: Int = 9900
    @Option(help: "Users in the simulated account.") var users: Int = 300
    @Flag(help: "Exit after the scan instead of keeping the simulator running.") var once = false
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        var logger = try logging.makeLogger("sspm.demo")
        if logging.logLevel == "info" { logger.logLevel = .warning }
        // Generated up to the start of today (UTC), so runs on the same day see the same activity rows
        // and the stored log does not grow with copies shifted in time.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let tenant = TenantGenerator(users: users, groups: 10, days: 7, seed: 2026, plan: .business, now: calendar.startOfDay(for: Date())).generate()
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let simulator = try await RunningSimulator.start(tenant: tenant, options: .init(port: port), http: http, logger: logger)
        let storage = try SQLStorage(.sqlite(path: (dataDir as NSString).appendingPathComponent("sspm.sqlite")), logger: logger)
        do {
            try await Migrator(storage: storage, logger: logger).migrate()
            let box = try SecretBox.load(keyFile: (dataDir as NSString).appendingPathComponent("master.key"), logger: logger)
            let connectors = SQLConnectorStore(storage: storage, box: box)
            let credentials = await simulator.credentials()
            let name = tenant.account["account_name"]?.stringValue ?? "Demo"
            let connector: ConnectorRecord
            if let existing = try await connectors.list().first(where: { $0.clientID == credentials.clientID }) {
                connector = existing
            } else {
                connector = ConnectorRecord(name: "\(name) (simulated)", accountID: credentials.accountID, clientID: credentials.clientID, plan: "business")
                try await connectors.create(connector, secrets: .init(clientSecret: credentials.clientSecret.value, webhookSecretToken: tenant.credentials.webhookSecretToken))
            }
            let client = ZoomClient(credentials: credentials, configuration: .init(apiURL: simulator.apiURL, tokenURL: simulator.tokenURL, plan: .business),
                                    http: http, logger: logger)
            say("OpenSSPM demo — simulated Zoom account \"\(name)\" at \(simulator.apiURL)")
            let report = await ZoomConnectionValidator(client: client).validate()
            try await connectors.updateStatus(id: connector.id, status: report.status.rawValue, detail: report.headline, at: Date())
            say("Connector \"\(connector.name)\": \(report.status.rawValue) — \(report.headline)")

            let sync = ZoomActivitySync(client: client, activities: SQLActivityStore(storage: storage), checkpoints: SQLCheckpointStore(storage: storage),
                                        fingerprint: ActivityFingerprint.make, logger: logger)
            let outcome = try await sync.run(connectorID: connector.id)
            say("Activity log: \(outcome.fetched["signin"] ?? 0) sign-in and \(outcome.fetched["operation"] ?? 0) admin-operation rows fetched; \(outcome.storedTotal) stored in all (duplicates skipped).")

            let now = Date()
            let data = await ZoomAccountReader(client: client, logger: logger).read(from: now.addingTimeInterval(-6 * 86_400), to: now)
            let result = PostureEngine.scan(data.postureSnapshot(accountID: credentials.accountID, accountName: name, capturedAt: now))
            let scans = SQLScanStore(storage: storage)
            let previous = try await scans.latest(connectorID: connector.id)
            try await scans.save(connectorID: connector.id, result)
            let history = try await scans.history(connectorID: connector.id, limit: 90)
            say("")
            say(try ScanFormatter.render(result, as: .table, diff: previous.map { ScanDiff(from: $0, to: result) }, color: isatty(1) == 1), terminator: "")
            say("")
            say("Score history (\(history.count) scan(s) in \(dataDir)): " + history.map { String(format: "%.1f%%", $0.score.percent) }.joined(separator: " → "))
            say("Data: \(storage.location); master key in \(dataDir)/master.key (back it up).")
            if once {
                try await storage.shutdown()
                try await http.shutdown()
                await simulator.stop()
                return
            }
            say("")
            say("""
                The simulated Zoom keeps running (Ctrl-C to stop). Try:
                  swift run sspm scan --account-id \(credentials.accountID) --client-id \(credentials.clientID) --plan business \\
                      --api-url \(simulator.apiURL) --token-url \(simulator.tokenURL)     (client secret: \(credentials.clientSecret.value), simulated)
                  curl -X POST \(simulator.baseURL)/_sim/faults -d '{"rate_limit_storm":20}'
                The web UI and REST API (sspm serve) come with the service issue.
                """)
            try await storage.shutdown()
            try await gracefulShutdownSignal()
            try await http.shutdown()
            await simulator.stop()
        } catch {
            try? await storage.shutdown()
            try? await http.shutdown()
            await simulator.stop()
            throw error
        }
    }

    /// Waits for SIGINT or SIGTERM.
    func gracefulShutdownSignal() async throws {
        let (stream, continuation) = AsyncStream<Void>.makeStream()
        let group = ServiceGroup(configuration: .init(services: [WaitService(continuation: continuation)], gracefulShutdownSignals: [.sigint, .sigterm], logger: Logger(label: "demo")))
        try await group.run()
        for await _ in stream { break }
    }

    struct WaitService: Service {
        let continuation: AsyncStream<Void>.Continuation
        func run() async throws {
            try? await gracefulShutdown()
            continuation.yield()
            continuation.finish()
        }
    }
}
