import Foundation
import Logging
import GraphSimulator
import SSPMCore
import Testing
import ZoomSimulator

/// A Zoom connector paired with a Microsoft 365 connector, end to end through the API: both
/// simulators on loopback, the pairing's rules, a paired sync that reads the directory beside Zoom,
/// the cross-checks on real data, the inventory's directory standing, and what happens when the
/// directory connector is disconnected, unpaired or deleted.
@Suite struct PairingTests {
    static func m365Body(_ graph: GraphTenant, _ sim: RunningGraphSimulator, name: String = "Acme Microsoft 365") -> JSONValue {
        ["provider": "m365", "name": .string(name), "tenantId": .string(graph.tenantID), "clientId": .string(graph.credentials.clientID),
         "clientSecret": .string(graph.credentials.clientSecret), "loginUrl": .string(sim.baseURL), "graphUrl": .string(sim.baseURL)]
    }

    static func verdict(_ f: ServerFixture, _ id: String, _ control: String) async throws -> (verdict: String, detail: String, affected: [String]) {
        let reply = try await f.send("GET", "/api/v1/connectors/\(id)/recommendations/\(control)")
        let finding = reply.json["finding"]
        return (finding?["verdict"]?.stringValue ?? "?", finding?["detail"]?.stringValue ?? "",
                finding?["affectedUsers"]?.arrayValue?.compactMap { $0["email"]?.stringValue } ?? [])
    }

