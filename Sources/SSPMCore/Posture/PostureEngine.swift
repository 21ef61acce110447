import Foundation

/// Secure-Score-style states of a control, set by people (except `completed`).
public enum ControlState: String, Codable, Sendable, CaseIterable {
    case toAddress = "to_address"
    case planned
    case riskAccepted = "risk_accepted"
    case resolvedThirdParty = "resolved_third_party"
    case resolvedAlternate = "resolved_alternate"
    /// Set by the system when the control passes.
    case completed
}

/// A person's decision about a control.
public struct ControlStateRecord: Codable, Sendable, Hashable {
    public var controlID: String
    public var state: ControlState
    public var rationale: String?
    public var expires: Date?
    public var by: String?

    public init(controlID: String, state: ControlState, rationale: String? = nil, expires: Date? = nil, by: String? = nil) {
        self.controlID = controlID
        self.state = state
        self.rationale = rationale
        self.expires = expires
        self.by = by
    }

    enum CodingKeys: String, CodingKey { case controlID = "control_id", state, rationale, expires, by }
}

public struct ScoreSummary: Codable, Sendable, Hashable {
    public var achieved: Double
    public var max: Double
    public var percent: Double
    public init(achieved: Double, max: Double) {
        self.achieved = (achieved * 100).rounded() / 100
        self.max = (max * 100).rounded() / 100
        self.percent = max > 0 ? ((achieved / max) * 1000).rounded() / 10 : 0
    }
}

/// One control's result in one scan.
public struct Finding: Codable, Sendable, Hashable {
    public var controlId: String
    public var version: Int
    public var title: String
    public var category: ControlCategory
    public var severity: Severity
    public var verdict: Verdict
    public var state: ControlState
    /// Why the state is what it is (risk acceptance rationale, expiry note).
    public var stateNote: String?
    public var score: Double
    public var maxScore: Double
    /// Whether the control counts toward the maximum (manual and not-applicable ones do not).
    public var scored: Bool
    public var coverage: Double?
    public var detail: String
    public var remediation: String
    public var portalPath: String
    public var affectedGroups: [AffectedGroup]
    public var affectedUsers: [AffectedUser]
    public var requiredScopes: [String]
    public var mappings: FrameworkMappings
}

/// A scan: findings, scores and what was used.
public struct ScanResult: Codable, Sendable {
    public var accountId: String
    public var accountName: String
    public var scannedAt: Date
    public var baseline: Baseline
    public var score: ScoreSummary
    public var categories: [String: ScoreSummary]
    public var frameworks: [String: ScoreSummary]
    public var verdictCounts: [String: Int]
    /// Data sources that could not be read, and why.
    public var unavailable: [String: String]
    public var findings: [Finding]
}

public enum PostureEngine {
    /// Evaluates every control (pure: no I/O). The catalogue gives the categories and frameworks
    /// scored; `controls` may be any of the provider's controls (or a test's own).
    public static func scan<Snapshot: PostureSubject>(
        _ snapshot: Snapshot, controls: [Control<Snapshot>], catalogue: RuleCatalogue, baseline: Baseline = Baseline(),
        states: [ControlStateRecord] = [], now: Date
    ) -> ScanResult {
        let stateByControl = Dictionary(states.map { ($0.controlID, $0) }, uniquingKeysWith: { _, last in last })
        var findings: [Finding] = []
        findings.reserveCapacity(controls.count)
        for control in controls {
            let m = control.metadata
            let evaluation = control.evaluate(snapshot, baseline)
            let record = stateByControl[m.id] ?? stateByControl[m.versionedID]
            findings.append(finding(m, evaluation, record: record, now: now))
        }
        return summarize(snapshot: snapshot, catalogue: catalogue, baseline: baseline, findings: findings, now: now)
    }

