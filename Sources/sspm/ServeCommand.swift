import ArgumentParser
import AsyncHTTPClient
import Foundation
import SSPMProvider
import SSPMProviders
import Logging
import SSPMCore
import SSPMReports
import SSPMRuntime
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
    @Option(name: [.customLong("allowed-hosts"), .customLong("allowed-zoom-hosts")],
            help: ArgumentHelp("Comma-separated hosts connectors may use besides the vendors' own (e.g. a proxy or a simulator); when set, any other API or token host is refused. Replies from these hosts may be quoted in errors. (--allowed-zoom-hosts is the earlier name.)", valueName: "hosts"))
    var allowedHosts: String?
    @Option(help: ArgumentHelp("Comma-separated addresses of reverse proxies whose X-Forwarded-For names the client (for sign-in throttling and the audit log).", valueName: "addresses"))
    var trustedProxy: String?
    @Option(help: "Days the audit log is kept.") var auditRetentionDays: Int = 400
    @Option(help: "A MaxMind-format city database (GeoLite2-City or DB-IP Lite City .mmdb) for the Geo-IP policies (impossible travel, new countries). Nothing is downloaded.")
    var geoip: String?
    @Option(help: "Seconds a notification being sent stays claimed; a process killed mid-delivery leaves it to be sent again after this.")
    var notificationLeaseSeconds: Double = 60
    @Option(help: "Seconds one notification attempt may take (HTTP receivers; SMTP gets twice this).") var notificationTimeout: Double = 15

    func configuration() throws -> ServerConfiguration {
        let url = databaseUrl ?? ProcessInfo.processInfo.environment["SSPM_DATABASE_URL"] ?? (dataDir as NSString).appendingPathComponent("sspm.sqlite")
        var c = ServerConfiguration(database: DatabaseLocation.parse(url), dataDirectory: dataDir, providers: StandardProviders.registry())
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
        func list(_ text: String?) -> [String]? {
            text.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
        }
        c.allowedHosts = list(allowedHosts)
        c.trustedProxies = list(trustedProxy) ?? []
        guard auditRetentionDays >= 1 else { throw ValidationError("--audit-retention-days must be at least 1.") }
        c.auditRetentionDays = auditRetentionDays
        c.geoipPath = geoip
        guard notificationLeaseSeconds >= 5, notificationTimeout >= 1, notificationTimeout * 2 < notificationLeaseSeconds else {
            throw ValidationError("--notification-lease-seconds must be at least 5 and more than twice --notification-timeout (at least 1).")
        }
        c.notifications.lease = notificationLeaseSeconds
        c.notifications.timeout = notificationTimeout
        if let baseline {
            do { c.baseline = try PolicyFiles.baseline(path: baseline) } catch { throw CommandError("\(error)") }
        }
        return c
    }
}

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the OpenSSPM server: REST API (/api/v1, /openapi.yaml), provider webhooks, scheduled syncs, /metrics.",
        discussion: """
            The first admin is created with POST /api/v1/setup, or at start-up from SSPM_ADMIN_EMAIL and SSPM_ADMIN_PASSWORD
            when no admin exists yet. Several `sspm serve` processes on one PostgreSQL share the syncs (leases).
            """)

    @OptionGroup var server: ServerOptions
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let logger = try logging.makeLogger("sspm.serve")
        let configuration = try server.configuration()
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: ProviderHTTP.configuration)
        let deps: ServerDependencies
        do { deps = try await SSPMServerApp.prepare(configuration, http: http, logger: logger) } catch {
            try? await http.shutdown()
            throw CommandError("Cannot start: \(error)")
        }
        let server: RunningServer
        do {
            try await bootstrapAdmin(deps)
            server = try await RunningServer.listen(deps, portFlag: "--port", signals: [.sigterm, .sigint])
        } catch {
            try? await deps.stores.close()
            try? await http.shutdown()
            if error is ListenError { throw CommandError("\(error)") }
            throw error
        }
        say("OpenSSPM listening on \(server.baseURL)  (API /api/v1, spec /openapi.yaml, data \(configuration.database))")
        var failure: (any Error)?
        do { try await server.wait() } catch { failure = error }
        await server.stop()
        try? await http.shutdown()
        if let failure { throw failure }
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
