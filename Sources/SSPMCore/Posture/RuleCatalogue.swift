import Foundation

/// What a provider's rules are, without their evaluation: its controls' metadata, categories in
/// display order, frameworks, and data sources with the scopes that grant them. The server, the
/// reports and the connection check read this; only the provider's own code evaluates.
public struct RuleCatalogue: Sendable {
    /// The provider kind (e.g. `acme`), as stored in `connectors.provider`.
    public var provider: String
    /// The vendor's name for sentences ("<vendor> refuses requests …").
    public var vendor: String
    /// The company, for interchange formats (OCSF `vendor_name`).
    public var vendorCompany: String
    /// The admin portal's settings page (Secure Score `actionUrl`).
    public var portalURL: String
    public var categories: [ControlCategory]
    public var frameworks: [Framework]
    public var dataSources: [DataSourceInfo]
    public var controls: [ControlMetadata]
    /// Where an administrator grants a missing scope, for the connection check's fix
    /// ("Add the scope(s) … to <grantAdvice>, then reconnect.").
    public var grantAdvice: String
    /// The control whose affected users are those without multi-factor authentication (the users
    /// page shows each user's MFA from it); nil when the catalogue has none.
    public var mfaControlID: String?

    public init(provider: String, vendor: String, vendorCompany: String, portalURL: String, categories: [ControlCategory], frameworks: [Framework],
                dataSources: [DataSourceInfo], controls: [ControlMetadata], grantAdvice: String, mfaControlID: String? = nil) {
        self.mfaControlID = mfaControlID
        self.provider = provider
        self.vendor = vendor
        self.vendorCompany = vendorCompany
        self.portalURL = portalURL
        self.categories = categories
        self.frameworks = frameworks
        self.dataSources = dataSources
        self.grantAdvice = grantAdvice
        let scopes = Dictionary(dataSources.map { ($0.source, $0.scopes) }, uniquingKeysWith: { a, _ in a })
        // Each control's scopes follow from its data sources: one table, not one list per control.
        self.controls = controls.map { m in
            var m = m
            m.requiredScopes = Array(Set(m.dataSources.flatMap { scopes[$0] ?? [] })).sorted()
            return m
        }
    }

    /// By id (`ABC-01`) or versioned id (`ABC-01.v1`).
    public func control(_ id: String) -> ControlMetadata? {
        controls.first { $0.id == id || $0.versionedID == id }
    }

    public func scopes(for source: DataSource) -> [String] {
        dataSources.first { $0.source == source }?.scopes ?? []
    }

    /// Controls that cannot be decided while these sources fail.
    public func disabledControls(failing: Set<DataSource>) -> [String] {
        controls.filter { !Set($0.dataSources).isDisjoint(with: failing) }.map(\.id)
    }
}

/// What every provider's posture snapshot tells the engine besides what its controls read.
public protocol PostureSubject: Sendable {
    var accountID: String { get }
    var accountName: String { get }
    /// Why a data source could not be read (e.g. "missing scope …").
    var unavailable: [DataSource: String] { get }
}

/// A provider's controls with their catalogue: evaluation happens here, against the provider's own
/// snapshot type.
public struct RuleSet<Snapshot: PostureSubject>: Sendable {
    public var catalogue: RuleCatalogue
    public var controls: [Control<Snapshot>]

    public init(catalogue: RuleCatalogue, controls: [Control<Snapshot>]) {
        // The catalogue's controls are these (its init fills in each one's scopes).
        self.catalogue = RuleCatalogue(provider: catalogue.provider, vendor: catalogue.vendor, vendorCompany: catalogue.vendorCompany,
                                       portalURL: catalogue.portalURL, categories: catalogue.categories, frameworks: catalogue.frameworks,
                                       dataSources: catalogue.dataSources, controls: controls.map(\.metadata), grantAdvice: catalogue.grantAdvice,
                                       mfaControlID: catalogue.mfaControlID)
        // The controls carry the catalogue's metadata (with scopes filled in).
        let metadata = Dictionary(self.catalogue.controls.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        self.controls = controls.map { Control(metadata[$0.metadata.id] ?? $0.metadata, evaluate: $0.evaluate) }
    }

    public func scan(_ snapshot: Snapshot, baseline: Baseline = Baseline(), states: [ControlStateRecord] = [], now: Date) -> ScanResult {
        PostureEngine.scan(snapshot, controls: controls, catalogue: catalogue, baseline: baseline, states: states, now: now)
    }
}
