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

public enum ControlCategory: String, Codable, Sendable, CaseIterable {
    case identity = "Identity & access"
    case meetings = "Meetings"
    case recording = "Recording"
    case chat = "Team Chat"
    case admin = "Admin & logging"
}

public enum Effort: String, Codable, Sendable { case low, moderate, high }

/// Where a control's data comes from (matches the connector's data sources).
public enum DataSource: String, Codable, Sendable, CaseIterable, Hashable {
    case accountSettings = "account_settings"
    case lockSettings = "lock_settings"
    case users
    case groups
    case roles
    case domains
    case signInReport = "signin_report"
    case operationLog = "operation_log"
    case chatChannels = "chat_channels"

    /// The classic scope that grants it (granular equivalents work too).
    public var scope: String {
        switch self {
        case .accountSettings, .lockSettings, .domains: return "account:read:admin"
        case .users: return "user:read:admin"
        case .groups: return "group:read:admin"
        case .roles: return "role:read:admin"
        case .signInReport, .operationLog: return "report:read:admin"
        case .chatChannels: return "chat_channel:read:admin"
        }
    }
}

/// How a control earns points (Microsoft Secure Score style).
public enum ScoringMethod: String, Codable, Sendable {
    /// All or nothing.
    case binary
    /// Proportional to the share of users covered.
    case proportional
}

/// Mappings to compliance frameworks.
public struct FrameworkMappings: Codable, Sendable, Hashable {
    /// CIS Zoom Benchmark v1.0 recommendation numbers.
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
}

public enum Framework: String, Codable, Sendable, CaseIterable {
    case cis = "CIS Zoom v1.0"
    case nist = "NIST SP 800-53 rev5"
    case iso = "ISO/IEC 27001:2022"
}

/// The static description of a control: what it checks, why, and how to fix it.
public struct ControlMetadata: Codable, Sendable, Hashable {
    public var id: String
    public var version: Int
    public var title: String
    public var rationale: String
    public var remediation: String
    /// Where to change it in the Zoom web portal.
    public var portalPath: String
    public var severity: Severity
    public var maxScore: Double
    public var category: ControlCategory
    public var threats: [String]
    public var userImpact: Effort
    public var implementationCost: Effort
    public var scoring: ScoringMethod
    public var dataSources: [DataSource]
    /// Zoom API fields read, as `endpoint: path`.
    public var fieldsRead: [String]
    public var mappings: FrameworkMappings

    /// Scopes the control needs (classic names).
    public var requiredScopes: [String] { Array(Set(dataSources.map(\.scope))).sorted() }
    /// `ZID-01.v1`
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

/// A control: its metadata and a pure evaluation.
public struct Control: Sendable {
    public let metadata: ControlMetadata
    public let evaluate: @Sendable (PostureSnapshot, Baseline) -> Evaluation

    public init(_ metadata: ControlMetadata, evaluate: @escaping @Sendable (PostureSnapshot, Baseline) -> Evaluation) {
        self.metadata = metadata
        self.evaluate = evaluate
    }
}
