import Foundation
import SSPMCore

private let sec = "Admin → Advanced → Security"

extension ZoomCatalogue {
    static let identityControls: [ZoomControl] = [
        // ZID-01 — Microsoft's recommendation, title verbatim.
        ZoomControl(meta("ZID-01", "Enable multi-factor authentication (MFA)", .identity, .critical, max: 10,
            rationale: "Passwords alone are phished, guessed and reused. Two-factor authentication for every user stops most account takeovers.",
            remediation: "Turn on \"Sign in with Two-Factor Authentication\" and choose \"All users in your account\".",
            portal: "\(sec) → Sign in with Two-Factor Authentication", threats: ["accountBreach", "phishingOrWhaling", "passwordCracking"],
            impact: .moderate, cost: .low, sources: [.accountSettings, .groups, .users, .roles],
            fields: ["GET /accounts/{accountId}/settings?option=security: security.sign_in_with_two_factor_auth",
                     "security.sign_in_with_two_factor_auth_groups", "security.sign_in_with_two_factor_auth_roles"],
            nist: ["IA-2(1)", "IA-2(2)"], iso: ["A.8.5", "A.5.17"])) { snapshot, _ in
            guard let settings = snapshot.accountSettings else { return Evaluation(.error, snapshot.missing(.accountSettings)) }
            guard let mode = settings.value(at: "security.sign_in_with_two_factor_auth")?.stringValue else {
                return Evaluation(.error, "Zoom did not return security.sign_in_with_two_factor_auth.")
            }
            let active = snapshot.activeUsers.filter { $0.id != nil }
            switch mode {
            case "all":
                return Evaluation(.pass, "Two-factor authentication is required for all users.", coverage: 1)
            case "group":
                let ids = Set(settings.value(at: "security.sign_in_with_two_factor_auth_groups")?.arrayValue?.compactMap(\.stringValue) ?? [])
                guard let groups = snapshot.groups, snapshot.users != nil else {
                    return Evaluation(.warn, "Two-factor authentication is required only for some groups; coverage unknown (groups or users not read).", coverage: 0)
                }
                let covered = Set(groups.filter { ids.contains($0.id) }.flatMap(\.memberIDs))
                let uncovered = active.filter { !covered.contains($0.id!) }
                return Evaluation(.warn, "Two-factor authentication is required only for \(ids.count) group(s); \(uncovered.count) of \(active.count) active users are not covered.",
                                  affectedGroups: groups.filter { !ids.contains($0.id) }.map { AffectedGroup(id: $0.id, name: $0.name, members: $0.memberCount, value: "not required") },
                                  affectedUsers: uncovered.map { AffectedUser(id: $0.id, email: $0.email, reason: "not in a group that requires 2FA") },
                                  coverage: active.isEmpty ? 0 : Double(active.count - uncovered.count) / Double(active.count))
            case "role":
                let roles = Set(settings.value(at: "security.sign_in_with_two_factor_auth_roles")?.arrayValue?.compactMap(\.stringValue) ?? [])
                guard snapshot.users != nil else {
                    return Evaluation(.warn, "Two-factor authentication is required only for some roles; coverage unknown (users not read).", coverage: 0)
                }
                let uncovered = active.filter { !roles.contains($0.roleID) }
                return Evaluation(.warn, "Two-factor authentication is required only for role(s) \(roles.sorted().joined(separator: ", ")); \(uncovered.count) of \(active.count) active users are not covered.",
                                  affectedUsers: uncovered.map { AffectedUser(id: $0.id, email: $0.email, reason: "role \($0.roleID) does not require 2FA") },
                                  coverage: active.isEmpty ? 0 : Double(active.count - uncovered.count) / Double(active.count))
            default:
                return Evaluation(.fail, "Two-factor authentication is off (\(mode)).", coverage: 0)
            }
        },

        ZoomControl(meta("ZID-02", "Require two-factor authentication for every admin", .identity, .high, max: 8,
            rationale: "Owners and admins can change every setting and read every recording; when 2FA is not required for all users it must at least cover them.",
            remediation: "Require two-factor authentication for all users, or at least for the Owner and Admin roles (and any custom role with admin privileges).",
            portal: "\(sec) → Sign in with Two-Factor Authentication → Users with specific roles", threats: ["accountBreach", "elevationOfPrivilege"],
            impact: .low, cost: .low, scoring: .binary, sources: [.accountSettings, .users, .groups],
            fields: ["GET /accounts/{accountId}/settings?option=security: security.sign_in_with_two_factor_auth(_roles|_groups)", "GET /users: role_id"],
            nist: ["IA-2(1)", "AC-6(5)"], iso: ["A.8.2", "A.8.5"])) { snapshot, _ in
            guard let settings = snapshot.accountSettings else { return Evaluation(.error, snapshot.missing(.accountSettings)) }
            guard let mode = settings.value(at: "security.sign_in_with_two_factor_auth")?.stringValue else {
                return Evaluation(.error, "Zoom did not return security.sign_in_with_two_factor_auth.")
            }
            if mode == "all" { return Evaluation(.pass, "Two-factor authentication is required for everyone, admins included.") }
            guard snapshot.users != nil else { return Evaluation(.error, snapshot.missing(.users)) }
            let admins = snapshot.activeUsers.filter { ["0", "1"].contains($0.roleID) && $0.id != nil }
            var uncovered: [PostureSnapshot.User] = admins
            if mode == "role" {
                let roles = Set(settings.value(at: "security.sign_in_with_two_factor_auth_roles")?.arrayValue?.compactMap(\.stringValue) ?? [])
                uncovered = admins.filter { !roles.contains($0.roleID) }
            } else if mode == "group" {
                guard let groups = snapshot.groups else { return Evaluation(.error, snapshot.missing(.groups)) }
                let ids = Set(settings.value(at: "security.sign_in_with_two_factor_auth_groups")?.arrayValue?.compactMap(\.stringValue) ?? [])
                let covered = Set(groups.filter { ids.contains($0.id) }.flatMap(\.memberIDs))
                uncovered = admins.filter { !covered.contains($0.id!) }
            }
            if uncovered.isEmpty { return Evaluation(.pass, "Every active Owner and Admin is covered by two-factor authentication (\(mode) mode).") }
            return Evaluation(.fail, "\(uncovered.count) of \(admins.count) admins can sign in without a second factor.",
                              affectedUsers: uncovered.map { AffectedUser(id: $0.id, email: $0.email, reason: "admin (role \($0.roleID)) without required 2FA") })
        },

        // ZID-03 — Microsoft's recommendation, title verbatim.
        ZoomControl(meta("ZID-03", "Enable session timeout for web users", .identity, .high, max: 8,
            rationale: "A browser left signed in to the Zoom web portal gives whoever sits down next the user's (or an admin's) account.",
            remediation: "Turn on \"Automatically sign users out after a specified time\" for the web and pick at most the baseline's minutes.",
            portal: "\(sec) → Automatically sign users out after a specified time (web)", threats: ["accountBreach", "maliciousInsider"],
            impact: .moderate, cost: .low, scoring: .binary, sources: [.accountSettings],
            fields: ["GET /accounts/{accountId}/settings?option=security: security.sign_again_period_for_inactivity_on_web"],
            nist: ["AC-12", "AC-11"], iso: ["A.8.5", "A.5.15"])) { snapshot, baseline in
            timeoutEvaluation(snapshot, path: "security.sign_again_period_for_inactivity_on_web", max: baseline.webSessionTimeoutMaxMinutes, what: "web")
        },

        ZoomControl(meta("ZID-04", "Enable session timeout for desktop and mobile clients", .identity, .medium, max: 5,
            rationale: "An unattended, signed-in Zoom client exposes chats, recordings and the contact directory.",
            remediation: "Turn on \"Automatically sign users out after a specified time\" for the Zoom client and pick at most the baseline's minutes.",
            portal: "\(sec) → Automatically sign users out after a specified time (client)", threats: ["accountBreach", "maliciousInsider"],
            impact: .moderate, cost: .low, scoring: .binary, sources: [.accountSettings],
            fields: ["GET /accounts/{accountId}/settings?option=security: security.sign_again_period_for_inactivity_on_client"],
            nist: ["AC-12", "AC-11"], iso: ["A.8.5"])) { snapshot, baseline in
            timeoutEvaluation(snapshot, path: "security.sign_again_period_for_inactivity_on_client", max: baseline.clientSessionTimeoutMaxMinutes, what: "client")
        },

        ZoomControl(meta("ZID-05", "Enforce single sign-on for the company's domains", .identity, .high, max: 8,
            rationale: "With SSO enforced, joiners, leavers, MFA and conditional access are governed by the identity provider, not by Zoom passwords.",
            remediation: "Enable SSO, turn on \"Require users to sign in with SSO\" for your associated domains and keep the bypass list to break-glass accounts.",
            portal: "Admin → Advanced → Single Sign-On, and \(sec) → Allow users to sign in with SSO", threats: ["accountBreach", "passwordCracking"],
            impact: .moderate, cost: .moderate, scoring: .binary, sources: [.accountSettings],
            fields: ["GET /accounts/{accountId}/settings?option=security: security.signin_with_sso.enable", "security.signin_with_sso.require_sso_for_domains", "security.signin_with_sso.sso_bypass_users"],
            nist: ["IA-2", "IA-8", "AC-2(1)"], iso: ["A.5.16", "A.8.5"])) { snapshot, baseline in
            guard let settings = snapshot.accountSettings else { return Evaluation(.error, snapshot.missing(.accountSettings)) }
            guard let sso = settings.value(at: "security.signin_with_sso") else { return Evaluation(.error, "Zoom did not return security.signin_with_sso.") }
            guard sso["enable"]?.boolValue == true else { return Evaluation(.fail, "Single sign-on is not enabled.") }
            guard sso["require_sso_for_domains"]?.boolValue == true else {
                return Evaluation(.fail, "SSO is enabled but not required: users of your domains can still sign in with a Zoom password.")
            }
            let bypass = sso["sso_bypass_users"]?.arrayValue ?? []
            if bypass.count > baseline.maxSSOBypassUsers {
                return Evaluation(.warn, "SSO is required, but \(bypass.count) users may bypass it (baseline allows \(baseline.maxSSOBypassUsers)).",
                                  affectedUsers: bypass.map { AffectedUser(id: $0["id"]?.stringValue, email: $0["email"]?.stringValue ?? "", reason: "SSO bypass") })
            }
            return Evaluation(.pass, "SSO is required for the associated domains; \(bypass.count) bypass account(s).")
        },

        ZoomControl(meta("ZID-06", "All active users sign in with single sign-on", .identity, .high, max: 6,
            rationale: "Users who sign in with a Zoom password or a social account are outside the identity provider's MFA, conditional access and offboarding.",
            remediation: "Move the remaining users to SSO (Admin → User Management → Users → Edit → login type) and require SSO for your domains.",
            portal: "Admin → User Management → Users", threats: ["accountBreach", "passwordCracking"],
            impact: .moderate, cost: .moderate, sources: [.users],
            fields: ["GET /users/{userId}: login_types"],
            nist: ["IA-2", "IA-8"], iso: ["A.5.16", "A.8.5"])) { snapshot, _ in
            guard snapshot.users != nil else { return Evaluation(.error, snapshot.missing(.users)) }
            let active = snapshot.activeUsers
            let known = active.filter { $0.loginTypes != nil }
            guard !active.isEmpty else { return Evaluation(.notApplicable, "No active users.") }
            guard known.count == active.count else {
                return Evaluation(.manual, "Zoom lists login types only per user (GET /users/{userId}); \(active.count - known.count) of \(active.count) active users were read without them. Check Admin → User Management → Users, or scan with user details.")
            }
            let nonSSO = known.filter { !($0.loginTypes ?? []).contains(101) }
            if nonSSO.isEmpty { return Evaluation(.pass, "All \(active.count) active users sign in with SSO.", coverage: 1) }
            return Evaluation(.fail, "\(nonSSO.count) of \(active.count) active users do not sign in with SSO.",
                              affectedUsers: nonSSO.map { AffectedUser(id: $0.id, email: $0.email, reason: "login types \(($0.loginTypes ?? []).map(String.init).joined(separator: ","))") },
                              coverage: Double(active.count - nonSSO.count) / Double(active.count))
        },

        ZoomControl(meta("ZID-07", "No users sign in with personal social accounts", .identity, .high, max: 5,
            rationale: "Facebook, Google and Apple sign-in put account recovery and MFA in a consumer account the company does not control.",
            remediation: "Turn off social sign-in methods (Admin → Advanced → Security → Sign-in methods) and move affected users to SSO or work e-mail.",
            portal: "\(sec) → Sign-in methods", threats: ["accountBreach", "phishingOrWhaling"],
            impact: .low, cost: .low, scoring: .binary, sources: [.users],
            fields: ["GET /users/{userId}: login_types"], nist: ["IA-2", "IA-5"], iso: ["A.5.17", "A.8.5"])) { snapshot, _ in
            guard snapshot.users != nil else { return Evaluation(.error, snapshot.missing(.users)) }
            let active = snapshot.activeUsers
            guard active.allSatisfy({ $0.loginTypes != nil }) else {
                return Evaluation(.manual, "Login types are not known for every active user (they come from GET /users/{userId}). Check Admin → User Management → Users.")
            }
            let social = active.filter { !Set($0.loginTypes ?? []).isDisjoint(with: [0, 1, 24]) }
            if social.isEmpty { return Evaluation(.pass, "No active user signs in with Facebook, Google or Apple.") }
            return Evaluation(.fail, "\(social.count) active users sign in with a social account.",
                              affectedUsers: social.map { AffectedUser(id: $0.id, email: $0.email, reason: "social login type") })
        },

        .setting(meta("ZID-08", "Require long sign-in passwords", .identity, .medium, max: 4,
            rationale: "Short passwords fall to guessing and cracking; length is the strongest password rule.",
            remediation: "Set \"Have at least x characters\" in the password requirement to at least the baseline's length.",
            portal: "\(sec) → Password requirement", threats: ["passwordCracking"], scoring: .binary, sources: [.accountSettings],
            fields: ["GET /accounts/{accountId}/settings?option=security: security.password_requirement.minimum_password_length"],
            cis: ["3.1.1.1.1"], nist: ["IA-5(1)"], iso: ["A.5.17"]),
            SettingRule("security.password_requirement.minimum_password_length", expect: { "at least \($0.minimumPasswordLength)" }) { value, baseline in
                (number(value) ?? 0) >= Double(baseline.minimumPasswordLength)
            }),
        .setting(meta("ZID-09", "Require a special character in sign-in passwords", .identity, .low, max: 2,
            rationale: "Character-class rules add a little resistance against guessing when SSO is not used.",
            remediation: "Turn on \"Have at least 1 special character\" in the password requirement.",
            portal: "\(sec) → Password requirement", threats: ["passwordCracking"], scoring: .binary, sources: [.accountSettings],
            fields: ["security.password_requirement.have_special_character"], cis: ["3.1.1.1.2"], nist: ["IA-5(1)"], iso: ["A.5.17"]),
            SettingRule("security.password_requirement.have_special_character", expect: { _ in "on" }) { value, _ in value.isTrue }),
        .setting(meta("ZID-10", "Limit consecutive repeated characters in passwords", .identity, .low, max: 2,
            rationale: "Blocking runs such as \"aaaa\" or \"1234\" removes the weakest passwords.",
            remediation: "Set \"Cannot contain consecutive characters\" to a value between 4 and 8.",
            portal: "\(sec) → Password requirement", threats: ["passwordCracking"], scoring: .binary, sources: [.accountSettings],
            fields: ["security.password_requirement.consecutive_characters_length"], cis: ["3.1.1.1.3"], nist: ["IA-5(1)"], iso: ["A.5.17"]),
            SettingRule("security.password_requirement.consecutive_characters_length", expect: { _ in "between 4 and 8" }) { value, _ in
                (4...8).contains(Int(number(value) ?? 0))
            }),
        .setting(meta("ZID-11", "Turn on enhanced weak-password detection", .identity, .medium, max: 3,
            rationale: "Zoom's weak-password detection rejects common and breached passwords that meet the character rules.",
            remediation: "Turn on \"Use enhanced weak password detection\".",
            portal: "\(sec) → Password requirement", threats: ["passwordCracking"], scoring: .binary, sources: [.accountSettings],
            fields: ["security.password_requirement.weak_enhance_detection"], cis: ["3.1.1.1.4"], nist: ["IA-5(1)"], iso: ["A.5.17"]),
            SettingRule("security.password_requirement.weak_enhance_detection", expect: { _ in "on" }) { value, _ in value.isTrue }),
        .setting(meta("ZID-12", "Only admins change users' names, pictures and sign-in e-mails", .identity, .low, max: 2,
            rationale: "A user who can change their own sign-in e-mail or display name can impersonate colleagues in meetings and chat.",
            remediation: "Turn on \"Only account admin can change users' name, profile picture, sign-in email, and host key\".",
            portal: "\(sec) → Only account admin can change users' name…", threats: ["spoofing", "maliciousInsider"], scoring: .binary, sources: [.accountSettings],
            fields: ["security.admin_change_user_info"], nist: ["AC-2", "IA-4"], iso: ["A.5.16"]),
            SettingRule("security.admin_change_user_info", expect: { _ in "on" }) { value, _ in value.isTrue }),
        .setting(meta("ZID-13", "Hide billing information from administrators", .identity, .low, max: 1,
            rationale: "Billing details are only needed by the billing role; hiding them limits what a compromised admin exposes.",
            remediation: "Turn on \"Hide billing information from administrators\".",
            portal: "\(sec) → Hide billing information from administrators", threats: ["dataExfiltration"], scoring: .binary, sources: [.accountSettings],
            fields: ["security.hide_billing_info"], cis: ["3.1.1.3.3"], nist: ["AC-6"], iso: ["A.8.3"]),
            SettingRule("security.hide_billing_info", expect: { _ in "on" }) { value, _ in value.isTrue }),

        ZoomControl(meta("ZID-14", "Keep the number of admins small", .identity, .medium, max: 5,
            rationale: "Every Owner or Admin is a full-account takeover path; fewer, named admins are easier to protect and review.",
            remediation: "Review Admin → User Management → Roles → Admin and move users who do not need it back to Member.",
            portal: "Admin → User Management → Roles", threats: ["elevationOfPrivilege", "accountBreach"], impact: .low, cost: .low, scoring: .binary,
            sources: [.users, .roles], fields: ["GET /users: role_id"],
            nist: ["AC-6(5)", "AC-2"], iso: ["A.8.2", "A.5.18"])) { snapshot, baseline in
            guard snapshot.users != nil else { return Evaluation(.error, snapshot.missing(.users)) }
            let admins = (snapshot.users ?? []).filter { ["0", "1"].contains($0.roleID) && $0.status != "pending" }
            if admins.count <= baseline.maxAdmins { return Evaluation(.pass, "\(admins.count) Owner/Admin account(s) (baseline allows \(baseline.maxAdmins)).") }
            return Evaluation(.fail, "\(admins.count) Owner/Admin accounts; the baseline allows \(baseline.maxAdmins).",
                              affectedUsers: admins.map { AffectedUser(id: $0.id, email: $0.email, reason: $0.roleID == "0" ? "Owner" : "Admin") })
        },

        ZoomControl(meta("ZID-15", "All managed domains are verified", .identity, .medium, max: 3,
            rationale: "Only verified associated domains let Zoom bring users of your domains under your account and SSO.",
            remediation: "Finish verification for each pending domain (Admin → Account Management → Account Profile → Associated Domains).",
            portal: "Admin → Account Management → Account Profile → Associated Domains", threats: ["spoofing", "accountBreach"], scoring: .binary,
            sources: [.domains], fields: ["GET /accounts/{accountId}/managed_domains: domains[].status"], nist: ["IA-8", "CM-8"], iso: ["A.5.16"])) { snapshot, _ in
            guard let domains = snapshot.managedDomains else { return Evaluation(.error, snapshot.missing(.domains)) }
            guard !domains.isEmpty else { return Evaluation(.fail, "No managed domain is associated with the account, so users of your domain can keep separate Zoom accounts.") }
            let pending = domains.filter { $0.status.lowercased() != "verified" }
            if pending.isEmpty { return Evaluation(.pass, "\(domains.count) managed domain(s), all verified.") }
            return Evaluation(.warn, "\(pending.count) of \(domains.count) managed domains are not verified: \(pending.map { "\($0.domain) (\($0.status))" }.joined(separator: ", ")).")
        },

        ZoomControl(meta("ZID-16", "No long-inactive licensed users", .identity, .low, max: 3,
            rationale: "Dormant licensed accounts are unmonitored takeover targets and often belong to leavers.",
            remediation: "Deactivate or unlicense users with no sign-in within the baseline's days (Admin → User Management → Users).",
            portal: "Admin → User Management → Users", threats: ["accountBreach", "maliciousInsider"], sources: [.users],
            fields: ["GET /users: type, last_login_time, user_created_at"], nist: ["AC-2(3)"], iso: ["A.5.18"])) { snapshot, baseline in
            guard snapshot.users != nil else { return Evaluation(.error, snapshot.missing(.users)) }
            let licensed = snapshot.activeUsers.filter { $0.type == 2 }
            guard !licensed.isEmpty else { return Evaluation(.notApplicable, "No active licensed users.") }
            let cutoff = snapshot.capturedAt.addingTimeInterval(-Double(baseline.inactiveDays) * 86_400)
            let stale = licensed.filter { user in
                if let last = user.lastLoginTime { return last < cutoff }
                return (user.createdAt ?? .distantPast) < cutoff
            }
            let coverage = Double(licensed.count - stale.count) / Double(licensed.count)
            let users = stale.map { AffectedUser(id: $0.id, email: $0.email, reason: $0.lastLoginTime.map { "last sign-in \(isoDay($0))" } ?? "never signed in") }
            if stale.isEmpty { return Evaluation(.pass, "Every licensed user signed in within \(baseline.inactiveDays) days.", coverage: 1) }
            let verdict: Verdict = Double(stale.count) <= Double(licensed.count) * 0.05 ? .warn : .fail
            return Evaluation(verdict, "\(stale.count) of \(licensed.count) licensed users have not signed in for \(baseline.inactiveDays) days.", affectedUsers: users, coverage: coverage)
        },
    ]
}

func timeoutEvaluation(_ snapshot: PostureSnapshot, path: String, max: Int, what: String) -> Evaluation {
    guard let settings = snapshot.accountSettings else { return Evaluation(.error, snapshot.missing(.accountSettings)) }
    guard let minutes = settings.value(at: path).flatMap(number) else { return Evaluation(.error, "Zoom did not return \(path).") }
    if minutes <= 0 { return Evaluation(.fail, "Idle \(what) sessions are never signed out (\(path) is 0).") }
    if Int(minutes) > max { return Evaluation(.fail, "Idle \(what) sessions are signed out after \(Int(minutes)) minutes; the baseline allows at most \(max).") }
    return Evaluation(.pass, "Idle \(what) sessions are signed out after \(Int(minutes)) minutes (baseline: at most \(max)).")
}
