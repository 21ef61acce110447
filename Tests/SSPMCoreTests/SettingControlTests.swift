import Foundation
import SSPMCore
import SSPMProvider
import ZoomProvider
import Testing

/// One row per single-setting control, written by hand from Zoom's settings: the path, a compliant
/// value, a non-compliant value, and whether Zoom has a lock for it.
struct SettingCase: Sendable, CustomTestStringConvertible {
    let id: String
    let path: String
    let good: JSONValue
    let bad: JSONValue
    let lockable: Bool
    /// `security.*` settings exist only at the account: no group can override them.
    let groupScoped: Bool
    var testDescription: String { "\(id) \(path)" }
}

let settingCases: [SettingCase] = [
    .init(id: "ZMT-02", path: "in_meeting.e2e_encryption", good: true, bad: false, lockable: true, groupScoped: true),
    .init(id: "ZMT-03", path: "schedule_meeting.require_password_for_scheduling_new_meetings", good: true, bad: false, lockable: true, groupScoped: true),
    .init(id: "ZMT-04", path: "schedule_meeting.require_password_for_instant_meetings", good: true, bad: false, lockable: true, groupScoped: true),
    .init(id: "ZMT-05", path: "schedule_meeting.require_password_for_pmi_meetings", good: "all", bad: "jbh_only", lockable: true, groupScoped: true),
    .init(id: "ZMT-06", path: "meeting_security.phone_password", good: true, bad: false, lockable: true, groupScoped: true),
    .init(id: "ZMT-09", path: "meeting_security.auto_security", good: true, bad: false, lockable: true, groupScoped: true),
    .init(id: "ZMT-10", path: "meeting_authentication.meeting_authentication", good: true, bad: false, lockable: false, groupScoped: true),
    .init(id: "ZMT-11", path: "meeting_security.only_authenticated_can_join_from_webclient", good: true, bad: false, lockable: true, groupScoped: true),
    .init(id: "ZMT-13", path: "schedule_meeting.join_before_host", good: false, bad: true, lockable: true, groupScoped: true),
    .init(id: "ZMT-14", path: "in_meeting.who_can_share_screen", good: "host", bad: "all", lockable: false, groupScoped: true),
    .init(id: "ZMT-15", path: "in_meeting.file_transfer", good: false, bad: true, lockable: true, groupScoped: true),
    .init(id: "ZMT-16", path: "in_meeting.remote_control", good: false, bad: true, lockable: true, groupScoped: true),
    .init(id: "ZMT-17", path: "in_meeting.remote_support", good: false, bad: true, lockable: true, groupScoped: true),
    .init(id: "ZMT-18", path: "in_meeting.far_end_camera_control", good: false, bad: true, lockable: true, groupScoped: true),
    .init(id: "ZMT-19", path: "in_meeting.allow_live_streaming", good: false, bad: true, lockable: true, groupScoped: true),
    .init(id: "ZMT-22", path: "meeting_security.block_user_domain", good: true, bad: false, lockable: true, groupScoped: true),
    .init(id: "ZMT-23", path: "in_meeting.alert_guest_join", good: true, bad: false, lockable: true, groupScoped: true),
    .init(id: "ZID-08", path: "security.password_requirement.minimum_password_length", good: 12, bad: 8, lockable: false, groupScoped: false),
    .init(id: "ZID-09", path: "security.password_requirement.have_special_character", good: true, bad: false, lockable: false, groupScoped: false),
    .init(id: "ZID-10", path: "security.password_requirement.consecutive_characters_length", good: 4, bad: 0, lockable: false, groupScoped: false),
    .init(id: "ZID-11", path: "security.password_requirement.weak_enhance_detection", good: true, bad: false, lockable: false, groupScoped: false),
    .init(id: "ZID-12", path: "security.admin_change_user_info", good: true, bad: false, lockable: false, groupScoped: false),
    .init(id: "ZID-13", path: "security.hide_billing_info", good: true, bad: false, lockable: false, groupScoped: false),
    .init(id: "ZRC-02", path: "recording.required_password_for_shared_cloud_recordings", good: true, bad: false, lockable: false, groupScoped: true),
    .init(id: "ZRC-03", path: "recording_authentication.recording_authentication", good: true, bad: false, lockable: false, groupScoped: true),
    .init(id: "ZRC-04", path: "recording.cloud_recording_download_host", good: true, bad: false, lockable: false, groupScoped: true),
    .init(id: "ZRC-05", path: "recording.ip_address_access_control.enable", good: true, bad: false, lockable: false, groupScoped: true),
    .init(id: "ZRC-07", path: "recording.recording_disclaimer", good: true, bad: false, lockable: false, groupScoped: true),
    .init(id: "ZCH-03", path: "chat.screen_capture", good: false, bad: true, lockable: true, groupScoped: true),
    .init(id: "ZCH-04", path: "chat.search_and_send_animated_gif_images.enable", good: false, bad: true, lockable: false, groupScoped: true),
    .init(id: "ZCH-06", path: "chat.set_retention_period_in_cloud.enable", good: true, bad: false, lockable: false, groupScoped: true),
    .init(id: "ZCH-01", path: "chat.allow_users_to_add_contacts", good: ["enable": true, "selected_option": 2],
          bad: ["enable": true, "selected_option": 1], lockable: false, groupScoped: true),
    .init(id: "ZCH-02", path: "chat.share_files", good: ["enable": true, "share_option": "account"],
          bad: ["enable": true, "share_option": "anyone"], lockable: false, groupScoped: true),
]

