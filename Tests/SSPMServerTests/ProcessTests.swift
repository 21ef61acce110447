import AsyncHTTPClient
import Crypto
import Foundation
import SSPMCore
import SSPMProvider
import ZoomProvider
import SSPMStorage
import SSPMTestSupport
import Testing
import ZoomAPI
import ZoomSimulator

/// A real `sspm serve` process (the built binary), as an operator runs it.
final class ServeProcess: @unchecked Sendable {
    // @unchecked: `process` and `output` are set in init and only read afterwards; Process itself is
    // thread-safe for terminate/kill and isRunning.
    let process = Process()
    let output: URL
    let port: Int
    let name: String

    static var binary: URL { BuiltBinary.sspm }

    init(name: String, database: DatabaseLocation, dataDir: String, masterKey: String, extra: [String] = []) async throws {
        self.name = name
        output = FileManager.default.temporaryDirectory.appendingPathComponent("sspm-proc-\(name)-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        let handle = try FileHandle(forWritingTo: output)
        let databaseArgument: String
        switch database {
        case .sqlite(let path): databaseArgument = path
        case .postgres(let url): databaseArgument = url
        }
        process.executableURL = Self.binary
        process.arguments = ["serve", "--port", "0", "--database-url", databaseArgument, "--data-dir", dataDir, "--instance-id", name,
                             "--lease-seconds", "5", "--log-level", "warning"] + extra
        process.environment = ProcessInfo.processInfo.environment.merging([
            "SSPM_MASTER_KEY": masterKey, "SSPM_ADMIN_EMAIL": ServerFixture.adminEmail, "SSPM_ADMIN_PASSWORD": ServerFixture.adminPassword,
        ]) { $1 }
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        // The port is in the "listening" line.
        let deadline = ContinuousClock.now + .seconds(60)
        var found: Int?
        while found == nil, ContinuousClock.now < deadline, process.isRunning {
            let text = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
            if let range = text.range(of: #"listening on http://127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                found = Int(text[range].split(separator: ":").last!)
            } else {
                try await Task.sleep(for: .milliseconds(50))
            }
        }
        guard let found else {
            throw HTTPError(description: "\(name) did not start: \((try? String(contentsOf: output, encoding: .utf8)) ?? "")")
        }
        port = found
    }

    var base: String { "http://127.0.0.1:\(port)" }
    var log: String { (try? String(contentsOf: output, encoding: .utf8)) ?? "" }

    func kill9() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }

    static func newMasterKey() -> String { SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() } }
}

struct Remote: Sendable {
    let http: HTTPClient
    let base: String
    let token: String

    static func connect(_ process: ServeProcess, http: HTTPClient) async throws -> Remote {
        Remote(http: http, base: process.base, token: try await ServerFixture.makeToken(http: http, base: process.base, role: "admin"))
    }

    func send(_ method: String, _ path: String, json: JSONValue? = nil) async throws -> Reply {
        try await ServerFixture.send(http: http, base: base, method, path, json: json, headers: [("Authorization", "Bearer \(token)")])
    }

    func create(_ sim: RunningSimulator, name: String) async throws -> String {
        let c = await sim.credentials()
        let reply = try await send("POST", "/api/v1/connectors", json: [
            "name": .string(name), "accountId": .string(c.accountID), "clientId": .string(c.clientID), "clientSecret": .string(c.clientSecret.value),
            "apiUrl": .string(sim.apiURL), "tokenUrl": .string(sim.tokenURL),
        ])
        guard reply.status == 201, let id = reply.json["connector"]?["id"]?.stringValue else { throw HTTPError(description: "create: \(reply.text)") }
        return id
    }

    func progress(_ id: String) async throws -> JSONValue { try await send("GET", "/api/v1/connectors/\(id)/progress?runs=50").json }

    /// Waits for `condition` on the progress document.
    @discardableResult
    func wait(_ id: String, timeout: Duration = .seconds(120), until condition: (JSONValue) -> Bool) async throws -> JSONValue {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let p = try await progress(id)
            if condition(p) { return p }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw HTTPError(description: "timed out waiting on \(id): \(try await progress(id))")
    }
}

