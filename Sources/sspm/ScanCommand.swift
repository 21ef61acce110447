import ArgumentParser
import AsyncHTTPClient
import Foundation
import GraphAPI
import GraphSimulator
import SSPMProvider
import ZoomProvider
import Logging
import SSPMCore
import SSPMReports
import ZoomAPI
import ZoomSimulator

struct ScanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Evaluate a Zoom account's posture: a tenant file, the built-in simulator, or a live account.",
        discussion: """
            Live: sspm scan --account-id ID --client-id ID   (client secret from ZOOM_CLIENT_SECRET or --client-secret-file)
            Exit codes: 0 ok; 2 when --fail-on finds a failed control at or above that severity; 1 on errors.
            """
    )

    @Option(help: "Scan a tenant file offline (format in docs/ARCHITECTURE.md).") var tenant: String?
    @Option(help: "A Microsoft 365 (Graph) tenant file to cross-check the Zoom account against (the Microsoft 365 integration controls; format in docs/SIMULATOR.md).")
    var graphTenant: String?
    @Flag(help: "Scan a generated account served by the built-in simulator (over loopback HTTP).") var simulated = false
    @Option(help: "Zoom account ID (live scan).") var accountId: String?
    @Option(help: "Server-to-Server OAuth client ID (live scan).") var clientId: String?
    @Option(help: "File holding the client secret (else ZOOM_CLIENT_SECRET).") var clientSecretFile: String?
    @Option(help: "API base URL.") var apiUrl: String = "https://api.zoom.us/v2"
    @Option(help: "OAuth token URL.") var tokenUrl: String = "https://zoom.us/oauth/token"
    @Option(help: "The account's plan, for pacing (free, pro, business).") var plan: String = "pro"
    @Option(help: "Simulated account: users.") var users: Int = 200
    @Option(help: "Simulated account: groups.") var groups: Int = 8
    @Option(help: "Simulated account: seed.") var seed: UInt64 = 1
    @Option(help: "Days of sign-in and operation logs to read.") var days: Int = 7
    @Option(help: "table (default), json, csv, markdown, ocsf, graph.") var format: String = "table"
    @Option(help: "Baseline file (YAML) overriding the default thresholds.") var baseline: String?
    @Option(help: "Control states file (YAML): planned, risk_accepted (with rationale and optional expiry), resolved_third_party, resolved_alternate.") var states: String?
    @Option(help: "Exit with code 2 if a control at or above this severity fails (info, low, medium, high, critical).") var failOn: String?
    @Option(help: "A previous `--format json` output to compare with.") var diff: String?
    @Flag(help: "Never colour the table.") var noColor = false
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if accountId != nil, clientId == nil { throw ValidationError("A live scan needs --client-id as well as --account-id.") }
        guard ScanFormat(rawValue: format) != nil else {
            throw ValidationError("--format must be one of \(ScanFormat.allCases.map(\.rawValue).joined(separator: ", ")) (got \"\(format)\").")
        }
        if let failOn, Severity(rawValue: failOn) == nil {
            throw ValidationError("--fail-on must be one of \(Severity.allCases.map(\.rawValue).joined(separator: ", ")) (got \"\(failOn)\").")
        }
        guard ZoomPlan(rawValue: plan) != nil else { throw ValidationError("--plan must be free, pro or business.") }
        guard (1...180).contains(days) else { throw ValidationError("--days must be between 1 and 180 (Zoom keeps reports for six months).") }
    }

    func run() async throws {
        // Checked here rather than in validate(), so that an unknown option is reported first.
        guard [tenant != nil, simulated, accountId != nil].filter({ $0 }).count == 1 else {
            throw ValidationError("Choose exactly one source: --tenant FILE, --simulated, or --account-id ID --client-id ID (live).")
        }
        var logger = try logging.makeLogger("sspm.scan")
        if logging.logLevel == "info" { logger.logLevel = .warning }
        let baselineValue: Baseline
        let stateRecords: [ControlStateRecord]
        var previous: ScanResult?
        do {
            baselineValue = try baseline.map(PolicyFiles.baseline(path:)) ?? Baseline()
            stateRecords = try states.map { try PolicyFiles.states(path: $0, catalogue: ZoomCatalogue.catalogue) } ?? []
        } catch let error as PolicyFileError {
            throw CommandError(error.description)
        }
        if let diff {
            guard let data = FileManager.default.contents(atPath: diff) else { throw CommandError("cannot read --diff file \(diff): no such file or not readable.") }
            do { previous = try ScanFormatter.readJSON(data) } catch {
                throw CommandError("--diff file \(diff) is not a `sspm scan --format json` output: \(error)")
            }
        }
        var snapshot = try await readSnapshot(logger: logger)
        if let graphTenant { snapshot.directory = try await Self.directory(fromTenantFile: graphTenant, logger: logger) }
        let result = ZoomCatalogue.scan(snapshot, baseline: baselineValue, states: stateRecords)
        let change = previous.map { ScanDiff(from: $0, to: result) }
        let color = !noColor && isatty(1) == 1 && ProcessInfo.processInfo.environment["NO_COLOR"] == nil
        say(try ScanFormatter.render(result, as: ScanFormat(rawValue: format)!, catalogue: ZoomCatalogue.catalogue, diff: change, color: color), terminator: "")
        if let failOn, let threshold = Severity(rawValue: failOn) {
            let failing = result.findings.filter { $0.verdict == .fail && $0.severity >= threshold && [.toAddress, .planned].contains($0.state) }
            if !failing.isEmpty {
                FileHandle.standardError.write(Data("sspm scan: \(failing.count) failed control(s) at or above \(threshold.rawValue): \(failing.map(\.controlId).joined(separator: ", "))\n".utf8))
                throw ExitCode(2)
            }
        }
    }

    /// A Graph tenant file read as a live tenant would be: served on loopback by the Graph
    /// simulator and read by the Graph client (one reader for both).
    static func directory(fromTenantFile path: String, logger: Logger) async throws -> DirectorySnapshot {
        let tenant: GraphTenant
        do { tenant = try GraphTenant.load(path: path) } catch let error as GraphTenantError { throw CommandError(error.description) }
        let sim = try await RunningGraphSimulator.start(tenant: tenant, logger: logger)
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: ProviderHTTP.configuration)
        let client = GraphClient(credentials: GraphCredentials(tenantID: tenant.tenantID, clientID: tenant.credentials.clientID, clientSecret: Secret(tenant.credentials.clientSecret)),
                                 configuration: GraphClientConfiguration(cloud: GraphCloud(loginURL: sim.baseURL, graphURL: sim.baseURL)), http: http, logger: logger)
        let snapshot = await GraphDirectoryReader(client: client, tenantID: tenant.tenantID,
                                                  applicationIDs: [GraphWellKnown.zoomApplicationPermissionsAppID, GraphWellKnown.zoomFullDelegateAppID], logger: logger).read(at: Date())
        try? await http.shutdown()
        await sim.stop()
        return snapshot
    }

    func readSnapshot(logger: Logger) async throws -> PostureSnapshot {
        let now = Date()
        let from = now.addingTimeInterval(-Double(days - 1) * 86_400)
        if let tenant {
            let loaded: Tenant
            do { loaded = try Tenant.load(path: tenant) } catch let error as TenantFileError { throw CommandError(error.description) }
            let data = try loaded.accountData(from: Calendar(identifier: .gregorian).startOfDay(for: from), to: now)
            return data.postureSnapshot(accountID: loaded.accountID, accountName: loaded.account["account_name"]?.stringValue ?? "", capturedAt: now)
        }
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: ProviderHTTP.configuration)
        do {
            let snapshot = try await live(http: http, from: from, to: now, logger: logger)
            try await http.shutdown()
            return snapshot
        } catch {
            try? await http.shutdown()
            throw error
        }
    }

    func live(http: HTTPClient, from: Date, to: Date, logger: Logger) async throws -> PostureSnapshot {
        var simulator: RunningSimulator?
        var accountName = ""
        let credentials: ZoomCredentials
        var configuration = ZoomClientConfiguration(apiURL: apiUrl, tokenURL: tokenUrl, plan: ZoomPlan(rawValue: plan)!)
        if simulated {
            let tenant = TenantGenerator(users: users, groups: groups, days: days, seed: seed, plan: ZoomPlan(rawValue: plan)!).generate()
            let running = try await RunningSimulator.start(tenant: tenant, http: http, logger: logger)
            simulator = running
            accountName = tenant.account["account_name"]?.stringValue ?? ""
            credentials = await running.credentials()
            configuration.apiURL = running.apiURL
            configuration.tokenURL = running.tokenURL
        } else {
            let secret: String
            if let clientSecretFile {
                guard let data = FileManager.default.contents(atPath: clientSecretFile) else {
                    throw CommandError("cannot read --client-secret-file \(clientSecretFile): no such file or not readable.")
                }
                secret = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            } else if let env = ProcessInfo.processInfo.environment["ZOOM_CLIENT_SECRET"], !env.isEmpty {
                secret = env
            } else {
                throw CommandError("No client secret: set ZOOM_CLIENT_SECRET or pass --client-secret-file FILE.")
            }
            credentials = ZoomCredentials(accountID: accountId!, clientID: clientId!, clientSecret: Secret(secret))
        }
        let client = ZoomClient(credentials: credentials, configuration: configuration, http: http, logger: logger)
        // Fail fast, with the plain error, when the credentials do not work at all.
        do { _ = try await client.grantedScopes() } catch let error as ZoomAPIError {
            await simulator?.stop()
            throw CommandError(error.description)
        }
        let data = await ZoomAccountReader(client: client, logger: logger).read(from: from, to: to)
        await simulator?.stop()
        return data.postureSnapshot(accountID: credentials.accountID, accountName: accountName, capturedAt: to)
    }
}
