import Foundation

/// Thresholds and policy choices the controls compare against. Every scan records the baseline it
/// used. Defaults are documented in docs/controls.md; a YAML baseline file overrides any of them.
public struct Baseline: Codable, Sendable, Hashable {
    public var name = "OpenSSPM default baseline"
    public var version = 1
    /// ZID-03: web sessions must sign out after at most this many idle minutes (0 = off fails).
    public var webSessionTimeoutMaxMinutes = 30
    /// ZID-04: desktop/mobile clients, likewise.
    public var clientSessionTimeoutMaxMinutes = 60
    /// ZID-08: minimum sign-in password length.
    public var minimumPasswordLength = 10
    /// ZID-05: SSO bypass accounts allowed (break-glass).
    public var maxSSOBypassUsers = 2
    /// ZID-14: Owner + Admin members allowed.
    public var maxAdmins = 10
    /// ZID-16: a licensed user idle longer than this is flagged (the provider's last sign-in time may lag by days).
    public var inactiveDays = 90
    /// ZRC-06: cloud recordings must be deleted automatically within this many days.
    public var recordingRetentionMaxDays = 120
    /// ZMT-12: whether the passcode may be embedded in the join link (CIS says yes, others say no).
    public var allowPasscodeInJoinLink = true
    /// ZRC-01: whether local recording is allowed.
    public var allowLocalRecording = true
    /// ZMT-07: minimum meeting passcode length.
    public var meetingPasscodeMinLength = 8
    /// ZMT-08: waiting room scope allowed at most: 0 everyone, 1 users outside the account, 2 outside the account and allowed domains.
    public var waitingRoomMaxScope = 1
    /// ZMT-21: approved data-center regions (empty: any explicit selection passes).
    public var allowedDataCenterRegions: [String] = []
    /// ZCH-07: whether channels may admit external users.
    public var allowExternalChannelMembers = false
    /// ZMS-05: the mail and calendar integrations Zoom may have on (`email_calendar_management`,
    /// `email_management`, `zoom_email_provider`, `google_calendar`); none by default (CIS 1.1.5.1).
    public var allowedMailCalendarIntegrations: [String] = []

    public init() {}

    enum CodingKeys: String, CodingKey {
        case name, version
        case webSessionTimeoutMaxMinutes = "web_session_timeout_max_minutes"
        case clientSessionTimeoutMaxMinutes = "client_session_timeout_max_minutes"
        case minimumPasswordLength = "minimum_password_length"
        case maxSSOBypassUsers = "max_sso_bypass_users"
        case maxAdmins = "max_admins"
        case inactiveDays = "inactive_days"
        case recordingRetentionMaxDays = "recording_retention_max_days"
        case allowPasscodeInJoinLink = "allow_passcode_in_join_link"
        case allowLocalRecording = "allow_local_recording"
        case meetingPasscodeMinLength = "meeting_passcode_min_length"
        case waitingRoomMaxScope = "waiting_room_max_scope"
        case allowedDataCenterRegions = "allowed_data_center_regions"
        case allowExternalChannelMembers = "allow_external_channel_members"
        case allowedMailCalendarIntegrations = "allowed_mail_calendar_integrations"
    }

    /// Missing keys keep their defaults; unknown keys are an error (a typo must not silently keep a default).
    public init(from decoder: any Decoder) throws {
        let defaults = Baseline()
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let all = try decoder.container(keyedBy: AnyKey.self)
        let unknown = all.allKeys.map(\.stringValue).filter { CodingKeys(stringValue: $0) == nil }
        if !unknown.isEmpty {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "unknown baseline key(s): \(unknown.sorted().joined(separator: ", ")); known: \(Self.knownKeys.joined(separator: ", "))"))
        }
        name = try c.decodeIfPresent(String.self, forKey: .name) ?? defaults.name
        version = try c.decodeIfPresent(Int.self, forKey: .version) ?? defaults.version
        webSessionTimeoutMaxMinutes = try c.decodeIfPresent(Int.self, forKey: .webSessionTimeoutMaxMinutes) ?? defaults.webSessionTimeoutMaxMinutes
        clientSessionTimeoutMaxMinutes = try c.decodeIfPresent(Int.self, forKey: .clientSessionTimeoutMaxMinutes) ?? defaults.clientSessionTimeoutMaxMinutes
        minimumPasswordLength = try c.decodeIfPresent(Int.self, forKey: .minimumPasswordLength) ?? defaults.minimumPasswordLength
        maxSSOBypassUsers = try c.decodeIfPresent(Int.self, forKey: .maxSSOBypassUsers) ?? defaults.maxSSOBypassUsers
        maxAdmins = try c.decodeIfPresent(Int.self, forKey: .maxAdmins) ?? defaults.maxAdmins
        inactiveDays = try c.decodeIfPresent(Int.self, forKey: .inactiveDays) ?? defaults.inactiveDays
        recordingRetentionMaxDays = try c.decodeIfPresent(Int.self, forKey: .recordingRetentionMaxDays) ?? defaults.recordingRetentionMaxDays
        allowPasscodeInJoinLink = try c.decodeIfPresent(Bool.self, forKey: .allowPasscodeInJoinLink) ?? defaults.allowPasscodeInJoinLink
        allowLocalRecording = try c.decodeIfPresent(Bool.self, forKey: .allowLocalRecording) ?? defaults.allowLocalRecording
        meetingPasscodeMinLength = try c.decodeIfPresent(Int.self, forKey: .meetingPasscodeMinLength) ?? defaults.meetingPasscodeMinLength
        waitingRoomMaxScope = try c.decodeIfPresent(Int.self, forKey: .waitingRoomMaxScope) ?? defaults.waitingRoomMaxScope
        allowedDataCenterRegions = try c.decodeIfPresent([String].self, forKey: .allowedDataCenterRegions) ?? defaults.allowedDataCenterRegions
        allowExternalChannelMembers = try c.decodeIfPresent(Bool.self, forKey: .allowExternalChannelMembers) ?? defaults.allowExternalChannelMembers
        allowedMailCalendarIntegrations = try c.decodeIfPresent([String].self, forKey: .allowedMailCalendarIntegrations) ?? defaults.allowedMailCalendarIntegrations
    }

    public static let knownKeys: [String] = [
        "name", "version", "web_session_timeout_max_minutes", "client_session_timeout_max_minutes", "minimum_password_length",
        "max_sso_bypass_users", "max_admins", "inactive_days", "recording_retention_max_days", "allow_passcode_in_join_link",
        "allow_local_recording", "meeting_passcode_min_length", "waiting_room_max_scope", "allowed_data_center_regions",
        "allow_external_channel_members", "allowed_mail_calendar_integrations",
    ]

    struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
