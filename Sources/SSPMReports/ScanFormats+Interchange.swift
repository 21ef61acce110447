import Foundation
import SSPMCore

extension ScanFormatter {
    static let productVersion = "0.2.0"

    /// OCSF 1.3 Compliance Finding (class_uid 2003), one JSON object per line.
    public static func ocsf(_ r: ScanResult, catalogue: RuleCatalogue) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let time = Int64(r.scannedAt.timeIntervalSince1970 * 1000)
        var lines: [String] = []
        for f in r.findings {
            let (statusID, status): (Int, String) = {
                switch f.verdict {
                case .pass: return (1, "Pass")
                case .warn, .manual, .error: return (2, "Warning")
                case .fail: return (3, "Fail")
                case .notApplicable: return (99, "Not applicable")
                }
            }()
            let findingStatus: (Int, String) = {
                switch f.state {
                case .riskAccepted: return (3, "Suppressed")
                case .resolvedThirdParty, .resolvedAlternate, .completed: return (4, "Resolved")
                case .planned: return (2, "In Progress")
                case .toAddress: return (1, "New")
                }
            }()
            var standards: [String] = []
            var requirements: [String] = []
            for framework in catalogue.frameworks where !f.mappings.controls(framework.family).isEmpty {
                standards.append(framework.name)
                requirements += f.mappings.controls(framework.family).map { framework.family == .cis ? "CIS \($0)" : $0 }
            }
            var resources: [JSONValue] = [["type": .string("\(catalogue.vendor) Account"), "uid": .string(r.accountId), "name": .string(r.accountName)]]
            resources += f.affectedGroups.prefix(100).map { ["type": .string("\(catalogue.vendor) Group"), "uid": .string($0.id), "name": .string($0.name)] }
            resources += f.affectedUsers.prefix(100).map { ["type": .string("\(catalogue.vendor) User"), "uid": .string($0.id ?? $0.email), "name": .string($0.email)] }
            var event: JSONValue = [
                "class_uid": 2003, "class_name": "Compliance Finding", "category_uid": 2, "category_name": "Findings",
                "activity_id": 1, "activity_name": "Create", "type_uid": 200301, "type_name": "Compliance Finding: Create",
                "severity_id": .int(Int64(ocsfSeverity(f.severity))), "severity": .string(f.severity.rawValue.capitalized),
                "time": .int(time),
                "status_id": .int(Int64(findingStatus.0)), "status": .string(findingStatus.1),
                "message": .string(f.detail),
                "metadata": ["version": "1.3.0", "product": ["name": "OpenSSPM", "vendor_name": "OpenSSPM", "version": .string(productVersion)]],
                "finding_info": ["uid": .string("\(r.accountId):\(f.controlId).v\(f.version)"), "title": .string(f.title), "desc": .string(f.detail),
                                 "types": [.string("\(catalogue.vendor) Posture")], "created_time": .int(time)],
                "compliance": ["control": .string("\(f.controlId).v\(f.version)"), "standards": .array(standards.map { .string($0) }),
                               "requirements": .array(requirements.map { .string($0) }), "status_id": .int(Int64(statusID)), "status": .string(status),
                               "status_detail": .string(f.detail)],
                "remediation": ["desc": .string(f.remediation + " (" + f.portalPath + ")")],
                "resources": .array(resources),
            ]
            event["unmapped"] = ["verdict": .string(f.verdict.rawValue), "score": .double(f.score), "max_score": .double(f.maxScore)]
            lines.append(String(decoding: try encoder.encode(event), as: UTF8.self))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func ocsfSeverity(_ severity: Severity) -> Int {
        switch severity {
        case .info: return 1
        case .low: return 2
        case .medium: return 3
        case .high: return 4
        case .critical: return 5
        }
    }

    /// Microsoft Graph shapes: a `secureScore` and the `secureScoreControlProfile` list.
    public static func graph(_ r: ScanResult, catalogue: RuleCatalogue) throws -> String {
        let iso = ISO8601DateFormatter()
        let controlScores: [JSONValue] = r.findings.map { f in
            ["controlName": .string(f.controlId), "score": .double(f.score), "controlCategory": .string(f.category.rawValue),
             "description": .string(f.detail)]
        }
        let secureScore: JSONValue = [
            "id": .string("\(r.accountId)_\(Int64(r.scannedAt.timeIntervalSince1970))"), "azureTenantId": "",
            "activeUserCount": 0, "licensedUserCount": 0, "createdDateTime": .string(iso.string(from: r.scannedAt)),
            "currentScore": .double(r.score.achieved), "maxScore": .double(r.score.max), "enabledServices": [.string(catalogue.vendor)],
            "averageComparativeScores": [], "controlScores": .array(controlScores),
            "vendorInformation": ["provider": "OpenSSPM", "vendor": "OpenSSPM", "providerVersion": .string(productVersion), "subProvider": .string(catalogue.vendor)],
        ]
        let profiles: [JSONValue] = r.findings.enumerated().map { index, f in
            var compliance: [JSONValue] = []
            for framework in catalogue.frameworks where !f.mappings.controls(framework.family).isEmpty {
                compliance.append(["certificationName": .string(framework.name),
                                   "certificationControls": .array(f.mappings.controls(framework.family).map { ["name": .string($0), "url": ""] })])
            }
            let stateUpdates: [JSONValue] = f.state == .toAddress || f.state == .completed ? [] : [[
                "state": .string(f.state == .riskAccepted ? "Ignored" : f.state == .planned ? "Reviewed" : "ThirdParty"),
                "comment": .string(f.stateNote ?? ""), "updatedDateTime": .string(iso.string(from: r.scannedAt)),
            ]]
            return [
                "id": .string(f.controlId), "azureTenantId": "", "title": .string(f.title), "controlCategory": .string(f.category.rawValue),
                "actionType": "Config", "actionUrl": .string(catalogue.portalURL), "service": .string(catalogue.vendor), "maxScore": .double(f.maxScore),
                "rank": .int(Int64(index + 1)), "tier": .string(f.severity >= .high ? "Core" : "Defense in Depth"),
                "implementationCost": "Low", "userImpact": "Low", "threats": [], "remediation": .string(f.remediation),
                "remediationImpact": .string(f.portalPath), "complianceInformation": .array(compliance),
                "controlStateUpdates": .array(stateUpdates), "deprecated": false,
                "vendorInformation": ["provider": "OpenSSPM", "vendor": "OpenSSPM", "providerVersion": .string(productVersion), "subProvider": .string(catalogue.vendor)],
            ]
        }
        let body: JSONValue = ["secureScore": secureScore, "secureScoreControlProfiles": .array(profiles)]
        return String(decoding: try encoder().encode(body), as: UTF8.self) + "\n"
    }
}
