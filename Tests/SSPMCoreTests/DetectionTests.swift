import Foundation
import SSPMCore
import Testing
import ZoomProvider

/// The detection engine's kinds, scopes, grouping and caps, and Zoom's templates on the
/// `operation_detail` strings Zoom really writes (Panther's rule tests quote them).
@Suite struct DetectionTests {
    static let t0 = Date(timeIntervalSince1970: 1_790_000_000)

    static func operation(_ detail: String, category: String = "Account", action: String = "Update", by actor: String = "admin@acme.example",
                          at minutes: Double) -> ActivityEvent {
        ZoomActivityMapping.operation(["time": .string(iso(minutes)), "operator": .string(actor), "category_type": .string(category),
                                       "action": .string(action), "operation_detail": .string(detail)])
    }

    static func signIn(_ email: String, ip: String, client: String = "Browser", version: String = "6.2.0", at minutes: Double) -> ActivityEvent {
        ZoomActivityMapping.signIn(["email": .string(email), "time": .string(iso(minutes)), "type": "Sign in", "ip_address": .string(ip),
                                    "client_type": .string(client), "version": .string(version)])
    }

    static func iso(_ minutes: Double) -> String { FastFormats.utcTimestamp(t0.addingTimeInterval(minutes * 60)) }

    static func template(_ id: String) -> DetectionPolicy { ZoomDetections.templates.first { $0.id == id }! }

    static func alerts(_ ids: [String], _ events: [ActivityEvent]) throws -> [DetectionAlert] {
        try DetectionEngine.run(ids.map(template), over: events).alerts
    }

    @Test("account-setting templates match Zoom's wording (two spaces before the dash), only the weakening direction")
    func accountSettings() throws {
        let events = [
            Self.operation("Security  - Sign in with Two-Factor Authentication: from On to Off", at: 0),
            Self.operation("Security  - Sign in with Two-Factor Authentication: from Off to On", at: 1),
            Self.operation("Security  - Automatically sign users out after a specified time: from On to Off", at: 2),
            Self.operation("Security  - Require that all meetings are secured with one security option: from On to Off", at: 3),
            Self.operation("Security  - Require a passcode when scheduling new meetings: from On to Off", at: 4),
            Self.operation("Sign-in Methods  - Allow users to sign in with Google: from Off to On", at: 5),
            Self.operation("Sign-in Methods  - Allow users to sign in with Apple ID: from On to Off", at: 6),
            Self.operation("Security  - Sign-In Password Requirement - Have at least 1 special character: from On to Off", at: 7),
            // The same wording in another category is not an account setting.
            Self.operation("Security  - Sign in with Two-Factor Authentication: from On to Off", category: "User Group", at: 8),
        ]
        let raised = try Self.alerts(["ZDT-01", "ZDT-02", "ZDT-03", "ZDT-04", "ZDT-05", "ZDT-06"], events)
        #expect(raised.map(\.policyID).sorted() == ["ZDT-01", "ZDT-02", "ZDT-03", "ZDT-04", "ZDT-05", "ZDT-06"])
        #expect(raised.first { $0.policyID == "ZDT-01" }?.title == "Two-factor sign-in turned off by admin@acme.example")
        #expect(raised.first { $0.policyID == "ZDT-01" }?.evidence == [events[0].fingerprint])
        // A tidied wording (one space) is not what Zoom writes for the passcode rule's prefix match either way:
        #expect(try Self.alerts(["ZDT-05"], [Self.operation("Sign-in Methods - Allow users to sign in with Google: from Off to On", at: 0)]).isEmpty)
    }