@Suite(.serialized)
struct ProcessTests {
    @Test("kill -9 in the middle of the 7-day backfill, restart: the sync resumes and stores exactly the expected activities (none lost, none doubled)")
    func killDuringBackfill() async throws {
        let tenant = TenantGenerator(users: 600, groups: 3, days: 8, seed: 61).generate()
        let expected = ServerFixture.expectedActivities(tenant)
        try await SimulatorFixture.with(tenant) { f in
            // Hold the sync in the middle of the backfill: sign-ins are fetched and stored, the operation log request hangs.
            _ = try await f.raw("POST", "/_sim/faults", body: Data(#"{"latency_ms": 20, "stall_path": "/report/operationlogs*page_size=300"}"#.utf8))
            let key = ServeProcess.newMasterKey()
            let dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("sspm-kill-\(UUID().uuidString)").path
            let database = DatabaseLocation.sqlite(path: dataDir + "/sspm.sqlite")
            let first = try await ServeProcess(name: "first", database: database, dataDir: dataDir, masterKey: key)
            let remote = try await Remote.connect(first, http: f.http)
            let id = try await remote.create(f.simulator, name: "Acme")
            // Sign-ins stored, operation log still in flight (stalled).
            let deadline = ContinuousClock.now + .seconds(60)
            while try await Self.count(database, id) == 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
            #expect(try await remote.progress(id)["progress"]?["phase"]?.stringValue == "reading")
            first.kill9()
            let countAtKill = try await Self.count(database, id)
            #expect(countAtKill > 0 && countAtKill < expected)  // really mid-backfill: sign-ins stored, operations not
            _ = try await f.raw("DELETE", "/_sim/faults")

            let second = try await ServeProcess(name: "second", database: database, dataDir: dataDir, masterKey: key)
            defer { second.stop() }
            let remote2 = try await Remote.connect(second, http: f.http)
            let done = try await remote2.wait(id) { p in
                (p["recentRuns"]?.arrayValue ?? []).contains { $0["owner"]?.stringValue == "second" && $0["outcome"]?.stringValue == "ok" }
            }
            #expect(try await Self.count(database, id) == expected)
            let runs = done["recentRuns"]!.arrayValue!
            #expect(runs.contains { $0["owner"]?.stringValue == "first" && $0["finishedAt"] == nil })  // the killed run, never finished
        }
    }

    @Test("two sspm serve processes on one PostgreSQL share the syncs with leases; when one is killed, the other takes over its connector")
    func twoProcessesSharePostgres() async throws {
        guard Backend.postgresURL != nil else {
            print("ProcessTests: SSPM_TEST_POSTGRES_URL is not set, so the two-process PostgreSQL test is skipped (bash .ci/run sets it).")
            return
        }
        let tenants = (0..<4).map { TenantGenerator(users: 150, groups: 2, days: 3, seed: 70 + UInt64($0)).generate() }
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let logger = LogCapture().logger(label: "sims")
        var sims: [RunningSimulator] = []
        for tenant in tenants { sims.append(try await RunningSimulator.start(tenant: tenant, http: http, logger: logger)) }
        let database = try await Backend.postgres.freshLocation()
        let key = ServeProcess.newMasterKey()
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sspm-pg-\(UUID().uuidString)").path
        let p1 = try await ServeProcess(name: "p1", database: database, dataDir: dir + "/1", masterKey: key, extra: ["--concurrency", "1"])
        let p2 = try await ServeProcess(name: "p2", database: database, dataDir: dir + "/2", masterKey: key, extra: ["--concurrency", "1"])
        do {
            for sim in sims { await sim.server.engine.setFaults({ var f = SimulatorFaults(); f.latencyMilliseconds = 40; return f }()) }
            let r1 = try await Remote.connect(p1, http: http)
            var ids: [String] = []
            for (index, sim) in sims.enumerated() { ids.append(try await r1.create(sim, name: "Account \(index)")) }
            // Every connector synced once; both processes did some of the work; no connector synced by two at once.
            var owners: Set<String> = []
            for id in ids {
                let p = try await r1.wait(id) { ($0["recentRuns"]?.arrayValue ?? []).contains { $0["outcome"]?.stringValue == "ok" } }
                let runs = p["recentRuns"]!.arrayValue!
                owners.formUnion(runs.compactMap { $0["owner"]?.stringValue })
                #expect(runs.count == 1, "connector \(id) synced \(runs.count) times")
            }
            #expect(owners == ["p1", "p2"], "owners: \(owners)")

            // Take over: ask for syncs, kill p1 while it holds a lease, p2 finishes that connector.
            // Every sync now stalls at the operation log, so p1 still holds the lease it was seen
            // holding when it is killed (a sync that finished in between would leave nothing to take over).
            for sim in sims {
                await sim.server.engine.setFaults({ var f = SimulatorFaults(); f.latencyMilliseconds = 40; f.stallPath = "/report/operationlogs"; return f }())
            }
            for id in ids { _ = try await r1.send("POST", "/api/v1/connectors/\(id)/sync") }
            let r2 = try await Remote.connect(p2, http: http)
            var victim: String?
            let deadline = ContinuousClock.now + .seconds(60)
            while victim == nil, ContinuousClock.now < deadline {
                for id in ids where try await r2.progress(id)["leasedBy"]?.stringValue == "p1" { victim = id }
                if victim == nil { try await Task.sleep(for: .milliseconds(20)) }
            }
            let id = try #require(victim)
            p1.kill9()
            for sim in sims { await sim.server.engine.setFaults({ var f = SimulatorFaults(); f.latencyMilliseconds = 40; return f }()) }
            try await r2.wait(id) { p in
                (p["recentRuns"]?.arrayValue ?? []).filter { $0["outcome"]?.stringValue == "ok" }.count >= 2
                    && (p["recentRuns"]?.arrayValue?.first?["owner"]?.stringValue == "p2")
            }
            let runs = try await r2.progress(id)["recentRuns"]!.arrayValue!
            #expect(runs.contains { $0["owner"]?.stringValue == "p1" && $0["finishedAt"] == nil })
        } catch {
            p1.kill9()
            p2.stop()
            for sim in sims { await sim.stop() }
            try? await http.shutdown()
            throw error
        }
        p1.kill9()
        p2.stop()
        for sim in sims { await sim.stop() }
        try await http.shutdown()
    }

    @Test("kill -9 while a receiver holds a notification: after the restart it is sent again with the same webhook-id; one the receiver answered 2xx before is never sent again")
    func killMidDelivery() async throws {
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let receiver = try await WebhookReceiver.start(secret: "unused", logger: LogCapture().logger(label: "receiver"))
        let key = ServeProcess.newMasterKey()
        let dataDir = FileManager.default.temporaryDirectory.appendingPathComponent("sspm-outbox-\(UUID().uuidString)").path
        let database = DatabaseLocation.sqlite(path: dataDir + "/sspm.sqlite")
        let lease = ["--notification-lease-seconds", "5", "--notification-timeout", "2"]
        var processes: [ServeProcess] = []
        func finish() async {
            for p in processes { p.kill9() }
            receiver.delay(nil)
            await receiver.stop()
            try? await http.shutdown()
        }
        do {
            let first = try await ServeProcess(name: "first", database: database, dataDir: dataDir, masterKey: key, extra: lease)
            processes.append(first)
            let remote = try await Remote.connect(first, http: http)
            let created = try await remote.send("POST", "/api/v1/channels", json: ["name": "SIEM", "kind": "webhook", "url": .string(receiver.url)])
            let channel = try #require(created.json["id"]?.stringValue, "\(created.text)")
            receiver.requireStandardSignature(secret: try #require(created.json["signingSecret"]?.stringValue))
            // One delivered: the receiver answered 200 and the outbox recorded it.
            let one = try #require(try await remote.send("POST", "/api/v1/channels/\(channel)/test").json["id"]?.stringValue)
            _ = try await receiver.wait(for: 1)
            try await Self.eventually { try await remote.send("GET", "/api/v1/channels/\(channel)/deliveries").json["items"]?.arrayValue?
                .contains { $0["id"]?.stringValue == one && $0["state"]?.stringValue == "delivered" } == true }
            // The next one reaches the receiver, which holds its answer; the sender is killed meanwhile.
            receiver.delay(.seconds(8))
            let two = try #require(try await remote.send("POST", "/api/v1/channels/\(channel)/test").json["id"]?.stringValue)
            _ = try await receiver.wait(for: 2)
            first.kill9()
            receiver.delay(nil)

            let second = try await ServeProcess(name: "second", database: database, dataDir: dataDir, masterKey: key, extra: lease)
            processes.append(second)
            let remote2 = try await Remote.connect(second, http: http)
            try await Self.eventually { try await remote2.send("GET", "/api/v1/channels/\(channel)/deliveries").json["items"]?.arrayValue?
                .contains { $0["id"]?.stringValue == two && $0["state"]?.stringValue == "delivered" } == true }
            let ids = receiver.deliveries.compactMap { $0.headers["webhook-id"] }
            #expect(ids.filter { $0 == one }.count == 1, "the delivered one was sent again: \(ids)")
            #expect(ids.filter { $0 == two }.count == 2, "the interrupted one went out again, with its id: \(ids)")
            #expect(receiver.deliveries.allSatisfy { $0.verified == true })
            let log = try await remote2.send("GET", "/api/v1/channels/\(channel)/deliveries").json["items"]?.arrayValue ?? []
            #expect(log.first { $0["id"]?.stringValue == two }?["attempts"]?.intValue == 2)
        } catch {
            for p in processes { print("\(p.name) log:\n\(p.log.suffix(3000))") }
            await finish()
            throw error
        }
        await finish()
    }

    static func eventually(timeout: Duration = .seconds(60), _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw HTTPError(description: "timed out")
    }

    static func count(_ database: DatabaseLocation, _ id: String) async throws -> Int {
        let storage = try SQLStorage(database, logger: LogCapture().logger(label: "count"))
        let n = try await SQLActivityStore(storage: storage).count(connectorID: id)
        try await storage.shutdown()
        return n
    }
}
