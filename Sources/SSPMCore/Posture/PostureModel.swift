import Foundation

/// The outcome of one control on one account.
public enum Verdict: String, Codable, Sendable, CaseIterable {
    case pass, fail, warn, manual, error
    case notApplicable = "not_applicable"
}

public enum Severity: String, Codable, Sendable, CaseIterable, Comparable {
    case info, low, medium, high, critical
    var rank: Int { Severity.allCases.firstIndex(of: self)! }
    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
}

/// A group of controls (its display name). Each provider's rule catalogue lists its categories in
/// the order they are shown.
public struct ControlCategory: RawRepresentable, Codable, Sendable, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }
    public var description: String { rawValue }
}

public enum Effort: String, Codable, Sendable { case low, moderate, high }

/// Where a control's data comes from, named by the provider (e.g. `users`, `signin_report`). Its
/// scopes are in the provider's `RuleCatalogue.dataSources`.
public struct DataSource: RawRepresentable, Codable, Sendable, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { rawValue = value }
    public var description: String { rawValue }
    /// `signin_report` → `signin report`, for sentences.
    public var words: String { rawValue.replacingOccurrences(of: "_", with: " ") }
}

/// A data source and the permission(s) that grant reading it.
public struct DataSourceInfo: Sendable, Hashable {
    public var source: DataSource
    /// Scopes or permissions, in the provider's own names (any one grants it).
    public var scopes: [String]
    public init(_ source: DataSource, scopes: [String]) {
        self.source = source
        self.scopes = scopes
    }
}

/// How a control earns points (Microsoft Secure Score style).
public enum ScoringMethod: String, Codable, Sendable {
    /// All or nothing.
    case binary
    /// Proportional to the share of users covered.
    case proportional
}

/// Mappings to compliance frameworks, by family.
public struct FrameworkMappings: Codable, Sendable, Hashable {
    /// Recommendation numbers of the provider's CIS benchmark.
    public var cis: [String]
    /// NIST SP 800-53 rev5 controls.
    public var nist: [String]
    /// ISO/IEC 27001:2022 Annex A controls.
    public var iso: [String]
    public init(cis: [String] = [], nist: [String] = [], iso: [String] = []) {
        self.cis = cis
        self.nist = nist
        self.iso = iso
    }

    public func controls(_ family: Framework.Family) -> [String] {
        switch family {
        case .cis: return cis
        case .nist: return nist
        case .iso: return iso
        }
    }
}

/// A compliance framework a catalogue maps to: its name (a score is kept per name) and the family
/// of `FrameworkMappings` that holds its control numbers.
public struct Framework: Sendable, Hashable {
    public enum Family: String, Sendable, Hashable { case cis, nist, iso }
    public var name: String
    public var family: Family
    public init(name: String, family: Family) {
        self.name = name
        self.family = family
    }
    public var rawValue: String { name }

    public static let nist = Framework(name: "NIST SP 800-53 rev5", family: .nist)
    public static let iso = Framework(name: "ISO/IEC 27001:2022", family: .iso)
}

/// The static description of a control: what it checks, why, and how to fix it.
public struct ControlMetadata: Codable, Sendable, Hashable {
    public var id: String
    public var version: Int
    public var title: String
    public var rationale: String
    public var remediation: String
    /// Where to change it in the provider's admin portal.
    public var portalPath: String
    public var severity: Severity
    public var maxScore: Double
    public var category: ControlCategory
    public var threats: [String]
    public var userImpact: Effort
    public var implementationCost: Effort
    public var scoring: ScoringMethod
    public var dataSources: [DataSource]
    /// The provider's API fields read, as `endpoint: path`.
    public var fieldsRead: [String]
    public var mappings: FrameworkMappings
    /// Scopes the control needs (set by the provider's catalogue from its data sources; not encoded).
    public var requiredScopes: [String] = []

    enum CodingKeys: String, CodingKey {
        case id, version, title, rationale, remediation, portalPath, severity, maxScore, category, threats, userImpact, implementationCost
        case scoring, dataSources, fieldsRead, mappings
    }

    public init(id: String, version: Int, title: String, rationale: String, remediation: String, portalPath: String, severity: Severity,
                maxScore: Double, category: ControlCategory, threats: [String], userImpact: Effort, implementationCost: Effort,
                scoring: ScoringMethod, dataSources: [DataSource], fieldsRead: [String], mappings: FrameworkMappings, requiredScopes: [String]) {
        self.id = id
        self.version = version
        self.title = title
        self.rationale = rationale
        self.remediation = remediation
        self.portalPath = portalPath
        self.severity = severity
        self.maxScore = maxScore
        self.category = category
        self.threats = threats
        self.userImpact = userImpact
        self.implementationCost = implementationCost
        self.scoring = scoring
        self.dataSources = dataSources
        self.fieldsRead = fieldsRead
        self.mappings = mappings
        self.requiredScopes = requiredScopes
    }
    /// `ABC-01.v1`
    public var versionedID: String { "\(id).v\(version)" }
}

/// A group named in a finding.
public struct AffectedGroup: Codable, Sendable, Hashable {
    public var id: String
    public var name: String
    public var members: Int
    /// The group's value, as text.
    public var value: String
    public init(id: String, name: String, members: Int, value: String) {
        self.id = id
        self.name = name
        self.members = members
        self.value = value
    }
}

/// A user named in a finding.
public struct AffectedUser: Codable, Sendable, Hashable {
    public var id: String?
    public var email: String
    public var reason: String
    public init(id: String?, email: String, reason: String) {
        self.id = id
        self.email = email
        self.reason = reason
    }
}

/// What a control's evaluation says about one account.
public struct Evaluation: Sendable, Hashable {
    public var verdict: Verdict
    /// A sentence a person can read: the value found and why it passes or not.
    public var detail: String
    public var affectedGroups: [AffectedGroup]
    public var affectedUsers: [AffectedUser]
    /// Share of users covered (0…1) for proportional scoring; nil means binary.
    public var coverage: Double?

    public init(_ verdict: Verdict, _ detail: String, affectedGroups: [AffectedGroup] = [], affectedUsers: [AffectedUser] = [], coverage: Double? = nil) {
        self.verdict = verdict
        self.detail = detail
        self.affectedGroups = affectedGroups
        self.affectedUsers = affectedUsers
        self.coverage = coverage
    }
}

/// A control: its metadata and a pure evaluation over a provider's snapshot.
public struct Control<Snapshot: Sendable>: Sendable {
    public let metadata: ControlMetadata
    public let evaluate: @Sendable (Snapshot, Baseline) -> Evaluation

    public init(_ metadata: ControlMetadata, evaluate: @escaping @Sendable (Snapshot, Baseline) -> Evaluation) {
        self.metadata = metadata
        self.evaluate = evaluate
    }
}
