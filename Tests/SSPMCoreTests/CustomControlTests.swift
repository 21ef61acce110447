import Foundation
import SSPMCore
import SSPMProvider
import ZoomProvider
import Testing

struct CustomControlTests {
    @Test("MFA: all passes; group and role modes are partial with coverage; none fails; unread settings error")
    func mfa() {
        #expect(Fixture.evaluate("ZID-01", Fixture.snapshot(settings: ["security.sign_in_with_two_factor_auth": "all"])).verdict == .pass)
        let group = Fixture.group(settings: [:])
        let byGroup = Fixture.evaluate("ZID-01", Fixture.snapshot(
            settings: ["security.sign_in_with_two_factor_auth": "group", "security.sign_in_with_two_factor_auth_groups": ["g1"]], groups: [group]))
        #expect(byGroup.verdict == .warn)
        #expect(byGroup.coverage == 0.4)
        #expect(byGroup.affectedUsers.count == 6)
        let users = [Fixture.user(1, role: "0"), Fixture.user(2, role: "1"), Fixture.user(3), Fixture.user(4)]
        let byRole = Fixture.evaluate("ZID-01", Fixture.snapshot(
            settings: ["security.sign_in_with_two_factor_auth": "role", "security.sign_in_with_two_factor_auth_roles": ["0", "1"]], users: users))
        #expect(byRole.verdict == .warn)
        #expect(byRole.coverage == 0.5)
        #expect(Fixture.evaluate("ZID-01", Fixture.snapshot(settings: ["security.sign_in_with_two_factor_auth": "none"])).verdict == .fail)
        let missing = Fixture.evaluate("ZID-01", Fixture.snapshot(removeSettings: true))
        #expect(missing.verdict == .error)
        #expect(missing.detail.contains("account:read:admin"))
    }

    @Test("2FA for admins: role mode must list Owner and Admin")
    func adminMFA() {
        let users = [Fixture.user(1, role: "0"), Fixture.user(2, role: "1"), Fixture.user(3)]
        let partial = Fixture.evaluate("ZID-02", Fixture.snapshot(
            settings: ["security.sign_in_with_two_factor_auth": "role", "security.sign_in_with_two_factor_auth_roles": ["0"]], users: users))
        #expect(partial.verdict == .fail)
        #expect(partial.affectedUsers.map(\.email) == ["user2@example.com"])
        let full = Fixture.evaluate("ZID-02", Fixture.snapshot(
            settings: ["security.sign_in_with_two_factor_auth": "role", "security.sign_in_with_two_factor_auth_roles": ["0", "1"]], users: users))
        #expect(full.verdict == .pass)
    }

    @Test("web and client session timeouts: 0 fails, over the baseline fails, within passes; the baseline is honoured",
          arguments: [("ZID-03", "security.sign_again_period_for_inactivity_on_web"), ("ZID-04", "security.sign_again_period_for_inactivity_on_client")])
    func timeouts(id: String, path: String) {
        #expect(Fixture.evaluate(id, Fixture.snapshot(settings: [path: 0])).verdict == .fail)
        #expect(Fixture.evaluate(id, Fixture.snapshot(settings: [path: 120])).verdict == .fail)
        #expect(Fixture.evaluate(id, Fixture.snapshot(settings: [path: 15])).verdict == .pass)
        var lenient = Baseline()
        lenient.webSessionTimeoutMaxMinutes = 120
        lenient.clientSessionTimeoutMaxMinutes = 120
        #expect(Fixture.evaluate(id, Fixture.snapshot(settings: [path: 120]), baseline: lenient).verdict == .pass)
    }

    @Test("E2EE needs end_to_end_encrypted_meetings on AND encryption_type e2ee; in_meeting.e2e_encryption does not count")
    func e2ee() {
        let locks: [String: JSONValue] = ["meeting_security.end_to_end_encrypted_meetings": true, "meeting_security.encryption_type": true]
        #expect(Fixture.evaluate("ZMT-01", Fixture.snapshot(settings: ["meeting_security.end_to_end_encrypted_meetings": true, "meeting_security.encryption_type": "e2ee"], locks: locks)).verdict == .pass)
        #expect(Fixture.evaluate("ZMT-01", Fixture.snapshot(settings: ["meeting_security.end_to_end_encrypted_meetings": true, "meeting_security.encryption_type": "enhanced_encryption"], locks: locks)).verdict == .fail)
        #expect(Fixture.evaluate("ZMT-01", Fixture.snapshot(settings: ["meeting_security.end_to_end_encrypted_meetings": false, "meeting_security.encryption_type": "e2ee", "in_meeting.e2e_encryption": true], locks: locks)).verdict == .fail)
    }

    @Test("SSO: required for domains with a small bypass list passes; more bypass accounts warn; not required fails")
    func sso() {
        let required: [String: JSONValue] = ["security.signin_with_sso.enable": true, "security.signin_with_sso.require_sso_for_domains": true,
                                             "security.signin_with_sso.sso_bypass_users": [["id": "a", "email": "breakglass@example.com"]]]
        #expect(Fixture.evaluate("ZID-05", Fixture.snapshot(settings: required)).verdict == .pass)
        var many = required
        many["security.signin_with_sso.sso_bypass_users"] = .array((1...3).map { ["id": .string("b\($0)"), "email": .string("b\($0)@example.com")] })
        #expect(Fixture.evaluate("ZID-05", Fixture.snapshot(settings: many)).verdict == .warn)
        #expect(Fixture.evaluate("ZID-05", Fixture.snapshot(settings: ["security.signin_with_sso.enable": true, "security.signin_with_sso.require_sso_for_domains": false])).verdict == .fail)
    }

