import Foundation
import SSPMCore
import SSPMProvider
import ZoomProvider
import SSPMTestSupport
import Testing
import ZoomAPI
import ZoomSimulator

struct TenantTests {
    @Test("the same seed gives the same tenant; another seed another one")
    func deterministic() throws {
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        let a = TenantGenerator(users: 200, groups: 5, days: 3, seed: 9, now: now).generate()
        let b = TenantGenerator(users: 200, groups: 5, days: 3, seed: 9, now: now).generate()
        let c = TenantGenerator(users: 200, groups: 5, days: 3, seed: 10, now: now).generate()
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        #expect(try encoder.encode(a) == encoder.encode(b))
        #expect(try encoder.encode(a) != encoder.encode(c))
    }

    @Test("generated content is realistic: statuses, pending users without ids, owner, admins, group overrides, real log strings")
    func realistic() {
        let tenant = TenantGenerator(users: 2_000, groups: 12, days: 7, seed: 5).generate()
        let statuses = Dictionary(grouping: tenant.users, by: { $0["status"]?.stringValue ?? "" }).mapValues(\.count)
        #expect(Set(statuses.keys) == ["active", "inactive", "pending"])
        #expect(tenant.users.filter { $0["status"] == "pending" }.allSatisfy { $0["id"] == nil })
        #expect(tenant.users.filter { $0["role_id"] == "0" }.count == 1)
        #expect(tenant.users.filter { $0["role_id"] == "1" }.count >= 2)
        #expect(Set(tenant.users.compactMap { $0["type"]?.intValue }) == [1, 2])
        let contractors = tenant.groups.first { $0["name"] == "Contractors" }!
        #expect(contractors["settings"]?["meeting_security"]?["waiting_room"] == false)
        #expect(contractors["settings"]?["schedule_meeting"]?["join_before_host"] == true)
        #expect(tenant.operationLogs.contains { $0["operation_detail"]?.stringValue?.contains("Security  - Sign in with Two-Factor Authentication: from On to Off") == true })
        #expect(tenant.activityLogs.count > 1_000)
        let mode = tenant.settings?["security"]?["sign_in_with_two_factor_auth"]?.stringValue
        #expect(["all", "group", "role", "none"].contains(mode ?? ""))
        #expect((tenant.settings?["security"]?["sign_in_with_two_factor_auth_groups"] != nil) == (mode == "group"))
    }

    @Test("an exported tenant loaded back serves the same responses")
    func exportRoundTrip() async throws {
        let tenant = TenantGenerator(users: 150, groups: 3, days: 2, seed: 21).generate()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tenant-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try tenant.write(path: path)
        let loaded = try Tenant.load(path: path)
        func sample(_ t: Tenant) async throws -> [JSONValue] {
            try await SimulatorFixture.with(t) { f in
                let token = try await f.accessToken()
                var bodies: [JSONValue] = []
                for path in ["/users?page_size=300", "/users?status=pending", "/groups", "/roles", "/accounts/me/settings",
                             "/accounts/me/settings?option=meeting_security", "/accounts/me/lock_settings", "/report/activities",
                             "/groups/\(t.groups[1]["id"]!.stringValue!)/members", "/accounts/me/managed_domains", "/chat/channels"] {
                    var body = try await f.api(path, token: token).json
                    body["next_page_token"] = nil
                    bodies.append(body)
                }
                return bodies
            }
        }
        let original = try await sample(tenant)
        let replayed = try await sample(loaded)
        #expect(original.count == replayed.count)
        for (a, b) in zip(original, replayed) { #expect(a == b) }
    }

    @Test("a broken tenant file gets an error with the line and column")
    func brokenFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("broken-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("{\n  \"plan\": \"pro\",\n  \"account\": {\"id\": nope}\n}".utf8).write(to: URL(fileURLWithPath: path))
        do {
            _ = try Tenant.load(path: path)
            Issue.record("expected an error")
        } catch let error as TenantFileError {
            #expect(error.description.contains(path))
            #expect(error.description.contains("line 3"))
        }
        try Data(#"{"plan":"pro","account":{"id":"x"}}"#.utf8).write(to: URL(fileURLWithPath: path))
        do {
            _ = try Tenant.load(path: path)
            Issue.record("expected an error")
        } catch let error as TenantFileError {
            #expect(error.description.contains("credentials"))
        }
    }
}
