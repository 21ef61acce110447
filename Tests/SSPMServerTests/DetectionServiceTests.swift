import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif
import SSPMCore
import SSPMServer
import SSPMStorage
import SSPMTestSupport
import Testing
import ZoomProvider
import ZoomSimulator

/// Detection in the service: events stored by webhook or poll are evaluated once, alerts are
/// recorded with their lifecycle, and notifications leave through the outbox to real receivers.
@Suite("Detection service and notifications", .serialized)
struct DetectionServiceTests {
    /// A user of the tenant with sign-ins in its backfill (so a new address is new to a known user).
    static func signedInUser(_ tenant: Tenant) -> String {
        var counts: [String: Int] = [:]
        for row in tenant.activityLogs where row["type"]?.stringValue == "Sign in" { counts[row["email"]?.stringValue ?? "", default: 0] += 1 }
        let active = Set(tenant.users.filter { $0["status"]?.stringValue == "active" }.compactMap { $0["email"]?.stringValue })
        return counts.filter { active.contains($0.key) && $0.value >= 2 }.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }!.key
    }

    static func alerts(_ f: ServerFixture, _ query: String) async throws -> [JSONValue] {
        let reply = try await f.send("GET", "/api/v1/alerts?\(query)")
        #expect(reply.status == 200, "\(reply.text)")
        return reply.json["items"]?.arrayValue ?? []
    }

    /// Polls until `condition` holds (or 20 s pass).
    static func eventually(_ what: String, _ condition: () async throws -> Bool) async throws {
        for _ in 0..<400 {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("timed out waiting for \(what)")
    }

    static func messages(_ receiver: WebhookReceiver, policy: String) -> [(WebhookReceiver.Delivery, JSONValue)] {
        receiver.deliveries.compactMap { delivery in
            guard let body = try? JSONDecoder().decode(JSONValue.self, from: delivery.body), body["data"]?["alert"]?["policyId"]?.stringValue == policy else { return nil }
            return (delivery, body)
        }
    }

    @Test("a sign-in with a new kind of client arrives by webhook: an alert and a signed Standard Webhooks message at once; its report row brings the address (a second policy fires) and raises nothing twice")
    func webhookToNotification() async throws {
        let tenant = TenantGenerator(users: 30, groups: 1, days: 3, seed: 71).generate()
        let email = Self.signedInUser(tenant)
        let usual = Set(tenant.activityLogs.filter { $0["email"]?.stringValue == email }.compactMap { $0["client_type"]?.stringValue })
        let newClient = try #require(["Browser", "Linux", "Android", "Mac", "Windows"].first { !usual.contains($0) })
        let receiver = try await WebhookReceiver.start(secret: "unused", logger: .init(label: "receiver"))
        defer { Task { await receiver.stop() } }
        try await ServerFixture.with(tenant, simulator: .init(webhookURL: "http://127.0.0.1:9/not-yet")) { f in
            let id = try await f.createConnector()
            try await f.waitForSync(id)
            await f.deps.detectionFeed.settled()
            let created = try await f.send("POST", "/api/v1/channels", json: ["name": "SIEM", "kind": "webhook", "url": .string(receiver.url), "minSeverity": "low"])
            #expect(created.status == 201, "\(created.text)")
            let secret = try #require(created.json["signingSecret"]?.stringValue)
            #expect(secret.hasPrefix("whsec_"))
            // Shown once: never again.
            let channelID = try #require(created.json["id"]?.stringValue)
            #expect(try await f.send("GET", "/api/v1/channels/\(channelID)").json["signingSecret"] == nil)
            receiver.requireStandardSignature(secret: secret)

            _ = try await f.sim.raw("PUT", "/_sim/webhooks/url", body: Data(#"{"url": "\#(f.base)/webhooks/zoom/\#(id)"}"#.utf8))
            _ = try await f.sim.raw("POST", "/_sim/webhooks/validate")
            #expect(await f.sim.engine.recordSignIn(email: email, ipAddress: "203.0.113.99", clientType: newClient))

            // The webhook (no address in it) is enough for the new client type.
            try await Self.eventually("the new-client notification") { !Self.messages(receiver, policy: "ZDT-21").isEmpty }
            let (message, body) = try #require(Self.messages(receiver, policy: "ZDT-21").first)
            #expect(message.verified == true)
            #expect(body["type"]?.stringValue == "alert.raised")
            #expect(body["data"]?["alert"]?["actor"]?.stringValue == email)
            #expect(body["data"]?["alert"]?["value"]?.stringValue == newClient.lowercased())
            #expect(message.headers["webhook-id"]?.hasPrefix("msg_") == true)
            #expect(Self.messages(receiver, policy: "ZDT-20").isEmpty)
            let clientAlerts = try await Self.alerts(f, "policyId=ZDT-21&connectorId=\(id)").filter { $0["actor"]?.stringValue == email }
            #expect(clientAlerts.count == 1 && clientAlerts.first?["count"]?.intValue == 1)
            let clientAlertID = try #require(clientAlerts.first?["id"]?.stringValue)
            #expect(try await f.send("GET", "/api/v1/alerts/\(clientAlertID)").json["evidence"]?.arrayValue?.count == 1)

            // The poll brings the report row for the same sign-in (one correlation key), with the address.
            #expect(try await f.send("POST", "/api/v1/connectors/\(id)/sync?posture=false").status == 202)
            try await f.waitForSync(id, runsAtLeast: 2)
            await f.deps.detectionFeed.settled()
            try await Self.eventually("the new-address notification") { !Self.messages(receiver, policy: "ZDT-20").isEmpty }
            let addressAlerts = try await Self.alerts(f, "policyId=ZDT-20&connectorId=\(id)").filter { $0["actor"]?.stringValue == email }
            #expect(addressAlerts.count == 1 && addressAlerts.first?["value"]?.stringValue == "203.0.113.99")
            let detail = try await f.send("GET", "/api/v1/alerts/\(try #require(addressAlerts.first?["id"]?.stringValue))")
            #expect(detail.json["evidence"]?.arrayValue?.first?["ipAddress"]?.stringValue == "203.0.113.99")
            // Nothing twice: the new-client alert is the same one, and every message went once.
            try await Task.sleep(for: .milliseconds(300))
            let again = try await Self.alerts(f, "policyId=ZDT-21&connectorId=\(id)").filter { $0["actor"]?.stringValue == email }
            #expect(again.count == 1 && again.first?["id"]?.stringValue == clientAlertID && again.first?["count"]?.intValue == 1)
            #expect(Self.messages(receiver, policy: "ZDT-21").count == 1)
            let ids = receiver.deliveries.compactMap { $0.headers["webhook-id"] }
            #expect(Set(ids).count == ids.count, "a message was sent twice: \(ids)")
            #expect(receiver.deliveries.allSatisfy { $0.verified == true })
            // The evidence still resolves after the webhook copy was replaced by the report row.
            #expect(try await f.send("GET", "/api/v1/alerts/\(clientAlertID)").json["evidence"]?.arrayValue?.first?["ipAddress"]?.stringValue == "203.0.113.99")

            let deliveries = try await f.send("GET", "/api/v1/channels/\(channelID)/deliveries").json["items"]?.arrayValue ?? []
            #expect(deliveries.contains { $0["alertId"]?.stringValue == clientAlertID && $0["state"]?.stringValue == "delivered" && $0["attempts"]?.intValue == 1 })
            let metrics = try await f.send("GET", "/metrics", token: .some(nil)).text
            #expect(metrics.contains("sspm_alerts_raised_total{policy=\"ZDT-21\"}"))
            #expect(metrics.contains("sspm_notifications_sent_total"))
        }
    }

    @Test("an admin turns two-factor sign-in off: the operation-log row arrives with the poll, and Slack and Teams get their own formats; lifecycle: acknowledge, comment, dismiss needs a reason")
    func operationLogToChatAndLifecycle() async throws {
        let tenant = TenantGenerator(users: 20, groups: 1, days: 2, seed: 72).generate()
        let receiver = try await WebhookReceiver.start(secret: "unused", logger: .init(label: "receiver"))
        defer { Task { await receiver.stop() } }
        try await ServerFixture.with(tenant) { f in
            let id = try await f.createConnector()
            try await f.waitForSync(id)
            for kind in ["slack", "teams"] {
                let reply = try await f.send("POST", "/api/v1/channels", json: ["name": .string(kind), "kind": .string(kind), "url": .string(receiver.url + "?channel=\(kind)"),
                                                                               "minSeverity": "high"])
                #expect(reply.status == 201, "\(reply.text)")
                #expect(reply.json["url"]?.stringValue == "http://127.0.0.1:\(receiver.port)/…")
            }
            _ = try await f.sim.raw("POST", "/_sim/operations", body: Data(#"""
                {"operator": "it-admin@example.com", "category_type": "Account", "action": "Update",
                 "operation_detail": "Account Settings  - Sign in with Two-Factor Authentication: from On to Off"}
                """#.utf8))
            #expect(try await f.send("POST", "/api/v1/connectors/\(id)/sync?posture=false").status == 202)
            try await f.waitForSync(id, runsAtLeast: 2)
            _ = try await receiver.wait(for: 2, timeout: .seconds(20))
            let bodies = receiver.deliveries.compactMap { try? JSONDecoder().decode(JSONValue.self, from: $0.body) }
            let slack = try #require(bodies.first { $0["blocks"] != nil })
            #expect(slack["text"]?.stringValue?.contains("Two-factor sign-in turned off by it-admin@example.com") == true)
            let teams = try #require(bodies.first { $0["attachments"] != nil })
            #expect(teams["attachments"]?.arrayValue?.first?["contentType"]?.stringValue == "application/vnd.microsoft.card.adaptive")
            #expect(teams["attachments"]?.arrayValue?.first?["content"]?["type"]?.stringValue == "AdaptiveCard")
            // Routed by severity: the medium alerts of the backfill and this sync reached neither channel.
            #expect(receiver.deliveries.count == 2)

            let alert = try #require(try await Self.alerts(f, "policyId=ZDT-01").first)
            let alertID = try #require(alert["id"]?.stringValue)
            #expect(alert["status"]?.stringValue == "open")
            var reply = try await f.send("PATCH", "/api/v1/alerts/\(alertID)", json: ["status": "acknowledged", "assignee": "soc@example.com"])
            #expect(reply.status == 200 && reply.json["status"]?.stringValue == "acknowledged" && reply.json["assignee"]?.stringValue == "soc@example.com", "\(reply.text)")
            reply = try await f.send("POST", "/api/v1/alerts/\(alertID)/comments", json: ["body": "Asked it-admin why."])
            #expect(reply.status == 201)
            reply = try await f.send("PATCH", "/api/v1/alerts/\(alertID)", json: ["status": "dismissed"])
            #expect(reply.status == 400 && reply.text.contains("resolution"))
            reply = try await f.send("PATCH", "/api/v1/alerts/\(alertID)", json: ["status": "dismissed", "resolution": "benign"])
            #expect(reply.status == 200 && reply.json["resolution"]?.stringValue == "benign")
            let detail = try await f.send("GET", "/api/v1/alerts/\(alertID)").json
            #expect(detail["comments"]?.arrayValue?.first?["body"]?.stringValue == "Asked it-admin why.")
            #expect(try await Self.alerts(f, "status=open,acknowledged&policyId=ZDT-01").isEmpty)
            // Reopening clears the resolution.
            reply = try await f.send("PATCH", "/api/v1/alerts/\(alertID)", json: ["status": "open"])
            #expect(reply.json["resolution"] == nil)
            let audit = try await f.send("GET", "/api/v1/audit").text
            #expect(audit.contains("alert.update"))
        }
    }
}

extension DetectionServiceTests {
    @Test("receivers that fail: 503 twice then 200 is delivered on the third attempt; 410 is dead at once; a hung receiver holds only its own delivery, not ingestion or detection")
    func retriesAndDeadLetters() async throws {
        let tenant = TenantGenerator(users: 20, groups: 1, days: 2, seed: 73).generate()
        let email = Self.signedInUser(tenant)
        let receiver = try await WebhookReceiver.start(secret: "unused", logger: .init(label: "receiver"))
        defer { Task { receiver.delay(nil); await receiver.stop() } }
        try await ServerFixture.with(tenant, simulator: .init(webhookURL: "http://127.0.0.1:9/not-yet"), configure: { c in
            c.notifications.retrySchedule = [0.2]
            c.notifications.maxAttempts = 4
            c.notifications.timeout = 30
            c.notifications.lease = 90
        }) { f in
            let id = try await f.createConnector()
            try await f.waitForSync(id)
            let created = try await f.send("POST", "/api/v1/channels", json: ["name": "flaky", "kind": "webhook", "url": .string(receiver.url)])
            let channel = try #require(created.json["id"]?.stringValue)
            func item(_ id: String) async throws -> JSONValue? {
                try await f.send("GET", "/api/v1/channels/\(channel)/deliveries").json["items"]?.arrayValue?.first { $0["id"]?.stringValue == id }
            }
            // A receiver that is not there: the delivery log says so in words, not the library's
            // error (no type names, errno or build paths).
            let closed = try await f.send("POST", "/api/v1/channels", json: ["name": "gone", "kind": "webhook", "url": "http://127.0.0.1:9/hook"])
            let closedID = try #require(closed.json["id"]?.stringValue, "\(closed.text)")
            let attempt = try #require(try await f.send("POST", "/api/v1/channels/\(closedID)/test").json["id"]?.stringValue)
            func closedItem() async throws -> JSONValue? {
                try await f.send("GET", "/api/v1/channels/\(closedID)/deliveries").json["items"]?.arrayValue?.first { $0["id"]?.stringValue == attempt }
            }
            try await Self.eventually("the refused attempt logged") { try await closedItem()?["lastError"]?.stringValue != nil }
            let said = try await closedItem()?["lastError"]?.stringValue ?? ""
            #expect(said.contains("connection refused") && !said.contains("errno") && !said.contains("Error.") && !said.contains("/.build/"), "\(said)")
            #expect(try await f.send("DELETE", "/api/v1/channels/\(closedID)").status == 204)

            receiver.respond(with: [503, 503])
            let first = try #require(try await f.send("POST", "/api/v1/channels/\(channel)/test").json["id"]?.stringValue)
            try await Self.eventually("the third attempt") { try await item(first)?["state"]?.stringValue == "delivered" }
            #expect(try await item(first)?["attempts"]?.intValue == 3)
            #expect(receiver.deliveries.filter { $0.headers["webhook-id"] == first }.count == 3)

            // The receiver's answer is kept with its control characters escaped: it cannot write a
            // line of its own into the server's log.
            receiver.respond(with: [410], body: "channel_is_archived\n2026-12-04T00:00:00Z critical sspm: FORGED\u{1b}[31m")
            let second = try #require(try await f.send("POST", "/api/v1/channels/\(channel)/test").json["id"]?.stringValue)
            try await Self.eventually("the dead letter") { try await item(second)?["state"]?.stringValue == "dead" }
            let dead = try #require(try await item(second))
            let deadError = dead["lastError"]?.stringValue ?? ""
            #expect(dead["attempts"]?.intValue == 1 && dead["lastStatus"]?.intValue == 410 && deadError.contains("channel_is_archived"))
            #expect(!deadError.contains("\n") && !deadError.contains("\u{1b}") && deadError.contains("\\u{a}2026"), "\(deadError)")
            #expect(!f.logs.all.contains { $0.contains("\n2026-12-04T00:00:00Z critical") || $0.contains("\u{1b}") })
            let audited = try await f.send("GET", "/api/v1/audit").json["items"]?.arrayValue ?? []
            #expect(audited.contains { $0["action"]?.stringValue == "channel.test" && $0["target"]?.stringValue == channel }, "a test send is audited")

            receiver.respond(with: [500, 500, 500, 500, 500])
            let third = try #require(try await f.send("POST", "/api/v1/channels/\(channel)/test").json["id"]?.stringValue)
            try await Self.eventually("giving up") { try await item(third)?["state"]?.stringValue == "dead" }
            #expect(try await item(third)?["attempts"]?.intValue == 4)
            #expect(try await item(third)?["lastError"]?.stringValue?.contains("Gave up after 4 attempts") == true)

            // A receiver that hangs: webhooks are still stored and evaluated while it holds a delivery.
            receiver.respond(with: [])
            receiver.delay(.seconds(20))
            let hung = try #require(try await f.send("POST", "/api/v1/channels/\(channel)/test").json["id"]?.stringValue)
            _ = try await receiver.wait(for: receiver.deliveries.count + 1)
            _ = try await f.sim.raw("PUT", "/_sim/webhooks/url", body: Data(#"{"url": "\#(f.base)/webhooks/zoom/\#(id)"}"#.utf8))
            _ = try await f.sim.raw("POST", "/_sim/webhooks/validate")
            let before = try await f.deps.activities.count(connectorID: id)
            let usual = Set(tenant.activityLogs.filter { $0["email"]?.stringValue == email }.compactMap { $0["client_type"]?.stringValue })
            let newClient = try #require(["Linux", "Browser", "Android", "Mac", "Windows"].first { !usual.contains($0) })
            #expect(await f.sim.engine.recordSignIn(email: email, ipAddress: "203.0.113.5", clientType: newClient))
            try await Self.eventually("the sign-in stored") { try await f.deps.activities.count(connectorID: id) == before + 1 }
            try await Self.eventually("the alert raised") { try await !Self.alerts(f, "policyId=ZDT-21&connectorId=\(id)").filter { $0["actor"]?.stringValue == email }.isEmpty }
            // Meanwhile the hung delivery is still in flight: the receiver has not answered.
            #expect(try await item(hung)?["state"]?.stringValue == "sending")
            receiver.delay(nil)

        }
    }
}

extension DetectionServiceTests {
    @Test("posture drift: an admin turns two-factor sign-in off through Zoom's API; the settings webhook asks for a posture re-read; ZID-01 going pass → fail is an alert naming the old and new values and who changed it, notified (latency printed)")
    func postureDrift() async throws {
        var tenant = TenantGenerator(users: 25, groups: 2, days: 2, seed: 74).generate()
        var settings = tenant.settings ?? .object([:])
        settings.setValue("all", at: "security.sign_in_with_two_factor_auth")
        tenant.settings = settings
        let receiver = try await WebhookReceiver.start(secret: "unused", logger: .init(label: "receiver"))
        defer { Task { await receiver.stop() } }
        try await ServerFixture.with(tenant, simulator: .init(webhookURL: "http://127.0.0.1:9/not-yet")) { f in
            let id = try await f.createConnector()
            try await f.waitForSync(id)
            let first = try await f.send("GET", "/api/v1/connectors/\(id)/recommendations/ZID-01").json
            #expect(first["finding"]?["verdict"]?.stringValue == "pass", "\(first)")
            let created = try await f.send("POST", "/api/v1/channels", json: ["name": "drift", "kind": "webhook", "url": .string(receiver.url), "minSeverity": "high"])
            receiver.requireStandardSignature(secret: try #require(created.json["signingSecret"]?.stringValue))
            _ = try await f.sim.raw("PUT", "/_sim/webhooks/url", body: Data(#"{"url": "\#(f.base)/webhooks/zoom/\#(id)"}"#.utf8))
            _ = try await f.sim.raw("POST", "/_sim/webhooks/validate")

            let token = try await f.sim.accessToken()
            let started = ContinuousClock.now
            let patch = try await f.sim.raw("PATCH", "/v2/accounts/me/settings?option=security", headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json")],
                                            body: Data(#"{"security": {"sign_in_with_two_factor_auth": "none"}}"#.utf8))
            #expect(patch.status == 204, "\(String(decoding: patch.body, as: UTF8.self))")
            func zid01() -> [(WebhookReceiver.Delivery, JSONValue)] {
                Self.messages(receiver, policy: PostureDrift.policyID).filter { $0.1["data"]?["alert"]?["key"]?.stringValue == "ZID-01" }
            }
            try await Self.eventually("the drift notification") { !zid01().isEmpty }
            let latency = ContinuousClock.now - started
            print("posture drift: settings change → webhook → posture re-read → alert → notification received in \(latency)")
            let (message, body) = try #require(zid01().first)
            #expect(message.verified == true)
            let alert = try #require(body["data"]?["alert"])
            #expect(alert["key"]?.stringValue == "ZID-01" && alert["severity"]?.stringValue == "critical")
            let context = try #require(alert["context"])
            #expect(context["from"]?.stringValue == "pass" && context["to"]?.stringValue == "fail")
            #expect(context["before"]?.stringValue?.contains("required for all users") == true)
            #expect(context["changedBy"]?.stringValue?.contains("@") == true)
            #expect(alert["title"]?.stringValue?.contains("ZID-01 now fails") == true)
            let stored = try await Self.alerts(f, "policyId=\(PostureDrift.policyID)").filter { $0["key"]?.stringValue == "ZID-01" }
            #expect(stored.count == 1 && stored.first?["actor"]?.stringValue == context["changedBy"]?.stringValue)
            #expect(zid01().count == 1)
        }
    }
}

/// What the API refuses in policies and channels, saying what was wrong.
@Suite struct DetectionAPIRefusalTests {
    @Test("receivers must be https, or http to this machine only (a host name that merely starts with 127. is not); SMTP without TLS only on loopback; bad policies are refused with every problem named; secrets never come back")
    func refusals() async throws {
        try await ServerFixture.withoutZoom { f in
            for url in ["http://127.attacker.example/hook", "http://127.0.0.1.attacker.example/hook", "http://example.com/hook", "ftp://127.0.0.1/x",
                        "https://user:pw@example.com/hook", "not a url", "https://hooks.example.com:99999999999999999999999/x",
                        "http://127.0.0.1:18446744073709559715/x", "http://[::1]:65536/x", "https://hooks.example.com/x#frag", "https://[]/x", "https://[.]/x"] {
                let reply = try await f.send("POST", "/api/v1/channels", json: ["name": "x", "kind": "webhook", "url": .string(url)])
                #expect(reply.status == 422 && reply.errorCode == "invalid_channel", "\(url): \(reply.status) \(reply.text)")
            }
            for url in ["http://127.0.0.1:9/hook", "http://localhost/hook", "http://[::1]:8080/hook", "https://hooks.slack.com/services/T0/B0/XYZ"] {
                let reply = try await f.send("POST", "/api/v1/channels", json: ["name": "ok", "kind": "slack", "url": .string(url)])
                #expect(reply.status == 201, "\(url): \(reply.text)")
                #expect(!reply.text.contains("XYZ"))
            }
            let smtp = try await f.send("POST", "/api/v1/channels", json: ["name": "m", "kind": "email",
                "email": ["host": "127.evil.example", "port": 25, "security": "none", "from": "a@example.com", "to": ["b@example.com"]]])
            #expect(smtp.status == 422 && smtp.text.contains("security none"), "\(smtp.text)")
            // What is shown is what is resolved: no NUL, no invisible or right-to-left characters, no brackets.
            for host in ["smtp.example.com\u{0}.evil", "\u{0}", "smtp\u{202E}.example.com", "[::1]", "-a-.com", "a..b", "::\u{FF11}", "smtp..example.com."] {
                let reply = try await f.send("POST", "/api/v1/channels", json: ["name": "m", "kind": "email",
                    "email": ["host": .string(host), "port": 587, "security": "starttls", "from": "a@example.com", "to": ["b@example.com"]]])
                #expect(reply.status == 422 && reply.text.contains("email.host"), "\(host.unicodeScalars.map(\.value)): \(reply.text)")
            }
            for host in ["smtp.example.com", "10.0.0.25", "::1", "xn--bcher-kva.example", "smtp.example.com.", "mail_relay"] {
                let reply = try await f.send("POST", "/api/v1/channels", json: ["name": "m", "kind": "email",
                    "email": ["host": .string(host), "port": 587, "security": "starttls", "from": "a@example.com", "to": ["b@example.com"]]])
                #expect(reply.status == 201, "\(host): \(reply.text)")
            }
            let header = try await f.send("POST", "/api/v1/channels", json: ["name": "m", "kind": "email",
                "email": ["host": "smtp.example.com", "port": 587, "security": "starttls", "from": "a@example.com\r\nBcc: x@evil.example", "to": ["b@example.com"]]])
            #expect(header.status == 422 && header.text.contains("email.from"), "\(header.text)")
            let policy = try await f.send("POST", "/api/v1/policies", json: ["title": "t", "severity": "low",
                "match": ["ipNetworks": ["10.0.0.0/+8"], "detailPattern": "(a+)+$"], "kind": ["type": "count", "threshold": 0, "window": 60]])
            #expect(policy.status == 422 && policy.errorCode == "invalid_policy")
            let problems = policy.json["error"]?["details"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(problems.count == 3, "\(problems)")
            // The stored SMTP password was given for one relay: moving the channel to another host needs it again.
            let mail = try await f.send("POST", "/api/v1/channels", json: ["name": "mail", "kind": "email", "password": "relay-secret",
                "email": ["host": "smtp.example.com", "port": 587, "security": "starttls", "username": "bot", "from": "a@example.com", "to": ["b@example.com"]]])
            let mailID = try #require(mail.json["id"]?.stringValue, "\(mail.text)")
            let moved = try await f.send("PATCH", "/api/v1/channels/\(mailID)", json: [
                "email": ["host": "attacker.example", "port": 465, "security": "tls", "username": "bot", "from": "a@example.com", "to": ["b@example.com"]]])
            #expect(moved.status == 422 && moved.text.contains("password is required"), "\(moved.text)")
            let renamed = try await f.send("PATCH", "/api/v1/channels/\(mailID)", json: ["name": "mail (renamed)"])
            #expect(renamed.status == 200 && renamed.json["email"]?["hasPassword"]?.boolValue == true, "\(renamed.text)")
            let unknownKind = try await f.send("POST", "/api/v1/policies", json: ["title": "t", "severity": "low", "kind": ["type": "sometimes"]])
            #expect(unknownKind.status == 400 && unknownKind.text.contains("single, count, distinct, first_seen, return_after, impossible_travel or outdated_client"))
            // A fraction where a whole number goes is said as such (Foundation reports it as broken JSON).
            let fraction = try await f.send("POST", "/api/v1/policies", json: ["title": "t", "severity": "low", "kind": ["type": "outdated_client", "minorsBehind": .double(2.5)]])
            #expect(fraction.status == 400 && fraction.text.contains("does not fit its field") && !fraction.text.contains("not valid JSON"), "\(fraction.text)")
        }
    }
}

extension DetectionServiceTests {
    static var geoipDatabase: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/geoip-test-city.mmdb").path
    }

    @Test("the templates end to end through the simulated Zoom: each admin operation (Zoom's wording), many addresses, a new network, impossible travel and new countries (Geo-IP database given) become alerts and signed messages")
    func templatesEndToEnd() async throws {
        let tenant = TenantGenerator(users: 30, groups: 2, days: 3, seed: 75).generate()
        let traveller = Self.signedInUser(tenant)
        let roamer = try #require(tenant.users.first { $0["status"]?.stringValue == "active" && $0["email"]?.stringValue != traveller }?["email"]?.stringValue)
        // An Owner or Admin (a group filter: role:Owner, role:Admin, from the synced inventory), and a member on an old client.
        let boss = try #require(tenant.users.first { ["0", "1"].contains($0["role_id"]?.stringValue ?? "") && $0["status"]?.stringValue == "active"
            && ![traveller, roamer].contains($0["email"]?.stringValue ?? "") }?["email"]?.stringValue)
        let laggard = try #require(tenant.users.first { $0["role_id"]?.stringValue == "2" && $0["status"]?.stringValue == "active"
            && ![traveller, roamer].contains($0["email"]?.stringValue ?? "") }?["email"]?.stringValue)
        let receiver = try await WebhookReceiver.start(secret: "unused", logger: .init(label: "receiver"))
        defer { Task { await receiver.stop() } }
        try await ServerFixture.with(tenant, configure: { $0.geoipPath = Self.geoipDatabase }) { f in
            // The fixture builds its dependencies itself: the locator comes with the configuration.
            let id = try await f.createConnector()
            try await f.waitForSync(id)
            await f.deps.detectionFeed.settled()
            let created = try await f.send("POST", "/api/v1/channels", json: ["name": "all", "kind": "webhook", "url": .string(receiver.url), "minSeverity": "info"])
            receiver.requireStandardSignature(secret: try #require(created.json["signingSecret"]?.stringValue))
            let admin = "intruder@example.com"
            let operations: [(String, String, String)] = [
                ("Account", "Update", "Security  - Sign in with Two-Factor Authentication: from On to Off"),
                ("Account", "Update", "Security  - Automatically sign users out after a specified time: from On to Off"),
                ("Account", "Update", "Security  - Require that all meetings are secured with one security option: from On to Off"),
                ("Account", "Update", "Security  - Require a passcode when scheduling new meetings: from On to Off"),
                ("Account", "Update", "Sign-in Methods  - Allow users to sign in with Google: from Off to On"),
                ("Account", "Update", "Security  - Sign-In Password Requirement  - Have at least 1 special character: from On to Off"),
                ("User", "Update", "Change Role  - someone@example.com: from Member to Admin"),
                ("User Group", "Update", "Edit Group Sales  - Personal Meeting ID (PMI) Passcode: from On to Off"),
                ("Role", "Update", "Edit Role  Auditors - Account Settings: from View to Edit"),
                ("Account", "Update", "Security  - Allow use of end-to-end encryption: from On to Off"),
                ("Account", "Add", "Account Profile  - Associated Domains: add fabrikam-partner.example"),
                ("Account", "Add", "Marketplace  - Server-to-Server OAuth app added: Exporter"),
            ] + (1...5).map { ("User", "Delete", "Delete User  leaver\($0)@example.com") }
            for (category, action, detail) in operations {
                let body = try JSONEncoder().encode(JSONValue.object(["operator": .string(admin), "category_type": .string(category), "action": .string(action),
                                                                     "operation_detail": .string(detail)]))
                #expect(try await f.sim.raw("POST", "/_sim/operations", body: body).status == 204)
            }
            // Four new addresses for one user within a minute (one second apart: sign-ins are keyed by the second).
            for n in 0..<4 {
                #expect(await f.sim.engine.recordSignIn(email: roamer, ipAddress: "198.18.\(n).10", clientType: "Mac"))
                try await Task.sleep(for: .milliseconds(1100))
            }
            // The admin from two networks (the second new for them), the member on a 5.x client where 6.2 is in use.
            #expect(await f.sim.engine.recordSignIn(email: boss, ipAddress: "198.18.202.5", clientType: "Mac"))
            try await Task.sleep(for: .milliseconds(1100))
            #expect(await f.sim.engine.recordSignIn(email: boss, ipAddress: "198.18.200.9", clientType: "Mac"))
            #expect(await f.sim.engine.recordSignIn(email: laggard, ipAddress: "198.18.201.9", clientType: "Mac", version: "5.16.2.12345"))
            // Berlin, then New York a second later.
            #expect(await f.sim.engine.recordSignIn(email: traveller, ipAddress: "192.0.2.1", clientType: "Mac"))
            try await Task.sleep(for: .milliseconds(1100))
            #expect(await f.sim.engine.recordSignIn(email: traveller, ipAddress: "198.51.100.77", clientType: "Mac"))
            #expect(try await f.send("POST", "/api/v1/connectors/\(id)/sync?posture=false").status == 202)
            try await f.waitForSync(id, runsAtLeast: 2)
            await f.deps.detectionFeed.settled()

            let expected: [(String, String)] = ["ZDT-01", "ZDT-02", "ZDT-03", "ZDT-04", "ZDT-05", "ZDT-06", "ZDT-07", "ZDT-08", "ZDT-09", "ZDT-10",
                                                  "ZDT-11", "ZDT-12", "ZDT-13"].map { ($0, admin) }
                + [("ZDT-22", roamer), ("ZDT-25", roamer), ("ZDT-29", boss), ("ZDT-30", laggard), ("ZDT-26", traveller), ("ZDT-27", traveller), ("ZDT-28", traveller)]
            for (policy, actor) in expected {
                try await Self.eventually("\(policy)'s message") { Self.messages(receiver, policy: policy).contains { $0.1["data"]?["alert"]?["actor"]?.stringValue == actor } }
                let stored = try await Self.alerts(f, "policyId=\(policy)&connectorId=\(id)").filter { $0["actor"]?.stringValue == actor }
                #expect(stored.count == 1, "\(policy) for \(actor): \(stored.count) alerts")
            }
            let travel = try #require(Self.messages(receiver, policy: "ZDT-26").first { $0.1["data"]?["alert"]?["actor"]?.stringValue == traveller })
            #expect(travel.1["data"]?["alert"]?["value"]?.stringValue?.hasPrefix("DE → US") == true)
            #expect(Self.messages(receiver, policy: "ZDT-08").first?.1["data"]?["alert"]?["count"]?.intValue == 5)
            // Group filters: ZDT-29 is for Owners and Admins only, so the members who roam raise none.
            let memberRoles = Dictionary(tenant.users.compactMap { u in u["email"]?.stringValue.map { ($0, u["role_id"]?.stringValue ?? "") } }, uniquingKeysWith: { a, _ in a })
            let adminAlerts = try await Self.alerts(f, "policyId=ZDT-29&connectorId=\(id)")
            #expect(!adminAlerts.isEmpty && adminAlerts.allSatisfy { ["0", "1"].contains(memberRoles[$0["actor"]?.stringValue ?? ""] ?? "") })
            let outdated = try #require(Self.messages(receiver, policy: "ZDT-30").first { $0.1["data"]?["alert"]?["actor"]?.stringValue == laggard })
            #expect(outdated.1["data"]?["alert"]?["value"]?.stringValue?.hasPrefix("Mac 5.16.2") == true, "\(outdated.1)")
            #expect(receiver.deliveries.allSatisfy { $0.verified == true })
            // The Geo-IP policies are active here: nothing says otherwise.
            let policies = try await f.send("GET", "/api/v1/policies").json["items"]?.arrayValue ?? []
            #expect(policies.first { $0["policy"]?["id"]?.stringValue == "ZDT-26" }?["inactive"] == nil)
        }
    }
}

extension DetectionServiceTests {
    @Test("the history-bound templates end to end: a sign-in at an hour the user never signed in at (ZDT-24), and an account back after 35 days (ZDT-23, its old sign-in stored as a sync long ago would have)")
    func historyTemplatesEndToEnd() async throws {
        let tenant = TenantGenerator(users: 40, groups: 2, days: 3, seed: 76).generate()
        // The three-hour block of now, and a user who never signed in during it.
        let now = Date()
        let current = EventField.hourBlock.value(of: ZoomActivityMapping.signIn(["email": "x@x.example", "time": .string(FastFormats.utcTimestamp(now)), "type": "Sign in"]))
        var blocks: [String: Set<String>] = [:]
        for row in tenant.activityLogs where row["type"]?.stringValue == "Sign in" {
            if let email = row["email"]?.stringValue, let value = EventField.hourBlock.value(of: ZoomActivityMapping.signIn(row)) { blocks[email, default: []].insert(value) }
        }
        let active = Set(tenant.users.filter { $0["status"]?.stringValue == "active" }.compactMap { $0["email"]?.stringValue })
        let owl = try #require(blocks.filter { active.contains($0.key) && !$0.value.contains(current ?? "") && !$0.value.isEmpty }.keys.sorted().first,
                               "no user without a sign-in in the block \(current ?? "?")")
        let sleeper = try #require(active.filter { blocks[$0] == nil }.sorted().first ?? active.sorted().first { $0 != owl })
        let receiver = try await WebhookReceiver.start(secret: "unused", logger: .init(label: "receiver"))
        defer { Task { await receiver.stop() } }
        try await ServerFixture.with(tenant, simulator: .init(webhookURL: "http://127.0.0.1:9/not-yet")) { f in
            let id = try await f.createConnector()
            try await f.waitForSync(id)
            // The sleeper's last sign-in, 35 days ago, as a sync long ago stored it.
            var old = ZoomActivityMapping.signIn(["email": .string(sleeper), "time": .string(FastFormats.utcTimestamp(now.addingTimeInterval(-35 * 86_400))),
                                                   "type": "Sign in", "ip_address": "192.0.2.200", "client_type": "Mac", "version": "6.0.0"])
            old.connectorID = id
            try await f.deps.activities.insert([old], mappingVersion: ZoomActivityMapping.version)
            await f.deps.detectionFeed.settled()
            let created = try await f.send("POST", "/api/v1/channels", json: ["name": "all", "kind": "webhook", "url": .string(receiver.url), "minSeverity": "info"])
            #expect(created.status == 201)
            _ = try await f.sim.raw("PUT", "/_sim/webhooks/url", body: Data(#"{"url": "\#(f.base)/webhooks/zoom/\#(id)"}"#.utf8))
            _ = try await f.sim.raw("POST", "/_sim/webhooks/validate")
            #expect(await f.sim.engine.recordSignIn(email: owl, ipAddress: "198.51.100.31", clientType: "Mac"))
            try await Task.sleep(for: .milliseconds(1100))
            #expect(await f.sim.engine.recordSignIn(email: sleeper, ipAddress: "192.0.2.200", clientType: "Mac"))
            try await Self.eventually("the unusual hour") { Self.messages(receiver, policy: "ZDT-24").contains { $0.1["data"]?["alert"]?["actor"]?.stringValue == owl } }
            try await Self.eventually("the sleeper's return") { Self.messages(receiver, policy: "ZDT-23").contains { $0.1["data"]?["alert"]?["actor"]?.stringValue == sleeper } }
            let back = try #require(Self.messages(receiver, policy: "ZDT-23").first { $0.1["data"]?["alert"]?["actor"]?.stringValue == sleeper })
            #expect(back.1["data"]?["alert"]?["value"]?.stringValue == FastFormats.utcTimestamp(now.addingTimeInterval(-35 * 86_400)).prefix(10).description)
        }
    }
}

/// The message formats, apart from a server.
@Suite struct NotificationFormatTests {
    @Test("Standard Webhooks signatures match the specification's reference library (standardwebhooks 1.1.0) on its example, and the receiver-side check accepts them")
    func standardWebhooksVector() throws {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        let body = Data(#"{"test": 2432232314}"#.utf8)
        // Computed with the reference Python library: Webhook(secret).sign(id, timestamp, body).
        #expect(StandardWebhooks.signature(secret: secret, id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: body)
            == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        let headers = ["webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek", "webhook-timestamp": "1614265330",
                       "webhook-signature": "v1,bm9ldmVu v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="]
        #expect(StandardWebhooksCheck.verify(secret: secret, headers: headers, body: body, now: Date(timeIntervalSince1970: 1_614_265_400)))
        // A changed body, an old timestamp or another secret fail.
        #expect(!StandardWebhooksCheck.verify(secret: secret, headers: headers, body: Data(#"{"test": 1}"#.utf8), now: Date(timeIntervalSince1970: 1_614_265_400)))
        #expect(!StandardWebhooksCheck.verify(secret: secret, headers: headers, body: body, now: Date(timeIntervalSince1970: 1_614_266_000)))
        #expect(!StandardWebhooksCheck.verify(secret: StandardWebhooks.newSecret(), headers: headers, body: body, now: Date(timeIntervalSince1970: 1_614_265_400)))
        #expect(StandardWebhooks.signature(secret: "not-a-secret", id: "m", timestamp: 1, body: body) == nil)
        let fresh = StandardWebhooks.newSecret()
        #expect(fresh.hasPrefix("whsec_") && Data(base64Encoded: String(fresh.dropFirst(6)))?.count == 32)
    }

    @Test("Slack text escapes its markup characters; chat messages carry the alert's facts")
    func chatFormats() {
        let alert = AlertRecord(connectorID: "c", policyID: "ZDT-01", policyVersion: 1, title: "<!channel> & friends", severity: .high, key: "k",
                                actor: "a@example.com", value: nil, firstSeen: Date(timeIntervalSince1970: 0), lastSeen: Date(timeIntervalSince1970: 60),
                                count: 2, evidence: [], createdAt: Date(), updatedAt: Date())
        let payload = NotificationMessage.alertRaised(alert, at: Date())
        let slack = NotificationMessage.slack(payload)
        #expect(slack["text"]?.stringValue == "[HIGH] &lt;!channel&gt; &amp; friends")
        #expect(slack["blocks"]?.arrayValue?.count == 2)
        let teams = NotificationMessage.teams(payload)
        let facts = teams["attachments"]?.arrayValue?.first?["content"]?["body"]?.arrayValue?.last?["facts"]?.arrayValue ?? []
        #expect(facts.contains { $0["title"]?.stringValue == "Actor" && $0["value"]?.stringValue == "a@example.com" })
    }
}

/// E-mail notifications to a real SMTP server (aiosmtpd) with STARTTLS or TLS and AUTH.
@Suite(.serialized)
struct EmailNotificationTests {
    static func channel(_ f: ServerFixture, _ smtp: SMTPReceiver, security: String, password: String) async throws -> (Reply, String?) {
        var email: JSONValue = ["host": "127.0.0.1", "port": .int(Int64(smtp.port)), "security": .string(security), "username": "bot",
                                "from": "sspm@example.com", "to": ["soc@example.com", "ciso@example.com"]]
        if !smtp.certificate.isEmpty { email["caCertificate"] = .string(smtp.certificate) }
        let reply = try await f.send("POST", "/api/v1/channels", json: ["name": .string(Self.name(security)), "kind": "email", "password": .string(password), "email": email])
        return (reply, reply.json["id"]?.stringValue)
    }

    /// A long name in Japanese: the subject it goes into is folded into several encoded-words.
    static func name(_ security: String) -> String { "mail \(security) " + String(repeating: "セキュリティ通知", count: 9) }

    static func state(_ f: ServerFixture, channel: String, item: String) async throws -> JSONValue? {
        try await f.send("GET", "/api/v1/channels/\(channel)/deliveries").json["items"]?.arrayValue?.first { $0["id"]?.stringValue == item }
    }

    @Test("STARTTLS and implicit TLS with AUTH: the test message arrives under TLS, authenticated, to every recipient, subject and body readable; a wrong password is final (535), a 450 recipient is retried; the password is never shown")
    func smtp() async throws {
        guard SMTPReceiver.available else {
            print("EmailNotificationTests: python3 with aiosmtpd, or openssl, is not installed (pip install aiosmtpd; .ci/run does), so the SMTP test is skipped.")
            return
        }
        try await ServerFixture.withoutZoom(configure: { c in
            c.notifications.retrySchedule = [0.3]
            c.notifications.maxAttempts = 2
            c.notifications.timeout = 10
        }) { f in
            for mode in ["starttls", "tls"] {
                let smtp = try await SMTPReceiver(mode: mode, user: "bot", password: "s3cret-pass")
                defer { smtp.stop() }
                let (created, id) = try await Self.channel(f, smtp, security: mode, password: "s3cret-pass")
                #expect(created.status == 201, "\(created.text)")
                #expect(!created.text.contains("s3cret-pass") && created.json["email"]?["hasPassword"]?.boolValue == true)
                let channel = try #require(id)
                let item = try #require(try await f.send("POST", "/api/v1/channels/\(channel)/test").json["id"]?.stringValue)
                try await DetectionServiceTests.eventually("the \(mode) message") { !smtp.messages.isEmpty }
                let message = try #require(smtp.messages.first)
                #expect(message.tls && message.user == "bot")
                #expect(Set(message.to) == ["soc@example.com", "ciso@example.com"] && message.from == "sspm@example.com")
                #expect(message.subject == "OpenSSPM: test notification for \(Self.name(mode))", "\(message.subject)")
                #expect(message.raw.components(separatedBy: "\r\n").allSatisfy { $0.count <= 998 } && message.raw.contains("=?utf-8?B?"))
                #expect(message.body.contains("this channel works") && message.body.contains(item))
                try await DetectionServiceTests.eventually("delivered") { try await Self.state(f, channel: channel, item: item)?["state"]?.stringValue == "delivered" }
                #expect(try await Self.state(f, channel: channel, item: item)?["lastStatus"]?.intValue == 250)
            }
            // A wrong password: the relay says 535, which no retry will change.
            let wrong = try await SMTPReceiver(mode: "starttls", user: "bot", password: "right-one")
            defer { wrong.stop() }
            let (_, wrongID) = try await Self.channel(f, wrong, security: "starttls", password: "not-the-right-one")
            let wrongChannel = try #require(wrongID)
            let refused = try #require(try await f.send("POST", "/api/v1/channels/\(wrongChannel)/test").json["id"]?.stringValue)
            try await DetectionServiceTests.eventually("the dead letter") { try await Self.state(f, channel: wrongChannel, item: refused)?["state"]?.stringValue == "dead" }
            let dead = try #require(try await Self.state(f, channel: wrongChannel, item: refused))
            #expect(dead["lastStatus"]?.intValue == 535 && dead["attempts"]?.intValue == 1)
            #expect(wrong.authentications.contains { $0.0 == "bot" && !$0.1 } && wrong.messages.isEmpty)
            let lastError = dead["lastError"]?.stringValue ?? ""
            #expect(lastError.contains("535") && lastError.contains("not-the-right-one") == false)
            // A recipient refused for now (450): tried again, then given up after the attempts.
            let busy = try await SMTPReceiver(mode: "starttls", user: "bot", password: "pw-pw-pw", failRecipients: 450)
            defer { busy.stop() }
            let (_, busyID) = try await Self.channel(f, busy, security: "starttls", password: "pw-pw-pw")
            let busyChannel = try #require(busyID)
            let later = try #require(try await f.send("POST", "/api/v1/channels/\(busyChannel)/test").json["id"]?.stringValue)
            try await DetectionServiceTests.eventually("two attempts") { try await Self.state(f, channel: busyChannel, item: later)?["state"]?.stringValue == "dead" }
            #expect(try await Self.state(f, channel: busyChannel, item: later)?["attempts"]?.intValue == 2)
            #expect(try await Self.state(f, channel: busyChannel, item: later)?["lastStatus"]?.intValue == 450)
            // STARTTLS required but the relay offers none: refused at once, with what to do.
            let plain = try await SMTPReceiver(mode: "plain")
            defer { plain.stop() }
            let (_, plainID) = try await Self.channel(f, plain, security: "starttls", password: "x-x-x-x")
            let plainChannel = try #require(plainID)
            let noTLS = try #require(try await f.send("POST", "/api/v1/channels/\(plainChannel)/test").json["id"]?.stringValue)
            try await DetectionServiceTests.eventually("the refusal") { try await Self.state(f, channel: plainChannel, item: noTLS)?["state"]?.stringValue == "dead" }
            #expect(try await Self.state(f, channel: plainChannel, item: noTLS)?["lastError"]?.stringValue?.contains("does not offer STARTTLS") == true)
            #expect(plain.messages.isEmpty)
        }
    }
}

/// A relay that speaks a fixed script over plain TCP, one connection: what a hostile relay, or
/// something on the path, can send.
final class ScriptedRelay: Sendable {
    let port: Int
    private let listener: Int32
    /// Everything the client sent, as text (Latin-1, so TLS bytes do not stop it).
    private final class Box: Sendable { let text = Mutex("") }
    private let received = Box()

    /// `script`: for each line the client sends (after the greeting), the answer; the greeting first.
    init(greeting: String, answers: [String]) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) } }
        guard bound == 0, listen(fd, 1) == 0 else { throw CocoaError(.fileWriteUnknown) }
        _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
        port = Int(UInt16(bigEndian: address.sin_port))
        listener = fd
        let received = self.received
        Thread.detachNewThread {
            let client = accept(fd, nil, nil)
            guard client >= 0 else { return }
            defer { close(client) }
            func say(_ text: String) { _ = text.utf8CString.withUnsafeBufferPointer { send(client, $0.baseAddress, $0.count - 1, Int32(MSG_NOSIGNAL)) } }
            var timeout = timeval(tv_sec: 5, tv_usec: 0)
            setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            say(greeting)
            var pending = answers[...]
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let n = recv(client, &buffer, buffer.count, 0)
                guard n > 0 else { return }
                let text = String(decoding: buffer[0..<n].map { $0 < 128 ? $0 : UInt8(ascii: "?") }, as: UTF8.self)
                received.text.withLock { $0 += text }
                if text.hasSuffix("\r\n"), let answer = pending.popFirst() { say(answer) }
            }
        }
    }

    var transcript: String { received.text.withLock { $0 } }

    func stop() { shutdown(listener, Int32(SHUT_RDWR)); close(listener) }
}

extension EmailNotificationTests {
    @Test("a relay's answer is data: its control characters are escaped in the delivery log and the server's log")
    func relayAnswerEscaped() async throws {
        try await ServerFixture.withoutZoom(configure: { c in
            c.notifications.retrySchedule = [60]
            c.notifications.maxAttempts = 1
            c.notifications.timeout = 5
        }) { f in
            let relay = try ScriptedRelay(greeting: "554 bad\u{1b}[31m RED\u{1b}[0m\u{0} forged\r\n", answers: [])
            defer { relay.stop() }
            let email: JSONValue = ["host": "127.0.0.1", "port": .int(Int64(relay.port)), "security": "none", "from": "sspm@example.com", "to": ["soc@example.com"]]
            let created = try await f.send("POST", "/api/v1/channels", json: ["name": "escaped", "kind": "email", "email": email])
            let channel = try #require(created.json["id"]?.stringValue, "\(created.text)")
            let item = try #require(try await f.send("POST", "/api/v1/channels/\(channel)/test").json["id"]?.stringValue)
            try await DetectionServiceTests.eventually("the refusal") { try await Self.state(f, channel: channel, item: item)?["lastError"]?.stringValue != nil }
            let error = try await Self.state(f, channel: channel, item: item)?["lastError"]?.stringValue ?? ""
            #expect(error.contains("not ready") && error.contains("\\u{1b}[31m RED") && !error.contains("\u{1b}") && !error.contains("\u{0}"), "\(error)")
            #expect(!f.logs.all.contains { $0.contains("\u{1b}") }, "a raw escape reached the log")
        }
    }

    @Test("STARTTLS injection: answers sent ahead in plain text (after the relay's 220 to STARTTLS, or a forged 220 appended to the EHLO answer) are refused, not read as if they came over TLS; no AUTH is sent")
    func startTLSInjection() async throws {
        let scripts = [
            // The 220 and a forged EHLO answer (offering AUTH PLAIN) in one packet.
            ["250-relay\r\n250 STARTTLS\r\n", "220 go ahead\r\n250-relay\r\n250 AUTH PLAIN\r\n"],
            // The STARTTLS answer and the forged EHLO answer sent ahead, with the EHLO answer.
            ["250-relay\r\n250 STARTTLS\r\n220 go ahead\r\n250-relay\r\n250 AUTH PLAIN\r\n"],
        ]
        try await ServerFixture.withoutZoom(configure: { c in
            c.notifications.retrySchedule = [60]
            c.notifications.maxAttempts = 2
            c.notifications.timeout = 5
        }) { f in
            for (index, answers) in scripts.enumerated() {
                let relay = try ScriptedRelay(greeting: "220 relay ready\r\n", answers: answers)
                defer { relay.stop() }
                let email: JSONValue = ["host": "127.0.0.1", "port": .int(Int64(relay.port)), "security": "starttls", "username": "bot",
                                        "from": "sspm@example.com", "to": ["soc@example.com"]]
                let created = try await f.send("POST", "/api/v1/channels", json: ["name": .string("injected \(index)"), "kind": "email", "password": "pw-pw-pw-pw", "email": email])
                let channel = try #require(created.json["id"]?.stringValue, "\(created.text)")
                let item = try #require(try await f.send("POST", "/api/v1/channels/\(channel)/test").json["id"]?.stringValue)
                try await DetectionServiceTests.eventually("the refusal") { try await Self.state(f, channel: channel, item: item)?["lastError"]?.stringValue != nil }
                let error = try await Self.state(f, channel: channel, item: item)?["lastError"]?.stringValue ?? ""
                #expect(error.contains("more than the answer to our command"), "script \(index): \(error)")
                #expect(!relay.transcript.contains("AUTH"), "script \(index): \(relay.transcript)")
            }
        }
    }
}
