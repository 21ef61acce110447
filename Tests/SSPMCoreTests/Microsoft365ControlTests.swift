import Foundation
import SSPMCore
import Testing
import ZoomProvider

/// The Microsoft 365 integration cross-checks (ZMS-01…04) on a Zoom snapshot with a paired directory.
@Suite struct Microsoft365ControlTests {
    static func zoomUser(_ email: String, type: Int = 2, status: String = "active") -> PostureSnapshot.User {
        PostureSnapshot.User(id: email, email: email, displayName: email, type: type, status: status, roleID: "2", groupIDs: [], loginTypes: nil, lastLoginTime: nil, createdAt: nil)
    }

    static func entra(_ upn: String, mail: String? = nil, aliases: [String] = [], enabled: Bool = true) -> DirectorySnapshot.User {
        .init(id: upn, principalName: upn, mail: mail ?? upn, aliases: aliases.isEmpty ? [upn] : aliases, enabled: enabled, type: "Member")
    }

    static func snapshot(zoomDomains: [(String, String)] = [("acme.com", "verified")], users: [PostureSnapshot.User] = [],
                         directory: DirectorySnapshot?) -> PostureSnapshot {
        var s = PostureSnapshot(accountID: "a", capturedAt: Date(), users: users, managedDomains: zoomDomains.map { (domain: $0.0, status: $0.1) })
        s.directory = directory
        return s
    }

    static func evaluate(_ id: String, _ snapshot: PostureSnapshot) -> Evaluation {
        ZoomCatalogue.control(id)!.evaluate(snapshot, Baseline())
    }

    @Test("without a paired directory every cross-check is not applicable and says how to run it; a directory source that was not read is an error naming why")
    func notPaired() {
        for id in ["ZMS-01", "ZMS-02", "ZMS-03", "ZMS-04"] {
            let e = Self.evaluate(id, Self.snapshot(directory: nil))
            #expect(e.verdict == .notApplicable && e.detail.contains("--graph-tenant"), "\(id)")
            let unread = DirectorySnapshot(directoryID: "t", readAt: Date(), unavailable: ["domains": "needs Domain.Read.All", "users": "needs User.Read.All",
                                                                                          "applications": "needs Application.Read.All"])
            let error = Self.evaluate(id, Self.snapshot(directory: unread))
            #expect(error.verdict == .error && error.detail.contains("needs "), "\(id): \(error.detail)")
        }
    }

    @Test("ZMS-01: every verified Zoom domain must be a verified custom domain in Microsoft 365 (an unverified or initial one fails, one without Email warns; pending Zoom domains do not count)")
    func domains() {
        func directory(_ domains: [DirectorySnapshot.Domain]) -> DirectorySnapshot { DirectorySnapshot(directoryID: "t", readAt: Date(), domains: domains) }
        let good = DirectorySnapshot.Domain(name: "acme.com", verified: true, initial: false, services: ["Email"])
        #expect(Self.evaluate("ZMS-01", Self.snapshot(zoomDomains: [("acme.com", "verified"), ("lab.acme.com", "pending")], directory: directory([good]))).verdict == .pass)
        let unverified = Self.evaluate("ZMS-01", Self.snapshot(zoomDomains: [("acme.com", "verified"), ("acme.io", "verified")],
                                                               directory: directory([good, .init(name: "acme.io", verified: false, initial: false, services: [])])))
        #expect(unverified.verdict == .fail && unverified.detail.contains("acme.io") && !unverified.detail.contains("acme.com,"))
        let initialOnly = Self.evaluate("ZMS-01", Self.snapshot(zoomDomains: [("acme.onmicrosoft.com", "verified")],
                                                                directory: directory([.init(name: "acme.onmicrosoft.com", verified: true, initial: true, services: ["Email"])])))
        #expect(initialOnly.verdict == .fail)
        let noMail = Self.evaluate("ZMS-01", Self.snapshot(directory: directory([.init(name: "ACME.com", verified: true, initial: false, services: ["Sharepoint"])])))
        #expect(noMail.verdict == .warn && noMail.detail.contains("Email"))
    }

