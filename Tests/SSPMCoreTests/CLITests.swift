import Foundation
import SSPMCore
import SSPMProvider
import ZoomProvider
import SSPMTestSupport
import Testing
@testable import ZoomSimulator

/// The `sspm` binary as a CI pipeline calls it.
@Suite(.serialized)
struct CLITests {
    static var binary: URL { BuiltBinary.sspm }

    /// Runs the binary on a Dispatch thread (a test that blocks a cooperative thread for the half
    /// minute a demo takes stalls every server test in the process; see `blockingCall`). Its output
    /// goes to files, so neither stream can fill a pipe while the other is read.
    static func run(_ arguments: [String], environment: [String: String] = [:]) async throws -> (status: Int32, out: String, err: String) {
        try await blockingCall {
            let process = Process()
            process.executableURL = binary
            process.arguments = arguments
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            let stem = FileManager.default.temporaryDirectory.appendingPathComponent("sspm-cli-run-\(UUID().uuidString)").path
            _ = FileManager.default.createFile(atPath: stem + ".out", contents: nil)
            _ = FileManager.default.createFile(atPath: stem + ".err", contents: nil)
            defer { try? FileManager.default.removeItem(atPath: stem + ".out"); try? FileManager.default.removeItem(atPath: stem + ".err") }
            process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: stem + ".out"))
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stem + ".err"))
            try process.run()
            process.waitUntilExit()
            let out = try String(contentsOfFile: stem + ".out", encoding: .utf8)
            let err = try String(contentsOfFile: stem + ".err", encoding: .utf8)
            return (process.terminationStatus, out, err)
        }
    }

    static func temp(_ name: String, _ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sspm-cli-\(UUID().uuidString)-\(name)").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("the binary exists")
    func binaryExists() {
        #expect(FileManager.default.isExecutableFile(atPath: Self.binary.path), "build the package first: \(Self.binary.path)")
    }

    @Test("sspm controls --format json lists the whole catalogue")
    func controls() async throws {
        let r = try await Self.run(["controls", "--format", "json"])
        #expect(r.status == 0)
        let list = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as! [Any]
        #expect(list.count == ZoomCatalogue.all.count)
    }

    @Test("scan a tenant file: --fail-on sets exit code 2, a risk acceptance is applied, a baseline changes a verdict")
    func scanTenant() async throws {
        let now = Date()
        let tenant = FixtureTenantTests.acme(now: now)
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sspm-cli-\(UUID().uuidString).json").path
        try tenant.write(path: path)
        let failing = try await Self.run(["scan", "--tenant", path, "--format", "json", "--fail-on", "high"])
        #expect(failing.status == 2)
        #expect(failing.err.contains("ZMT-13"))
        let json = try JSONSerialization.jsonObject(with: Data(failing.out.utf8)) as! [String: Any]
        #expect((json["findings"] as! [Any]).count == ZoomCatalogue.all.count)

        let states = try Self.temp("states.yaml", """
            - control_id: ZMT-13
              state: risk_accepted
              rationale: Town halls need it
              expires: 2099-01-01T00:00:00Z
              by: ciso@example.com
            - control_id: ZMT-14
              state: resolved_alternate
              rationale: Webinars only
            - control_id: ZID-04
              state: planned
              rationale: next quarter
            - control_id: ZID-09
              state: planned
              rationale: SSO makes it moot
            - control_id: ZID-16
              state: resolved_third_party
              rationale: HR offboarding
            - control_id: ZCH-07
              state: risk_accepted
              rationale: partner channel
            - control_id: ZID-06
              state: risk_accepted
              rationale: one service account
            - control_id: ZMT-05
              state: resolved_alternate
              rationale: PMI disabled by policy
            - control_id: ZMT-25
              state: risk_accepted
              rationale: contractors group is being removed
            """)
        let accepted = try await Self.run(["scan", "--tenant", path, "--format", "json", "--fail-on", "high", "--states", states])
        #expect(accepted.status == 0, "\(accepted.err)")
        let findings = (try JSONSerialization.jsonObject(with: Data(accepted.out.utf8)) as! [String: Any])["findings"] as! [[String: Any]]
        #expect(findings.first { $0["controlId"] as? String == "ZMT-13" }?["state"] as? String == "risk_accepted")

        let baseline = try Self.temp("baseline.yaml", "web_session_timeout_max_minutes: 10\n")
        let strict = try await Self.run(["scan", "--tenant", path, "--format", "json", "--baseline", baseline])
        let strictFindings = (try JSONSerialization.jsonObject(with: Data(strict.out.utf8)) as! [String: Any])["findings"] as! [[String: Any]]
        #expect(strictFindings.first { $0["controlId"] as? String == "ZID-03" }?["verdict"] as? String == "fail")  // 15 > 10
    }

    @Test("sspm scan --graph-tenant: a Zoom tenant file cross-checked against a Microsoft 365 tenant made for it (sspm simulate --export / --export-graph): the leavers and UPN mismatches it holds are found; without it the cross-checks are not applicable")
    func scanWithGraph() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("sspm-graph-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let zoom = directory + "/zoom.json", graph = directory + "/graph.json"
        #expect(try await Self.run(["simulate", "--users", "80", "--seed", "11", "--export", zoom]).status == 0)
        let exported = try await Self.run(["simulate", "--users", "80", "--seed", "11", "--export-graph", graph])
        #expect(exported.status == 0 && exported.out.contains("Wrote Graph tenant"), "\(exported.err)")
        let paired = try await Self.run(["scan", "--tenant", zoom, "--graph-tenant", graph, "--format", "json"])
        #expect(paired.status == 0, "\(paired.err)")
        let findings = try JSONDecoder().decode(JSONValue.self, from: Data(paired.out.utf8))["findings"]?.arrayValue ?? []
        func verdict(_ id: String) -> String? { findings.first { $0["controlId"]?.stringValue == id }?["verdict"]?.stringValue }
        #expect(verdict("ZMS-01") == "pass")
        #expect(verdict("ZMS-02") == "fail" && verdict("ZMS-03") == "manual" && verdict("ZMS-04") == "fail", "\(paired.out.prefix(400))")
        let leavers = findings.first { $0["controlId"]?.stringValue == "ZMS-04" }?["affectedUsers"]?.arrayValue ?? []
        #expect(!leavers.isEmpty && leavers.allSatisfy { ($0["reason"]?.stringValue ?? "").contains("Microsoft 365") })
        let alone = try await Self.run(["scan", "--tenant", zoom, "--format", "json"])
        let unpaired = try JSONDecoder().decode(JSONValue.self, from: Data(alone.out.utf8))["findings"]?.arrayValue ?? []
        // The four that compare with the directory (ZMS-05 reads Zoom's own settings).
        let crossChecks = unpaired.filter { ["ZMS-01", "ZMS-02", "ZMS-03", "ZMS-04"].contains($0["controlId"]?.stringValue ?? "") }
        #expect(crossChecks.count == 4 && crossChecks.allSatisfy { $0["verdict"]?.stringValue == "not_applicable" })
        let broken = try await Self.run(["scan", "--tenant", zoom, "--graph-tenant", directory + "/missing.json"])
        #expect(broken.status != 0 && broken.err.contains("Cannot read the Graph tenant file"), "\(broken.err)")

        // sspm detect --graph-tenant: ZDT-31 (terminated user activity) for the leavers' sign-ins in the
        // tenant file, the leavers counted from the Graph file by hand; without the file, none.
        let graphJSON = try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: URL(fileURLWithPath: graph)))
        let zoomJSON = try JSONDecoder().decode(JSONValue.self, from: Data(contentsOf: URL(fileURLWithPath: zoom)))
        var standing: [String: Bool] = [:]  // address → enabled
        for user in graphJSON["users"]?.arrayValue ?? [] {
            let enabled = user["accountEnabled"]?.boolValue == true
            for address in [user["userPrincipalName"]?.stringValue] + (user["proxyAddresses"]?.arrayValue ?? []).map({ $0.stringValue?.split(separator: ":").last.map(String.init) }) {
                if let address { standing[address.lowercased()] = (standing[address.lowercased()] ?? false) || enabled }
            }
        }
        let signedIn = Set((zoomJSON["activity_logs"]?.arrayValue ?? []).filter { $0["type"]?.stringValue == "Sign in" }.compactMap { $0["email"]?.stringValue?.lowercased() })
        let leaversWhoSignedIn = signedIn.filter { standing[$0] != true }
        #expect(!leaversWhoSignedIn.isEmpty, "the generated pair has no leaver who signed in")
        let detected = try await Self.run(["detect", "--tenant", zoom, "--graph-tenant", graph, "--only", "ZDT-31", "--format", "json"])
        #expect(detected.status == 0, "\(detected.err)")
        let alerts = try JSONDecoder().decode(JSONValue.self, from: Data(detected.out.utf8))["alerts"]?.arrayValue ?? []
        #expect(Set(alerts.compactMap { $0["actor"]?.stringValue?.lowercased() }) == leaversWhoSignedIn, "\(detected.out.prefix(600))")
        let unpairedDetect = try await Self.run(["detect", "--tenant", zoom, "--only", "ZDT-31", "--format", "json"])
        #expect((try JSONDecoder().decode(JSONValue.self, from: Data(unpairedDetect.out.utf8))["alerts"]?.arrayValue ?? []).isEmpty)
        #expect(unpairedDetect.err.contains("ZDT-31 matches nobody without --graph-tenant"), "\(unpairedDetect.err)")
        #expect(!detected.err.contains("matches nobody"))
    }

    @Test("sspm detect: the templates over a tenant file's activity as table, JSON and OCSF 2004; --fail-on exits 2; an unknown template is refused")
    func detect() async throws {
        let now = Date()
        var tenant = FixtureTenantTests.acme(now: now)
        let at = FastFormats.utcTimestamp(now.addingTimeInterval(-3600))
        tenant.operationLogs.append(["time": .string(at), "operator": "mallory@acme.example", "category_type": "Account", "action": "Update",
                                     "operation_detail": "Security  - Sign in with Two-Factor Authentication: from On to Off"])
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sspm-detect-\(UUID().uuidString).json").path
        try tenant.write(path: path)
        let json = try await Self.run(["detect", "--tenant", path, "--format", "json", "--only", "ZDT-01"])
        #expect(json.status == 0, "\(json.err)")
        let document = try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as! [String: Any]
        let alerts = document["alerts"] as! [[String: Any]]
        #expect(alerts.count == 1)
        #expect(alerts.first?["ruleId"] as? String == "ZDT-01")
        #expect(alerts.first?["actor"] as? String == "mallory@acme.example")
        #expect(alerts.first?["severity"] as? String == "high")
        #expect((alerts.first?["evidence"] as? [String])?.count == 1)
        let ocsf = try await Self.run(["detect", "--tenant", path, "--format", "ocsf", "--only", "ZDT-01"])
        let finding = try JSONSerialization.jsonObject(with: Data(ocsf.out.split(separator: "\n").first!.utf8)) as! [String: Any]
        #expect(finding["class_uid"] as? Int == 2004 && finding["type_uid"] as? Int == 200401 && finding["severity_id"] as? Int == 4)
        let table = try await Self.run(["detect", "--tenant", path, "--fail-on", "high"])
        #expect(table.status == 2)
        #expect(table.out.contains("ZDT-01") && table.out.contains("Two-factor sign-in turned off by mallory@acme.example"))
        let unknown = try await Self.run(["detect", "--tenant", path, "--only", "ZDT-99"])
        #expect(unknown.status != 0)
        #expect(unknown.err.contains("ZDT-99") && unknown.err.contains("Known:"))
        // A policies file: a policy of one's own, and a template tuned (its id replaces it).
        let policies = FileManager.default.temporaryDirectory.appendingPathComponent("sspm-policies-\(UUID().uuidString).yaml").path
        try Data("""
            - id: P-mallory
              title: "Mallory did {count} things"
              severity: critical
              match: {streams: [operation], actors: [mallory@acme.example]}
            - id: ZDT-01
              title: "2FA off (tuned) by {actor}"
              severity: low
              match: {streams: [operation], detailContains: ["Two-Factor Authentication: from On to Off"], excludeActors: [mallory@acme.example]}
            """.utf8).write(to: URL(fileURLWithPath: policies))
        let custom = try await Self.run(["detect", "--tenant", path, "--format", "json", "--only", "ZDT-01", "--policies", policies])
        #expect(custom.status == 0, "\(custom.err)")
        let customAlerts = (try JSONSerialization.jsonObject(with: Data(custom.out.utf8)) as! [String: Any])["alerts"] as! [[String: Any]]
        #expect(customAlerts.map { $0["ruleId"] as? String } == ["P-mallory"])
        #expect(customAlerts.first?["severity"] as? String == "critical")
        try Data("- id: P-bad\n  title: t\n  severity: low\n  match: {detailPattern: \"(a+)+$\"}\n".utf8).write(to: URL(fileURLWithPath: policies))
        let bad = try await Self.run(["detect", "--tenant", path, "--policies", policies])
        #expect(bad.status != 0 && bad.err.contains("P-bad") && bad.err.contains("detailPattern"), "\(bad.err)")
    }

    @Test("sspm demo starts the server and simulated Zoom, adds and syncs a connector through the API, prints the login, and reuses its data on the next run")
    func demo() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sspm-demo-\(UUID().uuidString)").path
        let first = try await Self.run(["demo", "--once", "--data-dir", dir, "--port", "0", "--zoom-port", "0", "--graph-port", "0", "--users", "60"])
        #expect(first.status == 0, "\(first.err)")
        #expect(first.out.contains("connected — Connected: all 9 data sources can be read."))
        #expect(first.out.contains("Secure Score"))
        #expect(first.out.contains("1 scan(s)"))
        #expect(first.out.contains("Log in:    admin@demo.local / demo-"))
        #expect(!first.out.contains("is running at"), "--once stops the server: it is not announced as running")
        #expect(first.out.contains("(endpoint validated)"))
        #expect(first.out.contains("[████████████████████████] done"))
        let key = try FileManager.default.attributesOfItem(atPath: dir + "/master.key")
        #expect((key[.posixPermissions] as? Int) == 0o600)
        let login = try FileManager.default.attributesOfItem(atPath: dir + "/demo-login.txt")
        #expect((login[.posixPermissions] as? Int) == 0o600)
        let second = try await Self.run(["demo", "--once", "--data-dir", dir, "--port", "0", "--zoom-port", "0", "--graph-port", "0", "--users", "60"])
        #expect(second.status == 0, "\(second.err)")
        #expect(second.out.contains("2 scan(s)"))
        #expect(second.out.contains("Since the previous scan"))
        #expect(second.out.contains("Reusing connector"))
        // The client secret is sealed in the database, not stored in clear.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let tenant = TenantGenerator(users: 60, groups: 10, days: 7, seed: 2026, plan: .business, now: calendar.startOfDay(for: Date())).generate()
        let database = FileManager.default.contents(atPath: dir + "/sspm.sqlite") ?? Data()
        #expect(database.count > 0)
        #expect(database.range(of: Data(tenant.credentials.clientID.utf8)) != nil)  // the same account, so the search below is meaningful
        #expect(database.range(of: Data(tenant.credentials.clientSecret.utf8)) == nil)
        #expect(database.range(of: Data(tenant.credentials.webhookSecretToken!.utf8)) == nil)
    }

    @Test("bad input: unreadable or invalid files and unknown options give a clear error and a non-zero exit")
    func badInput() async throws {
        let broken = try Self.temp("broken.json", "{\n  \"plan\": \"pro\",\n  \"account\": {\"id\": nope}\n}")
        let invalid = try await Self.run(["scan", "--tenant", broken])
        #expect(invalid.status == 1)
        #expect(invalid.err.contains("line 3"))
        let missing = try await Self.run(["scan", "--tenant", "/nonexistent/tenant.json"])
        #expect(missing.status == 1)
        #expect(missing.err.contains("no such file"))
        let typo = try Self.temp("baseline.yaml", "web_sesion_timeout: 10\n")
        let tenant = FileManager.default.temporaryDirectory.appendingPathComponent("sspm-cli-\(UUID().uuidString).json").path
        try FixtureTenantTests.acme(now: Date()).write(path: tenant)
        let badBaseline = try await Self.run(["scan", "--tenant", tenant, "--baseline", typo])
        #expect(badBaseline.status == 1)
        #expect(badBaseline.err.contains("web_sesion_timeout"))
        let unknown = try await Self.run(["scan", "--frobnicate"])
        #expect(unknown.status != 0)
        #expect(unknown.err.contains("Unknown option"))
        let noSecret = try await Self.run(["scan", "--account-id", "a", "--client-id", "b"], environment: ["ZOOM_CLIENT_SECRET": ""])
        #expect(noSecret.status == 1)
        #expect(noSecret.err.contains("ZOOM_CLIENT_SECRET"))
    }
}
