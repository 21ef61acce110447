import ArgumentParser
import AsyncHTTPClient
import Foundation
import SSPMProvider
import ZoomProvider
import SSPMProviders
import Logging
import SSPMCore
import SSPMReports
import SSPMServer
import SSPMStorage
import ServiceLifecycle
import GraphSimulator
import ZoomAPI
import ZoomSimulator

/// The README's first command: a simulated Zoom account with realistic misconfigurations and the
/// Microsoft 365 tenant that goes with it (an unverified domain, people who sign in to Microsoft
/// under another name, leavers, Zoom's app with tenant-wide Mail.Read), the OpenSSPM server on
/// SQLite in ./sspm-data, both connectors added, paired and synced through the server's own API,
/// Zoom's webhooks pointed at the server; then it keeps serving and prints where to log in.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run OpenSSPM on a simulated Zoom account paired with a simulated Microsoft 365 tenant: server, API and webhooks on embedded defaults (data in ./sspm-data).")

    @Option(help: "Data directory (SQLite database, master key, demo login). Running again reuses it.") var dataDir: String = "sspm-data"
    @Option(help: "Port for the OpenSSPM server (0 picks one).") var port: Int = 8080
    @Option(help: "Port for the simulated Zoom (0 picks one).") var zoomPort: Int = 9900
    @Option(help: "Port for the simulated Microsoft 365 (Graph and its token endpoint; 0 picks one).") var graphPort: Int = 9901
    @Option(help: "Users in the simulated account.") var users: Int = 300
    @Flag(help: "Exit after the first sync instead of serving until Ctrl-C.") var once = false
    @OptionGroup var logging: LoggingOptions

    static let adminEmail = "admin@demo.local"

    func run() async throws {
        var logger = try logging.makeLogger("sspm.demo")
        if logging.logLevel == "info" { logger.logLevel = .warning }
        // Generated up to the start of today (UTC): runs on the same day see the same activity rows.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var tenant = TenantGenerator(users: users, groups: 10, days: 7, seed: 2026, plan: .business, now: calendar.startOfDay(for: Date())).generate()
        // A domain Zoom verified that Microsoft 365 does not (ZMS-01).
        Self.addVerifiedDomain(&tenant)
        let graphTenant = tenant.pairedGraphTenant(seed: 2026)
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: ProviderHTTP.configuration)
        // Webhooks go nowhere until the connector exists (its id is in the endpoint URL), as in the Marketplace app.
        let simulator: RunningSimulator
        do {
            simulator = try await RunningSimulator.start(tenant: tenant, options: .init(port: zoomPort, webhookURL: "http://127.0.0.1:9/pending"), http: http,
                                                         logger: logger, portFlag: "--zoom-port")
        } catch {
            try? await http.shutdown()
            throw CommandError("The simulated Zoom cannot start: \(error)")
        }
        let graph: RunningGraphSimulator
        do {
            graph = try await RunningGraphSimulator.start(tenant: graphTenant, port: graphPort, logger: logger, portFlag: "--graph-port")
        } catch {
            await simulator.stop()
            try? await http.shutdown()
            throw CommandError("The simulated Microsoft 365 cannot start: \(error)")
        }
        var configuration = ServerConfiguration(database: .sqlite(path: (dataDir as NSString).appendingPathComponent("sspm.sqlite")), dataDirectory: dataDir,
                                                providers: StandardProviders.registry())
        configuration.port = port
        // The demo's Zoom is the simulator on loopback: the only host its connector may use.
        configuration.allowedHosts = ["127.0.0.1"]
        configuration.pollInterval = 0.5
        let server: RunningServer
        do {
            server = try await RunningServer.start(configuration, http: http, logger: logger, portFlag: "--port")
        } catch {
            await simulator.stop()
            await graph.stop()
            try? await http.shutdown()
            throw CommandError("The server cannot start: \(error)")
        }
        do {
            try await demo(server: server, simulator: simulator, graph: graph, tenant: tenant, http: http)
        } catch {
            await server.stop()
            await simulator.stop()
            await graph.stop()
            try? await http.shutdown()
            throw error
        }
        if !once {
            try await waitForSignal()
        }
        await server.stop()
        await simulator.stop()
        await graph.stop()
        try await http.shutdown()
    }

    /// Adds a third associated domain, verified at Zoom (the generated account has a verified and a
    /// pending one); the paired Microsoft 365 tenant does not verify it, which ZMS-01 finds.
    static func addVerifiedDomain(_ tenant: inout Tenant) {
        guard case .object(var managed)? = tenant.managedDomains, let domains = managed["domains"]?.arrayValue,
              let first = domains.first?["domain"]?.stringValue else { return }
        let slug = first.split(separator: ".").first.map(String.init) ?? "demo"
        managed["domains"] = .array(domains + [["domain": .string("\(slug)-events.example.com"), "status": "verified"]])
        managed["total_records"] = .int(Int64(domains.count + 1))
        tenant.managedDomains = .object(managed)
    }

    /// Points a connector from an earlier run at this run's simulator (it may listen on another
    /// port), then reconnects it.
    func repoint(_ id: String, to urls: [String: String], api: DemoAPI, server: RunningServer, what: String) async throws {
        if let record = try await server.deps.connectors.get(id: id), case .object(var settings) = record.settings {
            for (key, url) in urls { settings[key] = .string(url) }
            try await server.deps.connectors.updateSettings(id: id, .object(settings))
        }
        let reconnected = try await api.send("POST", "/api/v1/connectors/\(id)/reconnect")
        guard reconnected.status == 200 else { throw CommandError("Reconnecting \(what) failed: \(reconnected.errorMessage)") }
    }

    /// Adds the Microsoft 365 connector for the simulated tenant, or reuses the one from an earlier
    /// run (pointed at the simulator's port of this run); returns its id.
    func microsoft365Connector(api: DemoAPI, server: RunningServer, graph: RunningGraphSimulator) async throws -> String {
        let tenant = await graph.engine.tenant
        let existing = try await api.send("GET", "/api/v1/connectors").json["items"]?.arrayValue?
            .first { $0["provider"]?.stringValue == "m365" && $0["tenantId"]?.stringValue == tenant.tenantID }
        if let existing, let id = existing["id"]?.stringValue {
            try await repoint(id, to: ["login_url": graph.baseURL, "graph_url": graph.baseURL], api: api, server: server, what: "the demo's Microsoft 365 connector")
            return id
        }
        let created = try await api.send("POST", "/api/v1/connectors", json: [
            "provider": "m365", "name": "Microsoft 365 (simulated)", "tenantId": .string(tenant.tenantID), "clientId": .string(tenant.credentials.clientID),
            "clientSecret": .string(tenant.credentials.clientSecret), "loginUrl": .string(graph.baseURL), "graphUrl": .string(graph.baseURL),
        ])
        guard created.status == 201, let id = created.json["connector"]?["id"]?.stringValue else {
            throw CommandError("Adding the demo's Microsoft 365 connector failed: \(created.errorMessage)")
        }
        say("Added connector \"Microsoft 365 (simulated)\": \(created.json["validation"]?["headline"]?.stringValue ?? "")")
        return id
    }

    func demo(server: RunningServer, simulator: RunningSimulator, graph: RunningGraphSimulator, tenant: Tenant, http: HTTPClient) async throws {
        let base = server.baseURL
        let password = try demoPassword()
        if try await SSPMServerApp.createFirstAdmin(server.deps, email: Self.adminEmail, password: password) {
            say("Created the demo admin \(Self.adminEmail) (password in \(dataDir)/demo-login.txt).")
        }
        let api = try await DemoAPI.login(http: http, base: base, email: Self.adminEmail, password: password)
        let credentials = await simulator.credentials()
        let name = tenant.account["account_name"]?.stringValue ?? "Demo"
        say("OpenSSPM demo — simulated Zoom account \"\(name)\" (\(tenant.users.count) users) at \(simulator.apiURL)")
        let graphTenant = await graph.engine.tenant
        say("               and its Microsoft 365 tenant \(graphTenant.tenantDomain ?? graphTenant.tenantID) (\(graphTenant.users.count) users) at \(graph.baseURL)")
        // The directory first, so the Zoom connector is paired before its first sync.
        let directoryID = try await microsoft365Connector(api: api, server: server, graph: graph)

        // Add the connector through the API (validation first), or reuse the one from an earlier run.
        let existing = try await api.send("GET", "/api/v1/connectors").json["items"]?.arrayValue?.first { $0["clientId"]?.stringValue == credentials.clientID }
        let id: String
        let requested = Date()
        // The scans before this run's sync (the reconnect below starts one), for the difference.
        var previousScans: [JSONValue] = []
        if let existing, let existingID = existing["id"]?.stringValue {
            id = existingID
            if existing["pairedWith"]?.arrayValue?.first?["id"]?.stringValue != directoryID {
                let paired = try await api.send("PUT", "/api/v1/connectors/\(id)/pairing", json: ["connectorId": .string(directoryID)])
                guard paired.status == 200 else { throw CommandError("Pairing the demo connectors failed: \(paired.errorMessage)") }
            }
            previousScans = try await api.send("GET", "/api/v1/connectors/\(id)/scans").json["items"]?.arrayValue ?? []
            try await repoint(id, to: ["api_url": simulator.apiURL, "token_url": simulator.tokenURL], api: api, server: server, what: "the demo connector")
            say("Reusing connector \"\(existing["name"]?.stringValue ?? id)\" from \(dataDir).")
        } else {
            let created = try await api.send("POST", "/api/v1/connectors", json: [
                "name": .string("\(name) (simulated)"), "accountId": .string(credentials.accountID), "clientId": .string(credentials.clientID),
                "clientSecret": .string(credentials.clientSecret.value), "webhookSecretToken": tenant.credentials.webhookSecretToken.map { .string($0) } ?? .null,
                "plan": "business", "apiUrl": .string(simulator.apiURL), "tokenUrl": .string(simulator.tokenURL), "pairWith": .string(directoryID),
            ])
            guard created.status == 201, let createdID = created.json["connector"]?["id"]?.stringValue else {
                throw CommandError("Adding the demo connector failed: \(created.errorMessage)")
            }
            id = createdID
            say("Added connector \"\(name) (simulated)\", paired with Microsoft 365: \(created.json["validation"]?["headline"]?.stringValue ?? "")")
        }
        simulator.server.webhooks?.setURL("\(base)/webhooks/zoom/\(id)")
        let validation = await simulator.server.webhooks?.validateEndpoint()
        say("Zoom webhooks → \(base)/webhooks/zoom/\(id) (" + (validation == nil ? "endpoint validated" : "validation failed: \(validation!)") + ")")

        // A new connector's first sync starts at once; a reused one was asked for a posture sync by
        // the reconnect (asking again here could land while that sync runs and make a second one).
        try await ProgressBar.follow(api: api, connectorID: id, startedAfter: requested)

        let connector = try await api.send("GET", "/api/v1/connectors/\(id)").json
        say("Connector \"\(connector["name"]?.stringValue ?? id)\": \(connector["status"]?.stringValue ?? "?") — \(connector["statusDetail"]?.stringValue ?? "")")
        let scans = try await api.send("GET", "/api/v1/connectors/\(id)/scans").json["items"]?.arrayValue ?? []
        if let latestID = scans.first?["id"]?.stringValue {
            let scan = try await api.send("GET", "/api/v1/connectors/\(id)/scans/\(latestID)")
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            let result = try decoder.decode(ScanResult.self, from: scan.body)
            var diff: ScanDiff?
            if previousScans.count > 0, let previousID = previousScans.first?["id"]?.stringValue {
                let old = try await api.send("GET", "/api/v1/connectors/\(id)/scans/\(previousID)")
                diff = (try? decoder.decode(ScanResult.self, from: old.body)).map { ScanDiff(from: $0, to: result) }
            }
            say("")
            say(try ScanFormatter.render(result, as: .table, catalogue: ZoomCatalogue.catalogue, diff: diff, color: isatty(1) == 1), terminator: "")
        }
        let activities = try await server.deps.activities.count(connectorID: id)
        say("")
        say("Score history: \(scans.count) scan(s) in \(dataDir). Activity log: \(activities) sign-in and admin-operation events.")
        say("")
        if once {
            // The server stops with this command: no URL to open, only what the next run reuses.
            say("""
                The demo stopped after its sync (--once). Run it without --once to keep OpenSSPM serving the web UI and the API.
                  Log in:    \(Self.adminEmail) / \(password)
                  Data:      \(server.deps.stores.location); master key in \(dataDir)/master.key (back it up)
                """)
            return
        }
        say("""
            OpenSSPM is running at \(base)
              Web UI:    \(base)/  (open it in a browser and sign in)
              Log in:    \(Self.adminEmail) / \(password)
              API:       \(base)/api/v1  (spec \(base)/openapi.yaml; create a token with POST /api/v1/tokens)
              Try:       curl -s -c jar -H 'Content-Type: application/json' -X POST \(base)/api/v1/auth/login -d '{"email":"\(Self.adminEmail)","password":"\(password)"}'
                         curl -s -b jar '\(base)/api/v1/connectors/\(id)/recommendations?verdict=fail'
              Zoom:      \(simulator.baseURL) (simulated; faults: curl -X POST \(simulator.baseURL)/_sim/faults -d '{"rate_limit_storm":20}')
              M365:      \(graph.baseURL) (simulated Entra ID and Graph, paired with the Zoom connector: see the Microsoft 365 integration category)
              Data:      \(server.deps.stores.location); master key in \(dataDir)/master.key (back it up)
            """)
        say("Serving until Ctrl-C.")
    }

    /// The demo admin's password: made once, kept (mode 0600) beside the database so later runs can print it.
    func demoPassword() throws -> String {
        let path = (dataDir as NSString).appendingPathComponent("demo-login.txt")
        if let text = try? String(contentsOfFile: path, encoding: .utf8), let line = text.split(separator: "\n").first(where: { $0.hasPrefix("password: ") }) {
            return String(line.dropFirst("password: ".count))
        }
        try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true)
        let password = "demo-" + randomToken(bytes: 12)
        guard FileManager.default.createFile(atPath: path, contents: Data("email: \(Self.adminEmail)\npassword: \(password)\n".utf8), attributes: [.posixPermissions: 0o600]) else {
            throw ValidationError("Could not write \(path) (the demo login). Check that the data directory is writable and the disk is not full, or pick another with --data-dir.")
        }
        return password
    }

    /// Waits for SIGINT or SIGTERM.
    func waitForSignal() async throws {
        let group = ServiceGroup(configuration: .init(services: [WaitService()], gracefulShutdownSignals: [.sigint, .sigterm], logger: Logger(label: "demo")))
        try await group.run()
    }

    struct WaitService: Service {
        func run() async throws { try? await gracefulShutdown() }
    }
}
