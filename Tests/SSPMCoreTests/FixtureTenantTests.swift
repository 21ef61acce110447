import Foundation
import SSPMCore
import SSPMProvider
import ZoomProvider
import SSPMTestSupport
import Testing
import ZoomAPI
@testable import ZoomSimulator

/// A small account built by hand, with the verdicts each control must give written by hand from its
/// settings (not copied from the engine's output). Scanned both offline and through the simulator.
@Suite(.serialized)
struct FixtureTenantTests {
    static func acme(now: Date) -> Tenant {
        var settings = Defaults.account
        let set: [String: JSONValue] = [
            "security.sign_in_with_two_factor_auth": "role", "security.sign_in_with_two_factor_auth_roles": ["0", "1"],
            "security.sign_again_period_for_inactivity_on_web": 15, "security.sign_again_period_for_inactivity_on_client": 0,
            "security.signin_with_sso.enable": true, "security.signin_with_sso.require_sso_for_domains": true, "security.signin_with_sso.sso_bypass_users": [],
            "security.password_requirement.minimum_password_length": 12, "security.password_requirement.have_special_character": false,
            "meeting_security.end_to_end_encrypted_meetings": true, "meeting_security.encryption_type": "e2ee",
            "meeting_security.waiting_room": true, "meeting_security.waiting_room_settings.participants_to_place_in_waiting_room": 1,
            "schedule_meeting.join_before_host": true, "in_meeting.file_transfer": false, "in_meeting.who_can_share_screen": "all",
            "chat.screen_capture": false,
        ]
        for (path, value) in set { settings.setValue(value, at: path) }
        settings["security"]?["sign_in_with_two_factor_auth_groups"] = nil
        var locks = Defaults.accountLock
        for (path, value) in ["meeting_security.end_to_end_encrypted_meetings": true, "meeting_security.encryption_type": true,
                              "meeting_security.waiting_room": false, "in_meeting.file_transfer": true, "chat.screen_capture": true] as [String: JSONValue] {
            locks.setValue(value, at: path)
        }
        let iso = ISO8601DateFormatter()
        func user(_ n: Int, role: String, type: Int, login: Int, lastLogin days: Double?, status: String = "active") -> JSONValue {
            var u: JSONValue = ["email": .string("user\(n)@acme.example.com"), "first_name": "User", "last_name": .string("\(n)"),
                                "type": .int(Int64(type)), "status": .string(status), "role_id": .string(role), "verified": 1,
                                "user_created_at": .string(iso.string(from: now.addingTimeInterval(-500 * 86_400))), "login_types": [.int(Int64(login))],
                                "group_ids": [5, 6].contains(n) ? ["gC"] : []]
            if status != "pending" { u["id"] = .string("u\(n)") }
            if let days { u["last_login_time"] = .string(iso.string(from: now.addingTimeInterval(-days * 86_400))) }
            return u
        }
        let users: [JSONValue] = [
            user(1, role: "0", type: 2, login: 101, lastLogin: 1), user(2, role: "1", type: 2, login: 101, lastLogin: 2),
            user(3, role: "1", type: 2, login: 101, lastLogin: 3), user(4, role: "2", type: 2, login: 101, lastLogin: 4),
            user(5, role: "2", type: 2, login: 100, lastLogin: 5), user(6, role: "2", type: 2, login: 101, lastLogin: 200),
            user(7, role: "2", type: 2, login: 101, lastLogin: 7), user(8, role: "2", type: 2, login: 101, lastLogin: 8),
            user(9, role: "2", type: 2, login: 101, lastLogin: 9), user(10, role: "2", type: 1, login: 101, lastLogin: 10),
            user(11, role: "2", type: 1, login: 101, lastLogin: nil, status: "pending"),
        ]
        var contractors = Defaults.group
        contractors.setValue(false, at: "meeting_security.waiting_room")
        let opsTime = iso.string(from: now.addingTimeInterval(-3600))
        return Tenant(
            plan: .pro, account: ["id": "acme", "account_name": "Acme"],
            credentials: .init(accountID: "acme", clientID: "acme-client", clientSecret: "acme-secret", scopes: TenantGenerator.defaultScopes, webhookSecretToken: "whsec"),
            settings: settings, lockSettings: locks, users: users,
            groups: [["id": "gC", "name": "Contractors", "total_members": 2, "settings": contractors, "lock_settings": Defaults.groupLock, "members": ["u5", "u6"]]],
            roles: [["id": "0", "name": "Owner", "type": "common", "members": ["u1"]], ["id": "1", "name": "Admin", "type": "common", "members": ["u2", "u3"]],
                    ["id": "2", "name": "Member", "type": "common", "members": ["u4", "u5", "u6", "u7", "u8", "u9", "u10"]]],
            managedDomains: ["domains": [["domain": "acme.example.com", "status": "verified"]], "total_records": 1],
            trustedDomains: ["trusted_domains": ["partner.example.org"]],
            activityLogs: [],
            operationLogs: [["time": .string(opsTime), "operator": "user1@acme.example.com", "category_type": "account", "action": "Update",
                             "operation_detail": "Security  - Sign in with Two-Factor Authentication: from Off to On"]],
            channels: [["id": "c1", "name": "general", "type": 3, "channel_settings": ["allow_to_add_external_users": 0]],
                       ["id": "c2", "name": "partners", "type": 3, "channel_settings": ["allow_to_add_external_users": 3]]])
    }