    @Test("ZMS-02: a Zoom address that is a UPN passes; only an alias warns (Mail.Read); no account fails; coverage counts both; inactive users are not counted")
    func upns() {
        let users = [Self.zoomUser("ann@acme.com"), Self.zoomUser("Bob@Acme.com"), Self.zoomUser("cy@acme.com"), Self.zoomUser("gone@acme.com", status: "inactive")]
        let entra = [Self.entra("ann@acme.com"), Self.entra("bob@acme.com"), Self.entra("cyrus@acme.com", aliases: ["cyrus@acme.com", "cy@acme.com"])]
        let warn = Self.evaluate("ZMS-02", Self.snapshot(users: users, directory: DirectorySnapshot(directoryID: "t", readAt: Date(), users: entra)))
        #expect(warn.verdict == .warn && warn.affectedUsers.map(\.email) == ["cy@acme.com"] && warn.affectedUsers.first?.reason.contains("cyrus@acme.com") == true)
        #expect(abs((warn.coverage ?? 0) - 2.0 / 3.0) < 0.001)
        let fail = Self.evaluate("ZMS-02", Self.snapshot(users: users + [Self.zoomUser("dee@acme.com")], directory: DirectorySnapshot(directoryID: "t", readAt: Date(), users: entra)))
        #expect(fail.verdict == .fail && fail.detail.contains("1 only as an alias, 1 not at all"))
        #expect(Self.evaluate("ZMS-02", Self.snapshot(users: Array(users.prefix(2)), directory: DirectorySnapshot(directoryID: "t", readAt: Date(), users: entra))).verdict == .pass)
    }

    @Test("ZMS-03: mailbox-wide application permissions (or delegated ones consented for all) are manual with the Exchange Online commands; calendar-read only passes; no Zoom app passes")
    func applications() {
        func app(_ permissions: [String], grants: [DirectorySnapshot.DelegatedGrant]? = []) -> DirectorySnapshot {
            DirectorySnapshot(directoryID: "t", readAt: Date(), applications: [.init(appID: "f56e91e5", objectID: "sp-1", name: "Zoom Rooms", enabled: true,
                                                                                      applicationPermissions: permissions, delegatedGrants: grants)])
        }
        let wide = Self.evaluate("ZMS-03", Self.snapshot(directory: app(["Calendars.ReadWrite", "Mail.Read", "User.Read.All"])))
        #expect(wide.verdict == .manual && wide.detail.contains("Calendars.ReadWrite, Mail.Read") && wide.detail.contains("Test-ServicePrincipalAuthorization"))
        #expect(ZoomCatalogue.control("ZMS-03")!.metadata.remediation.contains("New-ManagementRoleAssignment"))
        #expect(Self.evaluate("ZMS-03", Self.snapshot(directory: app(["Calendars.Read", "User.Read.All"]))).verdict == .pass)
        let delegated = Self.evaluate("ZMS-03", Self.snapshot(directory: app([], grants: [.init(scopes: ["User.Read", "Mail.Read"], allPrincipals: true)])))
        #expect(delegated.verdict == .manual && delegated.detail.contains("consented for all users"))
        #expect(Self.evaluate("ZMS-03", Self.snapshot(directory: app([], grants: [.init(scopes: ["Mail.Read"], allPrincipals: false)]))).verdict == .pass)
        #expect(Self.evaluate("ZMS-03", Self.snapshot(directory: DirectorySnapshot(directoryID: "t", readAt: Date(), applications: []))).verdict == .pass)
        // Delegated grants not read (no Directory.Read.All): every verdict says so, the manual one too.
        var unread = app(["Mail.Read"], grants: nil)
        unread.unavailable["delegatedGrants"] = "missing Directory.Read.All"
        let partial = Self.evaluate("ZMS-03", Self.snapshot(directory: unread))
        #expect(partial.verdict == .manual && partial.detail.contains("delegated grants not read: missing Directory.Read.All"), "\(partial.detail)")
        unread.applications?[0].applicationPermissions = ["Calendars.Read"]
        #expect(Self.evaluate("ZMS-03", Self.snapshot(directory: unread)).detail.contains("delegated grants not read"))
    }

