import ArgumentParser
import AsyncHTTPClient
import Foundation
import GraphProvider
import GraphSimulator
import Logging
import SSPMCore
import SSPMProvider
import ZoomProvider

/// `sspm bench graph`: the paired scan's Microsoft 365 side at scale. A Zoom account of N users
/// and the Entra tenant of the same people (with aliases, leavers and missing accounts) in the
/// Graph simulator, which holds the client to Graph's documented resource-unit budget: the
/// directory read is timed against its bound (the units it needs beyond a full bucket ÷ the
/// budget's rate; 0 when the read fits in the bucket), then the matching (the address index and
/// the Microsoft 365 checks) on its own.
struct BenchGraphCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "graph",
        abstract: "Read an N-user Entra tenant from the Graph simulator (at Graph's throttling budget) and match it against an N-user Zoom account.")

    @Option(help: "Users on each side.") var users: Int = 50_000
    @Option(help: "Runs to time (the median is reported).") var runs: Int = 3
    @Option(help: "The simulator's budget in resource units per 10 seconds (default: Graph's documented one for the tenant's size).")
    var unitsPer10s: Int?

    func validate() throws {
        guard users > 0, runs > 0 else { throw ValidationError("--users and --runs must be at least 1.") }
        if let unitsPer10s, unitsPer10s < 1 { throw ValidationError("--units-per10s must be at least 1.") }
    }

    func run() async throws {
        var logger = Logger(label: "sspm.bench.graph")
        logger.logLevel = .warning
        let buildStart = ContinuousClock.now
        let snapshot = SyntheticAccount.snapshot(users: users, groups: 100)
        let people = (snapshot.users ?? []).map { GraphTenantGenerator.Person(email: $0.email, name: $0.displayName, active: $0.status == "active") }
        let tenant = GraphTenantGenerator(people: people, domains: ["example.com"], seed: 50).generate()
        let build = (ContinuousClock.now - buildStart).secondsDouble
        let sim = try await RunningGraphSimulator.start(tenant: tenant, logger: logger)
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: ProviderHTTP.configuration)
        do {
            if let unitsPer10s { await sim.engine.setThrottling(GraphThrottling(unitsPer10Seconds: unitsPer10s)) }
            let budget = await sim.engine.unitsPer10Seconds
            let settings: JSONValue = ["tenant_id": .string(tenant.tenantID), "client_id": .string(tenant.credentials.clientID), "cloud": "global",
                                       "login_url": .string(sim.baseURL), "graph_url": .string(sim.baseURL)]
            var readTimes: [Double] = [], matchTimes: [Double] = []
            var directory: DirectorySnapshot?
            var requests = 0, units = 0, throttled = 0
            var verdicts: [String] = []
            for _ in 0..<max(1, runs) {
                // A fresh session each run (its own token), on a full bucket: a sync starts like that after its interval.
                await sim.engine.setThrottling(GraphThrottling(unitsPer10Seconds: unitsPer10s))
                let unitsBefore = await sim.engine.resourceUnitsSpent, throttledBefore = await sim.engine.throttledByBudget
                let session = try GraphProvider().open(settings: settings, credentials: ProviderCredentials(["client_secret": tenant.credentials.clientSecret]),
                                                       context: ProviderContext(http: http, logger: logger))
                let start = ContinuousClock.now
                let read = await session.readDirectory(at: Date())
                readTimes.append((ContinuousClock.now - start).secondsDouble)
                guard let read, read.unavailable.isEmpty else { throw CommandError("The directory read failed: \(read?.unavailable ?? [:])") }
                directory = read
                requests = await session.stats().requests
                units = await sim.engine.resourceUnitsSpent - unitsBefore
                throttled = await sim.engine.throttledByBudget - throttledBefore
                // Matching: the address index (built when the directory is set) and the four checks.
                let matchStart = ContinuousClock.now
                var paired = snapshot
                paired.directory = read
                let result = ZoomCatalogue.scan(paired, controls: ZoomCatalogue.all.filter { $0.metadata.category == .microsoft365 })
                matchTimes.append((ContinuousClock.now - matchStart).secondsDouble)
                verdicts = result.findings.map { "\($0.controlId) \($0.verdict.rawValue)" + ($0.affectedUsers.isEmpty ? "" : " (\($0.affectedUsers.count))") }
            }
            readTimes.sort()
            matchTimes.sort()
            // The least time the budget allows: a full bucket to start with, then its refill rate.
            let bound = Double(max(0, units - budget)) / (Double(budget) / 10)
            say("sspm bench graph: \(users) Zoom users against an Entra tenant of \(directory?.users?.count ?? 0) users (built in \(String(format: "%.1f", build)) s); Graph budget \(budget) resource units per 10 s")
            say("")
            say("| Zoom users | Entra users | Graph requests | resource units | budget (units/10 s) | bound (s) | read median (s) | 429s | match median (s) | match max (s) |")
            say("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
            say("| \(users) | \(directory?.users?.count ?? 0) | \(requests) | \(units) | \(budget) | \(String(format: "%.2f", bound)) | \(String(format: "%.2f", readTimes[readTimes.count / 2])) | \(throttled) | \(String(format: "%.3f", matchTimes[matchTimes.count / 2])) | \(String(format: "%.3f", matchTimes.last!)) |")
            say("")
            say("Verdicts: " + verdicts.joined(separator: ", "))
            await sim.stop()
            try await http.shutdown()
        } catch {
            await sim.stop()
            try? await http.shutdown()
            throw error
        }
    }
}
