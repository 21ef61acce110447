import Foundation
import HummingbirdBcrypt
import Synchronization
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
struct AuthTests {
    @Test("first-run setup once; sign-in throttled after repeated failures; sessions need the CSRF token; viewers and revoked tokens cannot change anything; admin actions audited")
    func authFlow() async throws {
        let tenant = TenantGenerator(users: 10, groups: 1, days: 1, seed: 51).generate()
        try await ServerFixture.with(tenant) { f in
            // The fixture ran the first-run setup; a second setup is refused.
            #expect(try await f.send("GET", "/api/v1/setup", token: .some(nil)).json["setupRequired"]?.boolValue == false)
            let again = try await f.send("POST", "/api/v1/setup", json: ["email": "eve@example.com", "password": "long-enough-password"], token: .some(nil))
            #expect(again.status == 409)

            // Unauthenticated and bad tokens.
            let anonymous = try await f.send("GET", "/api/v1/connectors", token: .some(nil))
            #expect(anonymous.status == 401)
            #expect(anonymous.json["error"]?["fix"]?.stringValue?.contains("Bearer") == true)
            #expect(try await f.send("GET", "/api/v1/connectors", token: "sspm_not-a-token").status == 401)

            // Sessions: CSRF on unsafe methods.
            let admin = try await Session.login(http: f.http, base: f.base, email: ServerFixture.adminEmail, password: ServerFixture.adminPassword)
            #expect(try await admin.send("GET", "/api/v1/auth/me").json["role"]?.stringValue == "admin")
            let noCSRF = try await admin.send("POST", "/api/v1/operators", json: ["email": "vic@example.com", "password": "viewer-password-1", "role": "viewer"], csrf: false)
            #expect(noCSRF.status == 403)
            #expect(noCSRF.errorCode == "csrf")
            let weak = try await admin.send("POST", "/api/v1/operators", json: ["email": "vic@example.com", "password": "short", "role": "viewer"])
            #expect(weak.status == 400 && weak.errorCode == "weak_password")
            let viewerCreated = try await admin.send("POST", "/api/v1/operators", json: ["email": "vic@example.com", "password": "viewer-password-1", "role": "viewer"])
            #expect(viewerCreated.status == 201)

            // Viewer: reads, cannot change.
            let id = try await f.createConnector()
            let viewer = try await Session.login(http: f.http, base: f.base, email: "vic@example.com", password: "viewer-password-1")
            #expect(try await viewer.send("GET", "/api/v1/connectors/\(id)").status == 200)
            for (method, path) in [("POST", "/api/v1/connectors/\(id)/sync"), ("DELETE", "/api/v1/connectors/\(id)"), ("POST", "/api/v1/connectors/\(id)/disconnect"),
                                   ("PUT", "/api/v1/connectors/\(id)/recommendations/ZID-01/state"), ("POST", "/api/v1/tokens")] {
                let reply = try await viewer.send(method, path, json: ["state": "planned", "name": "x"])
                #expect(reply.status == 403, "\(method) \(path)")
                #expect(reply.errorCode == "forbidden")
            }
            #expect(try await viewer.send("GET", "/api/v1/audit").status == 403)
            #expect(try await viewer.send("POST", "/api/v1/auth/logout").status == 204)
            #expect(try await viewer.send("GET", "/api/v1/auth/me").status == 401)

            // A viewer token cannot write; a revoked token stops working.
            let viewerToken = try await ServerFixture.makeToken(http: f.http, base: f.base, role: "viewer")
            #expect(try await f.send("POST", "/api/v1/connectors/\(id)/sync", token: viewerToken).status == 403)
            let tokens = try await f.send("GET", "/api/v1/tokens").json["items"]!.arrayValue!
            #expect(!String(describing: tokens).contains(viewerToken))  // only hashes are stored
            let viewerTokenID = tokens.last!["id"]!.stringValue!
            #expect(try await f.send("DELETE", "/api/v1/tokens/\(viewerTokenID)").status == 204)
            #expect(try await f.send("GET", "/api/v1/connectors", token: viewerToken).status == 401)

            // Throttling: 5 failures, then 429 with Retry-After even for the right password.
            for _ in 0..<5 {
                let bad = try await f.send("POST", "/api/v1/auth/login", json: ["email": "vic@example.com", "password": "wrong-password-x"], token: .some(nil))
                #expect(bad.status == 401)
            }
            let throttled = try await f.send("POST", "/api/v1/auth/login", json: ["email": "vic@example.com", "password": "viewer-password-1"], token: .some(nil))
            #expect(throttled.status == 429)
            #expect(Int(throttled.headers.value("retry-after") ?? "") ?? 0 > 0)

            let actions = try await f.send("GET", "/api/v1/audit").json["items"]!.arrayValue!.compactMap { $0["action"]?.stringValue }
            for action in ["setup", "login", "operator.create", "token.create", "token.revoke", "connector.create", "login.failed"] {
                #expect(actions.contains(action), "audit log lacks \(action)")
            }
            // Passwords and tokens never reach the logs.
            let logs = f.sim.logs.all.joined(separator: "\n")
            #expect(!logs.contains(ServerFixture.adminPassword) && !logs.contains("viewer-password-1") && !logs.contains(viewerToken))
        }
    }

