import AsyncHTTPClient
import Foundation
import SSPMProviders
import Logging
import NIOCore
import SSPMCore
import SSPMProvider
import ZoomProvider
import SSPMServer
import SSPMStorage
import SSPMTestSupport
import Testing
import ZoomAPI
import ZoomSimulator

struct HTTPError: Error, CustomStringConvertible { let description: String }

/// One HTTP answer from the server.
struct Reply: Sendable {
    var status: Int
    var headers: [(String, String)]
    var body: Data
    var json: JSONValue { (try? JSONDecoder().decode(JSONValue.self, from: body)) ?? .null }
    var text: String { String(decoding: body, as: UTF8.self) }
    var errorCode: String? { json["error"]?["code"]?.stringValue }
}

/// A real `sspm` server (in this process, on loopback) with an admin and an API token, and — unless
/// the test needs no Zoom (`withoutZoom`) — a simulated Zoom account.
struct ServerFixture: Sendable {
    let simulator: SimulatorFixture?
    let server: RunningServer
    let adminToken: String
    let http: HTTPClient
    /// Everything the server (and the simulator, when there is one) logged.
    let logs: LogCapture

    static let adminEmail = "admin@example.com"
    static let adminPassword = "correct-horse-battery-staple"

    /// The simulated Zoom account (a test started `withoutZoom` has none).
    var sim: SimulatorFixture {
        guard let simulator else { preconditionFailure("this test was started withoutZoom: it has no simulated account") }
        return simulator
    }
    var base: String { server.baseURL }
    var deps: ServerDependencies { server.deps }

    static func configuration(_ location: DatabaseLocation) -> ServerConfiguration {
        var c = ServerConfiguration(database: location, dataDirectory: FileManager.default.temporaryDirectory.appendingPathComponent("sspm-srv-\(UUID().uuidString)").path,
                                    providers: StandardProviders.registry())
        c.port = 0
        c.pollInterval = 0.1
        c.leaseDuration = 10
        c.bcryptCost = 6
        c.providers = StandardProviders.registry(zoom: ZoomClientConfiguration(requestTimeout: .seconds(10), transientBackoff: .milliseconds(20), rateLimitBackoff: .milliseconds(50)))
        return c
    }

    /// `stores`: in memory unless a test is about storage itself (the end-to-end suites —
    /// lifecycle, processes, browser, upgrades — and anything that reads a database file run on
    /// SQLite or PostgreSQL).
    static func with<T: Sendable>(
        _ tenant: Tenant, stores: StoreBackend = .memory, simulator options: ZoomSimulatorOptions = .init(),
        configure: (inout ServerConfiguration) -> Void = { _ in }, now: @escaping @Sendable () -> Date = { Date() },
        createAdmin: Bool = true, _ body: (ServerFixture) async throws -> T
    ) async throws -> T {
        try await SimulatorFixture.with(tenant, options: options) { sim in
            try await run(simulator: sim, http: sim.http, logs: sim.logs, stores: stores, configure: configure, now: now, createAdmin: createAdmin, body)
        }
    }

