import Foundation
import SSPMCore
import ZoomAPI

/// Generates a realistic Zoom account from a seed: user types, login types and statuses, groups
/// whose settings override the account's, roles with members, managed domains, Team Chat
/// channels, and sign-in and admin-operation logs — with the misconfigurations real accounts have.
public struct TenantGenerator: Sendable {
    public var users: Int
    public var groups: Int
    public var days: Int
    public var seed: UInt64
    public var plan: ZoomPlan
    /// The moment the logs end (defaults to now).
    public var now: Date
    /// Scopes granted to the app; defaults to everything OpenSSPM reads (and the write scopes the simulator's PATCH endpoints need).
    public var scopes: [String]

    public static let defaultScopes = [
        "user:read:admin", "user:write:admin", "account:read:admin", "account:write:admin", "group:read:admin",
        "group:write:admin", "role:read:admin", "report:read:admin", "chat_channel:read:admin",
    ]

    public init(users: Int = 50, groups: Int = 5, days: Int = 7, seed: UInt64 = 1, plan: ZoomPlan = .pro, now: Date = Date(),
                scopes: [String] = TenantGenerator.defaultScopes) {
        self.users = max(1, users)
        self.groups = max(0, groups)
        self.days = max(0, days)
        self.seed = seed
        self.plan = plan
        self.now = now
        self.scopes = scopes
    }

    static let firstNames = ["Anna", "Ben", "Chloe", "David", "Elena", "Farid", "Grace", "Hiro", "Isabel", "Jamal", "Kai", "Lena",
        "Mateo", "Nora", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tara", "Umar", "Vera", "Wei", "Ximena", "Yusuf", "Zoe",
        "Aiko", "Bruno", "Carmen", "Dmitri", "Esther", "Felix", "Giulia", "Hassan", "Ingrid", "Jonas", "Kofi", "Laila",
        "Marek", "Nadia", "Oscar", "Paula", "Rafael", "Sofia", "Tomas", "Ulla", "Victor", "Wanda", "Yara", "Zain"]
    static let lastNames = ["Smith", "Garcia", "Müller", "Kowalski", "Nguyen", "Okafor", "Rossi", "Tanaka", "Dubois", "Novak",
        "Silva", "Andersson", "Kim", "Patel", "Cohen", "Jensen", "Fischer", "Moreau", "Haddad", "Ivanova", "O'Brien",
        "Larsen", "Costa", "Yilmaz", "Schmidt", "Nakamura", "Hughes", "Santos", "Weber", "Lindqvist", "Reyes", "Chen"]
    static let companies = [("Northwind Traders", "northwind"), ("Contoso", "contoso"), ("Fabrikam", "fabrikam"),
        ("Tailspin Toys", "tailspin"), ("Wide World Importers", "wideworld"), ("Adventure Works", "adventureworks"),
        ("Litware", "litware"), ("Proseware", "proseware")]
    static let groupNames = ["Engineering", "Sales", "Marketing", "Finance", "People", "Legal", "Customer Support", "IT",
        "Contractors", "Executives", "Operations", "Research", "Security", "Partners", "Interns"]
    static let clientTypes = ["Browser", "Windows", "Mac", "iOS", "Android", "Linux"]
    static let timezones = ["America/New_York", "America/Los_Angeles", "Europe/London", "Europe/Berlin", "Asia/Tokyo", "Asia/Kolkata", "Australia/Sydney"]

