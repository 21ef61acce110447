import Foundation
import SSPMTestSupport
import Testing
import ZoomAPI
import ZoomSimulator

/// Every simulator endpoint's body validates against the response schema in Zoom's official OpenAPI
/// documents: by default the committed extract of them in Tests/Fixtures/zoom-api
/// (scripts/extract_zoom_schemas.py), or the full documents when ZOOM_SPEC_DIR names their folder. The
/// check is `scripts/validate_simulator.py`, a plain HTTP client written to Zoom's documentation (Python
/// standard library + jsonschema), so it also shows that such a client works against the simulator with
/// only its base and token URLs changed.
@Suite(.serialized)
struct SchemaConformanceTests {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var specDirectory: String {
        if let env = ProcessInfo.processInfo.environment["ZOOM_SPEC_DIR"], !env.isEmpty { return env }
        return repoRoot.appendingPathComponent("Tests/Fixtures/zoom-api").path
    }

    @Test("every endpoint of a generated tenant validates against Zoom's official schemas", arguments: [ZoomPlan.pro, .business])
    func generatedTenantValidates(plan: ZoomPlan) async throws {
        let tenant = TenantGenerator(users: 400, groups: 6, days: 3, seed: plan == .pro ? 1 : 2, plan: plan).generate()
        try await SimulatorFixture.with(tenant) { f in
            let (status, output) = try await blockingCall { try Self.runValidator(f: f, tenant: tenant) }
            #expect(status == 0, "schema check failed:\n\(output)")
            #expect(output.contains("schema check:"))
            #expect(!output.contains("FAIL"))
        }
    }

    @Test("the validator is not a rubber stamp: a body that breaks the schema is caught")
    func validatorCatchesBrokenBodies() async throws {
        var tenant = TenantGenerator(users: 20, groups: 1, days: 1, seed: 3).generate()
        // A user whose `type` is a string and whose `status` is not in the enum.
        tenant.users[1]["type"] = "licensed"
        tenant.users[1]["status"] = "active"
        tenant.users[1]["verified"] = "yes"
        let broken = tenant
        try await SimulatorFixture.with(broken) { f in
            let (status, output) = try await blockingCall { try Self.runValidator(f: f, tenant: broken) }
            #expect(status != 0)
            #expect(output.contains("FAIL"))
        }
    }

    static func runValidator(f: SimulatorFixture, tenant: Tenant) throws -> (Int32, String) {
        try runScript("validate_simulator.py", arguments: [
            "--api-url", f.simulator.apiURL, "--token-url", f.simulator.tokenURL,
            "--account-id", tenant.credentials.accountID, "--client-id", tenant.credentials.clientID,
            "--client-secret", tenant.credentials.clientSecret, "--spec-dir", specDirectory])
    }

    /// Runs `python3 scripts/NAME ARGS…`; with `input`, the text is written to a temporary file passed as the last argument.
    static func runScript(_ name: String, arguments: [String], input: String? = nil) throws -> (Int32, String) {
        let script = repoRoot.appendingPathComponent("scripts/\(name)").path
        var arguments = arguments
        var inputPath: String?
        if let input {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("sspm-\(UUID().uuidString).json").path
            try Data(input.utf8).write(to: URL(fileURLWithPath: path))
            arguments.append(path)
            inputPath = path
        }
        defer { if let inputPath { try? FileManager.default.removeItem(atPath: inputPath) } }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
