import Foundation
import SSPMCore
import SSPMProvider
import ZoomProvider
import SSPMServer
import SSPMStorage
import SSPMTestSupport
import Testing
import ZoomAPI
import ZoomSimulator

@Suite(.serialized)
struct ConnectorLifecycleTests {
    @Test("create → validated → first sync (posture, inventory, 7-day backfill with the exact count) → connected; score, recommendations, users, activities, scans")
    func firstSync() async throws {
        let tenant = TenantGenerator(users: 150, groups: 4, days: 9, seed: 41).generate()
        try await ServerFixture.with(tenant, stores: .sql(.sqlite)) { f in
            let created = try await f.send("POST", "/api/v1/connectors", json: await f.connectorBody())
            #expect(created.status == 201)
            #expect(created.headers.value("location")?.hasPrefix("/api/v1/connectors/") == true)
            #expect(created.json["validation"]?["status"]?.stringValue == "connected")
            #expect(created.json["connector"]?["webhookSecretTokenSet"]?.boolValue == true)
            #expect(!created.text.contains(tenant.credentials.clientSecret))  // secrets are never returned
            let id = created.json["connector"]!["id"]!.stringValue!

            let progress = try await f.waitForSync(id)
            let run = progress["recentRuns"]!.arrayValue![0]
            #expect(run["outcome"]?.stringValue == "ok")
            #expect(progress["progress"]?["phase"]?.stringValue == "done")
            #expect((progress["progress"]?["requests"]?.intValue ?? 0) > 10)

            let connector = try await f.send("GET", "/api/v1/connectors/\(id)")
            #expect(connector.json["status"]?.stringValue == "connected")
            #expect(connector.json["lastSyncAt"] != nil)
            let events = try await f.send("GET", "/api/v1/connectors/\(id)/events").json["items"]!.arrayValue!
            #expect(events.map { $0["toStatus"]!.stringValue! }.contains("connected"))

            // Activities: exactly the rows in the window, each once.
            let expected = ServerFixture.expectedActivities(tenant)
            #expect(try await f.deps.activities.count(connectorID: id) == expected)
            var seen = 0
            var cursor: String?
            var fingerprints = Set<String>()
            repeat {
                let page = try await f.send("GET", "/api/v1/connectors/\(id)/activities?limit=97" + (cursor.map { "&cursor=\($0)" } ?? ""))
                #expect(page.status == 200)
                let items = page.json["items"]!.arrayValue!
                seen += items.count
                fingerprints.formUnion(items.map { $0["fingerprint"]!.stringValue! })
                cursor = page.json["nextCursor"]?.stringValue
            } while cursor != nil
            #expect(seen == expected && fingerprints.count == expected)

            // Posture.
            let score = try await f.send("GET", "/api/v1/connectors/\(id)/score")
            #expect(score.status == 200)
            let percent = score.json["score"]?["percent"]
            #expect(percent != nil)
            #expect(score.json["frameworks"]?.objectValue?.count == 3)
            let recommendations = try await f.send("GET", "/api/v1/connectors/\(id)/recommendations")
            let items = recommendations.json["items"]!.arrayValue!
            #expect(items.count == ZoomCatalogue.all.count)
            let left = items.map { $0["pointsLeft"]!.doubleValue! }
            #expect(left == left.sorted(by: >))  // sorted by points left
            let bySeverity = try await f.send("GET", "/api/v1/connectors/\(id)/recommendations?sort=severity").json["items"]!.arrayValue!
            let order = ["critical", "high", "medium", "low", "info"]
            let keys = bySeverity.map { (order.firstIndex(of: $0["severity"]!.stringValue!)!, -$0["pointsLeft"]!.doubleValue!) }
            #expect(zip(keys, keys.dropFirst()).allSatisfy { $0 <= $1 })  // most severe first, then most points left
            let users = try await f.send("GET", "/api/v1/connectors/\(id)/users?limit=1000")
            #expect(users.json["total"]?.intValue == Int64(tenant.users.count))
            let scans = try await f.send("GET", "/api/v1/connectors/\(id)/scans").json["items"]!.arrayValue!
            #expect(scans.count == 1)
            let history = try await f.send("GET", "/api/v1/connectors/\(id)/score/history")
            #expect(history.json["daily"]?.arrayValue?.count == 1)
        }
    }

