import Foundation
import SSPMCore

private let rec = "Settings → Recording"
private let chatPortal = "Settings → Team Chat"

extension ZoomCatalogue {
    static let recordingControls: [ZoomControl] = [
        ZoomControl(meta("ZRC-01", "Local recording follows policy", .recording, .medium, max: 3,
            rationale: "Local recordings land on personal devices, outside retention and access controls; some baselines forbid them.",
            remediation: "If your baseline forbids it, turn off \"Local recording\" and lock it; prefer cloud recording with access controls.",
            portal: "\(rec) → Local recording", threats: ["dataExfiltration", "dataSpillage"],
            fields: ["recording.local_recording"], cis: ["1.2.1.1"], nist: ["AC-4", "MP-7"], iso: ["A.8.12"])) { snapshot, baseline in
            if baseline.allowLocalRecording {
                return Evaluation(.notApplicable, "The baseline allows local recording (allow_local_recording: true).")
            }
            return SettingRule.equals("recording.local_recording", false).evaluate(snapshot, baseline)
        },
        settingControl("ZRC-02", "Require a passcode for shared cloud recordings", .recording, .high, max: 5,
            rationale: "Shared recording links are forwarded; a passcode keeps them from being an open door to the content.",
            remediation: "Turn on \"Require passcode to access shared cloud recordings\".",
            portal: "\(rec) → Require passcode to access shared cloud recordings", threats: ["dataSpillage", "dataExfiltration"],
            cis: ["1.2.10"], nist: ["AC-3", "SC-28"], iso: ["A.5.15", "A.8.3"],
            rule: SettingRule("recording.required_password_for_shared_cloud_recordings", expect: { _ in "on" }) { v, _ in v.isTrue }),
        settingControl("ZRC-03", "Only authenticated users can view cloud recordings", .recording, .high, max: 5,
            rationale: "Requiring sign-in to view recordings ties each view to an identity.",
            remediation: "Turn on \"Only authenticated users can view cloud recordings\".",
            portal: "\(rec) → Only authenticated users can view cloud recordings", threats: ["dataSpillage"],
            nist: ["AC-3", "IA-2"], iso: ["A.5.15", "A.8.5"],
            rule: SettingRule("recording_authentication.recording_authentication", expect: { _ in "on" }) { v, _ in v.isTrue }),
        settingControl("ZRC-04", "Only the host can download cloud recordings", .recording, .medium, max: 3,
            rationale: "Downloads leave Zoom's access control and retention; limit them to the owner.",
            remediation: "Turn on \"Only the host can download cloud recordings\".",
            portal: "\(rec) → Allow cloud recording sharing → Only the host can download", threats: ["dataExfiltration"],
            cis: ["1.2.5.2"], nist: ["AC-3", "AC-6"], iso: ["A.8.12"],
            rule: SettingRule("recording.cloud_recording_download_host", expect: { _ in "on" }) { v, _ in v.isTrue }),
        settingControl("ZRC-05", "Restrict cloud recording access to approved IP ranges", .recording, .medium, max: 2,
            rationale: "An IP allow-list keeps recordings out of reach from unmanaged networks.",
            remediation: "Turn on \"IP Address Access Control\" for cloud recordings and list the approved ranges.",
            portal: "\(rec) → IP Address Access Control", threats: ["dataExfiltration"], cost: .moderate,
            cis: ["1.2.9"], nist: ["AC-3", "SC-7"], iso: ["A.8.20"],
            rule: SettingRule("recording.ip_address_access_control.enable", expect: { _ in "on" }) { v, _ in v.isTrue }),
        settingsControl("ZRC-06", "Delete cloud recordings automatically", .recording, .medium, max: 3,
            rationale: "Recordings kept forever are a growing store of sensitive conversations; retention limits the exposure.",
            remediation: "Turn on \"Delete cloud recordings after a specified number of days\" with at most the baseline's days, and lock it.",
            portal: "\(rec) → Delete cloud recordings after a specified number of days", threats: ["dataSpillage"],
            nist: ["SI-12", "MP-6"], iso: ["A.8.10"],
            rules: [.equals("recording.auto_delete_cmr", true),
                    SettingRule("recording.auto_delete_cmr_days", expect: { "at most \($0.recordingRetentionMaxDays) days" }) { v, b in
                        let days = number(v) ?? 0
                        return days > 0 && days <= Double(b.recordingRetentionMaxDays)
                    }]),
        settingControl("ZRC-07", "Show a recording consent disclaimer", .recording, .medium, max: 2,
            rationale: "Many jurisdictions require participants' consent before recording.",
            remediation: "Turn on \"Recording disclaimer\" and ask participants for consent.",
            portal: "\(rec) → Recording disclaimer", threats: ["privacy"],
            cis: ["1.2.7.1"], nist: ["PT-4"], iso: ["A.5.34"],
            rule: SettingRule("recording.recording_disclaimer", expect: { _ in "on" }) { v, _ in v.isTrue }),
        settingsControl("ZRC-08", "Require strong passcodes for recordings", .recording, .low, max: 2,
            rationale: "Short or numeric-only recording passcodes are guessable.",
            remediation: "Set the recording passcode requirement to at least 8 characters and not numeric-only.",
            portal: "\(rec) → Passcode requirement", threats: ["dataSpillage"],
            cis: ["1.2.6.1", "1.2.6.5"], nist: ["IA-5(1)"], iso: ["A.5.17"],
            rules: [SettingRule("recording.recording_password_requirement.length", expect: { _ in "at least 8" }) { v, _ in (number(v) ?? 0) >= 8 },
                    SettingRule("recording.recording_password_requirement.only_allow_numeric", expect: { _ in "off" }) { v, _ in v.isFalse }]),
        settingsControl("ZRC-09", "Hosts cannot delete cloud recordings; deleted ones are recoverable", .recording, .low, max: 2,
            rationale: "Recordings may be evidence; a host should not be able to erase them for good.",
            remediation: "Turn off \"The host can delete cloud recordings\" and turn on recovery of deleted cloud recordings.",
            portal: "\(rec) → The host can delete cloud recordings", threats: ["dataDeletion", "maliciousInsider"],
            cis: ["1.2.11", "1.2.12"], nist: ["AU-9", "CP-9"], iso: ["A.8.13"],
            rules: [.equals("recording.host_delete_cloud_recording", false),
                    SettingRule("recording.allow_recovery_deleted_cloud_recordings", expect: { _ in "on" }) { v, _ in v.isTrue }]),
    ]

