import Foundation
import SSPMCore
import SSPMProvider
import ZoomProvider
import SSPMReports
import Testing

struct FormatTests {
    let result: ScanResult = {
        var snapshot = Fixture.snapshot(settings: ["security.sign_in_with_two_factor_auth": "role", "security.sign_in_with_two_factor_auth_roles": ["0"]],
                                        groups: [Fixture.group(name: "Sales, \"EMEA\"", settings: ["in_meeting.file_transfer": true])])
        snapshot.channels = [.init(id: "c", name: "ext", type: 3, allowExternalUsers: 2)]
        return ZoomCatalogue.scan(snapshot, states: [ControlStateRecord(controlID: "ZCH-07", state: .riskAccepted, rationale: "partner channel")])
    }()

    @Test("json has the documented shape: score {achieved,max,percent} and findings with the named fields")
    func json() throws {
        let text = try ScanFormatter.render(result, as: .json, catalogue: ZoomCatalogue.catalogue)
        let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
        let score = object["score"] as! [String: Any]
        #expect(Set(score.keys) == ["achieved", "max", "percent"])
        let findings = object["findings"] as! [[String: Any]]
        #expect(findings.count == ZoomCatalogue.all.count)
        for key in ["controlId", "title", "severity", "verdict", "score", "maxScore", "affectedGroups", "affectedUsers"] {
            #expect(findings[0][key] != nil, "missing \(key)")
        }
        // Round trip for --diff.
        let back = try ScanFormatter.readJSON(Data(text.utf8))
        #expect(back.findings.count == result.findings.count)
        #expect(back.score == result.score)
    }

    /// Required attributes of OCSF Compliance Finding (class 2003, from the OCSF schema's base_event, finding and
    /// compliance_finding definitions) and the enum values they allow.
    @Test("ocsf: every line is a Compliance Finding with the required attributes and valid enum values")
    func ocsf() throws {
        let lines = try ScanFormatter.render(result, as: .ocsf, catalogue: ZoomCatalogue.catalogue).split(separator: "\n")
        #expect(lines.count == ZoomCatalogue.all.count)
        for line in lines {
            let event = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            for key in ["class_uid", "category_uid", "type_uid", "activity_id", "severity_id", "time", "metadata", "finding_info", "compliance"] {
                #expect(event[key] != nil, "missing \(key)")
            }
            #expect(event["class_uid"] as? Int == 2003)
            #expect(event["category_uid"] as? Int == 2)
            #expect(event["type_uid"] as? Int == 2003 * 100 + (event["activity_id"] as! Int))
            #expect([1, 2, 3].contains(event["activity_id"] as! Int))
            #expect((0...6).contains(event["severity_id"] as! Int) || event["severity_id"] as? Int == 99)
            #expect([1, 2, 3, 4, 5, 6, 99].contains(event["status_id"] as! Int))
            let metadata = event["metadata"] as! [String: Any]
            #expect(metadata["version"] as? String != nil)
            #expect((metadata["product"] as? [String: Any])?["name"] as? String == "OpenSSPM")
            let info = event["finding_info"] as! [String: Any]
            #expect(info["uid"] as? String != nil && info["title"] as? String != nil)
            let compliance = event["compliance"] as! [String: Any]
            #expect(!(compliance["standards"] as! [String]).isEmpty)
            #expect([0, 1, 2, 3, 99].contains(compliance["status_id"] as! Int))
        }
        let accepted = lines.map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
            .first { ($0["finding_info"] as! [String: Any])["title"] as? String == ZoomCatalogue.control("ZCH-07")!.metadata.title }!
        #expect(accepted["status_id"] as? Int == 3)  // Suppressed
    }

    @Test("csv quotes names with commas and quotes; markdown escapes pipes; graph carries both Microsoft shapes")
    func otherFormats() throws {
        let csv = try ScanFormatter.render(result, as: .csv, catalogue: ZoomCatalogue.catalogue)
        #expect(csv.hasPrefix("controlId,title,category,severity,verdict"))
        #expect(csv.contains("\"Sales, \"\"EMEA\"\"\""))
        let markdown = try ScanFormatter.render(result, as: .markdown, catalogue: ZoomCatalogue.catalogue)
        #expect(markdown.contains("| ZID-01 |"))
        let graph = try JSONSerialization.jsonObject(with: Data(try ScanFormatter.render(result, as: .graph, catalogue: ZoomCatalogue.catalogue).utf8)) as! [String: Any]
        let score = graph["secureScore"] as! [String: Any]
        #expect(score["currentScore"] as? Double == result.score.achieved)
        #expect((score["controlScores"] as! [Any]).count == ZoomCatalogue.all.count)
        let profiles = graph["secureScoreControlProfiles"] as! [[String: Any]]
        #expect(profiles.allSatisfy { ($0["maxScore"] as! Double) <= 10 })
        let table = try ScanFormatter.render(result, as: .table, catalogue: ZoomCatalogue.catalogue)
        #expect(table.contains("Secure Score"))
        #expect(!table.contains("\u{1B}["))  // no colour unless asked
    }
}