    public func generate() -> Tenant {
        var rng = SeededGenerator(seed: seed)
        func id(_ length: Int = 22) -> String {
            let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
            return String((0..<length).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &rng)] })
        }
        func iso(_ date: Date) -> String { ZoomSimulatorEngine.isoSeconds(date) }
        let day: TimeInterval = 86_400
        let (company, slug) = Self.companies[Int(seed % UInt64(Self.companies.count))]
        let domain = "\(slug).example.com"
        let accountID = id()

        // Groups first (users reference them).
        var groupIDs: [String] = []
        var groupNames: [String] = []
        for index in 0..<groups {
            groupIDs.append(id())
            let base = Self.groupNames[index % Self.groupNames.count]
            groupNames.append(index < Self.groupNames.count ? base : "\(base) \(index / Self.groupNames.count + 1)")
        }
        let customRoleID = id(20)
        let adminCount = max(2, users / 400)

        // Users.
        var userObjects: [JSONValue] = []
        var groupMembers: [[String]] = Array(repeating: [], count: groups)
        var roleMembers: [String: [String]] = ["0": [], "1": [], "2": [], customRoleID: []]
        var activeUsers: [(id: String, email: String, ip: String, client: String)] = []
        var usedEmails = Set<String>()
        for index in 0..<users {
            let first = Self.firstNames[Int.random(in: 0..<Self.firstNames.count, using: &rng)]
            let last = Self.lastNames[Int.random(in: 0..<Self.lastNames.count, using: &rng)]
            var local = "\(first).\(last)".lowercased().folding(options: .diacriticInsensitive, locale: nil).replacingOccurrences(of: "'", with: "")
            if usedEmails.contains(local) { local += "\(index)" }
            usedEmails.insert(local)
            let email = "\(local)@\(domain)"
            let roll = Double.random(in: 0..<1, using: &rng)
            let status = index == 0 ? "active" : roll < 0.04 ? "pending" : roll < 0.11 ? "inactive" : "active"
            let roleID = index == 0 ? "0" : index <= adminCount ? "1" : index <= adminCount + 3 ? customRoleID : "2"
            let type: Int64 = index == 0 ? 2 : Double.random(in: 0..<1, using: &rng) < 0.72 ? 2 : 1
            let created = now.addingTimeInterval(-Double.random(in: 30...1500, using: &rng) * day)
            var user: JSONValue = [
                "email": .string(email), "first_name": .string(first), "last_name": .string(last),
                "display_name": .string("\(first) \(last)"), "type": .int(type), "status": .string(status),
                "role_id": .string(roleID), "timezone": .string(Self.timezones[Int.random(in: 0..<Self.timezones.count, using: &rng)]),
                "language": "en-US", "verified": .int(status == "pending" ? 0 : 1),
                "pmi": .int(Int64.random(in: 2_000_000_000...9_999_999_999, using: &rng)),
                "user_created_at": .string(iso(created)), "created_at": .string(iso(created)),
                "phone_number": "",
            ]
            var memberOf: [String] = []
            if groups > 0, index > 0 {
                let groupRoll = Double.random(in: 0..<1, using: &rng)
                if groupRoll >= 0.08 {
                    let g = Int.random(in: 0..<groups, using: &rng)
                    memberOf.append(groupIDs[g])
                    if groupRoll > 0.95, groups > 1 { memberOf.append(groupIDs[(g + 1) % groups]) }
                }
            } else if groups > 0 {
                memberOf.append(groupIDs[groups - 1 >= 9 ? 9 : 0])  // the owner sits in Executives when there is one
            }
            user["group_ids"] = .array(memberOf.map { .string($0) })
            user["dept"] = .string(memberOf.first.flatMap { g in groupIDs.firstIndex(of: g).map { groupNames[$0] } } ?? "")
            let loginRoll = Double.random(in: 0..<1, using: &rng)
            user["login_types"] = .array([.int(loginRoll < 0.6 ? 101 : loginRoll < 0.9 ? 100 : loginRoll < 0.98 ? 1 : 24)])
            if status != "pending" {
                let userID = id()
                user["id"] = .string(userID)
                for g in memberOf { if let gi = groupIDs.firstIndex(of: g) { groupMembers[gi].append(userID) } }
                roleMembers[roleID, default: []].append(userID)
                let loginRoll = Double.random(in: 0..<1, using: &rng)
                if loginRoll < 0.85 {
                    user["last_login_time"] = .string(iso(now.addingTimeInterval(-Double.random(in: 0...(30 * day), using: &rng))))
                    user["last_client_version"] = .string("6.\(Int.random(in: 0...3, using: &rng)).\(Int.random(in: 0...12, using: &rng)).\(Int.random(in: 10000...69999, using: &rng))")
                    if status == "active" {
                        let ip = "203.0.113.\(Int.random(in: 1...254, using: &rng))"
                        activeUsers.append((userID, email, ip, Self.clientTypes[Int.random(in: 0..<Self.clientTypes.count, using: &rng)]))
                    }
                } else if loginRoll < 0.95 {
                    user["last_login_time"] = .string(iso(now.addingTimeInterval(-Double.random(in: (90 * day)...(400 * day), using: &rng))))
                }
            }
            userObjects.append(user)
        }

        // Account settings with a seed-dependent security profile (always some gaps, as in real accounts).
        var settings = Defaults.account
        let twoFactor = ["all", "group", "role", "none"][Int.random(in: 0..<4, using: &rng)]
        settings.setValue(.string(twoFactor), at: "security.sign_in_with_two_factor_auth")
        settings["security"]?["sign_in_with_two_factor_auth_groups"] = nil
        settings["security"]?["sign_in_with_two_factor_auth_roles"] = nil
        if twoFactor == "group", !groupIDs.isEmpty {
            settings.setValue(.array(groupIDs.prefix(max(1, groups / 3)).map { .string($0) }), at: "security.sign_in_with_two_factor_auth_groups")
        }
        if twoFactor == "role" { settings.setValue(["0", "1"], at: "security.sign_in_with_two_factor_auth_roles") }
        settings.setValue(.int([0, 15, 30, 120][Int.random(in: 0..<4, using: &rng)]), at: "security.sign_again_period_for_inactivity_on_web")
        settings.setValue(.int([0, 30, 60, 120][Int.random(in: 0..<4, using: &rng)]), at: "security.sign_again_period_for_inactivity_on_client")
        settings.setValue(.int([8, 10, 12][Int.random(in: 0..<3, using: &rng)]), at: "security.password_requirement.minimum_password_length")
        settings.setValue(.bool(Bool.random(using: &rng)), at: "security.password_requirement.have_special_character")
        let sso = Bool.random(using: &rng)
        settings.setValue(.bool(sso), at: "security.signin_with_sso.enable")
        settings.setValue(.bool(sso && Bool.random(using: &rng)), at: "security.signin_with_sso.require_sso_for_domains")
        settings.setValue(sso ? [.string(domain)] : [], at: "security.signin_with_sso.domains")
        let e2ee = Double.random(in: 0..<1, using: &rng) < 0.3
        settings.setValue(.bool(e2ee), at: "meeting_security.end_to_end_encrypted_meetings")
        settings.setValue(.string(e2ee ? "e2ee" : "enhanced_encryption"), at: "meeting_security.encryption_type")
        settings.setValue(.bool(Double.random(in: 0..<1, using: &rng) < 0.7), at: "meeting_security.waiting_room")
        settings.setValue(true, at: "meeting_security.embed_password_in_join_link")
        settings.setValue(.bool(Double.random(in: 0..<1, using: &rng) < 0.8), at: "meeting_security.meeting_password")
        settings.setValue(.bool(Bool.random(using: &rng)), at: "schedule_meeting.join_before_host")
        settings.setValue(true, at: "in_meeting.file_transfer")
        settings.setValue(.bool(Bool.random(using: &rng)), at: "in_meeting.allow_live_streaming")
        settings.setValue(true, at: "recording.cloud_recording")
        var locks = Defaults.accountLock
        locks.setValue(.bool(Bool.random(using: &rng)), at: "schedule_meeting.join_before_host")
        locks.setValue(.bool(Bool.random(using: &rng)), at: "in_meeting.file_transfer")
        locks.setValue(.bool(Bool.random(using: &rng)), at: "recording.cloud_recording")
        locks.setValue(.bool(Bool.random(using: &rng)), at: "meeting_security.waiting_room")

        // Groups: inherit the account's meeting settings; some override them.
        var groupObjects: [JSONValue] = []
        for index in 0..<groups {
            var groupSettings = Defaults.group
            for section in ["schedule_meeting", "in_meeting", "recording", "chat"] {
                if let accountSection = settings[section], case .object(let members) = accountSection, let groupSection = groupSettings[section]?.objectValue {
                    // Copy the account's value of each key the group body also has.
                    var merged = groupSection
                    for (key, value) in members where merged[key] != nil && merged[key].map({ sameKind($0, value) }) == true { merged[key] = value }
                    groupSettings[section] = .object(merged)
                }
            }
            if let accountMS = settings["meeting_security"]?.objectValue, let groupMS = groupSettings["meeting_security"]?.objectValue {
                var merged = groupMS
                for (key, value) in accountMS where merged[key] != nil && merged[key].map({ sameKind($0, value) }) == true { merged[key] = value }
                groupSettings["meeting_security"] = .object(merged)
            }
            let name = groupNames[index]
            if name.hasPrefix("Contractors") || name.hasPrefix("Partners") || name.hasPrefix("Interns") {
                groupSettings.setValue(false, at: "meeting_security.waiting_room")
                groupSettings.setValue(true, at: "schedule_meeting.join_before_host")
                groupSettings.setValue(true, at: "in_meeting.allow_live_streaming")
            } else if name.hasPrefix("Sales") {
                groupSettings.setValue(true, at: "schedule_meeting.join_before_host")
            } else if name.hasPrefix("Security") || name.hasPrefix("Executives") {
                groupSettings.setValue(true, at: "meeting_security.waiting_room")
                groupSettings.setValue(true, at: "meeting_security.end_to_end_encrypted_meetings")
                groupSettings.setValue("e2ee", at: "meeting_security.encryption_type")
            }
            var groupLocks = Defaults.groupLock
            groupLocks.setValue(.bool(Bool.random(using: &rng)), at: "schedule_meeting.join_before_host")
            groupObjects.append([
                "id": .string(groupIDs[index]), "name": .string(name), "total_members": .int(Int64(groupMembers[index].count)),
                "settings": groupSettings, "lock_settings": groupLocks, "members": .array(groupMembers[index].map { .string($0) }),
            ])
        }

        // Roles.
        func roleMembersJSON(_ key: String) -> JSONValue { .array((roleMembers[key] ?? []).map { .string($0) }) }
        let roles: [JSONValue] = [
            ["id": "0", "name": "Owner", "description": "Account owner has full privileges to access and manage a Zoom account.",
             "type": "common", "total_members": .int(Int64(roleMembers["0"]?.count ?? 0)), "members": roleMembersJSON("0")],
            ["id": "1", "name": "Admin", "description": "Admins have wide range privileges to access and manage a Zoom account.",
             "type": "common", "total_members": .int(Int64(roleMembers["1"]?.count ?? 0)), "members": roleMembersJSON("1")],
            ["id": "2", "name": "Member", "description": "Members have access to basic Zoom video meetings functionality.",
             "type": "common", "total_members": .int(Int64(roleMembers["2"]?.count ?? 0)), "members": roleMembersJSON("2")],
            ["id": .string(customRoleID), "name": "Help Desk", "description": "Resets passwords and manages devices.",
             "type": "common", "total_members": .int(Int64(roleMembers[customRoleID]?.count ?? 0)), "members": roleMembersJSON(customRoleID)],
        ]

        // Sign-in / sign-out report: about four in ten active users sign in on a given day.
        var activity: [(Date, JSONValue)] = []
        if days > 0 {
            for user in activeUsers {
                for d in 0..<days {
                    guard Double.random(in: 0..<1, using: &rng) < 0.4 else { continue }
                    let signIn = now.addingTimeInterval(-Double(d) * day - Double.random(in: 0..<day, using: &rng))
                    let unusual = Double.random(in: 0..<1, using: &rng) < 0.01
                    let ip = unusual ? "198.51.100.\(Int.random(in: 1...254, using: &rng))" : user.ip
                    let version = "6.2.\(Int.random(in: 0...11, using: &rng)).\(Int.random(in: 10000...69999, using: &rng))"
                    activity.append((signIn, ["email": .string(user.email), "time": .string(iso(signIn)), "type": "Sign in",
                                              "ip_address": .string(ip), "client_type": .string(user.client), "version": .string(version)]))
                    if Bool.random(using: &rng) {
                        let signOut = min(now, signIn.addingTimeInterval(Double.random(in: 600...(9 * 3600), using: &rng)))
                        activity.append((signOut, ["email": .string(user.email), "time": .string(iso(signOut)), "type": "Sign out",
                                                   "ip_address": .string(ip), "client_type": .string(user.client), "version": .string(version)]))
                    }
                }
            }
        }
        activity.sort { $0.0 > $1.0 }

        // Admin operation log, in the strings Zoom writes (note the double space before some dashes).
        let admins = userObjects.filter { ["0", "1"].contains($0["role_id"]?.stringValue ?? "") }.compactMap { $0["email"]?.stringValue }
        let someone = { (rng: inout SeededGenerator) -> String in
            userObjects[Int.random(in: 0..<userObjects.count, using: &rng)]["email"]?.stringValue ?? "user@\(domain)"
        }
        var operations: [(Date, JSONValue)] = []
        let perDay = 4 + users / 1000
        for d in 0..<days {
            for _ in 0..<perDay {
                let time = now.addingTimeInterval(-Double(d) * day - Double.random(in: 0..<day, using: &rng))
                let admin = admins.isEmpty ? "admin@\(domain)" : admins[Int.random(in: 0..<admins.count, using: &rng)]
                let target = someone(&rng)
                let group = groupNames.isEmpty ? "Sales" : groupNames[Int.random(in: 0..<groupNames.count, using: &rng)]
                let templates: [(String, String, String)] = [
                    ("user", "Add", "Add User - \(target)"),
                    ("user", "Delete", "Delete User - \(target)"),
                    ("user", "Update", "Update User - \(target): User Type from Basic to Licensed"),
                    ("user", "Deactivate", "Deactivate User - \(target)"),
                    ("user_settings", "Update", "Meeting  - Waiting Room: from On to Off (\(target))"),
                    ("account", "Update", "Security  - Sign in with Two-Factor Authentication: from On to Off"),
                    ("account", "Update", "Security  - Sign in with Two-Factor Authentication: from Off to On"),
                    ("account", "Update", "Meeting  - Allow participants to join before host: from Off to On"),
                    ("account", "Update", "Recording  - Cloud recording: from Off to On"),
                    ("account", "Update", "Group \(group)  - Waiting Room: from On to Off"),
                    ("role", "Update", "Update Role - Admin: Add Member \(target)"),
                    ("recording", "Delete", "Delete Recording - Weekly sync (\(target))"),
                    ("im", "Update", "Chat  - Allow users to add external contacts: from Off to On"),
                ]
                let pick = templates[Int.random(in: 0..<templates.count, using: &rng)]
                operations.append((time, ["time": .string(iso(time)), "operator": .string(admin), "category_type": .string(pick.0),
                                          "action": .string(pick.1), "operation_detail": .string(pick.2)]))
            }
        }
        operations.sort { $0.0 > $1.0 }

        // Team Chat channels.
        var channels: [JSONValue] = []
        let channelNames = ["general", "random", "announcements", "it-help", "security-alerts", "sales-deals", "eng-platform", "customer-escalations"]
        let memberPool = userObjects.compactMap { $0["id"]?.stringValue }
        for index in 0..<max(3, groups) {
            let name = index < channelNames.count ? channelNames[index] : "project-\(index)"
            let type: Int64 = [3, 3, 1, 2, 5][index % 5]
            var members: [JSONValue] = []
            for _ in 0..<min(20, memberPool.count) { members.append(.string(memberPool[Int.random(in: 0..<memberPool.count, using: &rng)])) }
            let channelID = id(25).lowercased()
            channels.append([
                "id": .string(channelID), "jid": .string("\(channelID)@conference.xmpp.zoom.us"), "name": .string(name), "type": .int(type),
                "channel_url": .string("https://zoom.us/launch/chat/v2/\(channelID)"),
                "channel_settings": ["add_member_permissions": 1, "new_members_can_see_previous_messages_files": true,
                                     "posting_permissions": 1, "mention_all_permissions": 1,
                                     "allow_to_add_external_users": .int(index % 4 == 3 ? 3 : 0)],
                "members": .array(Array(Set(members))),
            ])
        }

        return Tenant(
            plan: plan,
            account: ["id": .string(accountID), "account_name": .string(company)],
            credentials: .init(accountID: accountID, clientID: id(), clientSecret: id(32), scopes: scopes, webhookSecretToken: id()),
            settings: settings, lockSettings: locks, users: userObjects,
            userSettings: [:], groups: groupObjects, roles: roles,
            managedDomains: ["domains": [["domain": .string(domain), "status": "verified"],
                                         ["domain": .string("\(slug)-labs.example.com"), "status": "pending"]], "total_records": 2],
            trustedDomains: ["trusted_domains": [.string("partner.example.org")]],
            activityLogs: activity.map(\.1), operationLogs: operations.map(\.1), channels: channels)
    }
}

private func sameKind(_ a: JSONValue, _ b: JSONValue) -> Bool {
    switch (a, b) {
    case (.bool, .bool), (.string, .string), (.array, .array), (.object, .object), (.null, .null): return true
    case (.int, .int), (.int, .double), (.double, .int), (.double, .double): return true
    default: return false
    }
}