    static let chatControls: [ZoomControl] = [
        settingControl("ZCH-01", "Restrict adding external chat contacts", .chat, .medium, max: 3,
            rationale: "Open external contacts let anyone reach employees directly with phishing and file lures.",
            remediation: "Limit \"Allow users to add contacts\" to the same organization (option 2), or to specified domains or users.",
            portal: "\(chatPortal) → Allow users to add contacts", threats: ["phishingOrWhaling", "dataExfiltration"],
            cis: ["2.1.3.3"], nist: ["AC-4", "AC-20"], iso: ["A.5.14"],
            rule: SettingRule("chat.allow_users_to_add_contacts", expect: { _ in "off, or limited to the organization (options 2-4)" }) { v, _ in
                v["enable"]?.isFalse == true || [2, 3, 4].contains(Int(v["selected_option"].flatMap(number) ?? 1))
            }),
        settingControl("ZCH-02", "Limit file sharing in chat to the organization", .chat, .medium, max: 3,
            rationale: "Unrestricted chat file sharing is an exfiltration and malware channel outside DLP.",
            remediation: "Set \"Share files\" in chat to internal only (account/organization), or turn it off.",
            portal: "\(chatPortal) → Share files", threats: ["dataExfiltration", "malware"],
            cis: ["2.1.1.4"], nist: ["AC-4", "SC-7"], iso: ["A.8.12"],
            rule: SettingRule("chat.share_files", expect: { _ in "off, or shared only within the account/organization" }) { v, _ in
                v["enable"]?.isFalse == true || ["disable", "account", "organization"].contains(v["share_option"]?.stringValue ?? "anyone")
            }),
        settingControl("ZCH-03", "Block screen capture in chat", .chat, .low, max: 1,
            rationale: "Screenshots of chats are an easy way to take content out.",
            remediation: "Turn off \"Screen capture\" in Team Chat and lock it.",
            portal: "\(chatPortal) → Screen capture", threats: ["dataExfiltration"],
            cis: ["2.1.1.1"], nist: ["AC-4"], iso: ["A.8.12"], rule: .equals("chat.screen_capture", false)),
        settingControl("ZCH-04", "Turn off animated GIF search", .chat, .low, max: 1,
            rationale: "GIF search sends typed text to a third-party service.",
            remediation: "Turn off \"Allow users to search and send animated GIF images\".",
            portal: "\(chatPortal) → Animated GIF images", threats: ["dataSpillage"],
            cis: ["2.1.1.3"], nist: ["AC-20"], iso: ["A.5.23"],
            rule: SettingRule("chat.search_and_send_animated_gif_images.enable", expect: { _ in "off" }) { v, _ in v.isFalse }),
        ZoomControl(meta("ZCH-05", "Third-party chat archiving matches policy", .chat, .low, max: 1,
            rationale: "Archiving to a third party is required by some regulators and forbidden by others; it must be a decision, not a default.",
            remediation: "Confirm the archiving service and turn \"Send data to third-party archiving service\" on or off to match your retention policy.",
            portal: "\(chatPortal) → Communications Content Storage Location", threats: ["dataExfiltration"],
            fields: ["chat.send_data_to_third_party_archiving_service.enable"], cis: ["2.1.4.4"], nist: ["AU-11"], iso: ["A.5.33"])) { snapshot, _ in
            guard let settings = snapshot.accountSettings else { return Evaluation(.error, snapshot.missing(.accountSettings)) }
            let value = settings.value(at: "chat.send_data_to_third_party_archiving_service.enable")
            return Evaluation(.manual, "Third-party archiving is \(value?.brief ?? "not reported"); confirm it matches your policy.")
        },
        settingControl("ZCH-06", "Set a cloud retention period for chat", .chat, .low, max: 2,
            rationale: "Unlimited chat retention keeps sensitive messages forever.",
            remediation: "Turn on the cloud retention period for chat messages and files.",
            portal: "\(chatPortal) → Chat retention", threats: ["dataSpillage"],
            nist: ["SI-12"], iso: ["A.8.10"],
            rule: SettingRule("chat.set_retention_period_in_cloud.enable", expect: { _ in "on" }) { v, _ in v.isTrue }),
        ZoomControl(meta("ZCH-07", "No channels admit external members", .chat, .medium, max: 3,
            rationale: "Channels open to external users spill internal discussion to other companies.",
            remediation: "In each listed channel set \"Who can add external users\" to nobody, or approve the channel explicitly.",
            portal: "Team Chat → channel → Settings", threats: ["dataSpillage", "dataExfiltration"], scoring: .binary, sources: [.chatChannels],
            fields: ["GET /chat/channels: channels[].channel_settings.allow_to_add_external_users"], nist: ["AC-4", "AC-21"], iso: ["A.5.14"])) { snapshot, baseline in
            guard let channels = snapshot.channels else { return Evaluation(.error, snapshot.missing(.chatChannels)) }
            if baseline.allowExternalChannelMembers { return Evaluation(.notApplicable, "The baseline allows external channel members.") }
            let open = channels.filter { ($0.allowExternalUsers ?? 0) > 0 }
            if open.isEmpty { return Evaluation(.pass, "None of \(channels.count) public channels admits external users.") }
            return Evaluation(.fail, "\(open.count) of \(channels.count) public channels admit external users: \(open.map(\.name).joined(separator: ", ")).",
                              affectedGroups: open.map { AffectedGroup(id: $0.id, name: "#\($0.name)", members: 0, value: "allow_to_add_external_users=\($0.allowExternalUsers ?? 0)") })
        },
        ZoomControl(meta("ZCH-08", "Use advanced chat encryption", .chat, .medium, max: 2,
            rationale: "Advanced chat encryption keeps message keys on devices.",
            remediation: "Turn on \"Advanced chat encryption\" in Team Chat settings.",
            portal: "\(chatPortal) → Advanced chat encryption", threats: ["dataExfiltration"],
            sources: [], fields: [], cis: ["2.1.3.1"], nist: ["SC-8", "SC-28"], iso: ["A.8.24"])) { _, _ in
            Evaluation(.manual, "Zoom's API exposes no field that decides this; check Settings → Team Chat → Advanced chat encryption.")
        },
    ]

