import ArgumentParser
import AsyncHTTPClient
import Foundation
import SSPMProviders
import SSPMProvider
import ZoomProvider
import Logging
import NIOCore
import SSPMCore
import Synchronization
import SSPMServer
import SSPMStorage
import ZoomAPI
import ZoomSimulator

/// A server on a fresh database in a temporary directory, for benchmarks.
struct BenchServer {
    let server: RunningServer
    let http: HTTPClient
    let api: DemoAPI
    let directory: String

    static let email = "bench@example.com"
    static let password = "bench-password-123"

    static func start(database: String?, scheduler: Bool, http: HTTPClient, logger: Logger) async throws -> BenchServer {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sspm-bench-\(UUID().uuidString)").path
        var configuration = ServerConfiguration(database: database.map(DatabaseLocation.parse) ?? .sqlite(path: directory + "/sspm.sqlite"), dataDirectory: directory,
                                                providers: StandardProviders.registry())
        configuration.port = 0
        configuration.runScheduler = scheduler
        configuration.pollInterval = 0.1
        configuration.bcryptCost = 8
        let server = try await RunningServer.start(configuration, http: http, logger: logger)
        _ = try await SSPMServerApp.createFirstAdmin(server.deps, email: email, password: password)
        let api = try await DemoAPI.login(http: http, base: server.baseURL, email: email, password: password)
        return BenchServer(server: server, http: http, api: api, directory: directory)
    }

    func stop() async {
        await server.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return 0 }
    return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
}

func ms(_ seconds: Double) -> String { String(format: "%.2f", seconds * 1000) }

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

struct BenchFirstSyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "first-sync",
        abstract: "Add a connector to a running server (validation, posture, inventory, 7-day backfill) and compare the first sync with the rate-limit lower bound.")

    @Option(help: "Users in the generated tenant.") var users: Int = 10_000
    @Option(help: "Groups in the generated tenant.") var groups: Int = 100
    @Option(help: "Plan (free, pro, business).") var plan: String = "pro"
    @Option(help: "Seed.") var seed: UInt64 = 1
    @Option(help: "Database (default: SQLite in a temporary directory).") var databaseUrl: String?
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        var logger = try logging.makeLogger("sspm.bench")
        if logging.logLevel == "info" { logger.logLevel = .warning }
        guard let zoomPlan = ZoomPlan(rawValue: plan) else { throw ValidationError("--plan must be free, pro or business.") }
        let tenant = TenantGenerator(users: users, groups: groups, days: 8, seed: seed, plan: zoomPlan).generate()
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let simulator = try await RunningSimulator.start(tenant: tenant, http: http, logger: logger)
        let bench = try await BenchServer.start(database: databaseUrl, scheduler: true, http: http, logger: logger)
        let credentials = await simulator.credentials()
        let start = ContinuousClock.now
        let created = try await bench.api.send("POST", "/api/v1/connectors", json: [
            "name": "Bench", "accountId": .string(credentials.accountID), "clientId": .string(credentials.clientID),
            "clientSecret": .string(credentials.clientSecret.value), "plan": .string(plan), "apiUrl": .string(simulator.apiURL), "tokenUrl": .string(simulator.tokenURL),
        ])
        guard created.status == 201, let id = created.json["connector"]?["id"]?.stringValue else { throw CommandError("create: \(created.errorMessage)") }
        try await ProgressBar.follow(api: bench.api, connectorID: id, startedAfter: Date(timeIntervalSince1970: 0))
        let wall = (ContinuousClock.now - start).seconds
        let progress = try await bench.api.send("GET", "/api/v1/connectors/\(id)/progress").json
        let run = progress["recentRuns"]?.arrayValue?.first ?? .null
        let activities = try await bench.server.deps.activities.count(connectorID: id)
        let served = await simulator.engine.rateLimitCounters()
        await bench.stop()
        await simulator.stop()
        try await http.shutdown()

        say("sspm bench first-sync: \(users) users, \(groups) groups, plan \(plan), seed \(seed), database \(databaseUrl == nil ? "SQLite" : "PostgreSQL")")
        say("stored \(activities) activities (expected \(Self.expected(tenant))), run outcome \(run["outcome"]?.stringValue ?? "?")")
        say("")
        say("| category | requests | rate (req/s) | lower bound (s) |")
        say("|---|---:|---:|---:|")
        var bound = 0.0
        for category in RateLimitCategory.allCases {
            let requests = Int(run["stats"]?["byCategory"]?[category.rawValue]?.intValue ?? 0)
            guard requests > 0 else { continue }
            let rate = zoomPlan.limit(category).perSecond
            bound = max(bound, Double(requests) / rate)
            say("| \(category.rawValue) | \(requests) | \(rate >= 1 ? String(format: "%.0f", rate) : String(format: "%.3f", rate)) | \(String(format: "%.2f", Double(requests) / rate)) |")
        }
        let runSeconds = run["stats"]?["seconds"]?.doubleValue ?? 0
        say("")
        say("| create → synced (s) | sync run (s) | lower bound (s) | ratio (run / bound) | 429s received | 429s sent by simulator |")
        say("|---:|---:|---:|---:|---:|---:|")
        say("| \(String(format: "%.2f", wall)) | \(String(format: "%.2f", runSeconds)) | \(String(format: "%.2f", bound)) | \(String(format: "%.3f", bound > 0 ? runSeconds / bound : 0)) | \(run["stats"]?["rateLimited"]?.intValue ?? 0) | \(served.issued429.values.reduce(0, +)) |")
        var perOperation: [ZoomOperation: Int] = [:]
        for (endpoint, count) in run["stats"]?["byOperation"]?.objectValue ?? [:] {
            guard let operation = ZoomOperation.all.first(where: { $0.endpoint == endpoint }) else { continue }
            perOperation[operation] = Int(count.intValue ?? 0)
        }
        sayRequestsPerEndpoint(perOperation, plan: zoomPlan)
        if run["outcome"]?.stringValue != "ok" || activities != Self.expected(tenant) { throw ExitCode(1) }
    }

    static func expected(_ tenant: Tenant) -> Int {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let start = calendar.startOfDay(for: Date().addingTimeInterval(-7 * 86_400))
        let iso = ISO8601DateFormatter()
        return (tenant.activityLogs + tenant.operationLogs).filter { ($0["time"]?.stringValue).flatMap(iso.date(from:)).map { $0 >= start } ?? false }.count
    }
}

