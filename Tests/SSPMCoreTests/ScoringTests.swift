import Foundation
import SSPMCore
import SSPMProvider
import ZoomProvider
import Testing

struct ScoringTests {
    let two = [ZoomCatalogue.control("ZID-01")!, ZoomCatalogue.control("ZID-03")!]  // 10 + 8 points

    @Test("score is achieved / max; manual and not-applicable controls are not counted; errors count as 0")
    func basics() {
        let snapshot = Fixture.snapshot(settings: ["security.sign_in_with_two_factor_auth": "all", "security.sign_again_period_for_inactivity_on_web": 0])
        let result = ZoomCatalogue.scan(snapshot, controls: two)
        #expect(result.score == ScoreSummary(achieved: 10, max: 18))
        #expect(result.score.percent == 55.6)
        let manual = ZoomCatalogue.scan(snapshot, controls: two + [ZoomCatalogue.control("ZCH-08")!])
        #expect(manual.score.max == 18)
        let missing = ZoomCatalogue.scan(Fixture.snapshot(removeSettings: true), controls: two)
        #expect(missing.score == ScoreSummary(achieved: 0, max: 18))
        #expect(missing.findings.allSatisfy { $0.verdict == .error })
    }

    @Test("proportional controls earn the covered share of their points")
    func proportional() {
        let group = Fixture.group(settings: [:])
        let snapshot = Fixture.snapshot(settings: ["security.sign_in_with_two_factor_auth": "group", "security.sign_in_with_two_factor_auth_groups": ["g1"]], groups: [group])
        let finding = ZoomCatalogue.scan(snapshot, controls: [ZoomCatalogue.control("ZID-01")!]).findings[0]
        #expect(finding.verdict == .warn)
        #expect(finding.score == 4)  // 4 of 10 users × 10 points
    }

    @Test("states: risk accepted earns nothing, third-party and alternate mitigations earn full points, an expired acceptance reverts")
    func states() {
        let snapshot = Fixture.snapshot(settings: ["security.sign_in_with_two_factor_auth": "none", "security.sign_again_period_for_inactivity_on_web": 0])
        let later = Fixture.now.addingTimeInterval(86_400)
        let earlier = Fixture.now.addingTimeInterval(-86_400)
        let accepted = ZoomCatalogue.scan(snapshot, states: [
            ControlStateRecord(controlID: "ZID-01", state: .riskAccepted, rationale: "Okta enforces MFA", expires: later, by: "ciso@example.com"),
            ControlStateRecord(controlID: "ZID-03", state: .resolvedThirdParty, rationale: "Browser policy signs out"),
        ], controls: two)
        #expect(accepted.findings[0].state == .riskAccepted)
        #expect(accepted.findings[0].score == 0)
        #expect(accepted.findings[0].verdict == .fail)  // the original verdict is kept
        #expect(accepted.findings[0].stateNote?.contains("Okta") == true)
        #expect(accepted.findings[1].state == .resolvedThirdParty)
        #expect(accepted.findings[1].score == 8)
        #expect(accepted.score == ScoreSummary(achieved: 8, max: 18))
        let expired = ZoomCatalogue.scan(snapshot, states: [
            ControlStateRecord(controlID: "ZID-03", state: .resolvedAlternate, rationale: "kiosk mode", expires: earlier),
        ], controls: two)
        #expect(expired.findings[1].state == .toAddress)
        #expect(expired.findings[1].score == 0)
        #expect(expired.findings[1].stateNote?.contains("expired") == true)
    }

    @Test("per-category and per-framework scores add up from the findings")
    func breakdowns() {
        let result = ZoomCatalogue.scan(Fixture.snapshot())
        let categoryMax = result.categories.values.reduce(0) { $0 + $1.max }
        #expect(abs(categoryMax - result.score.max) < 0.01)
        #expect(result.frameworks[Framework.nist.rawValue]?.max == result.score.max)  // every control maps to NIST
        #expect((result.frameworks[Framework.cisZoom.rawValue]?.max ?? 0) < result.score.max)
    }

    @Test("a diff names the controls whose verdict changed and the score delta")
    func diff() {
        let before = ZoomCatalogue.scan(Fixture.snapshot(settings: ["security.sign_in_with_two_factor_auth": "all"]), controls: two)
        let after = ZoomCatalogue.scan(Fixture.snapshot(settings: ["security.sign_in_with_two_factor_auth": "none"]), controls: two)
        let diff = ScanDiff(from: before, to: after)
        #expect(diff.changes.map(\.controlId) == ["ZID-01"])
        #expect(diff.scoreDelta == -10)
        #expect(diff.regressions.count == 1)
    }
}
