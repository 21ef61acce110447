import Foundation
import SSPMServer
import SSPMTestSupport
import Testing
import Yams
import ZoomSimulator

@Suite(.serialized)
struct OpenAPIDocumentTests {
    static let methods = ["get", "put", "post", "delete", "patch"]

    @Test("the server implements exactly the operations of docs/openapi.yaml, and serves that document")
    func routesMatchDocument() async throws {
        try await ServerFixture.withoutZoom { f in
            let served = try await f.send("GET", "/openapi.yaml", token: .some(nil))
            #expect(served.status == 200)
            let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            let file = try String(contentsOf: root.appendingPathComponent("docs/openapi.yaml"), encoding: .utf8)
            #expect(served.text == file, "the embedded document is stale: run python3 scripts/gen_openapi_embed.py")

            let document = try #require(try Yams.load(yaml: file) as? [String: Any])
            let paths = try #require(document["paths"] as? [String: Any])
            var documented: Set<String> = []
            for (path, item) in paths {
                for method in Self.methods where (item as? [String: Any])?[method] != nil { documented.insert("\(method.uppercased()) \(path)") }
            }
            let implemented = Set(SSPMServerApp.routes(f.deps).map { "\($0.method.rawValue) \($0.path)" })
            #expect(implemented.subtracting(documented).isEmpty, "implemented but not documented: \(implemented.subtracting(documented).sorted())")
            #expect(documented.subtracting(implemented).isEmpty, "documented but not implemented: \(documented.subtracting(implemented).sorted())")
            #expect(implemented.count > 35)
        }
    }

    static func runValidator(_ arguments: [String]) throws -> (Int32, String) {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", root.appendingPathComponent("scripts/validate_api.py").path] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    @Test("every GET answer and the error answers validate against the schemas of docs/openapi.yaml (scripts/validate_api.py), and the check can fail")
    func responsesMatchSchemas() async throws {
        let tenant = TenantGenerator(users: 60, groups: 2, days: 2, seed: 82).generate()
        try await ServerFixture.with(tenant) { f in
            let id = try await f.createConnector()
            try await f.waitForSync(id)
            // Something for every detection path: an alert (with a comment), a channel with a delivery.
            _ = try await f.sim.raw("POST", "/_sim/operations", body: Data(#"{"category_type": "Account", "action": "Update", "operation_detail": "Security  - Sign in with Two-Factor Authentication: from On to Off"}"#.utf8))
            _ = try await f.send("POST", "/api/v1/connectors/\(id)/sync")
            try await f.waitForSync(id, runsAtLeast: 2)
            await f.deps.detectionFeed.settled()
            let channel = try await f.send("POST", "/api/v1/channels", json: ["name": "hook", "kind": "webhook", "url": "http://127.0.0.1:9/hook"])
            _ = try await f.send("POST", "/api/v1/channels/\(channel.json["id"]?.stringValue ?? "")/test")
            let alert = try #require(try await f.send("GET", "/api/v1/alerts?policyId=ZDT-01").json["items"]?.arrayValue?.first?["id"]?.stringValue)
            _ = try await f.send("POST", "/api/v1/alerts/\(alert)/comments", json: ["body": "looked at it"])
            _ = try await f.send("PATCH", "/api/v1/alerts/\(alert)", json: ["status": "dismissed", "resolution": "benign", "assignee": "soc@example.com"])
            let (status, output) = try await blockingCall { try Self.runValidator(["--base-url", f.base, "--token", f.adminToken, "--connector", id]) }
            #expect(status == 0, "\(output)")
            #expect(output.contains("api check:") && output.contains(", 0 failure(s)"))
            #expect(!output.contains("skip /api/v1/connectors/{connectorId}/scans/{scanId}/diff"))
            for template in ["/api/v1/policies/{policyId}", "/api/v1/alerts/{alertId}", "/api/v1/channels/{channelId}", "/api/v1/channels/{channelId}/deliveries"] {
                #expect(!output.contains("skip \(template)"), "\(template) was not checked")
            }
            let (selfStatus, selfOutput) = try await blockingCall { try Self.runValidator(["--self-test", "--base-url", f.base, "--token", f.adminToken, "--connector", id]) }
            #expect(selfStatus == 0 && selfOutput.contains("self-test: the validator rejects a broken body"), "\(selfOutput)")
        }
    }
}
