import Foundation
import SSPMCore

private let mtg = "Settings → Meeting"
private let zoomBombing = ["meetingDisruption", "dataSpillage"]

/// Lockable meeting settings that the aggregate controls ZMT-24 and ZMT-25 look at, with their compliant value.
let criticalMeetingSettings: [(path: String, value: JSONValue)] = [
    ("meeting_security.waiting_room", true),
    ("meeting_security.meeting_password", true),
    ("meeting_security.auto_security", true),
    ("meeting_security.phone_password", true),
    ("meeting_security.only_authenticated_can_join_from_webclient", true),
    ("schedule_meeting.require_password_for_scheduling_new_meetings", true),
    ("schedule_meeting.require_password_for_instant_meetings", true),
    ("schedule_meeting.join_before_host", false),
    ("in_meeting.file_transfer", false),
    ("in_meeting.remote_control", false),
    ("in_meeting.allow_live_streaming", false),
    ("recording.auto_delete_cmr", true),
]

extension ZoomCatalogue {
    static let meetingControls: [ZoomControl] = [
        // ZMT-01 — Microsoft's recommendation, title verbatim. `in_meeting.e2e_encryption` is a different setting (ZMT-02).
        settingsControl("ZMT-01", "Enforce end to end encryption in all Zoom meetings", .meetings, .high, max: 8,
            rationale: "With end-to-end encryption the keys stay on participants' devices: not even Zoom can read the meeting.",
            remediation: "Turn on \"Allow use of end-to-end encryption\", choose \"End-to-end encryption\" as the default encryption type, and lock it.",
            portal: "\(mtg) → Security → Allow use of end-to-end encryption", threats: ["dataExfiltration", "dataSpillage"], impact: .moderate, cost: .low,
            nist: ["SC-8", "SC-8(1)", "SC-13"], iso: ["A.8.24", "A.5.14"],
            rules: [.equals("meeting_security.end_to_end_encrypted_meetings", true),
                    SettingRule("meeting_security.encryption_type", lock: "meeting_security.encryption_type", expect: { _ in "\"e2ee\"" }) { v, _ in v == "e2ee" }]),
        settingControl("ZMT-02", "Require encryption for third-party endpoints (SIP/H.323)", .meetings, .medium, max: 3,
            rationale: "Room systems joining over SIP or H.323 would otherwise send media unencrypted. (This is not end-to-end encryption.)",
            remediation: "Turn on \"Require encryption for 3rd party endpoints (SIP/H.323)\" and lock it.",
            portal: "\(mtg) → Security → Require encryption for 3rd party endpoints", threats: ["dataExfiltration"],
            cis: ["1.1.3.7"], nist: ["SC-8"], iso: ["A.8.24"], rule: .equals("in_meeting.e2e_encryption", true)),
        settingControl("ZMT-03", "Require a passcode for new scheduled meetings", .meetings, .high, max: 6,
            rationale: "A meeting ID alone is guessable; passcodes keep uninvited people out.",
            remediation: "Turn on \"Require a passcode when scheduling new meetings\" and lock it.",
            portal: "\(mtg) → Security → Require a passcode when scheduling new meetings", threats: zoomBombing,
            cis: ["1.1.1.4"], nist: ["AC-3", "IA-2"], iso: ["A.5.15", "A.8.5"],
            rule: .equals("schedule_meeting.require_password_for_scheduling_new_meetings", true)),
        settingControl("ZMT-04", "Require a passcode for instant meetings", .meetings, .high, max: 5,
            rationale: "Instant meetings are shared in a hurry; without a passcode anyone with the link or ID walks in.",
            remediation: "Turn on \"Require a passcode for instant meetings\" and lock it.",
            portal: "\(mtg) → Security → Require a passcode for instant meetings", threats: zoomBombing,
            cis: ["1.1.1.6"], nist: ["AC-3"], iso: ["A.5.15"], rule: .equals("schedule_meeting.require_password_for_instant_meetings", true)),
        settingControl("ZMT-05", "Require a passcode for Personal Meeting ID meetings", .meetings, .high, max: 5,
            rationale: "A PMI never changes; once known it opens every meeting held in it unless a passcode is required.",
            remediation: "Set \"Require a passcode for Personal Meeting ID (PMI)\" to all meetings using PMI, and lock it.",
            portal: "\(mtg) → Security → Require a passcode for Personal Meeting ID (PMI)", threats: zoomBombing,
            cis: ["1.1.1.7"], nist: ["AC-3"], iso: ["A.5.15"],
            rule: SettingRule("schedule_meeting.require_password_for_pmi_meetings", lock: "schedule_meeting.require_password_for_pmi_meetings",
                              expect: { _ in "\"all\"" }) { v, _ in v == "all" }),
        settingControl("ZMT-06", "Require a passcode for participants joining by phone", .meetings, .medium, max: 3,
            rationale: "Dial-in participants otherwise need only the meeting ID.",
            remediation: "Turn on \"Require passcode for participants joining by phone\" and lock it.",
            portal: "\(mtg) → Security → Require passcode for participants joining by phone", threats: zoomBombing,
            cis: ["1.1.1.10"], nist: ["AC-3"], iso: ["A.5.15"], rule: .equals("meeting_security.phone_password", true)),
        settingsControl("ZMT-07", "Require strong meeting passcodes", .meetings, .medium, max: 3,
            rationale: "Short or numeric-only passcodes can be brute-forced by meeting-scanning tools.",
            remediation: "Under the meeting passcode requirement set a minimum length, require letters and numbers, and do not allow numeric-only passcodes.",
            portal: "\(mtg) → Security → Passcode requirement", threats: zoomBombing,
            cis: ["1.1.1.1.1", "1.1.1.1.2", "1.1.1.1.3", "1.1.1.1.8"], nist: ["IA-5(1)"], iso: ["A.5.17"],
            rules: [SettingRule("meeting_security.meeting_password_requirement.length", expect: { "at least \($0.meetingPasscodeMinLength)" }) { v, b in
                        (number(v) ?? 0) >= Double(b.meetingPasscodeMinLength) },
                    SettingRule("meeting_security.meeting_password_requirement.only_allow_numeric", expect: { _ in "off" }) { v, _ in v.isFalse },
                    SettingRule("meeting_security.meeting_password_requirement.have_letter", expect: { _ in "on" }) { v, _ in v.isTrue },
                    SettingRule("meeting_security.meeting_password_requirement.have_number", expect: { _ in "on" }) { v, _ in v.isTrue }]),
        settingsControl("ZMT-08", "Use the waiting room for everyone outside the account", .meetings, .high, max: 6,
            rationale: "The waiting room lets the host see and admit each outsider instead of letting anyone with the link in.",
            remediation: "Turn on \"Waiting Room\", place at least users not in your account in it, and lock it.",
            portal: "\(mtg) → Security → Waiting Room", threats: zoomBombing, impact: .moderate,
            cis: ["1.1.1.2", "1.1.1.3"], nist: ["AC-3", "AC-14"], iso: ["A.5.15"],
            rules: [.equals("meeting_security.waiting_room", true),
                    SettingRule("meeting_security.waiting_room_settings.participants_to_place_in_waiting_room",
                                expect: { "at most \($0.waitingRoomMaxScope) (0 everyone, 1 outside the account)" }) { v, b in
                        Int(number(v) ?? 99) <= b.waitingRoomMaxScope }]),
        settingControl("ZMT-09", "Require every meeting to be secured with at least one option", .meetings, .high, max: 5,
            rationale: "This Zoom safety net makes sure no meeting runs without a passcode, waiting room or authentication.",
            remediation: "Turn on \"Require that all meetings are secured with one security option\" and lock it.",
            portal: "\(mtg) → Security → Require that all meetings are secured with one security option", threats: zoomBombing,
            nist: ["AC-3"], iso: ["A.5.15"], rule: .equals("meeting_security.auto_security", true)),
        settingControl("ZMT-10", "Only authenticated users can join meetings", .meetings, .high, max: 5,
            rationale: "Requiring sign-in ties every participant to an identity instead of a typed-in name.",
            remediation: "Turn on \"Only authenticated users can join meetings\" and pick the authentication profile for your domains.",
            portal: "\(mtg) → Security → Only authenticated users can join meetings", threats: zoomBombing + ["spoofing"], impact: .high, cost: .moderate,
            cis: ["1.1.1.9"], nist: ["IA-2", "IA-8", "AC-3"], iso: ["A.8.5"],
            rule: SettingRule("meeting_authentication.meeting_authentication", expect: { _ in "on" }) { v, _ in v.isTrue }),
        settingControl("ZMT-11", "Only authenticated users can join from the web client", .meetings, .medium, max: 3,
            rationale: "The web client is the easiest way in for anonymous guests and bots.",
            remediation: "Turn on \"Only authenticated users can join meetings from Web client\" and lock it.",
            portal: "\(mtg) → Security → Only authenticated users can join meetings from Web client", threats: zoomBombing,
            cis: ["1.1.1.11"], nist: ["IA-8"], iso: ["A.8.5"], rule: .equals("meeting_security.only_authenticated_can_join_from_webclient", true)),
        ZoomControl(meta("ZMT-12", "Passcode embedded in the join link follows policy", .meetings, .medium, max: 3,
            rationale: "An embedded passcode lets anyone holding a forwarded link in; CIS accepts it for convenience, stricter baselines do not.",
            remediation: "If your baseline forbids it, turn off \"Embed passcode in invite link for one-click join\" and lock it.",
            portal: "\(mtg) → Security → Embed passcode in invite link for one-click join", threats: zoomBombing, scoring: .proportional,
            fields: ["meeting_security.embed_password_in_join_link"], cis: ["1.1.1.8"], nist: ["AC-3", "IA-5"], iso: ["A.5.17"])) { snapshot, baseline in
            if baseline.allowPasscodeInJoinLink {
                return Evaluation(.notApplicable, "The baseline allows the passcode in the join link (allow_passcode_in_join_link: true).")
            }
            return SettingRule.equals("meeting_security.embed_password_in_join_link", false).evaluate(snapshot, baseline)
        },
        settingControl("ZMT-13", "Disable join before host", .meetings, .high, max: 5,
            rationale: "Without the host present nobody can remove intruders or stop a disruption.",
            remediation: "Turn off \"Allow participants to join before host\" and lock it.",
            portal: "\(mtg) → Schedule Meeting → Allow participants to join before host", threats: zoomBombing,
            cis: ["1.1.2.4"], nist: ["AC-3"], iso: ["A.5.15"], rule: .equals("schedule_meeting.join_before_host", false)),
        settingControl("ZMT-14", "Only the host can share the screen", .meetings, .medium, max: 3,
            rationale: "Participants who can share at will are how disruptive content reaches a meeting.",
            remediation: "Set \"Who can share?\" to Host Only.",
            portal: "\(mtg) → In Meeting (Basic) → Screen sharing → Who can share?", threats: zoomBombing, impact: .moderate,
            cis: ["1.1.3.4.2", "1.1.3.4.3"], nist: ["AC-3", "AC-4"], iso: ["A.5.14"],
            rule: SettingRule("in_meeting.who_can_share_screen", expect: { _ in "\"host\"" }) { v, _ in v == "host" }),
        settingControl("ZMT-15", "Disable file transfer in meetings", .meetings, .medium, max: 3,
            rationale: "In-meeting file transfer bypasses e-mail and DLP controls and delivers malware.",
            remediation: "Turn off \"File transfer\" (or restrict it to allowed file types) and lock it.",
            portal: "\(mtg) → In Meeting (Basic) → File transfer", threats: ["dataExfiltration", "malware"],
            cis: ["1.1.3.3.1"], nist: ["AC-4", "SC-7"], iso: ["A.8.12", "A.5.14"], rule: .equals("in_meeting.file_transfer", false)),
        settingControl("ZMT-16", "Disable remote control", .meetings, .medium, max: 3,
            rationale: "A participant who gains control of a shared screen can act as its owner.",
            remediation: "Turn off \"Remote control\" and lock it.",
            portal: "\(mtg) → In Meeting (Basic) → Remote control", threats: ["elevationOfPrivilege", "malware"],
            cis: ["1.1.3.16"], nist: ["AC-17"], iso: ["A.8.20"], rule: .equals("in_meeting.remote_control", false)),
        settingControl("ZMT-17", "Disable remote support", .meetings, .medium, max: 2,
            rationale: "Remote support gives another participant control of the whole desktop.",
            remediation: "Turn off \"Remote support\" and lock it.",
            portal: "\(mtg) → In Meeting (Advanced) → Remote support", threats: ["elevationOfPrivilege"],
            cis: ["1.1.4.6"], nist: ["AC-17"], iso: ["A.8.20"], rule: .equals("in_meeting.remote_support", false)),
        settingControl("ZMT-18", "Disable far-end camera control", .meetings, .low, max: 1,
            rationale: "Others steering a user's camera is a privacy risk.",
            remediation: "Turn off \"Far end camera control\" and lock it.",
            portal: "\(mtg) → In Meeting (Advanced) → Far end camera control", threats: ["privacy"],
            cis: ["1.1.4.9"], nist: ["AC-3"], iso: ["A.5.34"], rule: .equals("in_meeting.far_end_camera_control", false)),
        settingControl("ZMT-19", "Disable live streaming of meetings", .meetings, .medium, max: 3,
            rationale: "Live streams publish internal meetings to third-party platforms outside the company's control.",
            remediation: "Turn off \"Allow livestreaming of meetings\" and lock it.",
            portal: "\(mtg) → In Meeting (Advanced) → Allow livestreaming of meetings", threats: ["dataSpillage", "dataExfiltration"],
            cis: ["1.1.4.15"], nist: ["AC-4", "AC-22"], iso: ["A.5.14"], rule: .equals("in_meeting.allow_live_streaming", false)),
        settingsControl("ZMT-20", "Do not use the Personal Meeting ID for scheduled or instant meetings", .meetings, .medium, max: 3,
            rationale: "Meetings in a permanent PMI inherit every earlier invite's exposure; fresh meeting IDs do not.",
            remediation: "Turn off \"Use Personal Meeting ID (PMI) when scheduling a meeting\" and \"… when starting an instant meeting\", and lock both.",
            portal: "\(mtg) → Schedule Meeting → Use Personal Meeting ID (PMI)", threats: zoomBombing,
            cis: ["1.1.2.6", "1.1.2.7"], nist: ["AC-3"], iso: ["A.5.15"],
            rules: [.equals("schedule_meeting.use_pmi_for_scheduled_meetings", false), .equals("schedule_meeting.use_pmi_for_instant_meetings", false)]),
        settingsControl("ZMT-21", "Route meeting data only through approved regions", .meetings, .medium, max: 3,
            rationale: "Data residency obligations require choosing which data centers carry meeting traffic.",
            remediation: "Turn on \"Choose whether to allow specific data centers…\" and select only approved regions.",
            portal: "\(mtg) → In Meeting (Advanced) → Select data center regions for meetings/webinars", threats: ["dataResidency"], impact: .low, cost: .low,
            cis: ["1.1.4.1.1"], nist: ["SA-9(5)"], iso: ["A.5.23", "A.5.34"],
            rules: [.equals("in_meeting.custom_data_center_regions", true),
                    SettingRule("in_meeting.data_center_regions", expect: { b in b.allowedDataCenterRegions.isEmpty ? "an explicit selection" : "within \(b.allowedDataCenterRegions.joined(separator: ", "))" }) { v, b in
                        let regions = v.arrayValue?.compactMap(\.stringValue) ?? []
                        return b.allowedDataCenterRegions.isEmpty || Set(regions).isSubset(of: Set(b.allowedDataCenterRegions))
                    }]),
        settingControl("ZMT-22", "Block sign-ins from unapproved domains in meetings", .meetings, .low, max: 2,
            rationale: "Blocking users of specific domains keeps known-bad or competitor accounts out of meetings.",
            remediation: "Turn on \"Block users in specific domains from joining meetings and webinars\" and list the domains.",
            portal: "\(mtg) → Security → Block users in specific domains…", threats: zoomBombing,
            nist: ["AC-3", "SC-7"], iso: ["A.5.15"], rule: .equals("meeting_security.block_user_domain", true)),
        settingControl("ZMT-23", "Identify guest participants in meetings", .meetings, .low, max: 1,
            rationale: "Marking guests tells everyone when people outside the account are listening.",
            remediation: "Turn on \"Identify guest participants in the meeting/webinar\" and lock it.",
            portal: "\(mtg) → In Meeting (Advanced) → Identify guest participants", threats: ["dataSpillage"],
            cis: ["1.1.4.10"], nist: ["AC-14"], iso: ["A.5.14"], rule: .equals("in_meeting.alert_guest_join", true)),

        ZoomControl(meta("ZMT-24", "Lock the security-critical meeting settings", .meetings, .high, max: 5,
            rationale: "An unlocked setting can be switched off by any group admin or user; locks make the baseline stick.",
            remediation: "Lock each listed setting at the account level (the lock icon next to it in Settings).",
            portal: "\(mtg) (lock icons)", threats: ["maliciousInsider"], scoring: .binary, sources: [.accountSettings, .lockSettings],
            fields: criticalMeetingSettings.map { "GET /accounts/{accountId}/lock_settings: \($0.path)" }, nist: ["CM-6", "CM-7"], iso: ["A.8.9"])) { snapshot, _ in
            guard let locks = snapshot.lockSettings else { return Evaluation(.error, snapshot.missing(.lockSettings)) }
            let unlocked = criticalMeetingSettings.filter { locks.value(at: $0.path)?.boolValue != true }.map(\.path)
            if unlocked.isEmpty { return Evaluation(.pass, "All \(criticalMeetingSettings.count) security-critical settings are locked.") }
            return Evaluation(unlocked.count * 2 > criticalMeetingSettings.count ? .fail : .warn,
                              "\(unlocked.count) of \(criticalMeetingSettings.count) security-critical settings are not locked: \(unlocked.joined(separator: ", ")).")
        },

        ZoomControl(meta("ZMT-25", "No group relaxes the account's meeting security", .meetings, .high, max: 6,
            rationale: "Group settings override the account's; one relaxed group undoes the baseline for all its members.",
            remediation: "Open each listed group (Admin → User Management → Groups → group → Settings) and restore the account value, or lock it at the account.",
            portal: "Admin → User Management → Groups → (group) → Settings", threats: zoomBombing + ["maliciousInsider"],
            sources: [.accountSettings, .lockSettings, .groups, .users], fields: criticalMeetingSettings.map { "GET /groups/{groupId}/settings: \($0.path)" },
            nist: ["CM-6", "AC-3"], iso: ["A.8.9"])) { snapshot, _ in
            guard let groups = snapshot.groups else { return Evaluation(.error, snapshot.missing(.groups)) }
            var affected: [AffectedGroup] = []
            var members = Set<String>()
            for group in groups {
                // Relaxing means weaker than the account where the account meets the baseline; an account that
                // misses the baseline is that setting's own control's failure, not the group's.
                let relaxed = criticalMeetingSettings.filter { setting in
                    guard let value = group.settings?.value(at: setting.path), !value.isNull else { return false }
                    let accountMeetsBaseline = snapshot.accountSettings?.value(at: setting.path) == setting.value
                    let lockedAtAccount = snapshot.lockSettings?.value(at: setting.path)?.boolValue == true
                    return accountMeetsBaseline && value != setting.value && !lockedAtAccount
                }
                if !relaxed.isEmpty {
                    affected.append(AffectedGroup(id: group.id, name: group.name, members: group.memberCount, value: relaxed.map(\.path).joined(separator: ", ")))
                    members.formUnion(group.memberIDs)
                }
            }
            let active = snapshot.activeUserIDs
            let coverage = active.isEmpty ? nil : 1 - Double(members.filter(active.contains).count) / Double(active.count)
            if affected.isEmpty { return Evaluation(.pass, "No group sets a weaker value for the \(criticalMeetingSettings.count) security-critical settings.", coverage: 1) }
            // Distinct members; when the memberships are unknown (no ids), the groups' own counts.
            let memberTotal = members.isEmpty ? affected.reduce(0) { $0 + $1.members } : members.count
            return Evaluation(.fail, "\(affected.count) group(s) with \(memberTotal) member(s) relax security-critical settings.", affectedGroups: affected, coverage: coverage)
        },
    ]
}
