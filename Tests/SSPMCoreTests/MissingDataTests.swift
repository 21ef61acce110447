import Foundation
import SSPMCore
import ZoomAPI
import SSPMProvider
import ZoomProvider
import Testing

struct MissingDataTests {
    /// A snapshot where nothing could be read (every scope missing).
    static let nothing = PostureSnapshot(
        accountID: "acct", capturedAt: Fixture.now,
        unavailable: Dictionary(uniqueKeysWithValues: ZoomDataSource.allCases.map { (DataSource($0), "missing scope \($0.scope)") }))

    @Test("when nothing could be read, no control passes; data-driven controls say error and name the scope", arguments: ZoomCatalogue.all.map(\.metadata.id))
    func neverPassOnMissingData(_ id: String) {
        let control = ZoomCatalogue.control(id)!
        let e = control.evaluate(Self.nothing, Baseline())
        #expect(e.verdict != .pass, "\(id) passed with no data: \(e.detail)")
        if !control.metadata.dataSources.isEmpty, e.verdict != .notApplicable {
            #expect([.error, .manual].contains(e.verdict), "\(id): \(e.verdict) — \(e.detail)")
            if e.verdict == .error {
                #expect(control.metadata.requiredScopes.contains { e.detail.contains($0) }, "\(id) does not name a scope: \(e.detail)")
            }
        }
    }

    @Test("composite controls: each part can fail on its own")
    func composites() {
        let locks: [String: JSONValue] = ["schedule_meeting.use_pmi_for_scheduled_meetings": true, "schedule_meeting.use_pmi_for_instant_meetings": true]
        #expect(Fixture.evaluate("ZMT-20", Fixture.snapshot(settings: ["schedule_meeting.use_pmi_for_scheduled_meetings": false, "schedule_meeting.use_pmi_for_instant_meetings": false], locks: locks)).verdict == .pass)
        #expect(Fixture.evaluate("ZMT-20", Fixture.snapshot(settings: ["schedule_meeting.use_pmi_for_scheduled_meetings": false, "schedule_meeting.use_pmi_for_instant_meetings": true], locks: locks)).verdict == .fail)
        let strong: [String: JSONValue] = ["meeting_security.meeting_password_requirement.length": 10, "meeting_security.meeting_password_requirement.only_allow_numeric": false,
                                           "meeting_security.meeting_password_requirement.have_letter": true, "meeting_security.meeting_password_requirement.have_number": true]
        #expect(Fixture.evaluate("ZMT-07", Fixture.snapshot(settings: strong)).verdict == .pass)
        var numeric = strong
        numeric["meeting_security.meeting_password_requirement.only_allow_numeric"] = true
        #expect(Fixture.evaluate("ZMT-07", Fixture.snapshot(settings: numeric)).verdict == .fail)
        var regions = Baseline()
        regions.allowedDataCenterRegions = ["US", "EU"]
        let custom: [String: JSONValue] = ["in_meeting.custom_data_center_regions": true, "in_meeting.data_center_regions": ["US", "EU"]]
        #expect(Fixture.evaluate("ZMT-21", Fixture.snapshot(settings: custom, locks: ["in_meeting.custom_data_center_regions": true]), baseline: regions).verdict == .pass)
        let wide: [String: JSONValue] = ["in_meeting.custom_data_center_regions": true, "in_meeting.data_center_regions": ["US", "CN"]]
        #expect(Fixture.evaluate("ZMT-21", Fixture.snapshot(settings: wide, locks: ["in_meeting.custom_data_center_regions": true]), baseline: regions).verdict == .fail)
        #expect(Fixture.evaluate("ZRC-09", Fixture.snapshot(settings: ["recording.host_delete_cloud_recording": false, "recording.allow_recovery_deleted_cloud_recordings": false],
                                                            locks: ["recording.host_delete_cloud_recording": true])).verdict == .fail)
        #expect(Fixture.evaluate("ZAD-06", Fixture.snapshot(settings: ["integration.box": false, "integration.dropbox": false, "integration.google_drive": false, "integration.microsoft_one_drive": false])).verdict == .pass)
        #expect(Fixture.evaluate("ZAD-06", Fixture.snapshot(settings: ["integration.box": true])).verdict == .manual)
    }
}
