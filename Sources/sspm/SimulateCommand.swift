import ArgumentParser
import Foundation
import Logging
import ServiceLifecycle
import SSPMCore
import GraphSimulator
import ZoomAPI
import ZoomSimulator

struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run a local Zoom (token endpoint and /v2 API on one port) from a tenant file or a generated tenant; with --graph, a Microsoft 365 tenant beside it.",
        discussion: """
            Point any Zoom client at --api-url http://HOST:PORT/v2 and --token-url http://HOST:PORT/oauth/token.
            Admin endpoints for faults, the clock and events are under /_sim (see docs/SIMULATOR.md).
            With --graph (a tenant made to match the Zoom account) or --graph-tenant FILE, Microsoft's token
            endpoint (/{tenant}/oauth2/v2.0/token) and Graph (/v1.0) answer on --graph-port.
            """
    )

    @Option(help: "Tenant file to serve (JSON, format in docs/ARCHITECTURE.md).") var tenant: String?
    @Option(help: "Generated tenant: number of users.") var users: Int = 50
    @Option(help: "Generated tenant: number of groups.") var groups: Int = 5
    @Option(help: "Generated tenant: days of sign-in and operation logs.") var days: Int = 7
    @Option(help: "Generated tenant: random seed (same seed, same tenant).") var seed: UInt64 = 1
    @Option(help: "Generated tenant: plan (free, pro, business).") var plan: String = "pro"
    @Option(help: "Address to listen on.") var host: String = "127.0.0.1"
    @Option(help: "Port to listen on (0 picks one).") var port: Int = 9900
    @Option(help: "Deliver webhooks here, signed with the tenant's webhook_secret_token.") var webhookURL: String?
    @Option(help: "Simulated seconds per real second (speeds up token expiry and webhook retries).") var timeScale: Double = 1
    @Option(help: "Issuing a token revokes all but the newest N (as when two connectors share credentials).") var tokenTolerance: Int?
    @Option(help: "Inject a fault from the start, as KEY=VALUE (repeatable): rate_limit_storm=N, server_errors=N, server_error_status=503, latency_ms=N, malformed_json=N, truncated_pages=N, expire_page_tokens=N, app_deactivated=true, token_tolerance=N. See docs/SIMULATOR.md.")
    var fault: [String] = []
    @Option(help: "Write the tenant to this file and exit.") var export: String?
    @Flag(help: "Also run a Microsoft 365 (Graph) simulator with a tenant made to match the Zoom account (its people and domains, with mismatches).") var graph = false
    @Option(help: "Also run a Graph simulator from this tenant file (Graph's own JSON; docs/SIMULATOR.md).") var graphTenant: String?
    @Option(help: "Port of the Graph simulator (0 picks one).") var graphPort: Int = 9901
    @Option(help: "The Graph simulator's budget in resource units per 10 seconds (default: Graph's documented one for the tenant's size; 0: none).")
    var graphBudget: Int?
    @Option(help: "Write the Graph tenant (from --graph or --graph-tenant) to this file and exit.") var exportGraph: String?
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let logger = try logging.makeLogger("sspm.simulate")
        if let webhookURL {
            let problems = OutboundURL.problems(webhookURL, field: "--webhook-url", use: .receiver)
            if !problems.isEmpty { throw CommandError(problems.joined(separator: "; ") + ".") }
        }
        let tenant = try loadOrGenerate()
        var graphTenant: GraphTenant?
        if let path = self.graphTenant {
            do { graphTenant = try GraphTenant.load(path: path) } catch let error as GraphTenantError { throw CommandError(error.description) }
        } else if graph || exportGraph != nil {
            graphTenant = tenant.pairedGraphTenant(seed: seed)
        }
        if let exportGraph, let graphTenant {
            try graphTenant.encoded().write(to: URL(fileURLWithPath: exportGraph))
            say("Wrote Graph tenant \(graphTenant.tenantDomain ?? graphTenant.tenantID) (\(graphTenant.users.count) users, \(graphTenant.domains.count) domains) to \(exportGraph)")
            if export == nil { return }
        }
        if let export {
            try tenant.write(path: export)
            say("Wrote tenant \(tenant.account["account_name"]?.stringValue ?? "") (\(tenant.users.count) users, \(tenant.groups.count) groups, \(tenant.activityLogs.count) sign-in rows, \(tenant.operationLogs.count) operation rows) to \(export)")
            return
        }
        let server = await ZoomSimulatorServer(
            tenant: tenant,
            options: .init(host: host, port: port, webhookURL: webhookURL, timeScale: timeScale, validateWebhookOnStart: webhookURL != nil),
            logger: logger)
        var faults: SimulatorFaults
        do { faults = try SimulatorFaults(assignments: fault) } catch let error as TenantFileError { throw ValidationError(error.description) }
        if let tokenTolerance { faults.tokenTolerance = tokenTolerance }
        await server.engine.setFaults(faults)
        let host = self.host
        let app = server.application { port in
            say("""
                Zoom simulator listening on http://\(host):\(port)
                  API URL:    http://\(host):\(port)/v2
                  Token URL:  http://\(host):\(port)/oauth/token
                  Account ID: \(tenant.credentials.accountID)
                  Client ID:  \(tenant.credentials.clientID)
                  Client secret (simulated, from the tenant): \(tenant.credentials.clientSecret)
                  Plan: \(tenant.plan.rawValue), users: \(tenant.users.count), groups: \(tenant.groups.count)
                """)
        }
        var services: [any Service] = [app]
        if let graphTenant {
            let graphServer = GraphSimulatorServer(tenant: graphTenant, host: host, port: graphPort, logger: logger)
            if let graphBudget, graphBudget < 0 { throw ValidationError("--graph-budget must be 0 (no budget) or a number of resource units per 10 seconds.") }
            if let graphBudget {
                await graphServer.engine.setThrottling(graphBudget == 0 ? GraphThrottling(enabled: false) : GraphThrottling(unitsPer10Seconds: graphBudget))
            }
            services.append(graphServer.application { port in
                say("""
                    Microsoft 365 (Graph) simulator listening on http://\(host):\(port)
                      Login URL:  http://\(host):\(port)  (token: /\(graphTenant.tenantID)/oauth2/v2.0/token)
                      Graph URL:  http://\(host):\(port)  (/v1.0)
                      Tenant ID:  \(graphTenant.tenantID)
                      Client ID:  \(graphTenant.credentials.clientID)
                      Client secret (simulated, from the tenant): \(graphTenant.credentials.clientSecret)
                      Users: \(graphTenant.users.count), domains: \(graphTenant.domains.count)
                    """)
            })
        }
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    func loadOrGenerate() throws -> Tenant {
        if let tenant {
            do { return try Tenant.load(path: tenant) } catch let error as TenantFileError { throw CommandError(error.description) }
        }
        guard let plan = ZoomPlan(rawValue: plan) else { throw ValidationError("--plan must be free, pro or business (got \"\(plan)\").") }
        guard users > 0 else { throw ValidationError("--users must be at least 1.") }
        guard groups >= 0, days >= 0 else { throw ValidationError("--groups and --days cannot be negative.") }
        guard days <= 180 else { throw ValidationError("--days can be at most 180: Zoom keeps reports for six months.") }
        return TenantGenerator(users: users, groups: groups, days: days, seed: seed, plan: plan).generate()
    }
}
