import Foundation
import SSPMCore
import SSPMProvider
import ZoomProvider
import SSPMReports
import Testing
@testable import ZoomSimulator

struct CatalogueTests {
    @Test("at least 60 controls, unique ids, complete metadata, at most 10 points each")
    func integrity() {
        let all = ZoomCatalogue.all.map(\.metadata)
        #expect(all.count >= 60)
        #expect(Set(all.map(\.id)).count == all.count)
        for m in all {
            #expect(m.maxScore > 0 && m.maxScore <= 10, "\(m.id) maxScore \(m.maxScore)")
            #expect(!m.title.isEmpty && !m.rationale.isEmpty && !m.remediation.isEmpty && !m.portalPath.isEmpty, "\(m.id) metadata")
            #expect(!m.mappings.nist.isEmpty, "\(m.id) has no NIST mapping")
            #expect(!m.mappings.iso.isEmpty, "\(m.id) has no ISO mapping")
            #expect(m.id.range(of: #"^Z(ID|MT|RC|CH|AD|MS)-\d\d$"#, options: .regularExpression) != nil, "\(m.id) id format")
        }
    }

    @Test("Microsoft's three Zoom recommendations are present with their exact titles")
    func microsoftTitles() {
        let titles = Set(ZoomCatalogue.all.map(\.metadata.title))
        #expect(titles.contains("Enable multi-factor authentication (MFA)"))
        #expect(titles.contains("Enable session timeout for web users"))
        #expect(titles.contains("Enforce end to end encryption in all Zoom meetings"))
    }

    /// Every settings field a control names exists in the bodies built from Zoom's official documents.
    @Test("every settings path a control reads exists in Zoom's official schemas")
    func fieldPathsExist() {
        var checked = 0
        for m in ZoomCatalogue.all.map(\.metadata) {
            for field in m.fieldsRead {
                let parts = field.components(separatedBy: ": ")
                let path = parts.last!
                guard path.contains("."), !path.contains(" "), !path.contains("("), !path.contains("[") else { continue }
                let endpoint = parts.count > 1 ? parts[0] : ""
                let document: JSONValue
                if endpoint.contains("lock_settings") {
                    document = Defaults.accountLock
                } else if endpoint.contains("/groups/") {
                    document = Defaults.group.merging(Defaults.account)  // group settings inherit absent keys from the account
                } else {
                    document = Defaults.account
                }
                #expect(document.value(at: path) != nil, "\(m.id) reads \(path) (\(endpoint.isEmpty ? "account settings" : endpoint)), which Zoom's schema does not have")
                checked += 1
            }
        }
        #expect(checked > 60)
    }

    @Test("docs/controls.md is generated from the catalogue and current")
    func docsCurrent() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let path = root.appendingPathComponent("docs/controls.md").path
        let expected = try CatalogueFormatter.render(ZoomCatalogue.catalogue, as: .markdown)
        let actual = String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self)
        #expect(actual == expected, "docs/controls.md is stale: run `swift run sspm controls --format markdown > docs/controls.md`")
    }

    @Test("catalogue JSON carries scopes and versioned ids")
    func json() throws {
        let text = try CatalogueFormatter.render(ZoomCatalogue.catalogue, as: .json)
        let list = try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [[String: Any]]
        #expect(list.count == ZoomCatalogue.all.count)
        let mfa = list.first { $0["id"] as? String == "ZID-01" }!
        #expect(mfa["versionedId"] as? String == "ZID-01.v1")
        #expect((mfa["requiredScopes"] as? [String])?.contains("account:read:admin") == true)
    }

    @Test("the controls the engine evaluates carry their scopes from the catalogue's data sources, and so do their findings")
    func scopesReachFindings() {
        for control in ZoomCatalogue.all {
            let expected = Array(Set(control.metadata.dataSources.flatMap { ZoomCatalogue.catalogue.scopes(for: $0) })).sorted()
            #expect(control.metadata.requiredScopes == expected, "\(control.metadata.id)")
            #expect(ZoomCatalogue.catalogue.control(control.metadata.id)?.requiredScopes == expected)
        }
        #expect(ZoomCatalogue.all.contains { !$0.metadata.requiredScopes.isEmpty })
        let scan = ZoomCatalogue.scan(PostureSnapshot(accountID: "a", capturedAt: Date(timeIntervalSince1970: 1_790_000_000)))
        let mfa = scan.findings.first { $0.controlId == "ZID-01" }
        #expect(mfa?.requiredScopes.contains("account:read:admin") == true, "\(String(describing: mfa?.requiredScopes))")

        // A rule set whose controls do not name their scopes gets them from its data sources.
        struct Subject: PostureSubject { var accountID = "a"; var accountName = ""; var unavailable: [DataSource: String] = [:] }
        let bare = ControlMetadata(id: "T-1", version: 1, title: "t", rationale: "", remediation: "", portalPath: "", severity: .low, maxScore: 1,
                                   category: "c", threats: [], userImpact: .low, implementationCost: .low, scoring: .binary, dataSources: ["x"],
                                   fieldsRead: [], mappings: FrameworkMappings(), requiredScopes: [])
        let rules = RuleSet<Subject>(
            catalogue: RuleCatalogue(provider: "t", vendor: "T", vendorCompany: "T", portalURL: "", categories: ["c"], frameworks: [],
                                     dataSources: [DataSourceInfo("x", scopes: ["x:read"])], controls: [], grantAdvice: ""),
            controls: [Control(bare) { _, _ in Evaluation(.pass, "ok") }])
        #expect(rules.controls.map(\.metadata.requiredScopes) == [["x:read"]])
        #expect(rules.scan(Subject(), now: Date()).findings.map(\.requiredScopes) == [["x:read"]])
    }
}

struct CISMappingTests {
    /// CIS Zoom Benchmark v1.0 recommendation numbers (all 171), committed in Tests/Fixtures/cis-zoom-v1.0.json
    /// by scripts/extract_cis_list.py from the team's research notes (sspm-anchors.md, Appendix A, from
    /// the Turbot CIS v1.0.0 mod).
    static func cisIDs() throws -> Set<String> {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let data = try Data(contentsOf: root.appendingPathComponent("Tests/Fixtures/cis-zoom-v1.0.json"))
        let document = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let rows = try #require(document["recommendations"] as? [[String: Any]])
        return Set(rows.compactMap { $0["id"] as? String })
    }

    @Test("every CIS mapping names a real CIS Zoom v1.0 recommendation")
    func cisMappingsExist() throws {
        let known = try Self.cisIDs()
        #expect(known.count >= 150, "could not read the CIS list from Tests/Fixtures/cis-zoom-v1.0.json")
        for m in ZoomCatalogue.all.map(\.metadata) {
            for id in m.mappings.cis {
                #expect(known.contains(id), "\(m.id) maps to CIS \(id), which the benchmark does not have")
            }
        }
    }
}