    @Test("ZMS-04: an active licensed Zoom user whose Microsoft 365 account is disabled or missing fails with the list; basic users and an enabled account found by alias do not")
    func leavers() {
        let users = [Self.zoomUser("ann@acme.com"), Self.zoomUser("left@acme.com"), Self.zoomUser("ghost@acme.com"), Self.zoomUser("basic@acme.com", type: 1),
                     Self.zoomUser("cy@acme.com")]
        let entra = [Self.entra("ann@acme.com"), Self.entra("left@acme.com", enabled: false), Self.entra("cyrus@acme.com", aliases: ["cy@acme.com"])]
        let e = Self.evaluate("ZMS-04", Self.snapshot(users: users, directory: DirectorySnapshot(directoryID: "t", readAt: Date(), users: entra)))
        #expect(e.verdict == .fail)
        #expect(e.affectedUsers.map(\.email).sorted() == ["ghost@acme.com", "left@acme.com"])
        #expect(e.affectedUsers.first { $0.email == "left@acme.com" }?.reason.contains("disabled") == true)
        #expect(abs((e.coverage ?? 0) - 0.5) < 0.001)
    }

    @Test("ZMS-05: a mail or calendar integration on for the account fails unless the baseline approves it; none on passes; group overrides and the Office 365 choices, which Zoom's API does not return, are named; a misspelt approval is said; no settings read is an error")
    func mailCalendarIntegrations() {
        func snapshot(_ values: [String: Bool], group: [String: Bool]? = nil) -> PostureSnapshot {
            var settings: JSONValue = ["mail_calendar": ["email_calendar_management": false, "email_management": false, "zoom_email_provider": false],
                                       "integration": ["google_calendar": false, "box": true]]
            for (path, value) in values { settings.setValue(.bool(value), at: path) }
            var groupSettings: JSONValue = [:]
            for (path, value) in group ?? [:] { groupSettings.setValue(.bool(value), at: path) }
            return PostureSnapshot(accountID: "a", capturedAt: Date(), accountSettings: settings,
                                   groups: group == nil ? [] : [PostureSnapshot.Group(id: "g1", name: "Sales", memberIDs: [], settings: groupSettings, lockSettings: nil)])
        }
        let control = ZoomCatalogue.control("ZMS-05")!
        let off = control.evaluate(snapshot([:]), Baseline())
        #expect(off.verdict == .pass && off.detail.contains("No mail or calendar integration is on") && off.detail.contains("the Office 365 choices"))
        let account = control.evaluate(snapshot(["mail_calendar.email_calendar_management": true, "integration.google_calendar": true]), Baseline())
        #expect(account.verdict == .fail && account.detail.contains("does not approve: email_calendar_management, google_calendar")
                && account.detail.contains("group overrides"), "\(account.detail)")
        var approving = Baseline()
        approving.allowedMailCalendarIntegrations = ["email_calendar_management", "google_calendar"]
        let approved = control.evaluate(snapshot(["mail_calendar.email_calendar_management": true]), approving)
        #expect(approved.verdict == .pass && approved.detail.contains("approved by the baseline: email_calendar_management"), "\(approved.detail)")
        #expect(control.evaluate(PostureSnapshot(accountID: "a", capturedAt: Date()), Baseline()).verdict == .error)
        #expect(control.evaluate(PostureSnapshot(accountID: "a", capturedAt: Date(), accountSettings: ["feature": [:]]), Baseline()).verdict == .manual)
        #expect(control.metadata.dataSources == [.accountSettings])
        var typo = Baseline()
        typo.allowedMailCalendarIntegrations = ["email_calender_management"]
        let mistyped = control.evaluate(snapshot(["mail_calendar.email_calendar_management": true]), typo)
        #expect(mistyped.verdict == .fail && mistyped.detail.contains("names email_calender_management, which is none of"), "\(mistyped.detail)")
        #expect(control.metadata.mappings.cis == ["1.1.5.1"])
    }
}