struct BenchWebhooksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhooks",
        abstract: "Webhook intake throughput: signed Zoom events over loopback HTTP, verified and stored durably before each answer.")

    @Option(help: "Events to send.") var events: Int = 30_000
    @Option(help: "Requests in flight.") var concurrency: Int = 64
    @Option(help: "Database (default: SQLite in a temporary directory).") var databaseUrl: String?
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        var logger = try logging.makeLogger("sspm.bench")
        if logging.logLevel == "info" { logger.logLevel = .warning }
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = concurrency
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
        let bench = try await BenchServer.start(database: databaseUrl, scheduler: false, http: http, logger: logger)
        let secret = "bench-webhook-secret-token"
        let connector = ConnectorRecord(provider: ZoomProvider.kind, name: "Bench", settings: ["account_id": "bench-account", "client_id": "bench-client", "plan": "pro"],
                                        uniqueKey: "bench-client", status: "connected")
        try await bench.server.deps.connectors.create(connector, credentials: ConnectorCredentials(["client_secret": "unused", "webhook_secret_token": secret]))
        try await bench.server.deps.jobs.schedule(connectorID: connector.id, at: Date().addingTimeInterval(86_400))
        let url = bench.server.baseURL + "/webhooks/zoom/" + connector.id

        // Distinct events, a realistic mix: sign-ins (correlated with the report), sign-outs, settings and user changes.
        let base = Int64(Date().timeIntervalSince1970 * 1000)
        let bodies: [Data] = (0..<events).map { i in
            let ts = base + Int64(i)
            let time = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(ts) / 1000))
            switch i % 4 {
            case 0, 1:
                let event = i % 4 == 0 ? "user.signed_in" : "user.signed_out"
                return Data(#"{"event":"\#(event)","event_ts":\#(ts),"payload":{"account_id":"bench-account","object":{"id":"u\#(i % 5000)","email":"user\#(i % 5000)@example.com","client_type":"browser","date_time":"\#(time)","version":"6.2.5","login_type":100}}}"#.utf8)
            case 2:
                return Data(#"{"event":"user.updated","event_ts":\#(ts),"payload":{"account_id":"bench-account","operator":"admin@example.com","operator_id":"a","object":{"id":"u\#(i % 5000)","type":2},"old_object":{"id":"u\#(i % 5000)","type":1},"time_stamp":\#(ts)}}"#.utf8)
            default:
                return Data(#"{"event":"account.settings_updated","event_ts":\#(ts),"payload":{"account_id":"bench-account","operator":"admin@example.com","operator_id":"a","object":{"id":"bench-account","settings":{"in_meeting":{"chat":\#(i % 8 == 3)}}},"old_object":{"id":"bench-account","settings":{"in_meeting":{"chat":\#(i % 8 != 3)}}},"time_stamp":\#(ts)}}"#.utf8)
            }
        }
        let next = Counter()
        let start = ContinuousClock.now
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var mine: [Double] = []
                    while let i = next.take(below: bodies.count) {
                        let timestamp = String(Int(Date().timeIntervalSince1970))
                        var request = HTTPClientRequest(url: url)
                        request.method = .POST
                        request.headers.add(name: "Content-Type", value: "application/json")
                        request.headers.add(name: "x-zm-request-timestamp", value: timestamp)
                        request.headers.add(name: "x-zm-signature", value: ZoomWebhookSignature.signature(secret: secret, timestamp: timestamp, body: bodies[i]))
                        request.body = .bytes(ByteBuffer(bytes: bodies[i]))
                        let t0 = ContinuousClock.now
                        let response = try await http.execute(request, timeout: .seconds(30))
                        _ = try await response.body.collect(upTo: 1 << 16)
                        guard response.status.code == 204 else { throw CommandError("event \(i) answered \(response.status.code)") }
                        mine.append((ContinuousClock.now - t0).seconds)
                    }
                    return mine
                }
            }
            var all: [Double] = []
            for try await part in group { all += part }
            return all.sorted()
        }
        let wall = (ContinuousClock.now - start).seconds
        let stored = try await bench.server.deps.activities.count(connectorID: connector.id)
        await bench.stop()
        try await http.shutdown()
        say("sspm bench webhooks: \(events) signed events, \(concurrency) in flight, database \(databaseUrl == nil ? "SQLite" : "PostgreSQL"), load generator in the same process")
        say("")
        say("| events | stored | wall (s) | events/s | p50 (ms) | p99 (ms) | max (ms) |")
        say("|---:|---:|---:|---:|---:|---:|---:|")
        say("| \(events) | \(stored) | \(String(format: "%.2f", wall)) | \(String(format: "%.0f", Double(events) / wall)) | \(ms(percentile(latencies, 0.5))) | \(ms(percentile(latencies, 0.99))) | \(ms(latencies.last ?? 0)) |")
        if stored != events { throw CommandError("stored \(stored) of \(events) events") }
    }
}