    @Test("every byte of a long password counts (bcrypt alone reads 72); a hash stored before still signs in; sign-in addresses follow the alert address rule")
    func passwordsAndAddresses() async throws {
        try await ServerFixture.withoutZoom { f in
            // 72 bytes in common, then different: bcrypt of the password itself would take both.
            let common = String(repeating: "L", count: 72)
            #expect(try await f.send("POST", "/api/v1/operators", json: ["email": "long@example.com", "password": .string(common + "-the-real-suffix"), "role": "viewer"]).status == 201)
            #expect(try await f.send("POST", "/api/v1/auth/login", json: ["email": "long@example.com", "password": .string(common + "-a-wrong-suffix")], token: .some(nil)).status == 401)
            #expect(try await f.send("POST", "/api/v1/auth/login", json: ["email": "long@example.com", "password": .string(common + "-the-real-suffix")], token: .some(nil)).status == 200)
            // Non-ASCII: 36 two-byte letters fill bcrypt's 72 bytes.
            let accents = String(repeating: "é", count: 36)
            #expect(try await f.send("POST", "/api/v1/operators", json: ["email": "accent@example.com", "password": .string(accents + "éééé"), "role": "viewer"]).status == 201)
            #expect(try await f.send("POST", "/api/v1/auth/login", json: ["email": "accent@example.com", "password": .string(accents + "xxxx")], token: .some(nil)).status == 401)
            #expect(try await f.send("POST", "/api/v1/auth/login", json: ["email": "accent@example.com", "password": .string(accents + "éééé")], token: .some(nil)).status == 200)

            // An operator stored with bcrypt of the password itself (before the pre-hash) still signs in.
            let legacy = Operator(email: "legacy@example.com", role: "viewer", createdAt: Date())
            #expect(try await f.deps.stores.auth.createOperator(legacy, passwordHash: Bcrypt.hash("legacy-password-1", cost: 4)))
            #expect(try await f.send("POST", "/api/v1/auth/login", json: ["email": "legacy@example.com", "password": "legacy-password-1"], token: .some(nil)).status == 200)
            #expect(try await f.send("POST", "/api/v1/auth/login", json: ["email": "legacy@example.com", "password": "legacy-password-2"], token: .some(nil)).status == 401)

            // Addresses: what an alert recipient may not hold, a sign-in address may not either.
            for bad in [#""><img src=x onerror=alert(1)>@x.y"#, "a b@example.com", " padded@example.com", "ünï@example.com", "a@b@c"] {
                let reply = try await f.send("POST", "/api/v1/operators", json: ["email": .string(bad), "password": "viewer-password-1", "role": "viewer"])
                #expect(reply.status == 400, "\(bad) was accepted")
            }
            #expect(try await f.send("POST", "/api/v1/operators", json: ["email": "O'Brien+ops@Example.com", "password": "viewer-password-1", "role": "viewer"]).status == 201)
        }
    }

