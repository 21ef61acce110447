import Foundation
import SSPMCore
import SSPMProvider
import ZoomProvider
import SSPMTestSupport
import Testing
import ZoomAPI
import ZoomSimulator

@Suite(.serialized)
struct WebhookDeliveryTests {
    static func json(_ data: Data) -> JSONValue { (try? JSONDecoder().decode(JSONValue.self, from: data)) ?? .null }

    func withReceiver(_ body: (SimulatorFixture, WebhookReceiver, Tenant) async throws -> Void) async throws {
        let tenant = TenantGenerator(users: 30, groups: 2, days: 1, seed: 11).generate()
        let secret = try #require(tenant.credentials.webhookSecretToken)
        let receiver = try await WebhookReceiver.start(secret: secret, logger: LogCapture().logger(label: "receiver"))
        do {
            try await SimulatorFixture.with(tenant, options: .init(webhookURL: receiver.url)) { f in
                try await body(f, receiver, tenant)
            }
        } catch {
            await receiver.stop()
            throw error
        }
        await receiver.stop()
    }

    @Test("a settings PATCH through the API emits account.settings_updated, signed as Zoom signs")
    func settingsChangeEmitsSignedEvent() async throws {
        try await withReceiver { f, receiver, tenant in
            let token = try await f.accessToken()
            let patch = try await f.raw("PATCH", "/v2/accounts/me/settings?option=meeting_security",
                                        headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json")],
                                        body: Data(#"{"meeting_security":{"waiting_room":false}}"#.utf8))
            #expect(patch.status == 204)
            let deliveries = try await receiver.wait(for: 1)
            let delivery = try #require(deliveries.first)
            let timestamp = try #require(delivery.headers["x-zm-request-timestamp"])
            let signature = try #require(delivery.headers["x-zm-signature"])
            #expect(ZoomWebhookSignature.isValid(signature: signature, secret: tenant.credentials.webhookSecretToken!, timestamp: timestamp, body: delivery.body))
            #expect(abs((Double(timestamp) ?? 0) - Date().timeIntervalSince1970) < 30)
            #expect(delivery.headers["user-agent"] == "Zoom Marketplace/1.0a")
            let event = Self.json(delivery.body)
            #expect(event["event"] == "account.settings_updated")
            // The receiving side's verifier accepts it once and refuses the same bytes again.
            let verifier = ZoomWebhookVerifier(secret: tenant.credentials.webhookSecretToken!)
            guard case .event("account.settings_updated", _) = await verifier.handle(body: delivery.body, headers: delivery.headers) else {
                Issue.record("the verifier refused a delivery from the simulator")
                return
            }
            guard case .rejected(409, _) = await verifier.handle(body: delivery.body, headers: delivery.headers) else {
                Issue.record("a replay was accepted")
                return
            }
            #expect(event["payload"]?["object"]?["settings"]?["meeting_security"]?["waiting_room"] == false)
            #expect(event["payload"]?["old_object"]?["settings"]?["meeting_security"]?["waiting_room"]
                    == tenant.settings!["meeting_security"]!["waiting_room"])
            #expect(event["payload"]?["operator"] != nil)
            let (status, output) = try SchemaConformanceTests.runScript(
                "validate_webhooks.py", arguments: ["--spec-dir", SchemaConformanceTests.specDirectory],
                input: "[" + String(decoding: delivery.body, as: UTF8.self) + "]")
            #expect(status == 0, "webhook schema check failed:\n\(output)")
            // The change is visible through the API.
            let now = try await f.api("/accounts/me/settings?option=meeting_security", token: token)
            #expect(now.json["meeting_security"]?["waiting_room"] == false)
        }
    }

    @Test("sign-ins, deactivations, group changes each emit their event")
    func eventKinds() async throws {
        try await withReceiver { f, receiver, tenant in
            let user = tenant.users.first { $0["status"]?.stringValue == "active" && $0["role_id"]?.stringValue == "2" }!
            let email = user["email"]!.stringValue!
            #expect(await f.engine.recordSignIn(email: email))
            #expect(await f.engine.recordSignIn(email: email, signOut: true))
            #expect(await f.engine.deactivateUser(email))
            let group = tenant.groups[0]["id"]!.stringValue!
            await f.engine.changeGroupSettings(group, ["in_meeting": ["chat": false]])
            await f.engine.changeAccountSettings(["schedule_meeting": ["join_before_host": true]], lock: true)
            let token = try await f.accessToken()
            let other = tenant.users.first { $0["id"] != nil && !(($0["group_ids"]?.arrayValue ?? []).contains(.string(group))) }!
            let add = try await f.raw("POST", "/v2/groups/\(group)/members", headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json")],
                                      body: Data(#"{"members":[{"email":"\#(other["email"]!.stringValue!)"}]}"#.utf8))
            #expect(add.status == 201)
            let create = try await f.raw("POST", "/v2/users", headers: [("Authorization", "Bearer \(token)"), ("Content-Type", "application/json")],
                                         body: Data(#"{"action":"custCreate","user_info":{"email":"new.person@example.com","type":1,"first_name":"New","last_name":"Person"}}"#.utf8))
            #expect(create.status == 201)
            let deliveries = try await receiver.wait(for: 7)
            let events = deliveries.map { Self.json($0.body)["event"]?.stringValue ?? "" }
            #expect(Set(events) == ["user.signed_in", "user.signed_out", "user.deactivated", "group.settings_updated",
                                    "account.lock_settings_updated", "group.member_added", "user.created"])
            let signedIn = deliveries.map { Self.json($0.body) }.first { $0["event"] == "user.signed_in" }!
            #expect(signedIn["payload"]?["object"]?["email"] == .string(email))
            #expect(signedIn["payload"]?["object"]?["client_type"] == "browser")
            // Every body matches its event's schema in Zoom's webhook documents.
            let bodies = "[" + deliveries.map { String(decoding: $0.body, as: UTF8.self) }.joined(separator: ",") + "]"
            let (status, output) = try SchemaConformanceTests.runScript("validate_webhooks.py", arguments: ["--spec-dir", SchemaConformanceTests.specDirectory], input: bodies)
            #expect(status == 0, "webhook schema check failed:\n\(output)")
            #expect(output.contains("webhook check: 7 valid, 0 invalid"))
            // The sign-in also lands in the report.
            let report = try await f.api("/report/activities", token: token)
            #expect(report.json["activity_logs"]?.arrayValue?.first?["email"] == .string(email))
        }
    }

    @Test("a 5xx is retried at +5 and +20 minutes of simulator time; a 4xx is not retried")
    func retries() async throws {
        try await withReceiver { f, receiver, _ in
            receiver.respond(with: [500, 503])
            await f.engine.changeAccountSettings(["in_meeting": ["chat": false]])
            #expect(try await receiver.wait(for: 1).count == 1)
            try await Task.sleep(for: .milliseconds(200))
            #expect(receiver.deliveries.count == 1)  // nothing before +5 minutes
            f.engine.clock.advance(by: 5 * 60 + 1)
            #expect(try await receiver.wait(for: 2).count == 2)
            try await Self.waitForAttempts(2, f)  // the dispatcher has scheduled the next retry
            f.engine.clock.advance(by: 19 * 60)
            try await Task.sleep(for: .milliseconds(200))
            #expect(receiver.deliveries.count == 2)
            f.engine.clock.advance(by: 61)
            let third = try await receiver.wait(for: 3)
            #expect(third.count == 3)
            try await Self.waitForAttempts(3, f)  // the dispatcher records an attempt after the receiver answered
            #expect(Set(third.map { $0.headers["x-zm-request-id"] ?? "" }).count == 1)
            let attempts = f.simulator.server.webhooks!.attempts()
            #expect(attempts.map(\.status) == [500, 503, 200])

            receiver.respond(with: [400])
            await f.engine.changeAccountSettings(["in_meeting": ["chat": true]])
            #expect(try await receiver.wait(for: 4).count == 4)
            f.engine.clock.advance(by: 2 * 3600)
            try await Task.sleep(for: .milliseconds(200))
            #expect(receiver.deliveries.count == 4)
        }
    }

    static func waitForAttempts(_ count: Int, _ f: SimulatorFixture) async throws {
        for _ in 0..<250 where f.simulator.server.webhooks!.attempts().count < count {
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    @Test("endpoint.url_validation: a correct answer passes, a wrong secret fails")
    func urlValidation() async throws {
        try await withReceiver { f, receiver, _ in
            #expect(await f.simulator.server.webhooks!.validateEndpoint() == nil)
            let challenge = Self.json(receiver.deliveries.last!.body)
            #expect(challenge["event"] == "endpoint.url_validation")
            #expect(challenge["payload"]?["plainToken"]?.stringValue?.isEmpty == false)
        }
        let tenant = TenantGenerator(users: 3, groups: 0, days: 0, seed: 1).generate()
        let receiver = try await WebhookReceiver.start(secret: "a-different-secret", logger: LogCapture().logger(label: "r"))
        try await SimulatorFixture.with(tenant, options: .init(webhookURL: receiver.url)) { f in
            let problem = await f.simulator.server.webhooks!.validateEndpoint()
            #expect(problem?.contains("encryptedToken") == true)
        }
        await receiver.stop()
    }
}