/// Hands out indexes 0..<n to concurrent workers.
final class Counter: Sendable {
    private let value = Mutex(0)
    func take(below n: Int) -> Int? {
        value.withLock { v in
            guard v < n else { return nil }
            defer { v += 1 }
            return v
        }
    }
}

struct BenchActivitiesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "activities",
        abstract: "Activity-log queries through the REST API over a large stored log: p50/p95 per query shape.")

    @Option(help: "Activities to store first.") var events: Int = 1_000_000
    @Option(help: "Runs of each query shape.") var runs: Int = 100
    @Option(help: "Database (default: SQLite in a temporary directory).") var databaseUrl: String?
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        var logger = try logging.makeLogger("sspm.bench")
        if logging.logLevel == "info" { logger.logLevel = .warning }
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let bench = try await BenchServer.start(database: databaseUrl, scheduler: false, http: http, logger: logger)
        let client = "bench-client-\(UUID().uuidString.prefix(8))"
        let connector = ConnectorRecord(provider: ZoomProvider.kind, name: "Bench", settings: ["account_id": "bench-account", "client_id": .string(client), "plan": "pro"],
                                        uniqueKey: client, status: "connected")
        try await bench.server.deps.connectors.create(connector, credentials: ConnectorCredentials(["client_secret": "unused"]))

        // 30 days of a 5,000-user account: sign-ins and admin operations.
        let now = Date()
        let iso = ISO8601DateFormatter()
        let loadStart = ContinuousClock.now
        var generator = SystemRandomNumberGenerator()
        let batch = 5000
        for offset in stride(from: 0, to: events, by: batch) {
            var records: [ActivityEvent] = []
            records.reserveCapacity(batch)
            for i in offset..<min(offset + batch, events) {
                let time = now.addingTimeInterval(-Double(UInt64.random(in: 0..<(30 * 86_400_000), using: &generator)) / 1000)
                let user = "user\(i % 5000)@contoso.example.com"
                // Rows as Zoom's reports send them, mapped by the provider as the sync maps them.
                var event: ActivityEvent
                if i % 10 < 8 {
                    event = ZoomActivityMapping.signIn([
                        "email": .string(user), "time": .string(iso.string(from: time)), "type": i % 2 == 0 ? "Sign in" : "Sign out",
                        "ip_address": .string("203.0.\(i % 7).\(i % 250)"), "client_type": "Browser", "version": "6.2.5.57813", "n": .int(Int64(i))])
                } else {
                    event = ZoomActivityMapping.operation([
                        "time": .string(iso.string(from: time)), "operator": .string(user), "category_type": "user", "action": "Update",
                        "operation_detail": .string("Update User - someone\(i)@contoso.example.com: User Type from Basic to Licensed")])
                }
                event.connectorID = connector.id
                records.append(event)
            }
            try await bench.server.deps.activities.insert(records, mappingVersion: ZoomActivityMapping.version)
        }
        let load = (ContinuousClock.now - loadStart).seconds
        let stored = try await bench.server.deps.activities.count(connectorID: connector.id)

        let path = "/api/v1/connectors/\(connector.id)/activities"
        let day = ISO8601DateFormatter().string(from: now.addingTimeInterval(-3 * 86_400))
        let dayEnd = ISO8601DateFormatter().string(from: now.addingTimeInterval(-2 * 86_400))
        let shapes: [(String, (Int) -> String)] = [
            ("newest 100", { _ in "\(path)?limit=100" }),
            ("by user", { i in "\(path)?user=user\(i * 37 % 5000)@contoso.example.com&limit=100" }),
            ("by IP", { i in "\(path)?ip=203.0.\(i % 7).\(i % 250)&limit=100" }),
            ("type=operation", { _ in "\(path)?type=operation&limit=100" }),
            ("one day", { _ in "\(path)?from=\(day)&to=\(dayEnd)&limit=100" }),
            ("user + 7 days", { i in "\(path)?user=user\(i * 53 % 5000)@contoso.example.com&from=\(ISO8601DateFormatter().string(from: now.addingTimeInterval(-7 * 86_400)))&limit=100" }),
            ("CSV export 1000", { i in "\(path)?format=csv&limit=1000&user=user\(i % 5000)@contoso.example.com" }),
        ]
        var rows: [(String, [Double])] = []
        var everything: [Double] = []
        for (name, make) in shapes {
            var times: [Double] = []
            for i in 0..<runs {
                let t0 = ContinuousClock.now
                let reply = try await bench.api.send("GET", make(i))
                guard reply.status == 200 else { throw CommandError("\(name): \(reply.errorMessage)") }
                times.append((ContinuousClock.now - t0).seconds)
            }
            times.sort()
            rows.append((name, times))
            everything += times
        }
        // Deep pagination: follow the cursor 50 pages from the newest.
        var cursor: String?
        var pageTimes: [Double] = []
        for _ in 0..<50 {
            let t0 = ContinuousClock.now
            let reply = try await bench.api.send("GET", "\(path)?limit=100" + (cursor.map { "&cursor=\($0)" } ?? ""))
            pageTimes.append((ContinuousClock.now - t0).seconds)
            cursor = reply.json["nextCursor"]?.stringValue
        }
        pageTimes.sort()
        rows.append(("cursor pages 1-50", pageTimes))
        everything += pageTimes
        everything.sort()
        await bench.stop()
        try await http.shutdown()

        say("sspm bench activities: \(stored) stored events (30 days, 5,000 users), loaded in \(String(format: "%.1f", load)) s; \(runs) runs per query over loopback HTTP, database \(databaseUrl == nil ? "SQLite" : "PostgreSQL")")
        say("")
        say("| query | p50 (ms) | p95 (ms) | max (ms) |")
        say("|---|---:|---:|---:|")
        for (name, times) in rows {
            say("| \(name) | \(ms(percentile(times, 0.5))) | \(ms(percentile(times, 0.95))) | \(ms(times.last ?? 0)) |")
        }
        say("| **all** | \(ms(percentile(everything, 0.5))) | **\(ms(percentile(everything, 0.95)))** | \(ms(everything.last ?? 0)) |")
    }
}