    @Test("bad credentials, unreachable Zoom and a deactivated app are refused with a fix, and nothing is saved")
    func refusedConnections() async throws {
        let tenant = TenantGenerator(users: 20, groups: 1, days: 1, seed: 42).generate()
        try await ServerFixture.with(tenant, stores: .sql(.sqlite)) { f in
            let wrong = try await f.send("POST", "/api/v1/connectors", json: await f.connectorBody(secret: "not-the-secret"))
            #expect(wrong.status == 422)
            #expect(wrong.errorCode == "connection_failed")
            #expect(wrong.json["error"]?["message"]?.stringValue?.contains("Bad credentials") == true)
            #expect(wrong.json["error"]?["fix"]?.stringValue?.contains("Nothing was saved") == true)
            #expect(!wrong.text.contains("not-the-secret"))

            var unreachable = await f.connectorBody()
            unreachable["apiUrl"] = "http://127.0.0.1:9/v2"
            unreachable["tokenUrl"] = "http://127.0.0.1:9/oauth/token"
            let down = try await f.send("POST", "/api/v1/connectors", json: unreachable)
            #expect(down.status == 422)
            #expect(down.json["error"]?["message"]?.stringValue?.contains("cannot be reached") == true)

            _ = try await f.sim.raw("POST", "/_sim/faults", body: Data(#"{"app_deactivated": true}"#.utf8))
            let deactivated = try await f.send("POST", "/api/v1/connectors", json: await f.connectorBody())
            #expect(deactivated.status == 422)
            #expect(deactivated.json["error"]?["message"]?.stringValue?.contains("deactivated") == true)

            let invalid = try await f.send("POST", "/api/v1/connectors", json: ["name": "", "accountId": "a b", "clientId": "x", "clientSecret": "", "plan": "gold"])
            #expect(invalid.status == 422)
            let message = invalid.json["error"]?["message"]?.stringValue ?? ""
            #expect(message.contains("name is empty") && message.contains("clientSecret is empty") && message.contains("plan 'gold'"))

            let malformed = try await f.send("POST", "/api/v1/connectors", raw: Data("{\"name\": \"x\",\n \"accountId\": }".utf8),
                                           headers: [("Content-Type", "application/json")])
            #expect(malformed.status == 400)
            #expect(malformed.json["error"]?["message"]?.stringValue?.contains("line 2") == true)
            let missing = try await f.send("POST", "/api/v1/connectors", json: ["name": "x"])
            #expect(missing.status == 400)
            #expect(missing.json["error"]?["message"]?.stringValue?.contains("'accountId' is missing") == true)

            #expect(try await f.send("GET", "/api/v1/connectors").json["items"]?.arrayValue?.isEmpty == true)
        }
    }

    @Test("a second connector with the same client ID is refused with the Bad-credentials explanation")
    func duplicateClientID() async throws {
        let tenant = TenantGenerator(users: 20, groups: 1, days: 1, seed: 43).generate()
        try await ServerFixture.with(tenant, stores: .sql(.sqlite)) { f in
            _ = try await f.createConnector()
            let second = try await f.send("POST", "/api/v1/connectors", json: await f.connectorBody(name: "Again"))
            #expect(second.status == 409)
            #expect(second.errorCode == "duplicate_client_id")
            #expect(second.json["error"]?["message"]?.stringValue?.contains("Bad credentials") == true)
        }
    }

    @Test("missing scopes: saved as degraded, the scope named with its fix, the controls it disables listed")
    func missingScopes() async throws {
        var tenant = TenantGenerator(users: 30, groups: 2, days: 2, seed: 44).generate()
        tenant.credentials.scopes.removeAll { $0.hasPrefix("report:") }
        try await ServerFixture.with(tenant, stores: .sql(.sqlite)) { f in
            let created = try await f.send("POST", "/api/v1/connectors", json: await f.connectorBody())
            #expect(created.status == 201)
            #expect(created.json["validation"]?["status"]?.stringValue == "degraded")
            #expect(created.json["validation"]?["fix"]?.stringValue?.contains("report:") == true)
            #expect((created.json["validation"]?["disabledControls"]?.arrayValue?.count ?? 0) > 0)
            let id = created.json["connector"]!["id"]!.stringValue!
            try await f.waitForSync(id)
            let connector = try await f.send("GET", "/api/v1/connectors/\(id)")
            #expect(connector.json["status"]?.stringValue == "degraded")
            #expect(connector.json["statusDetail"]?.stringValue?.contains("signin_report: skipped") == true)
            #expect(try await f.deps.activities.count(connectorID: id) == 0)
            #expect(try await f.send("GET", "/api/v1/connectors/\(id)/score").status == 200)  // posture still scored
        }
    }

    @Test("sync under faults: a 429 storm, 5xx answers and revoked tokens still give the exact activity count")
    func syncUnderFaults() async throws {
        let tenant = TenantGenerator(users: 120, groups: 3, days: 8, seed: 45).generate()
        try await ServerFixture.with(tenant, stores: .sql(.sqlite)) { f in
            let id = try await f.createConnector()
            // Well under one request's retry budget (8 after a 429, 4 after a 5xx): whichever request
            // meets them, even a lone report page, gets through, so the count is exact. The spare
            // retries are for the simulator's own per-second limits, which a slow machine's bursts can
            // meet on top of the storm (a stream whose request runs out of retries is skipped until the
            // next sync, and the connector says so).
            _ = try await f.sim.raw("POST", "/_sim/faults", body: Data(#"{"rate_limit_storm": 5, "server_errors": 2, "revoke_tokens": true}"#.utf8))
            let progress = try await f.waitForSync(id)
            let run = progress["recentRuns"]!.arrayValue![0]
            #expect(run["outcome"]?.stringValue == "ok")
            #expect((run["stats"]?["rateLimited"]?.intValue ?? 0) > 0)
            let stored = try await f.deps.activities.count(connectorID: id)
            let expected = ServerFixture.expectedActivities(tenant)
            let connector = try await f.send("GET", "/api/v1/connectors/\(id)").json
            #expect(stored == expected, "stored \(stored), expected \(expected); connector \(connector["status"] ?? .null): \(connector["statusDetail"] ?? .null); run \(run)")
            let metrics = try await f.send("GET", "/metrics", token: .some(nil)).text
            #expect(metrics.contains("sspm_provider_rate_limited_total{") && metrics.contains("provider=\"zoom\"") && metrics.contains("category=\"Medium\""))
        }
    }

    @Test("app deactivated after connecting → error with the fix; reconnect after it is re-activated → connected; disconnect pauses")
    func deactivateReconnectDisconnect() async throws {
        let tenant = TenantGenerator(users: 40, groups: 2, days: 2, seed: 46).generate()
        try await ServerFixture.with(tenant, stores: .sql(.sqlite)) { f in
            let id = try await f.createConnector()
            try await f.waitForSync(id)
            _ = try await f.sim.raw("POST", "/_sim/faults", body: Data(#"{"app_deactivated": true}"#.utf8))
            #expect(try await f.send("POST", "/api/v1/connectors/\(id)/sync").status == 202)
            try await f.waitForSync(id, runsAtLeast: 2)
            let broken = try await f.send("GET", "/api/v1/connectors/\(id)")
            #expect(broken.json["status"]?.stringValue == "error")
            #expect(broken.json["health"]?["headline"]?.stringValue?.contains("deactivated") == true)

            _ = try await f.sim.raw("DELETE", "/_sim/faults")
            let reconnected = try await f.send("POST", "/api/v1/connectors/\(id)/reconnect")
            #expect(reconnected.status == 200)
            #expect(reconnected.json["connector"]?["status"]?.stringValue == "connecting")
            try await f.waitForSync(id, runsAtLeast: 3)
            #expect(try await f.send("GET", "/api/v1/connectors/\(id)").json["status"]?.stringValue == "connected")

            let disconnected = try await f.send("POST", "/api/v1/connectors/\(id)/disconnect")
            #expect(disconnected.json["status"]?.stringValue == "disconnected")
            let refused = try await f.send("POST", "/api/v1/connectors/\(id)/sync")
            #expect(refused.status == 409)
            #expect(refused.json["error"]?["fix"]?.stringValue?.contains("reconnect") == true)
            let statuses = try await f.send("GET", "/api/v1/connectors/\(id)/events").json["items"]!.arrayValue!.map { $0["toStatus"]!.stringValue! }
            #expect(Array(statuses.prefix(4)) == ["disconnected", "connected", "connecting", "error"])

            // A wrong new secret is refused and the stored one kept.
            let wrong = try await f.send("POST", "/api/v1/connectors/\(id)/reconnect", json: ["clientSecret": "wrong"])
            #expect(wrong.status == 422)
            #expect(try await f.deps.connectors.credentials(id: id)?["client_secret"] == tenant.credentials.clientSecret)

            #expect(try await f.send("DELETE", "/api/v1/connectors/\(id)").status == 204)
            #expect(try await f.send("GET", "/api/v1/connectors/\(id)").status == 404)
            #expect(try await f.deps.activities.count(connectorID: id) == 0)
        }
    }

    @Test("control states: accepting a risk needs a rationale and an expiry, costs the points, is recorded, and shows in the detail")
    func controlStates() async throws {
        let tenant = TenantGenerator(users: 40, groups: 2, days: 2, seed: 47).generate()
        try await ServerFixture.with(tenant, stores: .sql(.sqlite)) { f in
            let id = try await f.createConnector()
            try await f.waitForSync(id)
            let failing = try await f.send("GET", "/api/v1/connectors/\(id)/recommendations?verdict=fail&sort=pointsLeft").json["items"]!.arrayValue!
            let control = try #require(failing.first { ($0["maxScore"]?.doubleValue ?? 0) > 0 })["controlId"]!.stringValue!
            let before = try await f.send("GET", "/api/v1/connectors/\(id)/score").json["score"]!["achieved"]!.doubleValue!

            let noExpiry = try await f.send("PUT", "/api/v1/connectors/\(id)/recommendations/\(control)/state", json: ["state": "risk_accepted", "rationale": "Legacy rooms"])
            #expect(noExpiry.status == 400)
            #expect(noExpiry.json["error"]?["message"]?.stringValue?.contains("expiry") == true)
            let unknown = try await f.send("PUT", "/api/v1/connectors/\(id)/recommendations/\(control)/state", json: ["state": "completed"])
            #expect(unknown.status == 400)

            let resolved = try await f.send("PUT", "/api/v1/connectors/\(id)/recommendations/\(control)/state",
                                            json: ["state": "resolved_third_party", "rationale": "Enforced by the IdP"])
            #expect(resolved.status == 200)
            #expect(resolved.json["recommendation"]?["state"]?.stringValue == "resolved_third_party")
            let after = try await f.send("GET", "/api/v1/connectors/\(id)/score").json["score"]!["achieved"]!.doubleValue!
            #expect(after > before)  // third-party resolution earns the points

            let expiry = ISO8601DateFormatter().string(from: Date().addingTimeInterval(30 * 86_400))
            let accepted = try await f.send("PUT", "/api/v1/connectors/\(id)/recommendations/\(control)/state",
                                            json: ["state": "risk_accepted", "rationale": "Legacy rooms", "expiresAt": .string(expiry)])
            #expect(accepted.status == 200)
            #expect(try await f.send("GET", "/api/v1/connectors/\(id)/score").json["score"]!["achieved"]!.doubleValue! == before)
            let detail = try await f.send("GET", "/api/v1/connectors/\(id)/recommendations/\(control)")
            #expect(detail.json["finding"]?["state"]?.stringValue == "risk_accepted")
            #expect(detail.json["stateChanges"]?.arrayValue?.map { $0["toState"]!.stringValue! } == ["risk_accepted", "resolved_third_party"])
            #expect(detail.json["history"]?.arrayValue?.count == 1)
            let filtered = try await f.send("GET", "/api/v1/connectors/\(id)/recommendations?state=risk_accepted").json["items"]!.arrayValue!
            #expect(filtered.map { $0["controlId"]!.stringValue! } == [control])
            let audit = try await f.send("GET", "/api/v1/audit").json["items"]!.arrayValue!
            #expect(audit.contains { $0["action"]?.stringValue == "control.state" && $0["detail"]?.stringValue?.hasPrefix("risk_accepted until") == true })
        }
    }

    @Test("daily limits used up: the connector turns to error with a Rate-limited headline and fix, and recovers when the limits reset")
    func rateLimited() async throws {
        let tenant = TenantGenerator(users: 30, groups: 1, days: 2, seed: 48, plan: .free).generate()
        try await ServerFixture.with(tenant, stores: .sql(.sqlite)) { f in
            let id = try await f.createConnector()
            try await f.waitForSync(id)
            // Free plan: reports are not permitted, so the connector starts degraded.
            let before = try await f.send("GET", "/api/v1/connectors/\(id)").json["status"]?.stringValue
            #expect(before == "degraded")
            for category in ["Light", "Medium", "Heavy"] {
                _ = try await f.sim.raw("POST", "/_sim/exhaust_daily", body: Data(#"{"category": "\#(category)"}"#.utf8))
            }
            let report = try await f.send("POST", "/api/v1/connectors/\(id)/validate")
            #expect(report.json["status"]?.stringValue == "error")
            #expect(report.json["headline"]?.stringValue?.hasPrefix("Rate limited") == true)
            #expect(report.json["fix"]?.stringValue?.contains("Nothing is lost") == true)
            #expect(try await f.send("GET", "/api/v1/connectors/\(id)").json["status"]?.stringValue == "error")
            // The next day (the simulator's clock moves on): the limits reset and the sync succeeds.
            _ = try await f.sim.raw("POST", "/_sim/clock", body: Data(#"{"advance_seconds": 86400}"#.utf8))
            let after = try await f.send("POST", "/api/v1/connectors/\(id)/validate")
            #expect(after.json["status"]?.stringValue == before, "\(after.json["headline"] ?? .null) \(after.json["fix"] ?? .null)")
            #expect(after.json["headline"]?.stringValue?.hasPrefix("Rate limited") == false)
        }
    }

    @Test("activity log: filters by type, user, IP and time; CSV and OCSF exports (Authentication 3002 for sign-ins, Account Change / Entity Management for operations)")
    func activityFiltersAndExports() async throws {
        let tenant = TenantGenerator(users: 80, groups: 2, days: 3, seed: 49).generate()
        try await ServerFixture.with(tenant, stores: .sql(.sqlite)) { f in
            let id = try await f.createConnector()
            try await f.waitForSync(id)
            let path = "/api/v1/connectors/\(id)/activities"
            let iso = ISO8601DateFormatter()
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            let windowStart = calendar.startOfDay(for: Date().addingTimeInterval(-7 * 86_400))
            let rows = tenant.activityLogs.filter { iso.date(from: $0["time"]!.stringValue!)! >= windowStart }
            let operations = tenant.operationLogs.filter { iso.date(from: $0["time"]!.stringValue!)! >= windowStart }

            let signins = try await f.send("GET", "\(path)?type=signin&limit=5000").json["items"]!.arrayValue!
            #expect(signins.count == rows.count)
            let ops = try await f.send("GET", "\(path)?type=operation&limit=5000").json["items"]!.arrayValue!
            #expect(ops.count == operations.count)

            let user = rows[0]["email"]!.stringValue!
            let byUser = try await f.send("GET", "\(path)?type=signin&user=\(user)&limit=5000").json["items"]!.arrayValue!
            #expect(byUser.count == rows.filter { $0["email"]?.stringValue == user }.count)
            let ip = rows[0]["ip_address"]!.stringValue!
            let byIP = try await f.send("GET", "\(path)?ip=\(ip)&limit=5000").json["items"]!.arrayValue!
            #expect(byIP.count == rows.filter { $0["ip_address"]?.stringValue == ip }.count)
            let day = calendar.startOfDay(for: Date().addingTimeInterval(-86_400))
            let dayText = ISO8601DateFormatter.string(from: day, timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withFullDate])
            let oneDay = try await f.send("GET", "\(path)?from=\(dayText)&to=\(dayText)&limit=5000").json["items"]!.arrayValue!
            let inDay = (rows + operations).filter { let t = iso.date(from: $0["time"]!.stringValue!)!; return t >= day && t < day.addingTimeInterval(86_400) }
            #expect(oneDay.count == inDay.count)

            let csv = try await f.send("GET", "\(path)?format=csv&type=operation&limit=5000")
            #expect(csv.headers.value("content-type")?.hasPrefix("text/csv") == true)
            let lines = csv.text.split(separator: "\n")
            #expect(lines.first == "time,kind,user,ipAddress,action,target,detail,fingerprint")
            #expect(lines.count == operations.count + 1)

            let ocsf = try await f.send("GET", "\(path)?format=ocsf&limit=5000")
            let events = ocsf.text.split(separator: "\n").map { try! JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) }
            #expect(events.count == rows.count + operations.count)
            for event in events {
                for key in ["class_uid", "category_uid", "activity_id", "type_uid", "time", "severity_id", "metadata"] { #expect(event[key] != nil, "\(key)") }
                let classUID = event["class_uid"]!.intValue!
                #expect(event["type_uid"]!.intValue! == classUID * 100 + event["activity_id"]!.intValue!)
            }
            #expect(events.filter { $0["class_uid"]?.intValue == 3002 }.count == rows.count)
            #expect(events.filter { $0["class_uid"]?.intValue == 3002 }.allSatisfy { $0["src_endpoint"]?["ip"] != nil && $0["user"]?["email_addr"] != nil })
            let userOps = operations.filter { $0["category_type"]?.stringValue == "user" }.count
            #expect(events.filter { $0["class_uid"]?.intValue == 3001 }.count == userOps)
            #expect(events.filter { $0["class_uid"]?.intValue == 3004 }.count == operations.count - userOps)
        }
    }

    @Test("a connector disconnected while its sync runs stays disconnected when that sync ends")
    func disconnectDuringSync() async throws {
        let tenant = TenantGenerator(users: 30, groups: 1, days: 2, seed: 73).generate()
        try await ServerFixture.with(tenant, stores: .sql(.sqlite)) { f in
            // The sync's operation-log read hangs (the connection check reads it with another page size).
            await f.sim.engine.updateFaults { $0.stallPath = "/report/operationlogs*page_size=300" }
            let id = try await f.createConnector()
            let deadline = ContinuousClock.now + .seconds(60)
            while try await f.send("GET", "/api/v1/connectors/\(id)/progress").json["progress"]?["phase"]?.stringValue != "reading", ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(try await f.send("POST", "/api/v1/connectors/\(id)/disconnect").status == 200)
            await f.sim.engine.updateFaults { $0.stallPath = nil }
            let progress = try await f.waitForSync(id)
            #expect(progress["progress"]?["finished"]?.boolValue == true)
            #expect(try await f.deps.connectors.get(id: id)?.status == "disconnected")
        }
    }
}