    /// Applies control states to a stored scan without re-reading the provider (a state set after the
    /// scan, or an expiry that has passed): each finding is re-scored from its stored verdict and coverage.
    public static func rescore(_ result: ScanResult, states: [ControlStateRecord], catalogue: RuleCatalogue, now: Date) -> ScanResult {
        let stateByControl = Dictionary(states.map { ($0.controlID, $0) }, uniquingKeysWith: { _, last in last })
        let metadata = Dictionary(catalogue.controls.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var updated = result
        updated.findings = result.findings.map { old in
            let record = stateByControl[old.controlId]
            guard let m = metadata[old.controlId], record != nil || (old.state != .completed && old.state != .toAddress) else { return old }
            let evaluation = Evaluation(old.verdict, old.detail, affectedGroups: old.affectedGroups, affectedUsers: old.affectedUsers, coverage: old.coverage)
            return finding(m, evaluation, record: record, now: now)
        }
        func sum(_ list: [Finding]) -> ScoreSummary {
            let counted = list.filter(\.scored)
            return ScoreSummary(achieved: counted.reduce(0) { $0 + $1.score }, max: counted.reduce(0) { $0 + $1.maxScore })
        }
        updated.score = sum(updated.findings)
        for key in result.categories.keys { updated.categories[key] = sum(updated.findings.filter { $0.category.rawValue == key }) }
        for framework in catalogue.frameworks {
            updated.frameworks[framework.name] = sum(updated.findings.filter { !$0.mappings.controls(framework.family).isEmpty })
        }
        return updated
    }

    static func finding(_ m: ControlMetadata, _ e: Evaluation, record: ControlStateRecord?, now: Date) -> Finding {
        let scored = !(e.verdict == .manual || e.verdict == .notApplicable)
        var points: Double
        switch e.verdict {
        case .pass: points = m.maxScore
        case .warn: points = m.scoring == .proportional ? m.maxScore * (e.coverage ?? 0.5) : m.maxScore / 2
        case .fail: points = m.scoring == .proportional ? m.maxScore * (e.coverage ?? 0) : 0
        case .error, .manual, .notApplicable: points = 0
        }
        if e.verdict == .warn, m.scoring == .proportional, e.coverage == 1 { points = m.maxScore / 2 }  // compliant but unlocked: half
        var state: ControlState = e.verdict == .pass ? .completed : .toAddress
        var note: String?
        if let record, e.verdict != .pass {
            if let expires = record.expires, expires <= now {
                note = "The \(record.state.rawValue) decision expired on \(isoDay(expires)); back to to_address."
            } else {
                state = record.state == .completed ? .toAddress : record.state
                note = record.rationale.map { "\($0)" + (record.by.map { " (\($0))" } ?? "") + (record.expires.map { ", until \(isoDay($0))" } ?? "") }
                switch state {
                case .riskAccepted: points = 0
                case .resolvedThirdParty, .resolvedAlternate: points = m.maxScore
                default: break
                }
            }
        }
        return Finding(
            controlId: m.id, version: m.version, title: m.title, category: m.category, severity: m.severity, verdict: e.verdict,
            state: state, stateNote: note, score: scored || state == .resolvedThirdParty || state == .resolvedAlternate ? (points * 100).rounded() / 100 : 0,
            maxScore: m.maxScore, scored: scored || state == .resolvedThirdParty || state == .resolvedAlternate,
            coverage: e.coverage.map { ($0 * 1000).rounded() / 1000 }, detail: e.detail, remediation: m.remediation, portalPath: m.portalPath,
            affectedGroups: e.affectedGroups, affectedUsers: e.affectedUsers, requiredScopes: m.requiredScopes, mappings: m.mappings)
    }

    static func summarize(snapshot: some PostureSubject, catalogue: RuleCatalogue, baseline: Baseline, findings: [Finding], now: Date) -> ScanResult {
        func sum(_ list: [Finding]) -> ScoreSummary {
            let counted = list.filter(\.scored)
            return ScoreSummary(achieved: counted.reduce(0) { $0 + $1.score }, max: counted.reduce(0) { $0 + $1.maxScore })
        }
        var categories: [String: ScoreSummary] = [:]
        for category in catalogue.categories {
            let list = findings.filter { $0.category == category }
            if !list.isEmpty { categories[category.rawValue] = sum(list) }
        }
        var frameworks: [String: ScoreSummary] = [:]
        for framework in catalogue.frameworks {
            frameworks[framework.name] = sum(findings.filter { !$0.mappings.controls(framework.family).isEmpty })
        }
        var counts: [String: Int] = [:]
        for finding in findings { counts[finding.verdict.rawValue, default: 0] += 1 }
        var unavailable: [String: String] = [:]
        for (source, reason) in snapshot.unavailable { unavailable[source.rawValue] = reason }
        return ScanResult(
            accountId: snapshot.accountID, accountName: snapshot.accountName, scannedAt: now, baseline: baseline,
            score: sum(findings), categories: categories, frameworks: frameworks, verdictCounts: counts,
            unavailable: unavailable, findings: findings)
    }
}

/// What changed between two scans.
public struct ScanDiff: Codable, Sendable {
    public struct Change: Codable, Sendable, Hashable {
        public var controlId: String
        public var title: String
        public var from: Verdict?
        public var to: Verdict?
        public var scoreDelta: Double
    }
    public var scoreDelta: Double
    public var percentDelta: Double
    public var changes: [Change]

    public init(from old: ScanResult, to new: ScanResult) {
        scoreDelta = ((new.score.achieved - old.score.achieved) * 100).rounded() / 100
        percentDelta = ((new.score.percent - old.score.percent) * 10).rounded() / 10
        let before = Dictionary(old.findings.map { ($0.controlId, $0) }, uniquingKeysWith: { a, _ in a })
        let after = Dictionary(new.findings.map { ($0.controlId, $0) }, uniquingKeysWith: { a, _ in a })
        var changes: [Change] = []
        for id in Set(before.keys).union(after.keys).sorted() {
            let a = before[id]
            let b = after[id]
            if a?.verdict != b?.verdict || a?.score != b?.score {
                changes.append(Change(controlId: id, title: (b ?? a)!.title, from: a?.verdict, to: b?.verdict,
                                      scoreDelta: (((b?.score ?? 0) - (a?.score ?? 0)) * 100).rounded() / 100))
            }
        }
        self.changes = changes
    }

    /// Controls that went from pass to fail (posture drift).
    public var regressions: [Change] { changes.filter { $0.from == .pass && ($0.to == .fail || $0.to == .warn) } }
}
