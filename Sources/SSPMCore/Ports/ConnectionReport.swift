import Foundation

/// A connector's state, as the UI and API show it.
public enum ConnectorStatus: String, Codable, Sendable, CaseIterable {
    case connecting, connected, degraded, error, disconnected
}

/// Whether one data source can be read.
public struct SourceHealth: Codable, Sendable, Hashable {
    public var source: DataSource
    public var ok: Bool
    /// Why not, in words a person can act on.
    public var reason: String?
    /// Scopes the provider said are missing.
    public var missingScopes: [String]
    /// The provider refused with a rate limit (it reads again once the limit resets).
    public var rateLimited: Bool?

    public init(source: DataSource, ok: Bool, reason: String? = nil, missingScopes: [String] = [], rateLimited: Bool? = nil) {
        self.source = source
        self.ok = ok
        self.reason = reason
        self.missingScopes = missingScopes
        self.rateLimited = rateLimited
    }
}

/// The result of validating a connection: status, a plain-language headline and fix, granted scopes,
/// per-source health, and the controls a failing source disables.
public struct ConnectionReport: Codable, Sendable {
    public var status: ConnectorStatus
    public var headline: String
    public var fix: String?
    public var grantedScopes: [String]
    public var sources: [SourceHealth]
    public var disabledControls: [String]
    public var checkedAt: Date

    public init(status: ConnectorStatus, headline: String, fix: String?, grantedScopes: [String], sources: [SourceHealth], checkedAt: Date,
                catalogue: RuleCatalogue) {
        self.status = status
        self.headline = headline
        self.fix = fix
        self.grantedScopes = grantedScopes
        self.sources = sources
        self.checkedAt = checkedAt
        self.disabledControls = catalogue.disabledControls(failing: Set(sources.filter { !$0.ok }.map(\.source)))
    }

    /// Status from per-source health when the credentials work.
    public static func assess(sources: [SourceHealth], grantedScopes: [String], checkedAt: Date, catalogue: RuleCatalogue) -> ConnectionReport {
        let failing = sources.filter { !$0.ok }
        if failing.isEmpty {
            return ConnectionReport(status: .connected, headline: "Connected: all \(sources.count) data sources can be read.", fix: nil,
                                    grantedScopes: grantedScopes, sources: sources, checkedAt: checkedAt, catalogue: catalogue)
        }
        let missing = Array(Set(failing.flatMap(\.missingScopes))).sorted()
        let fix = missing.isEmpty
            ? failing.compactMap(\.reason).first
            : "Add the scope(s) \(missing.joined(separator: ", ")) to \(catalogue.grantAdvice), then reconnect."
        let status: ConnectorStatus = failing.count == sources.count ? .error : .degraded
        if failing.allSatisfy({ $0.rateLimited == true }) {
            return ConnectionReport(
                status: status,
                headline: "Rate limited: \(catalogue.vendor) refuses requests for \(failing.map(\.source.rawValue).joined(separator: ", ")) until its limit resets.",
                fix: (failing.compactMap(\.reason).first ?? "") + " Nothing is lost: the next sync after the reset catches up from the checkpoints.",
                grantedScopes: grantedScopes, sources: sources, checkedAt: checkedAt, catalogue: catalogue)
        }
        return ConnectionReport(
            status: status,
            headline: "\(status == .error ? "No" : "\(sources.count - failing.count) of \(sources.count)") data sources can be read; failing: \(failing.map(\.source.rawValue).joined(separator: ", ")).",
            fix: fix, grantedScopes: grantedScopes, sources: sources, checkedAt: checkedAt, catalogue: catalogue)
    }
}
