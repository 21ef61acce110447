import Foundation
import SSPMCore
import SSPMStorage

/// Posture for the REST API and the web pages alike: the current scan with today's control states,
/// the recommended actions, one action's detail, and setting a control's state. Built once per
/// server beside `ConnectorService`. Every call takes the connector row its request has already
/// read, so a request reads it once; the handlers only turn HTTP (a JSON body, a form, a query)
/// into these typed inputs and the answers into JSON or a page.
struct PostureService: Sendable {
    let deps: ServerDependencies

    /// The latest scan with today's control states applied (a state set since the scan counts now);
    /// nil before the first scan.
    func currentScan(_ connector: ConnectorRecord) async throws -> ScanResult? {
        guard let latest = try await deps.scans.latest(connectorID: connector.id) else { return nil }
        return PostureEngine.rescore(latest, states: try await deps.posture.states(connectorID: connector.id),
                                     catalogue: try deps.provider(for: connector).catalogue, now: deps.now())
    }

    // MARK: recommended actions

    struct Recommendation: Codable {
        var controlId: String
        var title: String
        var product: String
        var category: String
        var severity: String
        var verdict: String
        var state: String
        var stateNote: String?
        var score: Double
        var maxScore: Double
        var pointsLeft: Double
        var affectedGroupCount: Int
        var affectedUserCount: Int
        var detail: String
    }

    struct RecommendationList: Codable { var scannedAt: Date; var total: Int; var items: [Recommendation] }

    /// The recommended actions of the current scan that `selection` keeps, in its order; nil before the first scan.
    func recommendations(_ connector: ConnectorRecord, _ selection: RecommendationSelection) async throws -> RecommendationList? {
        guard let scan = try await currentScan(connector) else { return nil }
        let items = selection.apply(to: scan, provider: connector.provider)
        return RecommendationList(scannedAt: scan.scannedAt, total: items.count, items: items)
    }

    /// One action in one of the current scan's findings.
    func recommendation(_ finding: Finding, of connector: ConnectorRecord) -> Recommendation { Recommendation(finding, provider: connector.provider) }

    // MARK: one action's detail

    struct RecommendationDetail: Codable {
        var finding: Finding
        var rationale: String
        var threats: [String]
        var userImpact: String
        var implementationCost: String
        var stateChanges: [ControlStateChange]
        var history: [VerdictPoint]
    }

    struct VerdictPoint: Codable { var scanId: String; var scannedAt: Date; var verdict: String; var score: Double }

    /// A control's finding in `scan` (the connector's current one), what its provider's catalogue
    /// says about it, its state changes (newest first) and its verdict in the last `historyLimit`
    /// scans (oldest first). A control that is not in the scan or the catalogue is a 404.
    func detail(_ controlID: String, of connector: ConnectorRecord, in scan: ScanResult, historyLimit: Int) async throws -> RecommendationDetail {
        guard let finding = scan.findings.first(where: { $0.controlId == controlID }),
              let metadata = try deps.provider(for: connector).catalogue.control(controlID) else {
            throw APIError.notFound("Control \(controlID)")
        }
        return RecommendationDetail(
            finding: finding, rationale: metadata.rationale, threats: metadata.threats, userImpact: metadata.userImpact.rawValue,
            implementationCost: metadata.implementationCost.rawValue,
            stateChanges: try await deps.posture.stateChanges(connectorID: connector.id, controlID: controlID),
            history: try await verdictHistory(connector, controlID: controlID, limit: historyLimit))
    }

    /// One control's verdict in each of the last `limit` scans, oldest first.
    func verdictHistory(_ connector: ConnectorRecord, controlID: String, limit: Int) async throws -> [VerdictPoint] {
        var history: [VerdictPoint] = []
        for summary in try await deps.scans.summaries(connectorID: connector.id, limit: limit).reversed() {
            if let old = try await deps.scans.scan(connectorID: connector.id, id: summary.id), let f = old.findings.first(where: { $0.controlId == controlID }) {
                history.append(VerdictPoint(scanId: summary.id, scannedAt: summary.scannedAt, verdict: f.verdict.rawValue, score: f.score))
            }
        }
        return history
    }

    // MARK: control states

    /// The states a person can set (`completed` is set by scans), in the order forms offer them.
    static let settableStates: [ControlState] = [.toAddress, .planned, .riskAccepted, .resolvedThirdParty, .resolvedAlternate]

