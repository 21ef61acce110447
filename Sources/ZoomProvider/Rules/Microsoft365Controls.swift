import Foundation
import SSPMCore

/// Cross-checks of Zoom's Office 365 calendar and mail integration against the Microsoft 365
/// directory it is paired with (read through Microsoft Graph into `PostureSnapshot.directory`).
/// Without a paired directory they are not applicable, and they say how to pair one.
extension ZoomCatalogue {
    static let notPaired = "No Microsoft 365 directory is paired with this Zoom account. Add a Microsoft 365 connector and pair it on this connector's page (or PUT /api/v1/connectors/{id}/pairing); offline, run sspm scan --tenant FILE --graph-tenant FILE."

    /// Permissions that reach every mailbox or calendar when granted as application permissions.
    static let mailboxWidePermissions: Set<String> = ["Mail.Read", "Mail.ReadWrite", "Mail.Send", "Calendars.ReadWrite"]

    static func m365meta(_ id: String, _ title: String, _ severity: Severity, max: Double, rationale: String, remediation: String, portal: String,
                         threats: [String], scoring: ScoringMethod, sources: [DataSource], fields: [String], nist: [String], iso: [String],
                         cis: [String] = []) -> ControlMetadata {
        ControlMetadata(id: id, version: 1, title: title, rationale: rationale, remediation: remediation, portalPath: portal, severity: severity, maxScore: max,
                        category: .microsoft365, threats: threats, userImpact: .low, implementationCost: .low, scoring: scoring, dataSources: sources,
                        fieldsRead: fields, mappings: FrameworkMappings(cis: cis, nist: nist, iso: iso), requiredScopes: [])
    }


