import Crypto
import Foundation
import SSPMCore
import SSPMProviders
import SSPMServer
import SSPMTestSupport
import Testing
import ZoomAPI
import ZoomSimulator

/// The provider seam, proven by a provider that lives only in this folder: added to the registry
/// with one line, it connects, validates, syncs a posture snapshot and an activity stream, is
/// scored, receives a webhook, and shows in the API and the web UI of the real server.
@Suite(.serialized)
struct ProviderSeamTests {
    @Test("a test-only provider goes through the real server: connect, validate, sync, score, webhook, API and web UI")
    func testOnlyProvider() async throws {
        let tenant = TenantGenerator(users: 5, groups: 1, days: 1, seed: 77).generate()
        let source = try await AcmeSource.start(logger: LogCapture().logger(label: "acme"))
        defer { Task { await source.listening.stop() } }
        try await ServerFixture.with(tenant, configure: {
            $0.providers = StandardProviders.registry(adding: [AcmeProvider()])  // the registry line
        }) { f in
            let body: JSONValue = ["provider": "acme", "name": "Acme production", "tenant": "acme-prod", "apiKey": .string(AcmeSource.key),
                                   "apiUrl": .string(source.url), "webhookSecret": "acme-hook"]
            // A wrong key is refused before anything is saved; the right one connects.
            var wrong = body
            wrong["apiKey"] = "nope"
            let refused = try await f.send("POST", "/api/v1/connectors", json: wrong)
            #expect(refused.status == 422 && refused.errorCode == "connection_failed", "\(refused.text)")
            let created = try await f.send("POST", "/api/v1/connectors", json: body)
            #expect(created.status == 201, "\(created.text)")
            #expect(created.json["validation"]?["status"]?.stringValue == "connected")
            #expect(created.json["connector"]?["provider"]?.stringValue == "acme" && created.json["connector"]?["tenant"]?.stringValue == "acme-prod")
            #expect(created.json["connector"]?["webhookUrlPath"]?.stringValue?.hasPrefix("/webhooks/acme/") == true)
            let id = try #require(created.json["connector"]?["id"]?.stringValue)
            #expect(try await f.send("POST", "/api/v1/connectors", json: body).errorCode == "duplicate_tenant")

            // The sync reads the posture and the audit stream; the catalogue scores it.
            try await f.waitForSync(id)
            let recommendations = try await f.send("GET", "/api/v1/connectors/\(id)/recommendations")
            let items = recommendations.json["items"]?.arrayValue ?? []
            #expect(Set(items.compactMap { $0["controlId"]?.stringValue }) == ["ACM-01", "ACM-02"], "\(recommendations.text)")
            #expect(items.first { $0["controlId"]?.stringValue == "ACM-01" }?["verdict"]?.stringValue == "fail")
            #expect(items.first { $0["controlId"]?.stringValue == "ACM-02" }?["verdict"]?.stringValue == "pass")
            #expect(items.allSatisfy { $0["product"]?.stringValue == "acme" })
            let activities = try await f.send("GET", "/api/v1/connectors/\(id)/activities")
            #expect(activities.json["items"]?.arrayValue?.count == 2, "\(activities.text)")
            #expect(activities.json["items"]?.arrayValue?.contains { $0["action"]?.stringValue == "settings.update" && $0["outcome"]?.stringValue == "failure" } == true)
            #expect(try await f.send("GET", "/api/v1/controls").json["items"]?.arrayValue?.contains { $0["id"]?.stringValue == "ACM-01" } == true)

            // A signed webhook is stored; a bad signature, or Zoom's path for this connector, is refused.
            let event = Data(#"{"id":"w1","time":"2026-12-02T10:00:00Z","user":"ops@acme.example","action":"settings.update"}"#.utf8)
            let signature = FastFormats.hex(HMAC<SHA256>.authenticationCode(for: event, using: SymmetricKey(data: Data("acme-hook".utf8))))
            let asked = Date()
            let stored = try await f.send("POST", "/webhooks/acme/\(id)", raw: event, token: .some(nil),
                                          headers: [("Content-Type", "application/json"), ("x-acme-signature", signature)])
            #expect(stored.status == 204, "\(stored.text)")
            let forged = try await f.send("POST", "/webhooks/acme/\(id)", raw: event, token: .some(nil),
                                          headers: [("Content-Type", "application/json"), ("x-acme-signature", String(repeating: "0", count: 64))])
            #expect(forged.status == 401)
            let elsewhere = try await f.send("POST", "/webhooks/zoom/\(id)", raw: event, token: .some(nil), headers: [("Content-Type", "application/json")])
            #expect(elsewhere.status == 404)
            #expect(try await f.deps.activities.count(connectorID: id) == 3)
            // The settings event asks for a posture read: it is due, or the scheduler already began it.
            let due = try await f.deps.jobs.job(connectorID: id).map { $0.nextPostureAt <= Date() } == true
            let began = try await f.deps.jobs.runs(connectorID: id).first.map { $0.startedAt >= asked.addingTimeInterval(-0.001) } == true
            #expect(due || began, "the settings event asks for a posture read")

            // The web UI: the connectors list, the connector's page with its score, and the connect form built from Acme's fields.
            let browser = WebUITests.Browser(f)
            try await browser.login(ServerFixture.adminEmail, ServerFixture.adminPassword)
            #expect(try await browser.get("/connectors").text.contains("Acme production"))
            let page = try await browser.get("/connectors/\(id)")
            #expect(page.status == 200 && page.text.contains("Acme security") && page.text.contains("/webhooks/acme/\(id)"))
            let form = try await browser.get("/connectors/new/credentials?name=Acme+staging&provider=acme")
            #expect(form.status == 200 && form.text.contains(#"name="tenant""#) && form.text.contains(#"id="apiKey" name="apiKey" type="password""#)
                    && form.text.contains("Connect an app → Acme"), "\(form.text.prefix(400))")
        }
    }
}
