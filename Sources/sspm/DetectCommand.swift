import ArgumentParser
import Foundation
import Logging
import SSPMCore
import SSPMReports
import SSPMGeoIP
import ZoomProvider
import ZoomSimulator

/// `sspm detect`: the detection templates over a tenant file's activity, offline (as `sspm scan`
/// is for posture).
struct DetectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "detect",
        abstract: "Run the detection templates over a tenant file's sign-ins and admin operations, offline.",
        discussion: """
            Every event in the file is evaluated in time order; learning periods (new address, new client, \
            inactive account) count from the first event. Exit codes: 0 ok; 2 when --fail-on finds an alert \
            at or above that severity; 1 on errors.
            """
    )

    @Option(help: "The tenant file (format in docs/ARCHITECTURE.md).") var tenant: String
    @Option(help: "table (default), json, ocsf (Detection Finding 2004, one JSON object per line).") var format: String = "table"
    @Option(help: "Only these templates (comma-separated ids, e.g. ZDT-01,ZDT-20).") var only: String?
    @Option(help: "A MaxMind-format city database (GeoLite2-City or DB-IP Lite City .mmdb): the Geo-IP templates (impossible travel, new countries) run only with one.")
    var geoip: String?
    @Option(help: "A YAML or JSON list of policies to run too (as the API takes them; one with a template's id replaces that template).") var policies: String?
    @Option(help: "Exit with code 2 if an alert at or above this severity is raised (info, low, medium, high, critical).") var failOn: String?
    @Option(help: "A Microsoft 365 tenant file (Graph's JSON, as sspm simulate --export-graph writes): where each user stands in it feeds directory:enabled/disabled/missing (ZDT-31).")
    var graphTenant: String?

    /// The template ids `--only` names.
    var chosen: Set<String>? { only.map { Set($0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }) } }

    func validate() throws {
        guard DetectionFormatter.Format(rawValue: format) != nil else {
            throw ValidationError("--format must be one of \(DetectionFormatter.Format.allCases.map(\.rawValue).joined(separator: ", ")) (got \"\(format)\").")
        }
        if let failOn, Severity(rawValue: failOn) == nil {
            throw ValidationError("--fail-on must be one of \(Severity.allCases.map(\.rawValue).joined(separator: ", ")) (got \"\(failOn)\").")
        }
        if let chosen {
            let known = Set(ZoomDetections.templates.map(\.id))
            let unknown = chosen.filter { !known.contains($0) }.sorted()
            if !unknown.isEmpty {
                throw ValidationError("--only names unknown templates: \(unknown.joined(separator: ", ")). Known: \(known.sorted().joined(separator: ", ")).")
            }
        }
    }

    func run() async throws {
        let loaded: Tenant
        do { loaded = try Tenant.load(path: tenant) } catch let error as TenantFileError { throw CommandError(error.description) }
        let events = loaded.activityLogs.map(ZoomActivityMapping.signIn) + loaded.operationLogs.map(ZoomActivityMapping.operation)
        var policies = ZoomDetections.templates.filter { chosen?.contains($0.id) ?? true }
        if let path = self.policies {
            let custom: [DetectionPolicy]
            do { custom = try PolicyFiles.detectionPolicies(path: path) } catch let error as PolicyFileError { throw CommandError(error.description) }
            let ids = Set(custom.map(\.id))
            policies = policies.filter { !ids.contains($0.id) } + custom
        }
        let locator: MMDBGeoLocator?
        do { locator = try geoip.map(MMDBGeoLocator.init(path:)) } catch { throw CommandError("--geoip: \(error)") }
        // Group filters read the tenant's users, groups and roles (as a sync's inventory would).
        var groups: [String: [String]] = [:]
        if graphTenant != nil, !policies.contains(where: \.match.readsGroups) {
            FileHandle.standardError.write(Data("sspm detect: --graph-tenant is not used: none of the policies run filters on groups (ZDT-31 does).\n".utf8))
        }
        // A filter on a directory standing matches nobody until a directory says who stands where.
        let directoryPolicies = policies.filter { (($0.match.groups ?? []) + ($0.match.excludeGroups ?? [])).contains { $0.lowercased().hasPrefix("directory:") } }
        if graphTenant == nil, !directoryPolicies.isEmpty {
            FileHandle.standardError.write(Data("sspm detect: \(directoryPolicies.map(\.id).joined(separator: ", ")) matches nobody without --graph-tenant FILE (the Microsoft 365 tenant that says whose account is disabled or missing).\n".utf8))
        }
        if policies.contains(where: \.match.readsGroups) {
            do {
                let data = try loaded.accountData()
                var inventory = data.inventory(data.postureSnapshot(accountID: loaded.accountID).users ?? [])
                if let graphTenant {
                    var logger = Logger(label: "sspm.detect")
                    logger.logLevel = .warning
                    let directory = try await ScanCommand.directory(fromTenantFile: graphTenant, logger: logger)
                    if directory.users == nil {
                        FileHandle.standardError.write(Data("sspm detect: the Graph tenant's users could not be read (\(directory.unavailable["users"] ?? "?")): nobody is in directory:… groups.\n".utf8))
                    }
                    inventory = directory.standings(of: inventory)
                }
                groups = GroupMembership.of(inventory)
            } catch let error as CommandError { throw error } catch { throw CommandError("The tenant file's users or groups could not be read for the group filters: \(error)") }
        }
        let engine: DetectionEngine
        do { engine = try DetectionEngine.run(policies, over: events, locator: locator, groups: groups) } catch let error as DetectionPolicyError { throw CommandError(error.description) }
        for (id, reason) in engine.inactive.sorted(by: { $0.key < $1.key }) {
            FileHandle.standardError.write(Data("sspm detect: \(id) is inactive: \(reason)\n".utf8))
        }
        say(DetectionFormatter.render(engine.alerts, policies: engine.policies, evaluated: engine.evaluated, suppressed: engine.suppressed,
                                      as: DetectionFormatter.Format(rawValue: format)!, accountID: loaded.accountID, catalogue: ZoomCatalogue.catalogue),
            terminator: "")
        if let failOn, let threshold = Severity(rawValue: failOn) {
            let raised = engine.alerts.filter { $0.severity >= threshold }
            if !raised.isEmpty {
                FileHandle.standardError.write(Data("sspm detect: \(raised.count) alert(s) at or above \(threshold.rawValue)\n".utf8))
                throw ExitCode(2)
            }
        }
    }
}