    static let microsoft365Controls: [ZoomControl] = [
        ZoomControl(m365meta("ZMS-01", "Zoom's associated domains are verified custom domains in Microsoft 365", .high, max: 6,
            rationale: "Zoom's Office 365 integration needs at least one associated domain that matches a verified custom domain in Microsoft 365; a domain Zoom manages that Microsoft 365 does not verify is one nobody proved the company owns there.",
            remediation: "Verify each Zoom associated domain in the Microsoft 365 admin center (Settings → Domains), or remove it from Zoom's associated domains.",
            portal: "Zoom: Admin → Account Management → Account Profile → Associated Domains; Microsoft 365 admin center → Settings → Domains",
            threats: ["dataLeakage", "accountBreach"], scoring: .binary, sources: [.domains, .microsoft365Domains],
            fields: ["GET /accounts/{accountId}/managed_domains: domains[].domain, status", "Graph GET /domains: id, isVerified, isInitial, supportedServices"],
            nist: ["IA-8", "CM-8"], iso: ["A.5.15", "A.8.20"])) { snapshot, _ in
            guard let directory = snapshot.directory else { return Evaluation(.notApplicable, notPaired) }
            guard let domains = directory.domains else { return Evaluation(.error, "Microsoft 365's domains were not read: \(directory.unavailable["domains"] ?? "not read").") }
            guard let zoom = snapshot.managedDomains else { return Evaluation(.error, snapshot.missing(.domains)) }
            let associated = zoom.filter { $0.status.lowercased() == "verified" }.map { $0.domain.lowercased() }
            guard !associated.isEmpty else { return Evaluation(.fail, "Zoom has no verified associated domain, so the Office 365 integration has none to match in Microsoft 365.") }
            let byName = Dictionary(domains.map { ($0.name.lowercased(), $0) }, uniquingKeysWith: { a, _ in a })
            let missing = associated.filter { name in byName[name].map { !$0.verified || $0.initial } ?? true }
            let noMail = associated.filter { name in byName[name].map { $0.verified && !$0.initial && !$0.services.contains("Email") } ?? false }
            if !missing.isEmpty {
                return Evaluation(.fail, "\(missing.count) of \(associated.count) Zoom associated domain(s) are not verified custom domains in Microsoft 365: \(missing.sorted().joined(separator: ", ")).")
            }
            if !noMail.isEmpty {
                return Evaluation(.warn, "Every Zoom associated domain is verified in Microsoft 365, but \(noMail.sorted().joined(separator: ", ")) is not used for e-mail there (supportedServices lacks Email).")
            }
            return Evaluation(.pass, "All \(associated.count) Zoom associated domain(s) are verified custom domains in Microsoft 365, used for e-mail.")
        },

        ZoomControl(m365meta("ZMS-02", "Every Zoom user signs in to Microsoft 365 with their Zoom address", .medium, max: 4,
            rationale: "The integration pairs Zoom users with Microsoft 365 accounts by the sign-in name (UPN). Where the Zoom address is only an alias, Zoom asks for the Mail.Read permission to find the user; where it reaches no one, the user's calendar does not sync.",
            remediation: "Make each user's Zoom e-mail their Microsoft 365 user principal name (or change the Zoom e-mail to it); avoid approving Mail.Read only to resolve aliases.",
            portal: "Microsoft 365 admin center → Users → Active users → the user → Username",
            threats: ["dataLeakage"], scoring: .proportional, sources: [.users, .microsoft365Users],
            fields: ["GET /users: email, status", "Graph GET /users: userPrincipalName, mail, proxyAddresses"],
            nist: ["IA-2", "IA-4"], iso: ["A.5.16"])) { snapshot, _ in
            guard let directory = snapshot.directory else { return Evaluation(.notApplicable, notPaired) }
            guard directory.users != nil, let index = snapshot.directoryIndex else {
                return Evaluation(.error, "Microsoft 365's users were not read: \(directory.unavailable["users"] ?? "not read").")
            }
            guard snapshot.users != nil else { return Evaluation(.error, snapshot.missing(.users)) }
            let active = snapshot.activeUsers
            var affected: [AffectedUser] = []
            var aliasOnly = 0
            for user in active {
                let email = DirectoryIndex.folded(user.email)
                if index.upn[email] != nil { continue }
                if let other = index.any[email] {
                    aliasOnly += 1
                    affected.append(AffectedUser(id: user.id, email: user.email, reason: "only an alias of \(other.principalName) in Microsoft 365 (Zoom asks for Mail.Read to find them)"))
                } else {
                    affected.append(AffectedUser(id: user.id, email: user.email, reason: "no Microsoft 365 user has this address"))
                }
            }
            let coverage = active.isEmpty ? 1 : Double(active.count - affected.count) / Double(active.count)
            if affected.isEmpty { return Evaluation(.pass, "All \(active.count) active Zoom users sign in to Microsoft 365 with their Zoom address.", coverage: 1) }
            let none = affected.count - aliasOnly
            let detail = "\(affected.count) of \(active.count) active Zoom users do not sign in to Microsoft 365 with their Zoom address: \(aliasOnly) only as an alias, \(none) not at all."
            return Evaluation(none > 0 ? .fail : .warn, detail, affectedUsers: affected, coverage: coverage)
        },

        ZoomControl(m365meta("ZMS-03", "Zoom's Microsoft 365 applications do not reach every mailbox unscoped", .high, max: 6,
            rationale: "Zoom's calendar application, consented with application permissions, can read (or write) every mailbox and calendar in the tenant unless Exchange Online's RBAC for Applications limits it to the people who use Zoom. Graph cannot read that scoping, so it must be checked in Exchange Online.",
            remediation: "Scope the application in Exchange Online PowerShell: New-ServicePrincipal -AppId <appId> -ObjectId <objectId> -DisplayName \"Zoom\"; New-ManagementScope -Name \"Zoom users\" -RecipientRestrictionFilter \"MemberOfGroup -eq '<group DN>'\"; New-ManagementRoleAssignment -App <objectId> -Role \"Application Calendars.ReadWrite\" -CustomResourceScope \"Zoom users\" (and the same for each Mail role it holds). Then remove the tenant-wide grant in Entra ID (Enterprise applications → Zoom → Permissions), because grants add up. Verify with Test-ServicePrincipalAuthorization -Identity <objectId> -Resource <a mailbox outside the group> (InScope must be False).",
            portal: "Entra admin center → Enterprise applications → the Zoom application → Permissions; Exchange Online PowerShell",
            threats: ["dataLeakage", "maliciousInsider"], scoring: .binary, sources: [.microsoft365Applications],
            fields: ["Graph GET /servicePrincipals?$filter=appId eq '…': id, appId, displayName", "Graph GET /servicePrincipals/{id}/appRoleAssignments: appRoleId, resourceId",
                     "Graph GET /servicePrincipals/{id}: appRoles (names)", "Graph GET /oauth2PermissionGrants?$filter=clientId eq '…': scope, consentType"],
            nist: ["AC-6", "AC-3"], iso: ["A.5.15", "A.8.3"])) { snapshot, _ in
            guard let directory = snapshot.directory else { return Evaluation(.notApplicable, notPaired) }
            guard let apps = directory.applications else {
                return Evaluation(.error, "Microsoft 365's applications were not read: \(directory.unavailable["applications"] ?? "not read").")
            }
            if apps.isEmpty { return Evaluation(.pass, "None of Zoom's Microsoft 365 applications is in the tenant: nothing of Zoom's reaches the mailboxes.") }
            var findings: [String] = []
            for app in apps {
                let wide = app.applicationPermissions.filter(mailboxWidePermissions.contains)
                if !wide.isEmpty { findings.append("\(app.name) (app id \(app.appID), object id \(app.objectID)) holds application permission(s) \(wide.joined(separator: ", "))") }
                for grant in app.delegatedGrants ?? [] where grant.allPrincipals {
                    let scopes = grant.scopes.filter(mailboxWidePermissions.contains)
                    if !scopes.isEmpty { findings.append("\(app.name) has delegated \(scopes.joined(separator: ", ")) consented for all users") }
                }
            }
            // Unread delegated grants are said on every verdict: an unseen grant for all users may add to them.
            let grantsNote = directory.unavailable["delegatedGrants"].map { " (delegated grants not read: \($0))" } ?? ""
            if findings.isEmpty {
                return Evaluation(.pass, "Zoom's applications hold no mailbox-wide permission\(grantsNote).")
            }
            return Evaluation(.manual, findings.joined(separator: "; ") + grantsNote + ". Tenant-wide unless Exchange Online scopes them (RBAC for Applications), which Graph cannot read: check it with Test-ServicePrincipalAuthorization, then accept or scope it.")
        },

        ZoomControl(m365meta("ZMS-04", "No leaver is still active in Zoom", .high, max: 6,
            rationale: "A person whose Microsoft 365 account was disabled or deleted has left, or lost access; if their Zoom user stays active they keep the meetings, recordings and chats of the account.",
            remediation: "Deactivate or delete these Zoom users (Admin → User Management → Users), and provision Zoom from Entra ID (SCIM) so it follows leavers by itself.",
            portal: "Admin → User Management → Users",
            threats: ["maliciousInsider", "accountBreach"], scoring: .proportional, sources: [.users, .microsoft365Users],
            fields: ["GET /users: email, status, type", "Graph GET /users: userPrincipalName, mail, proxyAddresses, accountEnabled"],
            nist: ["AC-2(3)", "PS-4"], iso: ["A.5.18", "A.6.5"])) { snapshot, _ in
            guard let directory = snapshot.directory else { return Evaluation(.notApplicable, notPaired) }
            guard directory.users != nil, let index = snapshot.directoryIndex else {
                return Evaluation(.error, "Microsoft 365's users were not read: \(directory.unavailable["users"] ?? "not read").")
            }
            guard snapshot.users != nil else { return Evaluation(.error, snapshot.missing(.users)) }
            // Active, licensed Zoom users (basic users hold little).
            let licensed = snapshot.activeUsers.filter { $0.type != 1 }
            var affected: [AffectedUser] = []
            for user in licensed {
                guard let account = index.account(for: user.email) else {
                    affected.append(AffectedUser(id: user.id, email: user.email, reason: "no Microsoft 365 account (deleted, or never there)"))
                    continue
                }
                if !account.enabled { affected.append(AffectedUser(id: user.id, email: user.email, reason: "Microsoft 365 account \(account.principalName) is disabled")) }
            }
            let coverage = licensed.isEmpty ? 1 : Double(licensed.count - affected.count) / Double(licensed.count)
            if affected.isEmpty { return Evaluation(.pass, "Every active licensed Zoom user has an enabled Microsoft 365 account.", coverage: 1) }
            return Evaluation(.fail, "\(affected.count) of \(licensed.count) active licensed Zoom users have no enabled Microsoft 365 account: likely leavers still active in Zoom.",
                              affectedUsers: affected, coverage: coverage)
        },

        ZoomControl(m365meta("ZMS-05", "Zoom's mail and calendar integrations are the approved ones", .medium, max: 3,
            rationale: "Zoom's mail and calendar integrations let the Zoom client read and manage people's mailboxes and calendars (through Microsoft 365 or Google); each one on is a path from Zoom into mail that should be a decision.",
            remediation: "Turn off the integrations the baseline does not approve in Account Settings → Mail & Calendar and Settings → Meeting → Integration, or approve them in the baseline (allowed_mail_calendar_integrations). Zoom's API returns these settings for the account only (a group's settings carry no mail and calendar section), and not the Office 365 choices (authorize with Graph API or per-user OAuth, asking users to integrate at sign-in, consenting on behalf of the whole account): check group overrides and those choices on the same pages (CIS 1.1.5.2 to 1.1.5.4).",
            portal: "Admin → Account Management → Account Settings → Mail & Calendar; Settings → Meeting → Integration; User Management → Groups → the group",
            threats: ["dataLeakage", "dataExfiltration"], scoring: .binary, sources: [.accountSettings],
            fields: ["mail_calendar.email_calendar_management", "mail_calendar.email_management", "mail_calendar.zoom_email_provider",
                     "integration.google_calendar"],
            nist: ["AC-20", "CM-7"], iso: ["A.5.14", "A.8.9"], cis: ["1.1.5.1"])) { snapshot, baseline in
            guard let settings = snapshot.accountSettings else { return Evaluation(.error, snapshot.missing(.accountSettings)) }
            let paths = [("email_calendar_management", "mail_calendar.email_calendar_management"), ("email_management", "mail_calendar.email_management"),
                         ("zoom_email_provider", "mail_calendar.zoom_email_provider"), ("google_calendar", "integration.google_calendar")]
            let allowed = Set(baseline.allowedMailCalendarIntegrations.map { $0.lowercased() })
            // A name the baseline lists that is no integration (a typo) approves nothing: said on every verdict.
            let unknown = allowed.subtracting(paths.map(\.0)).sorted()
            let typo = unknown.isEmpty ? "" : " The baseline's allowed_mail_calendar_integrations names \(unknown.joined(separator: ", ")), which is none of \(paths.map(\.0).joined(separator: ", ")): correct it."
            guard paths.contains(where: { settings.value(at: $0.1) != nil }) else {
                return Evaluation(.manual, "Zoom returned none of the mail and calendar settings; check Account Settings → Mail & Calendar." + typo)
            }
            let offending = paths.filter { !allowed.contains($0.0) && settings.value(at: $0.1)?.isTrue == true }.map(\.0)
            let unexposed = " Zoom's API returns these for the account only, and not the Office 365 choices (Graph API or per-user OAuth, asking users at sign-in, consent for the whole account): check group overrides and those choices in the portal." + typo
            if offending.isEmpty {
                let on = paths.filter { settings.value(at: $0.1)?.isTrue == true }.map(\.0)
                return Evaluation(.pass, (on.isEmpty ? "No mail or calendar integration is on." : "On, and approved by the baseline: \(on.joined(separator: ", ")).") + unexposed)
            }
            return Evaluation(.fail, "Mail and calendar integrations on for the account that the baseline does not approve: \(offending.joined(separator: ", ")).\(unexposed)")
        },
    ]
}

extension ControlCategory {
    public static let microsoft365: ControlCategory = "Microsoft 365 integration"
}

extension DataSource {
    public static let microsoft365Domains = DataSource(rawValue: "microsoft365_domains")
    public static let microsoft365Users = DataSource(rawValue: "microsoft365_users")
    public static let microsoft365Applications = DataSource(rawValue: "microsoft365_applications")
}