    @Test("per-user controls list the users: SSO login, social login, admins, inactive licensed users")
    func perUser() {
        let users = [Fixture.user(1, role: "0"), Fixture.user(2, login: [100]), Fixture.user(3, login: [1]), Fixture.user(4, lastLoginDaysAgo: 200),
                     Fixture.user(5, type: 1, lastLoginDaysAgo: 300), Fixture.user(6, status: "inactive", login: [0])]
        let sso = Fixture.evaluate("ZID-06", Fixture.snapshot(users: users))
        #expect(sso.verdict == .fail)
        #expect(Set(sso.affectedUsers.map(\.email)) == ["user2@example.com", "user3@example.com"])
        let social = Fixture.evaluate("ZID-07", Fixture.snapshot(users: users))
        #expect(social.affectedUsers.map(\.email) == ["user3@example.com"])
        let unknown = Fixture.evaluate("ZID-06", Fixture.snapshot(users: [Fixture.user(1, login: nil)]))
        #expect(unknown.verdict == .manual)
        let inactive = Fixture.evaluate("ZID-16", Fixture.snapshot(users: users))
        #expect(inactive.affectedUsers.map(\.email) == ["user4@example.com"])  // user5 is Basic, user6 not active
        #expect(inactive.verdict == .fail)  // 1 of 4 licensed > 5 %
        var admins = Baseline()
        admins.maxAdmins = 1
        let many = (1...3).map { Fixture.user($0, role: "1") }
        #expect(Fixture.evaluate("ZID-14", Fixture.snapshot(users: many), baseline: admins).affectedUsers.count == 3)
        #expect(Fixture.evaluate("ZID-14", Fixture.snapshot(users: many)).verdict == .pass)
    }

    @Test("policy-choice controls follow the baseline")
    func policyChoices() {
        #expect(Fixture.evaluate("ZMT-12", Fixture.snapshot(settings: ["meeting_security.embed_password_in_join_link": true])).verdict == .notApplicable)
        var strict = Baseline()
        strict.allowPasscodeInJoinLink = false
        let e = Fixture.evaluate("ZMT-12", Fixture.snapshot(settings: ["meeting_security.embed_password_in_join_link": true],
                                                             locks: ["meeting_security.embed_password_in_join_link": true]), baseline: strict)
        #expect(e.verdict == .fail)
        #expect(Fixture.evaluate("ZRC-06", Fixture.snapshot(settings: ["recording.auto_delete_cmr": true, "recording.auto_delete_cmr_days": 30],
                                                            locks: ["recording.auto_delete_cmr": true])).verdict == .pass)
        #expect(Fixture.evaluate("ZRC-06", Fixture.snapshot(settings: ["recording.auto_delete_cmr": true, "recording.auto_delete_cmr_days": 365],
                                                            locks: ["recording.auto_delete_cmr": true])).verdict == .fail)
    }

    @Test("channels admitting external users, unverified domains, wildcard trusted domains, empty logs")
    func inventoryControls() {
        var snapshot = Fixture.snapshot()
        snapshot.channels = [.init(id: "c1", name: "general", type: 3, allowExternalUsers: 0), .init(id: "c2", name: "partners", type: 3, allowExternalUsers: 3)]
        let channels = Fixture.evaluate("ZCH-07", snapshot)
        #expect(channels.verdict == .fail)
        #expect(channels.affectedGroups.map(\.name) == ["#partners"])
        snapshot.managedDomains = [("example.com", "verified"), ("labs.example.com", "pending")]
        #expect(Fixture.evaluate("ZID-15", snapshot).verdict == .warn)
        snapshot.trustedDomains = ["*.example.org"]
        #expect(Fixture.evaluate("ZAD-03", snapshot).verdict == .fail)
        snapshot.operationLogRows = 0
        #expect(Fixture.evaluate("ZAD-04", snapshot).verdict == .warn)
        snapshot.operationLogRows = nil
        snapshot.unavailable[.operationLog] = "missing scope report:read:operation_logs:admin"
        let e = Fixture.evaluate("ZAD-04", snapshot)
        #expect(e.verdict == .error)
        #expect(e.detail.contains("report:read:operation_logs:admin"))
    }

    @Test("a group relaxing a setting the account meets is named; an account that misses it is not blamed on groups")
    func groupRelaxation() {
        let relaxed = Fixture.group(settings: ["meeting_security.waiting_room": false])
        let e = Fixture.evaluate("ZMT-25", Fixture.snapshot(settings: ["meeting_security.waiting_room": true],
                                                             locks: ["meeting_security.waiting_room": false], groups: [relaxed]))
        #expect(e.verdict == .fail)
        #expect(e.affectedGroups.first?.value.contains("meeting_security.waiting_room") == true)
        let accountOff = Fixture.evaluate("ZMT-25", Fixture.snapshot(settings: ["meeting_security.waiting_room": false],
                                                                      locks: ["meeting_security.waiting_room": false], groups: [relaxed]))
        #expect(accountOff.affectedGroups.allSatisfy { !$0.value.contains("waiting_room") })
        // Memberships unknown (users not read): the same verdict, the group's own size.
        var unknown = relaxed
        unknown.memberIDs = []
        unknown.memberCount = 4
        var snapshot = Fixture.snapshot(settings: ["meeting_security.waiting_room": true], locks: ["meeting_security.waiting_room": false], groups: [unknown])
        snapshot.users = nil
        let withoutUsers = Fixture.evaluate("ZMT-25", snapshot)
        #expect(withoutUsers.verdict == .fail)
        #expect(withoutUsers.affectedGroups.first?.members == 4)
        #expect(withoutUsers.detail.contains("with 4 member(s)"))
    }
}
