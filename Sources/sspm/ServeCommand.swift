import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import SSPMCore
import SSPMReports
import SSPMServer
import SSPMStorage
import ServiceLifecycle

/// Options shared by `serve` and `demo`.
struct ServerOptions: ParsableArguments {
    @Option(help: "Address to listen on.") var host: String = "127.0.0.1"
    @Option(help: "Port to listen on (0 picks a free one).") var port: Int = 8080
    @Option(help: "postgres://USER:PASSWORD@HOST:PORT/DB, or a SQLite file path (default: DATA_DIR/sspm.sqlite). Also SSPM_DATABASE_URL.")
    var databaseUrl: String?
    @Option(help: "Data directory: the SQLite file and the master key (unless SSPM_MASTER_KEY is set).") var dataDir: String = "data"
    @Option(help: "Minutes between activity (sign-in and operation log) syncs.") var activityInterval: Double = 15
    @Option(help: "Hours between posture scans (settings webhooks trigger one at once).") var postureInterval: Double = 6
    @Option(help: "Seconds a claimed sync stays leased without renewal (another process takes over after this).") var leaseSeconds: Double = 120
    @Option(help: "Syncs this process runs at once.") var concurrency: Int = 2
    @Flag(help: "Serve HTTP only (API, webhooks); leave syncing to other processes.") var noScheduler = false
    @Option(help: "Name of this process in leases and sync runs (default: host-pid-random).") var instanceId: String?
    @Flag(help: "Mark the session cookie Secure (when served behind HTTPS).") var secureCookies = false
    @Option(help: "Baseline YAML with control thresholds.") var baseline: String?

    func configuration() throws -> ServerConfiguration {
        let url = databaseUrl ?? ProcessInfo.processInfo.environment["SSPM_DATABASE_URL"] ?? (dataDir as NSString).appendingPathComponent("sspm.sqlite")
        var c = ServerConfiguration(database: DatabaseLocation.parse(url), dataDirectory: dataDir)
        c.host = host
        c.port = port
        guard activityInterval > 0, postureInterval > 0, leaseSeconds >= 5, concurrency >= 1 else {
            throw ValidationError("--activity-interval and --posture-interval must be positive, --lease-seconds at least 5, --concurrency at least 1.")
        }
        c.activityInterval = activityInterval * 60
        c.postureInterval = postureInterval * 3600
        c.leaseDuration = leaseSeconds
        c.maxConcurrentSyncs = concurrency
        c.runScheduler = !noScheduler
        if let instanceId { c.instanceID = instanceId }
        c.secureCookies = secureCookies
        if let baseline {
            do { c.baseline = try PolicyFiles.baseline(path: baseline) } catch { throw CommandError("\(error)") }
        }
        return c
    }
}

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the OpenSSPM server: REST API (/api/v1, /openapi.yaml), Zoom webhooks, scheduled syncs, /metrics.",
        discussion: """
            The first admin is created with POST /api/v1/setup, or at start-up from SSPM_ADMIN_EMAIL and SSPM_ADMIN_PASSWORD
            when no admin exists yet. Several `sspm serve` processes on one PostgreSQL share the syncs (leases).
            """)

    @OptionGroup var server: ServerOptions
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let logger = try logging.makeLogger("sspm.serve")
        let configuration = try server.configuration()
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let deps: ServerDependencies
        do { deps = try await SSPMServerApp.prepare(configuration, http: http, logger: logger) } catch {
            try? await http.shutdown()
            throw CommandError("Cannot start: \(error)")
        }
        do {
            try await bootstrapAdmin(deps)
            let app = SSPMServerApp.application(deps) { port in
                say("OpenSSPM listening on http://\(configuration.host):\(port)  (API /api/v1, spec /openapi.yaml, data \(configuration.database))")
            }
            let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
            try await group.run()
        } catch {
            try? await deps.storage.shutdown()
            try? await http.shutdown()
            throw error
        }
        try? await deps.storage.shutdown()
        try? await http.shutdown()
    }

    func bootstrapAdmin(_ deps: ServerDependencies) async throws {
        let environment = ProcessInfo.processInfo.environment
        guard try await deps.auth.operatorCount() == 0 else { return }
        guard let email = environment["SSPM_ADMIN_EMAIL"], let password = environment["SSPM_ADMIN_PASSWORD"] else {
            say("No admin yet: create one with POST /api/v1/setup {\"email\":…, \"password\":…} (or set SSPM_ADMIN_EMAIL and SSPM_ADMIN_PASSWORD).")
            return
        }
        _ = try await SSPMServerApp.createFirstAdmin(deps, email: email, password: password)
        say("Created the first admin \(email) from SSPM_ADMIN_EMAIL.")
    }
}
