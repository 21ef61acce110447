import Foundation

/// The control catalogue. Each category file declares its controls and its list; adding a control
/// means adding it to its category file (and a test).
public enum Catalogue {
    public static let all: [Control] = identityControls + meetingControls + recordingControls + chatControls + adminControls

    public static func control(_ id: String) -> Control? {
        all.first { $0.metadata.id == id || $0.metadata.versionedID == id }
    }
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
        scoring: scoring, dataSources: sources, fieldsRead: fields, mappings: FrameworkMappings(cis: cis, nist: nist, iso: iso))
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
) -> Control {
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