    @Test("unknown endpoints and bad query values answer JSON errors that say what to do")
    func jsonErrors() async throws {
        let tenant = TenantGenerator(users: 10, groups: 1, days: 1, seed: 52).generate()
        try await ServerFixture.with(tenant) { f in
            let unknown = try await f.send("GET", "/api/v1/nothing-here")
            #expect(unknown.status == 404)
            #expect(unknown.json["error"]?["fix"]?.stringValue?.contains("openapi.yaml") == true)
            let id = try await f.createConnector()
            let badLimit = try await f.send("GET", "/api/v1/connectors/\(id)/activities?limit=abc")
            #expect(badLimit.status == 400 && badLimit.json["error"]?["message"]?.stringValue?.contains("limit=abc") == true)
            let badDate = try await f.send("GET", "/api/v1/connectors/\(id)/activities?from=yesterday")
            #expect(badDate.status == 400 && badDate.json["error"]?["fix"]?.stringValue?.contains("2026-11-20") == true)
            let badCursor = try await f.send("GET", "/api/v1/connectors/\(id)/activities?cursor=!!")
            #expect(badCursor.status == 400)
            // A day that is not in the calendar is refused, not moved to March.
            #expect(try await f.send("GET", "/api/v1/connectors/\(id)/activities?from=2026-02-30").status == 400)
            #expect(try await f.send("GET", "/api/v1/connectors/\(id)/activities?from=2026-12-01T25:99:00Z").status == 400)
            let lenient = try await f.send("PUT", "/api/v1/connectors/\(id)/recommendations/ZID-01/state",
                                           json: ["state": "risk_accepted", "rationale": "r", "expiresAt": "2099-01-01Tgarbage"])
            #expect(lenient.status == 400, "\(lenient.text)")
            // Paging alerts from an id that is not an alert says so instead of starting again.
            let unknownBefore = try await f.send("GET", "/api/v1/alerts?limit=3&before=00000000-dead-beef-0000-000000000000")
            #expect(unknownBefore.status == 400 && unknownBefore.json["error"]?["fix"]?.stringValue?.contains("nextBefore") == true, "\(unknownBefore.text)")
            let badFilter = try await f.send("GET", "/api/v1/connectors/\(id)/recommendations?severity=urgent")
            #expect(badFilter.status == 400 && badFilter.json["error"]?["fix"]?.stringValue?.contains("critical") == true)
            #expect(try await f.send("GET", "/api/v1/connectors/nope").status == 404)
            #expect(try await f.send("GET", "/healthz", token: .some(nil)).status == 200)
            #expect(try await f.send("GET", "/readyz", token: .some(nil)).json["status"]?.stringValue == "ready")
            let spec = try await f.send("GET", "/openapi.yaml", token: .some(nil))
            #expect(spec.status == 200 && spec.text.hasPrefix("openapi: 3.1"))
        }
    }
}

/// A clock tests can stop at a given instant.
final class TestClock: Sendable {
    private let fixed = Mutex<Date?>(nil)
    func now() -> Date { fixed.withLock { $0 } ?? Date() }
    func set(_ date: Date?) { fixed.withLock { $0 = date } }
}