    @Test("pairing: rules (only Zoom reads, only Microsoft 365 provides; 404, 400, 403), a paired sync reads both, the checks and the inventory follow; disconnect, unpair and delete")
    func pairing() async throws {
        let tenant = TenantGenerator(users: 120, groups: 3, days: 2, seed: 23).generate()
        let graph = tenant.pairedGraphTenant(seed: 23)
        let graphSim = try await RunningGraphSimulator.start(tenant: graph, logger: GraphSimulatorTestLogger.logger)
        defer { Task { await graphSim.stop() } }
        try await ServerFixture.with(tenant, stores: .sql(.sqlite)) { f in
            let zoom = try await f.createConnector()
            let created = try await f.send("POST", "/api/v1/connectors", json: Self.m365Body(graph, graphSim))
            #expect(created.status == 201, "\(created.text)")
            #expect(created.json["validation"]?["status"]?.stringValue == "connected")
            #expect(created.json["connector"]?["tenantId"]?.stringValue == graph.tenantID)
            #expect(!created.text.contains(graph.credentials.clientSecret))
            let m365 = try #require(created.json["connector"]?["id"]?.stringValue)
            // The same tenant and app again, the tenant named by its domain this time: the same connector.
            var byDomain = Self.m365Body(graph, graphSim, name: "Same tenant")
            byDomain["tenantId"] = .string(try #require(graph.tenantDomain))
            let twice = try await f.send("POST", "/api/v1/connectors", json: byDomain)
            #expect(twice.status == 409 && twice.errorCode == "duplicate_app_registration" && twice.json["error"]?["fix"] != nil, "\(twice.text)")
            try await f.waitForSync(zoom)
            try await f.waitForSync(m365)
            let directoryView = try await f.send("GET", "/api/v1/connectors/\(m365)").json
            #expect(directoryView["score"] == nil && directoryView["status"]?.stringValue == "connected", "a connector without controls has no score: \(directoryView)")
            #expect(directoryView["webhookUrlPath"] == nil, "a provider that takes no webhooks shows no endpoint: \(directoryView)")
            #expect(try await f.send("GET", "/api/v1/connectors/\(m365)/scans").json["items"]?.arrayValue?.isEmpty == true, "no empty scan is stored for it")
            // It has no webhook endpoint: its id is as unknown there as a made-up one (nothing says it exists).
            let toDirectory = try await f.send("POST", "/webhooks/m365/\(m365)", json: ["event": "x"])
            let toNothing = try await f.send("POST", "/webhooks/m365/00000000-0000-4000-8000-000000000000", json: ["event": "x"])
            #expect(toDirectory.status == 404 && toDirectory.errorCode == "unknown_connector", "\(toDirectory.text)")
            #expect(toNothing.status == 404 && toNothing.errorCode == "unknown_connector")
            #expect(try await f.send("GET", "/api/v1/connectors/\(m365)/progress").json["recentRuns"]?.arrayValue?.first?["stats"]?["posture"]?.boolValue == true,
                    "its posture interval still counts as run (nothing to read), so the job is not due again at once")
            #expect(try await f.send("GET", "/api/v1/connectors/\(zoom)").json["webhookUrlPath"]?.stringValue == "/webhooks/zoom/\(zoom)")
            #expect(try await Self.verdict(f, zoom, "ZMS-04").verdict == "not_applicable")

            // The rules.
            let wrongSide = try await f.send("PUT", "/api/v1/connectors/\(m365)/pairing", json: ["connectorId": .string(zoom)])
            #expect(wrongSide.status == 422 && wrongSide.errorCode == "not_pairable", "\(wrongSide.text)")
            let notADirectory = try await f.send("PUT", "/api/v1/connectors/\(zoom)/pairing", json: ["connectorId": .string(zoom)])
            #expect(notADirectory.status == 422 && notADirectory.errorCode == "not_pairable")
            let missing = try await f.send("PUT", "/api/v1/connectors/\(zoom)/pairing", json: ["connectorId": "no-such-connector"])
            #expect(missing.status == 404)
            #expect(missing.text.contains("to pair with"), "the 404 says which id is missing: \(missing.text)")
            let noBody = try await f.send("PUT", "/api/v1/connectors/\(zoom)/pairing", json: ["directory": .string(m365)])
            #expect(noBody.status == 400)
            // Refusals in words a client can act on, never the decoder's.
            let longID = try await f.send("PUT", "/api/v1/connectors/\(zoom)/pairing", json: ["connectorId": .string(String(repeating: "x", count: 101))])
            #expect(longID.status == 400 && longID.text.contains("connectorId is longer than 100"), "\(longID.text)")
            let null = try await f.send("PUT", "/api/v1/connectors/\(zoom)/pairing", json: ["connectorId": .null])
            #expect(null.status == 400 && null.text.contains("'connectorId' is null") && !null.text.contains("Cannot get"), "\(null.text)")
            let number = try await f.send("PUT", "/api/v1/connectors/\(zoom)/pairing", json: ["connectorId": 5])
            #expect(number.status == 400 && number.text.contains("'connectorId' must be a string"), "\(number.text)")
            let array = try await f.send("PUT", "/api/v1/connectors/\(zoom)/pairing", json: [1, 2])
            #expect(array.status == 400 && array.text.contains("must be a JSON object") && !array.text.contains("Dictionary"), "\(array.text)")
            let hugeID = String(repeating: "z", count: 60_000)
            let unknownPath = try await f.send("GET", "/api/v1/connectors/\(hugeID)")
            #expect(unknownPath.status == 404 && unknownPath.text.count < 1_000, "an id in the path is echoed cut short: \(unknownPath.text.count) characters")
            let viewer = try await ServerFixture.makeToken(http: f.http, base: f.base, role: "viewer")
            let forbidden = try await f.send("PUT", "/api/v1/connectors/\(zoom)/pairing", json: ["connectorId": .string(m365)], token: .some(viewer))
            #expect(forbidden.status == 403)
            #expect(try await f.send("GET", "/api/v1/connectors/\(zoom)").json["pairedWith"]?.arrayValue?.isEmpty == true)

            // Paired: a posture sync is queued and reads the directory beside Zoom.
            let paired = try await f.send("PUT", "/api/v1/connectors/\(zoom)/pairing", json: ["connectorId": .string(m365)])
            #expect(paired.status == 200)
            #expect(paired.json["pairedWith"]?.arrayValue?.first?["id"]?.stringValue == m365)
            #expect(try await f.send("GET", "/api/v1/connectors/\(m365)").json["pairedWith"]?.arrayValue?.first?["id"]?.stringValue == zoom)
            let progress = try await f.waitForSync(zoom, runsAtLeast: 2)
            let run = try #require(progress["recentRuns"]?.arrayValue?.first)
            #expect(run["outcome"]?.stringValue == "ok")
            #expect((run["stats"]?["byOperation"]?["m365 GET /users"]?.intValue ?? 0) >= 1, "\(run)")

            // What the directory holds, counted from the Graph tenant by hand.
            let users = graph.users
            func account(_ email: String) -> JSONValue? {
                users.first { $0["userPrincipalName"]?.stringValue?.lowercased() == email }
                    ?? users.first { ($0["proxyAddresses"]?.arrayValue ?? []).contains { $0.stringValue?.lowercased().hasSuffix(":" + email) == true } }
            }
            let zoomUsers = tenant.users.filter { $0["status"]?.stringValue == "active" && $0["type"]?.intValue != 1 }
            let leavers = Set(zoomUsers.compactMap { $0["email"]?.stringValue?.lowercased() }.filter { email in
                guard let a = account(email) else { return true }
                return a["accountEnabled"]?.boolValue == false
            })
            #expect(!leavers.isEmpty, "the generated pair has no leaver to find")
            let zms04 = try await Self.verdict(f, zoom, "ZMS-04")
            #expect(zms04.verdict == "fail")
            #expect(Set(zms04.affected.map { $0.lowercased() }) == leavers)
            #expect(try await Self.verdict(f, zoom, "ZMS-03").verdict == "manual")
            // The generated pair: Zoom's second domain is pending, so every verified one is in Microsoft 365.
            #expect(try await Self.verdict(f, zoom, "ZMS-01").verdict == "pass")

            // The inventory says where each user stands.
            let inventory = try await f.send("GET", "/api/v1/connectors/\(zoom)/users?limit=1000").json["items"]?.arrayValue ?? []
            #expect(inventory.count == tenant.users.count)
            for user in inventory {
                let email = user["email"]?.stringValue?.lowercased() ?? ""
                let expected = account(email).map { $0["accountEnabled"]?.boolValue == true ? "enabled" : "disabled" } ?? "missing"
                #expect(user["directoryStanding"]?.stringValue == expected, "\(email)")
            }

            // A permission taken from the app: the users cannot be read; the checks that need them say
            // which permission, the others still run, and the Zoom connector itself stays connected.
            await graphSim.engine.update { $0.credentials.permissions = ["Domain.Read.All", "Application.Read.All"] }
            #expect(try await f.send("POST", "/api/v1/connectors/\(zoom)/sync").status == 202)
            try await f.waitForSync(zoom, runsAtLeast: 3)
            let noUsers = try await Self.verdict(f, zoom, "ZMS-04")
            #expect(noUsers.verdict == "error" && noUsers.detail.contains("User.Read.All"), "\(noUsers)")
            #expect(try await Self.verdict(f, zoom, "ZMS-01").verdict == "pass")
            #expect(try await f.send("GET", "/api/v1/connectors/\(zoom)").json["status"]?.stringValue == "connected")
            await graphSim.engine.update { $0.credentials.permissions = ["Domain.Read.All", "User.Read.All", "Application.Read.All", "Directory.Read.All"] }

            // The directory connector disconnected: the checks say so instead of "not paired".
            #expect(try await f.send("POST", "/api/v1/connectors/\(m365)/disconnect").status == 200)
            #expect(try await f.send("POST", "/api/v1/connectors/\(zoom)/sync").status == 202)
            try await f.waitForSync(zoom, runsAtLeast: 4)
            let cut = try await Self.verdict(f, zoom, "ZMS-02")
            #expect(cut.verdict == "error" && cut.detail.contains("disconnected"), "\(cut)")
            #expect(try await f.send("GET", "/api/v1/connectors/\(zoom)").json["status"]?.stringValue == "degraded")

            // Unpaired: not applicable again.
            let unpaired = try await f.send("DELETE", "/api/v1/connectors/\(zoom)/pairing")
            #expect(unpaired.status == 200 && unpaired.json["pairedWith"]?.arrayValue?.isEmpty == true)
            try await f.waitForSync(zoom, runsAtLeast: 5)
            #expect(try await Self.verdict(f, zoom, "ZMS-02").verdict == "not_applicable")

            // Paired again with the directory reconnected: the inventory has its standings again.
            func standings() async throws -> Int {
                (try await f.send("GET", "/api/v1/connectors/\(zoom)/users?limit=1000").json["items"]?.arrayValue ?? []).filter { $0["directoryStanding"] != nil }.count
            }
            #expect(try await f.send("POST", "/api/v1/connectors/\(m365)/reconnect").status == 200)
            #expect(try await f.send("PUT", "/api/v1/connectors/\(zoom)/pairing", json: ["connectorId": .string(m365)]).status == 200)
            try await f.waitForSync(zoom, runsAtLeast: 6)
            #expect(try await standings() == tenant.users.count)

            // Unpaired while the Zoom connector is disconnected (no sync will come): the standings go at
            // once, so neither the users page nor detection's directory: groups keep the old directory's.
            #expect(try await f.send("POST", "/api/v1/connectors/\(zoom)/disconnect").status == 200)
            #expect(try await f.send("DELETE", "/api/v1/connectors/\(zoom)/pairing").status == 200)
            #expect(try await standings() == 0, "standings of a directory no longer paired")
            #expect(try await f.send("POST", "/api/v1/connectors/\(zoom)/reconnect").status == 200)
            #expect(try await f.send("PUT", "/api/v1/connectors/\(zoom)/pairing", json: ["connectorId": .string(m365)]).status == 200)
            // The reconnect's sync and the pairing's may be one run or two: wait for the standings.
            try await f.waitForSync(zoom, runsAtLeast: 7)
            let deadline = ContinuousClock.now + .seconds(60)
            while try await standings() != tenant.users.count, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(200)) }
            #expect(try await standings() == tenant.users.count)
            let before = try await f.send("GET", "/api/v1/connectors/\(zoom)/progress?runs=200").json["recentRuns"]?.arrayValue?.count ?? 0