    /// A server on in-memory stores with no simulated Zoom, for what needs neither: sign-in, routes,
    /// headers, limits, the audit log.
    static func withoutZoom<T: Sendable>(
        configure: (inout ServerConfiguration) -> Void = { _ in }, now: @escaping @Sendable () -> Date = { Date() },
        createAdmin: Bool = true, _ body: (ServerFixture) async throws -> T
    ) async throws -> T {
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            let result = try await run(simulator: nil, http: http, logs: LogCapture(), stores: .memory, configure: configure, now: now, createAdmin: createAdmin, body)
            try await http.shutdown()
            return result
        } catch {
            try? await http.shutdown()
            throw error
        }
    }

    private static func run<T: Sendable>(
        simulator: SimulatorFixture?, http: HTTPClient, logs: LogCapture, stores: StoreBackend, configure: (inout ServerConfiguration) -> Void,
        now: @escaping @Sendable () -> Date, createAdmin: Bool, _ body: (ServerFixture) async throws -> T
    ) async throws -> T {
        let logger = logs.logger(label: "server")
        let server: RunningServer
        switch stores {
        case .sql(let backend):
            var configuration = configuration(try await backend.freshLocation())
            configure(&configuration)
            server = try await RunningServer.start(configuration, http: http, logger: logger, now: now)
        case .memory:
            var configuration = configuration(.sqlite(path: "/nonexistent/memory"))
            configure(&configuration)
            let deps = ServerDependencies(configuration: configuration, stores: MemoryDatabase.stores(), http: http, logger: logger, now: now,
                                          locator: try SSPMServerApp.geoLocator(configuration, logger: logger))
            server = try await RunningServer.listen(deps)
        }
        do {
            var token = ""
            if createAdmin {
                #expect(try await SSPMServerApp.createFirstAdmin(server.deps, email: adminEmail, password: adminPassword))
                token = try await Self.makeToken(http: http, base: server.baseURL, role: "admin")
            }
            let fixture = ServerFixture(simulator: simulator, server: server, adminToken: token, http: http, logs: logs)
            let result = try await body(fixture)
            await server.stop()
            return result
        } catch {
            await server.stop()
            // What the server logged, for a failure that CI alone sees.
            let notes = logs.all.filter { $0.hasPrefix("error") || $0.hasPrefix("warning") || $0.hasPrefix("critical") }
            if !notes.isEmpty { print("ServerFixture: the test failed with \(error); the server's last warnings and errors:\n" + notes.suffix(30).map { "  " + $0.prefix(400) }.joined(separator: "\n")) }
            throw error
        }
    }

    /// Logs in (cookie + CSRF) and creates an API token.
    static func makeToken(http: HTTPClient, base: String, role: String, email: String = adminEmail, password: String = adminPassword) async throws -> String {
        let session = try await Session.login(http: http, base: base, email: email, password: password)
        let reply = try await session.send("POST", "/api/v1/tokens", json: ["name": "tests", "role": .string(role)])
        guard reply.status == 201, let secret = reply.json["secret"]?.stringValue else { throw HTTPError(description: "token: \(reply.status) \(reply.text)") }
        return secret
    }

    func send(_ method: String, _ path: String, json: JSONValue? = nil, raw: Data? = nil, token: String?? = .none,
              headers: [(String, String)] = []) async throws -> Reply {
        try await Self.send(http: http, base: base, method, path, json: json, raw: raw, headers: headers + {
            switch token {
            case .none: return [("Authorization", "Bearer \(adminToken)")]
            case .some(.none): return []
            case .some(.some(let value)): return [("Authorization", "Bearer \(value)")]
            }
        }())
    }

    static func send(http: HTTPClient, base: String, _ method: String, _ path: String, json: JSONValue? = nil, raw: Data? = nil,
                     headers: [(String, String)] = []) async throws -> Reply {
        var request = HTTPClientRequest(url: base + path)
        request.method = .init(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(try JSONEncoder().encode(json))
        } else if let raw {
            request.body = .bytes(raw)
        }
        let response = try await http.execute(request, timeout: .seconds(30))
        let buffer = try await response.body.collect(upTo: 64 << 20)
        return Reply(status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, body: Data(buffer: buffer))
    }

    /// The body of POST /api/v1/connectors for the simulated account.
    func connectorBody(name: String = "Acme Zoom", secret: String? = nil, plan: String? = nil) async -> JSONValue {
        let tenant = await sim.engine.currentTenant()
        var body: JSONValue = ["name": .string(name), "accountId": .string(tenant.credentials.accountID), "clientId": .string(tenant.credentials.clientID),
                               "clientSecret": .string(secret ?? tenant.credentials.clientSecret),
                               "apiUrl": .string(sim.simulator.apiURL), "tokenUrl": .string(sim.simulator.tokenURL),
                               "plan": .string(plan ?? tenant.plan.rawValue)]
        if let webhook = tenant.credentials.webhookSecretToken { body["webhookSecretToken"] = .string(webhook) }
        return body
    }

    func createConnector() async throws -> String {
        let reply = try await send("POST", "/api/v1/connectors", json: await connectorBody())
        guard reply.status == 201, let id = reply.json["connector"]?["id"]?.stringValue else { throw HTTPError(description: "create: \(reply.status) \(reply.text)") }
        return id
    }

    /// Waits until the connector's latest sync run finished (`after` excludes earlier runs).
    @discardableResult
    func waitForSync(_ id: String, runsAtLeast count: Int = 1, timeout: Duration = .seconds(60)) async throws -> JSONValue {
        let deadline = ContinuousClock.now + timeout
        var last: JSONValue = .null
        while ContinuousClock.now < deadline {
            let reply = try await send("GET", "/api/v1/connectors/\(id)/progress?runs=200")
            last = reply.json
            let runs = reply.json["recentRuns"]?.arrayValue ?? []
            if runs.count >= count, runs.first?["finishedAt"] != nil, reply.json["leasedBy"] == nil { return reply.json }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw HTTPError(description: "sync of \(id) did not finish in \(timeout) (\(count) runs awaited; \(last["recentRuns"]?.arrayValue?.count ?? 0) seen; leasedBy \(last["leasedBy"] ?? .null); paused \(last["paused"] ?? .null))")
    }

    /// Sign-in and operation rows the 7-day backfill must store, counted by hand from the tenant.
    static func expectedActivities(_ tenant: Tenant, now: Date = Date()) -> Int {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let start = calendar.startOfDay(for: now.addingTimeInterval(-7 * 86_400))
        let iso = ISO8601DateFormatter()
        func inWindow(_ rows: [JSONValue]) -> Int { rows.filter { iso.date(from: $0["time"]!.stringValue!)! >= start }.count }
        return inWindow(tenant.activityLogs) + inWindow(tenant.operationLogs)
    }
}

/// A browser-like session: cookie and CSRF token.
struct Session: Sendable {
    let http: HTTPClient
    let base: String
    let cookie: String
    let csrf: String

    static func login(http: HTTPClient, base: String, email: String, password: String) async throws -> Session {
        let reply = try await ServerFixture.send(http: http, base: base, "POST", "/api/v1/auth/login", json: ["email": .string(email), "password": .string(password)])
        guard reply.status == 200, let setCookie = reply.headers.value("set-cookie"), let csrf = reply.json["csrfToken"]?.stringValue else {
            throw HTTPError(description: "login: \(reply.status) \(reply.text)")
        }
        return Session(http: http, base: base, cookie: String(setCookie.split(separator: ";")[0]), csrf: csrf)
    }

    func send(_ method: String, _ path: String, json: JSONValue? = nil, csrf: Bool = true) async throws -> Reply {
        var headers = [("Cookie", cookie)]
        if csrf { headers.append(("X-CSRF-Token", self.csrf)) }
        return try await ServerFixture.send(http: http, base: base, method, path, json: json, headers: headers)
    }
}
