import Foundation
import SSPMCore

/// How bad a verdict is, for combining several checks into one control.
extension Verdict {
    var badness: Int {
        switch self {
        case .pass: return 0
        case .notApplicable: return 0
        case .manual: return 1
        case .warn: return 2
        case .error: return 3
        case .fail: return 4
        }
    }
}

extension SettingRule {
    /// Several rules that must all hold: the worst verdict wins, texts are joined, coverage is the lowest.
    static func all(_ rules: [SettingRule]) -> @Sendable (PostureSnapshot, Baseline) -> Evaluation {
        { snapshot, baseline in
            let results = rules.map { $0.evaluate(snapshot, baseline) }
            let worst = results.max { $0.verdict.badness < $1.verdict.badness }!
            var groups: [AffectedGroup] = []
            var seen = Set<String>()
            for result in results where result.verdict == worst.verdict {
                for group in result.affectedGroups where seen.insert(group.id).inserted { groups.append(group) }
            }
            let coverages = results.compactMap(\.coverage)
            let detail = worst.verdict == .pass ? results.map(\.detail).joined(separator: " ")
                : results.filter { $0.verdict == worst.verdict }.map(\.detail).joined(separator: " ")
            return Evaluation(worst.verdict, detail, affectedGroups: groups, coverage: coverages.min())
        }
    }
}

/// A control made of several setting rules that must all hold.
func settingsControl(
    _ id: String, _ title: String, _ category: ControlCategory, _ severity: Severity, max: Double,
    rationale: String, remediation: String, portal: String, threats: [String], impact: Effort = .low, cost: Effort = .low,
    cis: [String] = [], nist: [String], iso: [String], rules: [SettingRule]
) -> ZoomControl {
    ZoomControl(
        meta(id, title, category, severity, max: max, rationale: rationale, remediation: remediation, portal: portal, threats: threats,
             impact: impact, cost: cost, fields: rules.flatMap { settingFields($0) }, cis: cis, nist: nist, iso: iso),
        evaluate: SettingRule.all(rules))
}

/// A value's number, or nil.
func number(_ value: JSONValue) -> Double? { value.number }