    /// Expected verdicts, by hand.
    static let expected: [String: Verdict] = [
        "ZID-01": .warn,      // 2FA only for roles Owner/Admin: members uncovered
        "ZID-02": .pass,      // …but every admin is covered
        "ZID-03": .pass,      // web timeout 15 ≤ 30
        "ZID-04": .fail,      // client timeout off
        "ZID-05": .pass,      // SSO required, no bypass
        "ZID-08": .pass,      // password length 12 ≥ 10
        "ZID-09": .fail,      // no special character
        "ZID-14": .pass,      // 3 admins ≤ 10
        "ZID-15": .pass,      // the one managed domain is verified
        "ZID-16": .fail,      // user6 idle 200 days: 1 of 9 licensed > 5 %
        "ZMT-01": .pass,      // E2EE on, type e2ee, locked
        "ZMT-08": .warn,      // waiting room on but unlocked, and Contractors turn it off
        "ZMT-13": .fail,      // join before host on
        "ZMT-14": .fail,      // everyone can share
        "ZMT-15": .pass,      // file transfer off and locked
        "ZCH-03": .pass,      // chat screen capture off and locked
        "ZCH-07": .fail,      // #partners admits external users
        "ZCH-08": .manual,    // no API field
        "ZAD-03": .pass,      // no wildcard trusted domain
        "ZAD-04": .pass,      // one admin operation logged
        "ZAD-05": .warn,      // sign-in report readable but empty
    ]

    func check(_ result: ScanResult, zid06: Verdict) {
        let verdicts = Dictionary(uniqueKeysWithValues: result.findings.map { ($0.controlId, $0.verdict) })
        for (id, verdict) in Self.expected {
            #expect(verdicts[id] == verdict, "\(id): expected \(verdict.rawValue), got \(verdicts[id]?.rawValue ?? "nothing") — \(result.findings.first { $0.controlId == id }?.detail ?? "")")
        }
        #expect(verdicts["ZID-06"] == zid06)
        let waiting = result.findings.first { $0.controlId == "ZMT-08" }!
        #expect(waiting.affectedGroups.map(\.name) == ["Contractors"])
        let inactive = result.findings.first { $0.controlId == "ZID-16" }!
        #expect(inactive.affectedUsers.map(\.email) == ["user6@acme.example.com"])
    }

    @Test("offline scan of the fixture tenant gives the hand-written verdicts")
    func offline() throws {
        let now = Date()
        let tenant = Self.acme(now: now)
        let data = try tenant.accountData(from: now.addingTimeInterval(-7 * 86_400), to: now)
        let result = ZoomCatalogue.scan(data.postureSnapshot(accountID: "acme", accountName: "Acme", capturedAt: now))
        check(result, zid06: .fail)  // login types are in the tenant file: user5 signs in with a Zoom password
    }

    @Test("the same tenant read through the simulator and the client gives the same verdicts")
    func throughSimulator() async throws {
        let now = Date()
        let tenant = Self.acme(now: now)
        try await SimulatorFixture.with(tenant) { f in
            let client = await f.client()
            let data = await ZoomAccountReader(client: client, logger: f.logger).read(from: now.addingTimeInterval(-6 * 86_400), to: now)
            #expect(data.failures.isEmpty)
            let result = ZoomCatalogue.scan(data.postureSnapshot(accountID: "acme", capturedAt: now))
            check(result, zid06: .manual)  // GET /users carries no login types
        }
    }

    @Test("without the report scope the log controls are errors naming the scope, and the score never credits them")
    func missingScope() async throws {
        let now = Date()
        var tenant = Self.acme(now: now)
        tenant.credentials.scopes.removeAll { $0 == "report:read:admin" }
        try await SimulatorFixture.with(tenant) { f in
            let data = await ZoomAccountReader(client: await f.client(), logger: f.logger).read(from: now, to: now)
            let result = ZoomCatalogue.scan(data.postureSnapshot(accountID: "acme", capturedAt: now))
            let audit = result.findings.first { $0.controlId == "ZAD-04" }!
            #expect(audit.verdict == .error)
            #expect(audit.detail.contains("report:read:operation_logs:admin"))
            #expect(audit.score == 0 && audit.scored)
            #expect(result.unavailable["operation_log"] != nil)
        }
    }
}