    static let adminControls: [ZoomControl] = [
        ZoomControl(meta("ZAD-01", "Marketplace apps need admin pre-approval", .admin, .high, max: 3,
            rationale: "Apps added by users can read meetings, chats and recordings with the user's consent alone.",
            remediation: "Turn on \"Require admin pre-approval\" for Marketplace apps and review the approved list.",
            portal: "Zoom App Marketplace → Manage → Permissions", threats: ["dataExfiltration", "accountBreach"], sources: [], fields: [],
            nist: ["CM-7(5)", "CM-11"], iso: ["A.5.23"])) { _, _ in
            Evaluation(.manual, "Not read yet (needs the Marketplace apps API); check Zoom App Marketplace → Manage → Permissions.")
        },
        ZoomControl(meta("ZAD-02", "Installed apps with broad scopes are reviewed", .admin, .medium, max: 2,
            rationale: "Apps with admin-level scopes are as powerful as an admin.",
            remediation: "Review Zoom App Marketplace → Manage → Added Apps and remove apps that are not approved.",
            portal: "Zoom App Marketplace → Manage → Added Apps", threats: ["dataExfiltration"], sources: [], fields: [],
            nist: ["CM-8", "SA-9"], iso: ["A.5.23"])) { _, _ in
            Evaluation(.manual, "Not read yet (needs the Marketplace apps API); review Zoom App Marketplace → Manage → Added Apps.")
        },
        ZoomControl(meta("ZAD-03", "Trusted domains are explicit, not wildcards", .admin, .medium, max: 2,
            rationale: "A wildcard trusted domain treats everyone as internal.",
            remediation: "Replace wildcard entries in the trusted domains list with explicit domains.",
            portal: "Admin → Account Management → Account Profile → Trusted domains", threats: ["spoofing"], scoring: .binary, sources: [.domains],
            fields: ["GET /accounts/{accountId}/trusted_domains: trusted_domains[]"], nist: ["AC-20", "SC-7"], iso: ["A.5.14"])) { snapshot, _ in
            guard let domains = snapshot.trustedDomains else { return Evaluation(.error, snapshot.missing(.domains)) }
            let wild = domains.filter { $0.contains("*") }
            if wild.isEmpty { return Evaluation(.pass, "\(domains.count) trusted domain(s), none a wildcard.") }
            return Evaluation(.fail, "Wildcard trusted domain(s): \(wild.joined(separator: ", ")).")
        },
        ZoomControl(meta("ZAD-04", "Admin activity is logged and readable", .admin, .medium, max: 3,
            rationale: "Without the operation log there is no record of who changed security settings.",
            remediation: "Give the app the report:read:admin scope and the owner's role the Admin Activity Logs privilege (Pro plan or higher).",
            portal: "Admin → Account Management → Reports → Operation Logs", threats: ["maliciousInsider"], scoring: .binary, sources: [.operationLog],
            fields: ["GET /report/operationlogs"], nist: ["AU-2", "AU-6", "AU-12"], iso: ["A.8.15", "A.8.16"])) { snapshot, _ in
            guard let rows = snapshot.operationLogRows else { return Evaluation(.error, snapshot.missing(.operationLog)) }
            if rows > 0 { return Evaluation(.pass, "The operation log is readable: \(rows) admin operations in the scan window.") }
            return Evaluation(.warn, "The operation log is readable but empty in the scan window; an empty log cannot prove it is kept.")
        },
        ZoomControl(meta("ZAD-05", "Sign-in activity is logged and readable", .admin, .medium, max: 3,
            rationale: "Sign-in history is how account takeovers are found.",
            remediation: "Give the app the report:read:admin scope and the owner's role the Sign In/Sign Out report privilege (Pro plan or higher).",
            portal: "Admin → Account Management → Reports → Sign In/Sign Out", threats: ["accountBreach"], scoring: .binary, sources: [.signInReport],
            fields: ["GET /report/activities"], nist: ["AU-2", "AC-7", "AU-12"], iso: ["A.8.15", "A.8.16"])) { snapshot, _ in
            guard let rows = snapshot.signInRows else { return Evaluation(.error, snapshot.missing(.signInReport)) }
            if rows > 0 { return Evaluation(.pass, "The sign-in report is readable: \(rows) events in the scan window.") }
            return Evaluation(.warn, "The sign-in report is readable but empty in the scan window.")
        },
        ZoomControl(meta("ZAD-06", "Cloud-storage integrations are approved", .admin, .info, max: 1,
            rationale: "Box, Dropbox, Google Drive and OneDrive integrations move meeting content to other clouds.",
            remediation: "Turn off the integrations your data policy does not approve.",
            portal: "Settings → Meeting → Integration", threats: ["dataExfiltration"], scoring: .binary, sources: [.accountSettings],
            fields: ["integration.box", "integration.dropbox", "integration.google_drive", "integration.microsoft_one_drive"],
            cis: ["3.2"], nist: ["AC-20", "SA-9"], iso: ["A.5.23"])) { snapshot, _ in
            guard let settings = snapshot.accountSettings else { return Evaluation(.error, snapshot.missing(.accountSettings)) }
            let names = ["box", "dropbox", "google_drive", "microsoft_one_drive"]
            let on = names.filter { settings.value(at: "integration.\($0)")?.isTrue == true }
            if on.isEmpty { return Evaluation(.pass, "No cloud-storage integration is enabled.") }
            return Evaluation(.manual, "Enabled cloud-storage integrations: \(on.joined(separator: ", ")); confirm each is approved.")
        },
    ]
}