            // Deleting the directory connector deletes the pairing with it: the Zoom connector's audit
            // says so, its standings go, and a posture sync reads it unpaired.
            #expect(try await f.send("DELETE", "/api/v1/connectors/\(m365)").status == 204)
            #expect(try await f.send("GET", "/api/v1/connectors/\(zoom)").json["pairedWith"]?.arrayValue?.isEmpty == true)
            let entries = try await f.deps.auth.auditLog(limit: 50)
            #expect(entries.contains { $0.action == "connector.unpair" && $0.target == zoom && $0.detail?.contains("was deleted") == true }, "\(entries.map(\.action))")
            #expect(entries.contains { $0.action == "connector.pair" })
            try await f.waitForSync(zoom, runsAtLeast: before + 1)
            #expect(try await Self.verdict(f, zoom, "ZMS-02").verdict == "not_applicable")
            #expect(try await standings() == 0)

            // Paired when created: the first sync already reads the directory.
            let again = try await f.send("POST", "/api/v1/connectors", json: Self.m365Body(graph, graphSim, name: "Again"))
            let directory = try #require(again.json["connector"]?["id"]?.stringValue)
            #expect(try await f.send("DELETE", "/api/v1/connectors/\(zoom)").status == 204)
            var body = await f.connectorBody()
            body["pairWith"] = .string(String(repeating: "x", count: 101))
            let long = try await f.send("POST", "/api/v1/connectors", json: body)
            #expect(long.status == 400 && long.text.contains("pairWith"), "\(long.text)")
            body["pairWith"] = "no-such-connector"
            let unknown = try await f.send("POST", "/api/v1/connectors", json: body)
            #expect(unknown.status == 404)
            body["pairWith"] = .string(zoom)
            #expect(try await f.send("POST", "/api/v1/connectors", json: body).status == 404, "the deleted Zoom connector")
            #expect(try await f.send("GET", "/api/v1/connectors").json["items"]?.arrayValue?.count == 1, "a refused create saved something")
            body["pairWith"] = .string(directory)
            let created2 = try await f.send("POST", "/api/v1/connectors", json: body)
            #expect(created2.status == 201 && created2.json["connector"]?["pairedWith"]?.arrayValue?.first?["id"]?.stringValue == directory)
            let zoom2 = try #require(created2.json["connector"]?["id"]?.stringValue)
            let first = try await f.waitForSync(zoom2)
            #expect((first["recentRuns"]?.arrayValue?.first?["stats"]?["byOperation"]?["m365 GET /users"]?.intValue ?? 0) >= 1)
            #expect(try await Self.verdict(f, zoom2, "ZMS-04").verdict == "fail")
        }
    }

    @Test("terminated user activity (ZDT-31): once the paired directory says who left, a Zoom sign-in by a leaver is an alert; one by a colleague with an enabled account is not")
    func terminatedUserActivity() async throws {
        var tenant = TenantGenerator(users: 80, groups: 2, days: 2, seed: 31).generate()
        // A third associated domain, verified at Zoom: the Microsoft 365 tenant made for the account does not verify it.
        let domains = tenant.managedDomains?["domains"]?.arrayValue ?? []
        tenant.managedDomains = ["domains": .array(domains + [["domain": "acme-events.example.com", "status": "verified"]]), "total_records": .int(Int64(domains.count + 1))]
        let graph = tenant.pairedGraphTenant(seed: 31)
        let graphSim = try await RunningGraphSimulator.start(tenant: graph, logger: GraphSimulatorTestLogger.logger)
        defer { Task { await graphSim.stop() } }
        // Standing by address, from the Graph tenant by hand (sign-in name only: enough to pick two people).
        let enabled = Dictionary(graph.users.compactMap { u in u["userPrincipalName"]?.stringValue.map { ($0.lowercased(), u["accountEnabled"]?.boolValue == true) } },
                                 uniquingKeysWith: { a, _ in a })
        let active = tenant.users.filter { $0["status"]?.stringValue == "active" }.compactMap { $0["email"]?.stringValue?.lowercased() }
        let leaver = try #require(active.first { enabled[$0] == false }, "the generated pair has no disabled account active in Zoom")
        let colleague = try #require(active.first { enabled[$0] == true })
        try await ServerFixture.with(tenant) { f in
            let directory = try await f.send("POST", "/api/v1/connectors", json: Self.m365Body(graph, graphSim))
            var body = await f.connectorBody()
            body["pairWith"] = directory.json["connector"]?["id"] ?? .null
            let created = try await f.send("POST", "/api/v1/connectors", json: body)
            let id = try #require(created.json["connector"]?["id"]?.stringValue, "\(created.text)")
            try await f.waitForSync(id)
            await f.deps.detectionFeed.settled()
            let standing = try await f.deps.inventory.latest(connectorID: id)?.users.first { $0.email.lowercased() == leaver }?.directoryStanding
            #expect(standing == .disabled)
            let domainCheck = try await Self.verdict(f, id, "ZMS-01")
            #expect(domainCheck.verdict == "fail" && domainCheck.detail.contains("acme-events.example.com"), "\(domainCheck)")
            #expect(await f.sim.engine.recordSignIn(email: leaver, ipAddress: "198.18.31.1", clientType: "Mac"))
            #expect(await f.sim.engine.recordSignIn(email: colleague, ipAddress: "198.18.31.2", clientType: "Mac"))
            #expect(try await f.send("POST", "/api/v1/connectors/\(id)/sync?posture=false").status == 202)
            try await f.waitForSync(id, runsAtLeast: 2)
            await f.deps.detectionFeed.settled()
            try await DetectionServiceTests.eventually("the leaver's alert") {
                try await DetectionServiceTests.alerts(f, "policyId=ZDT-31&connectorId=\(id)").contains { $0["actor"]?.stringValue?.lowercased() == leaver }
            }
            let alerts = try await DetectionServiceTests.alerts(f, "policyId=ZDT-31&connectorId=\(id)")
            let inventory = try #require(try await f.deps.inventory.latest(connectorID: id)?.users)
            let left = Set(inventory.filter { [.disabled, .missing].contains($0.directoryStanding) }.map { $0.email.lowercased() })
            #expect(alerts.allSatisfy { left.contains($0["actor"]?.stringValue?.lowercased() ?? "") }, "an alert for someone with an enabled account")
            #expect(!alerts.contains { $0["actor"]?.stringValue?.lowercased() == colleague })
        }
    }

    @Test("a Microsoft 365 connector without Application.Read.All is saved as degraded, naming the permission and the Zoom checks it disables (its own catalogue has none)")
    func validationNamesTheChecks() async throws {
        let tenant = TenantGenerator(users: 20, groups: 1, days: 1, seed: 32).generate()
        var graph = tenant.pairedGraphTenant(seed: 32)
        graph.credentials.permissions = ["Domain.Read.All", "User.Read.All"]
        let graphSim = try await RunningGraphSimulator.start(tenant: graph, logger: GraphSimulatorTestLogger.logger)
        defer { Task { await graphSim.stop() } }
        try await ServerFixture.with(tenant) { f in
            let created = try await f.send("POST", "/api/v1/connectors", json: Self.m365Body(graph, graphSim))
            #expect(created.status == 201, "\(created.text)")
            let validation = created.json["validation"]
            #expect(validation?["status"]?.stringValue == "degraded")
            let disabled = validation?["disabledControls"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(disabled == ["ZMS-03"], "\(disabled)")
            #expect(validation?["fix"]?.stringValue?.contains("Application.Read.All") == true)
        }
    }
}

enum GraphSimulatorTestLogger {
    static let logger: Logger = {
        var logger = Logger(label: "graph-sim")
        logger.logLevel = .warning
        return logger
    }()
}