    @Test("a member promoted to a privileged role raises an alert; a move between privileged roles or down does not")
    func promotion() throws {
        let events = [
            Self.operation("Change Role  - homer.simpson@duff.io: from User to Co-Owner", category: "User", action: "Batch Update", at: 0),
            Self.operation("Change Role  - marge@duff.io: from Member to Admin", category: "User", at: 1),
            Self.operation("Change Role  - bart@duff.io: from Admin to Owner", category: "User", at: 2),
            Self.operation("Change Role  - lisa@duff.io: from Owner to Member", category: "User", at: 3),
        ]
        let raised = try Self.alerts(["ZDT-07"], events)
        #expect(raised.count == 2)
        #expect(raised.map(\.title) == ["homer.simpson@duff.io promoted to a privileged role by admin@acme.example",
                                        "marge@duff.io promoted to a privileged role by admin@acme.example"])
    }

    @Test("mass deletion: five in ten minutes by one admin is one alert that grows; four, or five spread out, or by two admins, are none")
    func massDeletion() throws {
        let five = (0..<5).map { Self.operation("Delete User - u\($0)@acme.example", category: "User", action: "Delete", at: Double($0)) }
        let raised = try Self.alerts(["ZDT-08"], five + [Self.operation("Deactivate User - u9@acme.example", category: "User", action: "Deactivate", at: 6)])
        #expect(raised.count == 1)
        #expect(raised.first?.count == 6)
        #expect(raised.first?.title == "5 users deleted or deactivated by admin@acme.example within 10 minutes")
        #expect(try Self.alerts(["ZDT-08"], Array(five.prefix(4))).isEmpty)
        let spread = (0..<5).map { Self.operation("Delete User - u\($0)@acme.example", category: "User", action: "Delete", at: Double($0) * 4) }
        #expect(try Self.alerts(["ZDT-08"], spread).isEmpty)
        let twoAdmins = (0..<6).map { Self.operation("Delete User - u\($0)@acme.example", category: "User", action: "Delete", by: $0 % 2 == 0 ? "a@x.example" : "b@x.example", at: Double($0)) }
        #expect(try Self.alerts(["ZDT-08"], twoAdmins).isEmpty)
    }

    @Test("sign-ins: a new address or client after the learning week alerts once per user; known ones, a user's first sign-in and the learning week do not")
    func firstSeen() throws {
        let day = 24.0 * 60
        var events: [ActivityEvent] = []
        for d in 0..<8 { events.append(Self.signIn("ann@acme.example", ip: "192.0.2.10", at: Double(d) * day)) }
        events.append(Self.signIn("ann@acme.example", ip: "192.0.2.11", at: 3 * day + 5))           // new, but in the learning week
        events.append(Self.signIn("ann@acme.example", ip: "192.0.2.10", at: 8 * day))               // known
        events.append(Self.signIn("bob@acme.example", ip: "198.51.100.7", at: 8 * day + 1))         // first sign-in ever: teaches
        events.append(Self.signIn("ann@acme.example", ip: "203.0.113.9", client: "Android", at: 8 * day + 2))  // new address and client type
        let raised = try Self.alerts(["ZDT-20", "ZDT-21"], events)
        #expect(raised.map(\.policyID).sorted() == ["ZDT-20", "ZDT-21"])
        #expect(raised.allSatisfy { $0.actor == "ann@acme.example" })
        #expect(raised.first { $0.policyID == "ZDT-20" }?.value == "203.0.113.9")
        #expect(raised.first { $0.policyID == "ZDT-21" }?.value == "android")
    }

    @Test("many addresses within an hour, and an account back after 30 days, each alert; fewer addresses or a shorter gap do not")
    func distinctAndReturn() throws {
        let many = (0..<4).map { Self.signIn("cy@acme.example", ip: "192.0.2.\($0)", at: Double($0) * 10) }
        #expect(try Self.alerts(["ZDT-22"], many).map(\.count) == [4])
        #expect(try Self.alerts(["ZDT-22"], Array(many.prefix(3))).isEmpty)
        let day = 24.0 * 60
        let back = [Self.signIn("dee@acme.example", ip: "192.0.2.1", at: 0), Self.signIn("eve@acme.example", ip: "192.0.2.2", at: 8 * day),
                    Self.signIn("dee@acme.example", ip: "192.0.2.1", at: 40 * day), Self.signIn("eve@acme.example", ip: "192.0.2.2", at: 20 * day)]
        let raised = try Self.alerts(["ZDT-23"], back)
        #expect(raised.map(\.actor) == ["dee@acme.example"])
        #expect(raised.first?.value == isoDay(Self.t0))
    }

    @Test("scopes and filters: excluded actors and networks (IPv4 and IPv6 CIDR) are not evaluated; an include list needs an address")
    func filters() throws {
        var policy = DetectionPolicy(id: "T-1", title: "{actor}", severity: .low,
                                     match: EventMatch(streams: ["signin"], excludeActors: ["Ops@Acme.example"], excludeIPNetworks: ["192.0.2.0/24", "2001:db8::/32"]),
                                     catches: "", falsePositives: "", tuning: "")
        let events = [Self.signIn("ops@acme.example", ip: "198.51.100.1", at: 0), Self.signIn("ann@acme.example", ip: "192.0.2.200", at: 1),
                      Self.signIn("ann@acme.example", ip: "2001:db8:1::5", at: 2), Self.signIn("ann@acme.example", ip: "::ffff:192.0.2.9", at: 3),
                      Self.signIn("ann@acme.example", ip: "198.51.100.2", at: 4)]
        policy.groupWindow = 0
        let raised = try DetectionEngine.run([policy], over: events).alerts
        #expect(raised.map(\.evidence) == [[events[4].evidenceKey]])
        policy.match = EventMatch(ipNetworks: ["198.51.100.0/25"])
        #expect(try DetectionEngine.run([policy], over: events).alerts.count == 2)
    }

    @Test("grouping and the daily cap: matches within the group window join one alert; past the cap alerts are counted as suppressed")
    func groupingAndCap() throws {
        var policy = Self.template("ZDT-01")
        policy.dailyCap = 2
        let events = [0.0, 10, 70, 140, 200].map { Self.operation("Security  - Sign in with Two-Factor Authentication: from On to Off", at: $0) }
        let engine = try DetectionEngine.run([policy], over: events)
        // 0 and 10 group (one hour); 70 opens the second; 140 and 200 are over the cap of two a day.
        #expect(engine.alerts.map(\.count) == [2, 1])
        #expect(engine.suppressed == ["ZDT-01": 2])
        #expect(engine.evaluated == 5)
    }

    @Test("a policy whose network or pattern does not parse is refused with its id; a disabled one is not run")
    func invalid() throws {
        let bad = DetectionPolicy(id: "T-2", title: "x", severity: .low, match: EventMatch(ipNetworks: ["10.0.0.0/33"]), catches: "", falsePositives: "", tuning: "")
        #expect(throws: DetectionPolicyError.self) { _ = try DetectionEngine(policies: [bad]) }
        let pattern = DetectionPolicy(id: "T-3", title: "x", severity: .low, match: EventMatch(detailPattern: "(unclosed"), catches: "", falsePositives: "", tuning: "")
        do { _ = try DetectionEngine(policies: [pattern]); Issue.record("accepted a broken pattern") } catch let error as DetectionPolicyError {
            #expect(error.description.contains("T-3"))
        }
        var off = Self.template("ZDT-01")
        off.enabled = false
        #expect(try DetectionEngine.run([off], over: [Self.operation("Security  - Sign in with Two-Factor Authentication: from On to Off", at: 0)]).alerts.isEmpty)
    }

    @Test("end-to-end encryption off, a domain and an app change match on their setting's wording; turning encryption on does not")
    func newerOperationTemplates() throws {
        let events = [
            Self.operation("Security  - Allow use of end-to-end encryption: from On to Off", at: 0),
            Self.operation("Security  - Allow use of end-to-end encryption: from Off to On", by: "other@acme.example", at: 1),
            Self.operation("Account Profile  - Associated Domains: add partner.example", action: "Add", at: 2),
            Self.operation("Marketplace  - Server-to-Server OAuth app added: Exporter", action: "Add", at: 3),
            Self.operation("Meeting  - Only allow users with specified email domains to join: from Off to On", at: 4),
        ]
        let raised = try Self.alerts(["ZDT-11", "ZDT-12", "ZDT-13"], events)
        #expect(raised.map(\.policyID).sorted() == ["ZDT-11", "ZDT-12", "ZDT-13"])
        #expect(raised.first { $0.policyID == "ZDT-11" }?.actor == "admin@acme.example")
        #expect(raised.first { $0.policyID == "ZDT-12" }?.title == "Associated or managed domain changed by admin@acme.example: Account Profile  - Associated Domains: add partner.example")
        for template in ["ZDT-11", "ZDT-12", "ZDT-13"] { #expect(Self.template(template).problems().isEmpty, "\(template)") }
    }

    @Test("group filters: an admin (role:Admin) from a new network alerts, a member does not; excludeGroups by group name or id skips its members")
    func groupFilters() throws {
        let day = 24.0 * 60
        var events: [ActivityEvent] = []
        for who in ["boss@acme.example", "member@acme.example", "sales@acme.example"] {
            events.append(Self.signIn(who, ip: "192.0.2.10", at: 0))
            events.append(Self.signIn(who, ip: "198.51.100.10", at: 8 * day))  // a new /24 after the learning week
        }
        let users = [
            InventoryUser(id: "1", email: "Boss@acme.example", displayName: "", type: 2, status: "active", roleID: "1", roleName: "Admin", groupIDs: [],
                          loginTypes: nil, lastLoginTime: nil, createdAt: nil),
            InventoryUser(id: "2", email: "member@acme.example", displayName: "", type: 1, status: "active", roleID: "2", roleName: "Member", groupIDs: ["g1"],
                          groupNames: ["Sales"], loginTypes: nil, lastLoginTime: nil, createdAt: nil),
            InventoryUser(id: "3", email: "sales@acme.example", displayName: "", type: 1, status: "active", roleID: "1", roleName: "Admin", groupIDs: ["g1"],
                          groupNames: ["Sales"], loginTypes: nil, lastLoginTime: nil, createdAt: nil),
        ]
        let groups = GroupMembership.of(users)
        #expect(groups["boss@acme.example"] == ["role:admin"])
        #expect(groups["member@acme.example"] == ["g1", "role:member", "sales"])
        let admins = try DetectionEngine.run([Self.template("ZDT-29")], over: events, groups: groups).alerts
        #expect(admins.map(\.actor).sorted() == ["boss@acme.example", "sales@acme.example"])
        // Without the inventory nobody is in a group: the admin-only policy raises nothing.
        #expect(try DetectionEngine.run([Self.template("ZDT-29")], over: events).alerts.isEmpty)
        for excluded in ["sales", "G1"] {
            var policy = Self.template("ZDT-29")
            policy.match.excludeGroups = [excluded]
            #expect(try DetectionEngine.run([policy], over: events, groups: groups).alerts.map(\.actor) == ["boss@acme.example"], "\(excluded)")
        }
        var members = Self.template("ZDT-25")
        members.match.groups = ["Sales"]
        #expect(try DetectionEngine.run([members], over: events, groups: groups).alerts.map(\.actor).sorted() == ["member@acme.example", "sales@acme.example"])
    }

    @Test("outdated client: six minor releases behind the account's newest of its type (what three people use), or an older major, alerts after the learning week; a close version, another type, no version or one person's forged 9999.0 does not")
    func outdatedClient() throws {
        let day = 24.0 * 60
        let late = 8 * day
        let events = [
            // One person's forged (or beta) version sets nothing: the newest needs three people.
            Self.signIn("forger@acme.example", ip: "192.0.2.9", client: "Mac", version: "9999.0.0", at: 0),
            Self.signIn("forger@acme.example", ip: "192.0.2.9", client: "Mac", version: "9998.0.0", at: 0.5),
            Self.signIn("new@acme.example", ip: "192.0.2.1", client: "Mac", version: "6.8.1.5000", at: 0),
            Self.signIn("new2@acme.example", ip: "192.0.2.1", client: "Mac", version: "6.8.0", at: 0.2),
            Self.signIn("new3@acme.example", ip: "192.0.2.1", client: "Mac", version: "6.9.0", at: 0.3),
            Self.signIn("old@acme.example", ip: "192.0.2.2", client: "Mac", version: "5.17.11 (1234)", at: 1),   // in the learning week
            Self.signIn("old@acme.example", ip: "192.0.2.2", client: "Mac", version: "5.17.11 (1234)", at: late),
            Self.signIn("lag@acme.example", ip: "192.0.2.3", client: "Mac", version: "6.2.0", at: late + 1),     // 6 behind 6.8
            Self.signIn("near@acme.example", ip: "192.0.2.4", client: "Mac", version: "6.3.9", at: late + 2),    // 5 behind
            Self.signIn("win@acme.example", ip: "192.0.2.5", client: "Windows", version: "6.0.0", at: late + 3), // the newest Windows
            Self.signIn("odd@acme.example", ip: "192.0.2.6", client: "Mac", version: "beta", at: late + 4),
        ]
        let raised = try Self.alerts(["ZDT-30"], events)
        #expect(raised.map(\.actor) == ["old@acme.example", "lag@acme.example"])
        #expect(raised.first?.value == "Mac 5.17.11 (1234); the account's newest is 6.8")
        // With one person on 6.8 besides the forger, 6.8 is never the account's newest: no alert at all.
        #expect(try Self.alerts(["ZDT-30"], events.filter { !["new2@acme.example", "new3@acme.example"].contains($0.actor) }).isEmpty)
        // The kind round-trips flat, with its defaults.
        let decoded = try JSONDecoder().decode(DetectionKind.self, from: Data(#"{"type":"outdated_client"}"#.utf8))
        #expect(decoded == .outdatedClient(minorsBehind: 6, learning: 7 * 86_400, per: .actor))
        let encoded = String(decoding: try JSONEncoder().encode(DetectionKind.outdatedClient(minorsBehind: 3, learning: 86_400, per: .actor)), as: UTF8.self)
        #expect(encoded.contains(#""minorsBehind":3"#) && encoded.contains(#""type":"outdated_client""#))
        var bad = Self.template("ZDT-30")
        bad.kind = .outdatedClient(minorsBehind: 0, learning: 86_400, per: .actor)
        #expect(bad.problems() == ["kind.minorsBehind must be 1–100 (minor releases)"])
    }
}
