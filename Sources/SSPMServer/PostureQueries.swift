import Foundation
import SSPMCore
import SSPMStorage

/// Posture reads shared by the REST API and the web UI.
extension ServerDependencies {
    /// The latest scan with today's control states applied (a state set since the scan counts now); nil before the first scan.
    func currentScan(connectorID: String) async throws -> ScanResult? {
        guard let connector = try await connectors.get(id: connectorID) else { throw APIError.notFound("Connector \(connectorID)") }
        return try await currentScan(connector)
    }

    func currentScan(_ connector: ConnectorRecord) async throws -> ScanResult? {
        guard let latest = try await scans.latest(connectorID: connector.id) else { return nil }
        return PostureEngine.rescore(latest, states: try await posture.states(connectorID: connector.id), catalogue: try provider(for: connector).catalogue,
                                     now: now())
    }

    /// One control's verdict in each of the last `limit` scans, oldest first.
    func verdictHistory(connectorID: String, controlID: String, limit: Int) async throws -> [APIRoutes.VerdictPoint] {
        var history: [APIRoutes.VerdictPoint] = []
        for summary in try await scans.summaries(connectorID: connectorID, limit: limit).reversed() {
            if let old = try await scans.scan(connectorID: connectorID, id: summary.id), let f = old.findings.first(where: { $0.controlId == controlID }) {
                history.append(APIRoutes.VerdictPoint(scanId: summary.id, scannedAt: summary.scannedAt, verdict: f.verdict.rawValue, score: f.score))
            }
        }
        return history
    }
}

/// Which recommended actions to show, and in what order.
struct RecommendationSelection {
    /// A connector has one provider: product=<its kind> keeps everything, another keeps nothing.
    var products: [String]?
    var categories: [String]?
    var severities: [String]?
    var verdicts: [String]?
    var states: [String]?
    /// pointsLeft (default), severity, title or controlId.
    var sort: String = "pointsLeft"

    func apply(to r: ScanResult, provider: String) -> [APIRoutes.Recommendation] {
        guard products?.contains(provider) ?? true else { return [] }
        var items = r.findings.filter { f in
            (categories?.contains(f.category.rawValue) ?? true) && (severities?.contains(f.severity.rawValue) ?? true)
                && (verdicts?.contains(f.verdict.rawValue) ?? true) && (states?.contains(f.state.rawValue) ?? true)
        }.map { APIRoutes.recommendation($0, provider: provider) }
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

/// The user inventory's search, for the API and the web page alike: `search` matches the e-mail
/// address or the display name (case-insensitive), `status` exactly, `role` the role id or name;
/// sorted by e-mail address.
struct UserSelection {
    var search: String?
    var status: String?
    var role: String?

    func apply(to users: [InventoryUser]) -> [InventoryUser] {
        let search = search?.lowercased()
        return users.filter { u in
            (search.map { u.email.lowercased().contains($0) || u.displayName.lowercased().contains($0) } ?? true)
                && (status.map { u.status == $0 } ?? true) && (role.map { u.roleID == $0 || u.roleName?.lowercased() == $0.lowercased() } ?? true)
        }.sorted { $0.email < $1.email }
    }
}
