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
        let tenant = TenantGenerator(users: 5, groups: 1, days: 1, seed: 81).generate()
        try await ServerFixture.with(tenant) { f in
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
}
