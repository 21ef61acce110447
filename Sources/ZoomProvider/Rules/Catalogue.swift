import Foundation
import SSPMCore
import ZoomAPI

/// A control over a Zoom account's snapshot.
public typealias ZoomControl = Control<PostureSnapshot>

/// Zoom's control catalogue. Each category file declares its controls and its list; adding a control
/// means adding it to its category file (and a test).
public enum ZoomCatalogue {
    public static let rules = RuleSet<PostureSnapshot>(
        catalogue: RuleCatalogue(
            provider: "zoom", vendor: "Zoom", vendorCompany: "Zoom Video Communications", portalURL: "https://zoom.us/account/setting",
            categories: [.identity, .meetings, .recording, .chat, .admin, .microsoft365], frameworks: [.cisZoom, .nist, .iso],
            // Zoom's sources (scopes of the Zoom app), then the paired Microsoft 365 directory's (Graph application permissions).
            dataSources: ZoomDataSource.allCases.map { DataSourceInfo(DataSource($0), scopes: [$0.scope]) }
                + [DataSourceInfo(.microsoft365Domains, scopes: ["Domain.Read.All"]), DataSourceInfo(.microsoft365Users, scopes: ["User.Read.All"]),
                   DataSourceInfo(.microsoft365Applications, scopes: ["Application.Read.All"])],
            controls: [],
            grantAdvice: "the Server-to-Server OAuth app (Zoom App Marketplace → your app → Scopes)", mfaControlID: "ZID-01"),
        controls: identityControls + meetingControls + recordingControls + chatControls + adminControls + microsoft365Controls)

    public static var all: [ZoomControl] { rules.controls }
    public static var catalogue: RuleCatalogue { rules.catalogue }

    public static func control(_ id: String) -> ZoomControl? {
        all.first { $0.metadata.id == id || $0.metadata.versionedID == id }
    }

    /// Evaluates `controls` (all by default) against a snapshot, at its capture time unless `now` is given.
    public static func scan(_ snapshot: PostureSnapshot, baseline: Baseline = Baseline(), states: [ControlStateRecord] = [],
                            controls: [ZoomControl]? = nil, now: Date? = nil) -> ScanResult {
        PostureEngine.scan(snapshot, controls: controls ?? all, catalogue: catalogue, baseline: baseline, states: states,
                           now: now ?? snapshot.capturedAt)
    }
}

extension ControlCategory {
    public static let identity: ControlCategory = "Identity & access"
    public static let meetings: ControlCategory = "Meetings"
    public static let recording: ControlCategory = "Recording"
    public static let chat: ControlCategory = "Team Chat"
    public static let admin: ControlCategory = "Admin & logging"
}

extension Framework {
    public static let cisZoom = Framework(name: "CIS Zoom v1.0", family: .cis)
}

extension DataSource {
    public init(_ source: ZoomDataSource) { self.init(rawValue: source.rawValue) }
    public static let accountSettings = DataSource(ZoomDataSource.accountSettings)
    public static let lockSettings = DataSource(ZoomDataSource.lockSettings)
    public static let users = DataSource(ZoomDataSource.users)
    public static let groups = DataSource(ZoomDataSource.groups)
    public static let roles = DataSource(ZoomDataSource.roles)
    public static let domains = DataSource(ZoomDataSource.domains)
    public static let signInReport = DataSource(ZoomDataSource.signInReport)
    public static let operationLog = DataSource(ZoomDataSource.operationLog)
    public static let chatChannels = DataSource(ZoomDataSource.chatChannels)
}

/// Shorthand for control metadata.
func meta(
    _ id: String, _ title: String, _ category: ControlCategory, _ severity: Severity, max: Double,
    rationale: String, remediation: String, portal: String, threats: [String],
    impact: Effort = .low, cost: Effort = .low, scoring: ScoringMethod = .proportional,
    sources: [DataSource] = [.accountSettings, .lockSettings, .groups], fields: [String],
    cis: [String] = [], nist: [String], iso: [String], version: Int = 1
) -> ControlMetadata {
    ControlMetadata(
        id: id, version: version, title: title, rationale: rationale, remediation: remediation, portalPath: portal,
        severity: severity, maxScore: max, category: category, threats: threats, userImpact: impact, implementationCost: cost,
        scoring: scoring, dataSources: sources, fieldsRead: fields, mappings: FrameworkMappings(cis: cis, nist: nist, iso: iso),
        requiredScopes: Array(Set(sources.compactMap { ZoomDataSource(rawValue: $0.rawValue)?.scope })).sorted())
}

/// Settings fields read by a setting rule, for the catalogue.
func settingFields(_ rule: SettingRule, endpoint: String = "GET /accounts/{accountId}/settings") -> [String] {
    var fields = ["\(endpoint): \(rule.path)"]
    if let lock = rule.lockPath { fields.append("GET /accounts/{accountId}/lock_settings: \(lock)") }
    fields.append("GET /groups/{groupId}/settings: \(rule.path)")
    return fields
}

/// A setting control in one expression: metadata plus rule.
func settingControl(
    _ id: String, _ title: String, _ category: ControlCategory, _ severity: Severity, max: Double,
    rationale: String, remediation: String, portal: String, threats: [String], impact: Effort = .low, cost: Effort = .low,
    cis: [String] = [], nist: [String], iso: [String], rule: SettingRule
) -> ZoomControl {
    .setting(
        meta(id, title, category, severity, max: max, rationale: rationale, remediation: remediation, portal: portal, threats: threats,
             impact: impact, cost: cost, fields: settingFields(rule), cis: cis, nist: nist, iso: iso),
        rule)
}

extension JSONValue {
    var isTrue: Bool { self == .bool(true) }
    var isFalse: Bool { self == .bool(false) }
    var number: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        case .string(let s): return Double(s)
        default: return nil
        }
    }
}