struct SettingControlTests {
    func locks(_ c: SettingCase, _ locked: Bool) -> [String: JSONValue] { c.lockable ? [c.path: .bool(locked)] : [:] }

    @Test("compliant (and locked where Zoom has a lock) passes", arguments: settingCases)
    func pass(_ c: SettingCase) {
        let e = Fixture.evaluate(c.id, Fixture.snapshot(settings: [c.path: c.good], locks: locks(c, true)))
        #expect(e.verdict == .pass, "\(e.detail)")
    }

    @Test("non-compliant fails and names the value", arguments: settingCases)
    func fail(_ c: SettingCase) {
        let e = Fixture.evaluate(c.id, Fixture.snapshot(settings: [c.path: c.bad], locks: locks(c, true)))
        #expect(e.verdict == .fail)
        #expect(e.detail.contains(c.path))
    }

    @Test("compliant but unlocked is at best warn", arguments: settingCases.filter(\.lockable))
    func unlocked(_ c: SettingCase) {
        let e = Fixture.evaluate(c.id, Fixture.snapshot(settings: [c.path: c.good], locks: locks(c, false)))
        #expect(e.verdict == .warn)
        #expect(e.detail.contains("not locked"))
    }

    @Test("a group that overrides it is named with its member count", arguments: settingCases.filter(\.groupScoped))
    func groupOverride(_ c: SettingCase) {
        let group = Fixture.group(settings: [c.path: c.bad])
        let e = Fixture.evaluate(c.id, Fixture.snapshot(settings: [c.path: c.good], locks: locks(c, false), groups: [group]))
        #expect(e.verdict == .warn)
        #expect(e.affectedGroups.map(\.name) == ["Contractors"])
        #expect(e.affectedGroups.first?.members == 4)
        #expect(e.coverage == 0.6)  // 4 of 10 active users are in the group
        if c.lockable {
            // Locked at the account, the group's value cannot take effect.
            let locked = Fixture.evaluate(c.id, Fixture.snapshot(settings: [c.path: c.good], locks: locks(c, true), groups: [group]))
            #expect(locked.verdict == .pass)
        }
    }

    @Test("when the memberships are unknown (users not read), the group keeps its size and coverage is unknown", arguments: settingCases.filter(\.groupScoped))
    func groupOverrideWithoutMemberships(_ c: SettingCase) {
        var group = Fixture.group(settings: [c.path: c.bad])
        group.memberIDs = []
        group.memberCount = 4
        var snapshot = Fixture.snapshot(settings: [c.path: c.good], locks: locks(c, false), groups: [group])
        snapshot.users = nil
        let e = Fixture.evaluate(c.id, snapshot)
        #expect(e.verdict == .warn)
        #expect(e.affectedGroups.first?.members == 4)
        #expect(e.detail.contains("with 4 member(s)"))
        #expect(e.coverage == nil)
    }

    @Test("settings that could not be read give error naming the scope, never pass", arguments: settingCases)
    func missingData(_ c: SettingCase) {
        let e = Fixture.evaluate(c.id, Fixture.snapshot(removeSettings: true))
        #expect(e.verdict == .error)
        #expect(e.detail.contains("account:read:admin"))
    }

    @Test("lock state unknown or groups unread keep a compliant lockable setting at warn", arguments: settingCases.filter(\.lockable))
    func partialData(_ c: SettingCase) {
        #expect(Fixture.evaluate(c.id, Fixture.snapshot(settings: [c.path: c.good], removeLocks: true)).verdict == .warn)
        #expect(Fixture.evaluate(c.id, Fixture.snapshot(settings: [c.path: c.good], locks: locks(c, false), removeGroups: true)).verdict == .warn)
    }
}