@Suite(.serialized)
struct WebhookIntakeTests {
    @Test("Zoom's challenge vector; signed events stored before 204; forged, stale, replayed and unknown-connector requests rejected; a settings event asks for a posture sync")
    func intake() async throws {
        var tenant = TenantGenerator(users: 20, groups: 1, days: 1, seed: 53).generate()
        tenant.credentials.webhookSecretToken = "4fv1RkqGQUq5sWbEz6hA5A"
        let clock = TestClock()
        try await ServerFixture.with(tenant, configure: { _ in }, now: clock.now) { f in
            let id = try await f.createConnector()
            try await f.waitForSync(id)
            let path = "/webhooks/zoom/\(id)"

            // Zoom's published url_validation example, at its time.
            clock.set(Date(timeIntervalSince1970: 1_720_705_460))
            let challenge = try await f.send("POST", path, raw: Data(#"{"payload":{"plainToken":"xys8n8PGS7mAU0m5-YJjRA"},"event_ts":1720705455858,"event":"endpoint.url_validation"}"#.utf8),
                                             token: .some(nil), headers: [("x-zm-request-timestamp", "1720705455"),
                                                                          ("x-zm-signature", "v0=93a1a675965ceb9c5a50c5dfb31f20e50f763be37a54ef74cd2d16a1a8e5c0d6")])
            #expect(challenge.status == 200)
            #expect(challenge.json == ["plainToken": "xys8n8PGS7mAU0m5-YJjRA", "encryptedToken": "2fffc6a967dde4f68024025a5bd991c5ae1e5313b4e6365be4883e3e81d479b3"])
            clock.set(nil)

            let secret = tenant.credentials.webhookSecretToken!
            func signed(_ body: String, at time: Date = Date(), secret: String = secret) -> [(String, String)] {
                let timestamp = String(Int(time.timeIntervalSince1970))
                return [("x-zm-request-timestamp", timestamp), ("x-zm-signature", ZoomWebhookSignature.signature(secret: secret, timestamp: timestamp, body: Data(body.utf8)))]
            }
            let before = try await f.deps.activities.count(connectorID: id)
            let eventTS = Int64(Date().timeIntervalSince1970 * 1000)
            let settings = #"{"event":"account.settings_updated","event_ts":\#(eventTS),"payload":{"account_id":"\#(tenant.accountID)","operator":"admin@example.com","operator_id":"x","object":{"id":"\#(tenant.accountID)","settings":{"in_meeting":{"chat":false}}}}}"#
            let headers = signed(settings)
            let stored = try await f.send("POST", path, raw: Data(settings.utf8), token: .some(nil), headers: headers)
            #expect(stored.status == 204)
            #expect(try await f.deps.activities.count(connectorID: id) == before + 1)  // durable before the answer
            let job = try #require(try await f.deps.jobs.job(connectorID: id))
            #expect(job.nextPostureAt <= Date())  // a settings change asks for a posture sync now

            let replay = try await f.send("POST", path, raw: Data(settings.utf8), token: .some(nil), headers: headers)
            #expect(replay.status == 409 && replay.errorCode == "replayed")
            // Zoom's retry of the same event (new timestamp and signature) is stored once.
            let retry = try await f.send("POST", path, raw: Data(settings.utf8), token: .some(nil), headers: signed(settings, at: Date().addingTimeInterval(1)))
            #expect(retry.status == 204)
            #expect(try await f.deps.activities.count(connectorID: id) == before + 1)

            let forged = try await f.send("POST", path, raw: Data(settings.utf8), token: .some(nil), headers: signed(settings, secret: "guessed"))
            #expect(forged.status == 401 && forged.errorCode == "bad_signature")
            let stale = try await f.send("POST", path, raw: Data(settings.utf8), token: .some(nil), headers: signed(settings, at: Date().addingTimeInterval(-3600)))
            #expect(stale.status == 401)
            let unknown = try await f.send("POST", "/webhooks/zoom/nope", raw: Data(settings.utf8), token: .some(nil), headers: signed(settings))
            #expect(unknown.status == 404)
            #expect(try await f.deps.activities.count(connectorID: id) == before + 1)
            let metrics = try await f.send("GET", "/metrics", token: .some(nil)).text
            #expect(metrics.contains("sspm_webhook_events_accepted_total 2"))
        }
    }

    @Test("real deliveries from the simulated Zoom: a sign-in arrives by webhook, then the polled report row replaces it (one activity, not two)")
    func deliveriesAndDeduplication() async throws {
        let tenant = TenantGenerator(users: 30, groups: 1, days: 2, seed: 54).generate()
        try await ServerFixture.with(tenant, simulator: .init(webhookURL: "http://127.0.0.1:9/not-yet")) { f in
            let id = try await f.createConnector()
            try await f.waitForSync(id)
            _ = try await f.sim.raw("PUT", "/_sim/webhooks/url", body: Data(#"{"url": "\#(f.base)/webhooks/zoom/\#(id)"}"#.utf8))
            let validated = try await f.sim.raw("POST", "/_sim/webhooks/validate")
            #expect(String(decoding: validated.body, as: UTF8.self).contains("\"ok\":true"))

            let before = try await f.deps.activities.count(connectorID: id)
            let email = tenant.users.first { $0["status"]?.stringValue == "active" && $0["id"] != nil }!["email"]!.stringValue!
            #expect(await f.sim.engine.recordSignIn(email: email))
            // Delivered and stored as a sign-in from the webhook.
            var webhookRows: [ActivityEvent] = []
            for _ in 0..<100 {
                webhookRows = try await f.deps.activities.query(ActivityQuery(connectorID: id, kinds: ["signin"], user: email, limit: 50)).items
                    .filter { $0.raw["event"] != nil }
                if !webhookRows.isEmpty { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(webhookRows.count == 1)
            #expect(try await f.deps.activities.count(connectorID: id) == before + 1)
            // The next poll brings the report row for the same sign-in: it replaces the webhook copy.
            #expect(try await f.send("POST", "/api/v1/connectors/\(id)/sync?posture=false").status == 202)
            try await f.waitForSync(id, runsAtLeast: 2)
            #expect(try await f.deps.activities.count(connectorID: id) == before + 1)
            let rows = try await f.deps.activities.query(ActivityQuery(connectorID: id, kinds: ["signin"], user: email, limit: 500)).items
            #expect(rows.filter { $0.raw["event"] != nil }.isEmpty)
            #expect(rows.contains { $0.ipAddress == "198.51.100.7" })
        }
    }
}