    /// Checks and records a control's state, with an audit entry. `state` is the state's name,
    /// `rationale` why (required for every state but to_address and planned), `expires` an ISO 8601
    /// date or time in the future (required for risk_accepted). A refusal is a 400 (404 for a
    /// control the connector's provider does not have) and changes nothing.
    func setState(connector: ConnectorRecord, controlID: String, state name: String, rationale: String?, expires expiresText: String?,
                  by caller: Principal) async throws {
        guard try deps.provider(for: connector).catalogue.controls.contains(where: { $0.id == controlID }) else { throw APIError.notFound("Control \(controlID)") }
        let settable = Self.settableStates
        guard let state = ControlState(rawValue: name), settable.contains(state) else {
            throw APIError.badRequest("state '\(name.prefix(40))' cannot be set.", fix: "Use one of \(settable.map(\.rawValue).joined(separator: ", ")) (completed is set by scans).")
        }
        if let rationale, rationale.unicodeScalars.count > 2000 {
            throw APIError.badRequest("The rationale is longer than 2000 characters.", fix: "Shorten it; link to a longer document if you need one.")
        }
        let rationale = rationale?.trimmingCharacters(in: .whitespacesAndNewlines)
        if state != .toAddress, state != .planned, isBlank(rationale ?? "") {
            throw APIError.badRequest("A rationale is required for \(state.rawValue).", fix: "Say why (e.g. the compensating control or who accepted the risk); auditors read it.")
        }
        let now = deps.now()
        var expires: Date?
        if let text = expiresText {
            expires = FastFormats.parseInput(text)?.date
            guard let e = expires else {
                throw APIError.badRequest("expiresAt '\(text.prefix(40))' is not a date (YYYY-MM-DD) or an RFC 3339 date-time.", fix: "Use 2027-03-31 or 2027-03-31T00:00:00Z.")
            }
            guard e > now else { throw APIError.badRequest("expiresAt is in the past.", fix: "Give a future date, or leave it out for no expiry.") }
        }
        if state == .riskAccepted, expires == nil {
            throw APIError.badRequest("Accepting a risk needs an expiry date (expiresAt).", fix: "Pick when to look at it again, e.g. in 90 days.")
        }
        let record = ControlStateRecord(controlID: controlID, state: state, rationale: rationale, expires: expires, by: caller.email)
        try await deps.posture.setState(connectorID: connector.id, record, at: now)
        try await deps.auth.audit(actor: caller.actor, action: "control.state", target: "\(connector.id)/\(controlID)",
                                  detail: "\(state.rawValue)" + (expires.map { " until \(FastFormats.utcTimestamp($0))" } ?? ""), at: now)
    }
}

extension PostureService.Recommendation {
    /// A finding as an action: the points it still leaves on the table (none for an unscored control).
    init(_ f: Finding, provider: String) {
        self.init(controlId: f.controlId, title: f.title, product: provider, category: f.category.rawValue, severity: f.severity.rawValue,
                  verdict: f.verdict.rawValue, state: f.state.rawValue, stateNote: f.stateNote, score: f.score, maxScore: f.maxScore,
                  pointsLeft: f.scored ? ((f.maxScore - f.score) * 100).rounded() / 100 : 0, affectedGroupCount: f.affectedGroups.count,
                  affectedUserCount: f.affectedUsers.count, detail: f.detail)
    }
}

/// Which recommended actions to show, and in what order (the API and the page build it from their
/// query; `PostureService.recommendations` applies it).
struct RecommendationSelection {
    /// A connector has one provider: product=<its kind> keeps everything, another keeps nothing.
    var products: [String]?
    var categories: [String]?
    var severities: [String]?
    var verdicts: [String]?
    var states: [String]?
    /// One of `sorts` (an unknown one sorts as pointsLeft).
    var sort: String = "pointsLeft"

    static let sorts = ["pointsLeft", "severity", "title", "controlId"]

    func apply(to r: ScanResult, provider: String) -> [PostureService.Recommendation] {
        guard products?.contains(provider) ?? true else { return [] }
        var items = r.findings.filter { f in
            (categories?.contains(f.category.rawValue) ?? true) && (severities?.contains(f.severity.rawValue) ?? true)
                && (verdicts?.contains(f.verdict.rawValue) ?? true) && (states?.contains(f.state.rawValue) ?? true)
        }.map { PostureService.Recommendation($0, provider: provider) }
        let rank = Dictionary(uniqueKeysWithValues: Severity.allCases.enumerated().map { ($1.rawValue, $0) })
        switch sort {
        case "severity": items.sort { (rank[$0.severity] ?? 0, $0.pointsLeft, $1.controlId) > (rank[$1.severity] ?? 0, $1.pointsLeft, $0.controlId) }
        case "title": items.sort { $0.title < $1.title }
        case "controlId": items.sort { $0.controlId < $1.controlId }
        default: items.sort { ($0.pointsLeft, $1.controlId) > ($1.pointsLeft, $0.controlId) }
        }
        return items
    }
}
