import ArgumentParser
import AsyncHTTPClient
import Foundation
import Logging
import ZoomAPI
import ZoomSimulator

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks (print a table).",
        subcommands: [BenchSyncCommand.self, BenchEvaluateCommand.self, BenchFirstSyncCommand.self, BenchWebhooksCommand.self, BenchActivitiesCommand.self, BenchDetectCommand.self, BenchGraphCommand.self]
    )
}

struct BenchSyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Read a whole simulated account at its plan's rate limits and compare the wall time with the rate-limit lower bound."
    )

    @Option(help: "Users in the generated tenant.") var users: Int = 10_000
    @Option(help: "Groups in the generated tenant.") var groups: Int = 100
    @Option(help: "Days of activity.") var days: Int = 7
    @Option(help: "Plan (free, pro, business).") var plan: String = "pro"
    @Option(help: "Seed.") var seed: UInt64 = 1
    @Option(help: "Requests in flight per category.") var concurrency: Int = 8
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        var logger = try logging.makeLogger("sspm.bench")
        if logging.logLevel == "info" { logger.logLevel = .warning }
        guard let plan = ZoomPlan(rawValue: plan) else { throw ValidationError("--plan must be free, pro or business.") }
        let generationStart = ContinuousClock.now
        let tenant = TenantGenerator(users: users, groups: groups, days: days, seed: seed, plan: plan).generate()
        let generation = ContinuousClock.now - generationStart
        let simulator = try await RunningSimulator.start(tenant: tenant, logger: logger)
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let client = ZoomClient(
            credentials: await simulator.credentials(),
            configuration: .init(apiURL: simulator.apiURL, tokenURL: simulator.tokenURL, plan: plan, concurrencyPerCategory: concurrency),
            http: http, logger: logger)
        let reader = ZoomAccountReader(client: client, logger: logger)
        let to = Date()
        let from = to.addingTimeInterval(-Double(max(days - 1, 0)) * 86_400)
        let start = ContinuousClock.now
        let data = await reader.read(from: from, to: to)
        let wall = (ContinuousClock.now - start).secondsDouble
        let stats = await client.stats()
        let served = await simulator.engine.rateLimitCounters()
        try await http.shutdown()
        await simulator.stop()

        say("sspm bench sync: \(users) users, \(groups) groups, \(days) days of activity, plan \(plan.rawValue), seed \(seed)")
        say("tenant generated in \(String(format: "%.1f", generation.secondsDouble)) s; read \(data.users.count) users, \(data.groups.count) groups, \(data.roles.count) roles, \(data.activityLogs.count) sign-in rows, \(data.operationLogs.count) operation rows, \(data.channels.count) channels")
        if !data.failures.isEmpty {
            for (source, error) in data.failures { say("FAILED \(source.rawValue): \(error)") }
        }
        say("")
        say("| category | requests | rate (req/s) | lower bound (s) | 429s |")
        say("|---|---:|---:|---:|---:|")
        var bound = 0.0
        for category in RateLimitCategory.allCases {
            let requests = stats.requests[category] ?? 0
            guard requests > 0 else { continue }
            let rate = plan.limit(category).perSecond
            let seconds = Double(requests) / rate
            bound = max(bound, seconds)
            say("| \(category.rawValue) | \(requests) | \(formatRate(rate)) | \(String(format: "%.2f", seconds)) | \(stats.rateLimited[category] ?? 0) |")
        }
        say("")
        say("| wall time (s) | lower bound (s) | ratio | 429s received | 429s sent by simulator | retries |")
        say("|---:|---:|---:|---:|---:|---:|")
        let ratio = bound > 0 ? wall / bound : 0
        say("| \(String(format: "%.2f", wall)) | \(String(format: "%.2f", bound)) | \(String(format: "%.3f", ratio)) | \(stats.total429) | \(served.issued429.values.reduce(0, +)) | \(stats.transientRetries) |")
        sayRequestsPerEndpoint(stats.requestsByOperation, plan: plan)
        if !data.failures.isEmpty { throw ExitCode(1) }
    }

    func formatRate(_ rate: Double) -> String { rate >= 1 ? String(format: "%.0f", rate) : String(format: "%.3f", rate) }
}

/// Prints the "requests per endpoint" table: each operation's requests, the seconds they take at their
/// category's documented rate, and their share of that category's lower bound (its requests ÷ rate).
func sayRequestsPerEndpoint(_ counts: [ZoomOperation: Int], plan: ZoomPlan) {
    var perCategory: [RateLimitCategory: Int] = [:]
    for (operation, requests) in counts { perCategory[operation.category, default: 0] += requests }
    let order = Dictionary(uniqueKeysWithValues: RateLimitCategory.allCases.enumerated().map { ($1, $0) })
    let rows = counts.filter { $0.value > 0 }.sorted { a, b in
        (order[a.key.category]!, -a.value, a.key.endpoint) < (order[b.key.category]!, -b.value, b.key.endpoint)
    }
    say("")
    say("requests per endpoint:")
    say("")
    say("| endpoint | category | requests | at the rate (s) | share of its category's lower bound |")
    say("|---|---|---:|---:|---:|")
    for (operation, requests) in rows {
        let seconds = Double(requests) / plan.limit(operation.category).perSecond
        let share = Double(requests) / Double(max(perCategory[operation.category] ?? requests, 1))
        say("| \(operation.endpoint) | \(operation.category.rawValue) | \(requests) | \(String(format: "%.2f", seconds)) | \(String(format: "%.1f", share * 100)) % |")
    }
}
