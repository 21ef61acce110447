import AsyncHTTPClient
import Foundation
import GraphAPI
import Logging
import SSPMCore
import SSPMProvider

/// Microsoft 365 (Entra ID through Microsoft Graph) as an OpenSSPM provider: an app registration
/// with application permissions per connector, validated per data source and per missing
/// permission, whose posture read is the directory the Zoom cross-checks use. It has no activity
/// streams and no webhooks (yet), and no controls of its own: its directory is read for the Zoom
/// connector it is paired with.
public struct GraphProvider: Provider {
    public static let kind = "m365"
    public var kind: String { Self.kind }
    public var displayName: String { "Microsoft 365" }

    /// The directory's data sources, named as the Zoom catalogue's cross-checks name them.
    public static func dataSource(_ source: GraphDataSource) -> DataSource { DataSource(rawValue: "microsoft365_" + source.snakeName) }

    public static let catalogue = RuleCatalogue(
        provider: kind, vendor: "Microsoft 365", vendorCompany: "Microsoft", portalURL: "https://entra.microsoft.com",
        categories: [], frameworks: [],
        dataSources: GraphDataSource.allCases.map { DataSourceInfo(dataSource($0), scopes: [$0.leastPermission]) }, controls: [],
        grantAdvice: "the app registration (Entra admin center → App registrations → the app → API permissions → Microsoft Graph → Application permissions), then Grant admin consent")
    public var catalogue: RuleCatalogue { Self.catalogue }

    public var configuration: GraphClientConfiguration
    public init(configuration: GraphClientConfiguration = .init()) { self.configuration = configuration }

    public var connectionFields: [ConnectionField] {
        [
            ConnectionField(name: "tenantId", label: "Directory (tenant) ID", help: "", placeholder: "00000000-0000-0000-0000-000000000000"),
            ConnectionField(name: "clientId", label: "Application (client) ID", help: ""),
            ConnectionField(name: "clientSecret", label: "Client secret (its Value, not its Secret ID)", help: "", secret: true),
            ConnectionField(name: "cloud", label: "Cloud", help: "", required: false,
                            choices: [("global", "Global"), ("usgov", "US Government (GCC High)"), ("usgov-dod", "US Government (DoD)"), ("china", "China (21Vianet)")]),
            ConnectionField(name: "loginUrl", label: "Login URL", help: "", required: false, advanced: true, placeholder: "https://login.microsoftonline.com"),
            ConnectionField(name: "graphUrl", label: "Graph URL", help: "", required: false, advanced: true, placeholder: "https://graph.microsoft.com"),
        ]
    }

    public var connectionGuide: String {
        "In the Entra admin center, register an application (App registrations → New registration), add the Microsoft Graph application permissions "
            + GraphDataSource.allCases.map(\.leastPermission).joined(separator: ", ")
            + " and grant admin consent, create a client secret, and copy the tenant ID, client ID and the secret's Value here."
    }

    static func isGUID(_ text: String) -> Bool { UUID(uuidString: text) != nil }
    static func isTenantDomain(_ text: String) -> Bool {
        // ASCII labels of letters, digits and '-', at least two (IDNs are written in punycode).
        let labels = text.split(separator: ".", omittingEmptySubsequences: false)
        return text.utf8.count <= 253 && labels.count >= 2
            && labels.allSatisfy { !$0.isEmpty && $0.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7a) || $0 == 0x2d } }
    }

    /// Microsoft's own hosts (every cloud's login and Graph hosts).
    static let microsoftHosts: Set<String> = ["login.microsoftonline.com", "graph.microsoft.com", "login.microsoftonline.us", "graph.microsoft.us",
                                               "dod-graph.microsoft.us", "login.chinacloudapi.cn", "microsoftgraph.chinacloudapi.cn"]

    static func hostAllowed(_ host: String, allowed: [String]?) -> Bool {
        guard let allowed else { return true }
        let host = host.lowercased()
        return microsoftHosts.contains(host) || allowed.contains { $0.lowercased() == host }
    }

    public func prepare(_ input: ConnectionInput, context: ProviderContext) throws -> PreparedConnection {
        var problems: [String] = []
        let tenant = (input["tenantId"] ?? "").trimmingCharacters(in: .whitespaces)
        let client = (input["clientId"] ?? "").trimmingCharacters(in: .whitespaces)
        let secret = input["clientSecret"] ?? ""
        if !(Self.isGUID(tenant) || Self.isTenantDomain(tenant)) {
            problems.append("tenantId must be the Directory (tenant) ID, a GUID, or the tenant's domain (contoso.onmicrosoft.com); it is on the app registration's Overview page")
        }
        if !Self.isGUID(client) { problems.append("clientId must be the Application (client) ID, a GUID, from the app registration's Overview page") }
        if secret.isEmpty || secret.utf8.count > 512 || !secret.unicodeScalars.allSatisfy({ (0x21...0x7e).contains($0.value) }) {
            problems.append("clientSecret must be the secret's Value (1 to 512 visible characters) from Certificates & secrets, not its Secret ID")
        }
        let cloud = input["cloud"] ?? "global"
        if GraphCloud.named[cloud] == nil { problems.append("cloud '\(cloud.prefix(40))' is not one of \(GraphCloud.named.keys.sorted().joined(separator: ", "))") }
        for field in ["loginUrl", "graphUrl"] {
            guard let value = input[field] else { continue }
            let wrong = OutboundURL.problems(value, field: field, use: .base)
            guard wrong.isEmpty, let host = URLComponents(string: value)?.host else {
                problems += wrong
                continue
            }
            if !Self.hostAllowed(host, allowed: context.allowedHosts) {
                problems.append("\(field) names \(host.prefix(100)), which this server does not allow (Microsoft's own hosts and the allowed hosts are)")
            }
        }
        if !problems.isEmpty { throw ConnectionInputError(problems) }
        var settings: [String: JSONValue] = ["tenant_id": .string(tenant), "client_id": .string(client), "cloud": .string(cloud)]
        if let login = input["loginUrl"] { settings["login_url"] = .string(login) }
        if let graph = input["graphUrl"] { settings["graph_url"] = .string(graph) }
        return PreparedConnection(settings: .object(settings), credentials: ProviderCredentials(["client_secret": secret]),
                                  uniqueKey: tenant.lowercased() + "/" + client.lowercased(), summary: "tenant \(tenant), client \(client)")
    }

    public func rotate(_ credentials: ProviderCredentials, with input: ConnectionInput) throws -> ProviderCredentials {
        var updated = credentials
        if let secret = input["clientSecret"] {
            guard !secret.isEmpty, secret.utf8.count <= 512, secret.unicodeScalars.allSatisfy({ (0x21...0x7e).contains($0.value) }) else {
                throw ConnectionInputError(["clientSecret must be the secret's Value (1 to 512 visible characters), not its Secret ID"])
            }
            updated["client_secret"] = secret
        }
        return updated
    }

    struct Settings {
        var tenantID: String, clientID: String, cloud: String
        var loginURL: String?, graphURL: String?
        init(_ json: JSONValue) {
            tenantID = json["tenant_id"]?.stringValue ?? ""
            clientID = json["client_id"]?.stringValue ?? ""
            cloud = json["cloud"]?.stringValue ?? "global"
            loginURL = json["login_url"]?.stringValue
            graphURL = json["graph_url"]?.stringValue
        }
    }

    public func open(settings json: JSONValue, credentials: ProviderCredentials, context: ProviderContext) throws -> any ProviderSession {
        let settings = Settings(json)
        for (field, url) in [("loginUrl", settings.loginURL), ("graphUrl", settings.graphURL)] {
            guard let url else { continue }
            let host = URLComponents(string: url)?.host ?? ""
            guard Self.hostAllowed(host, allowed: context.allowedHosts) else {
                throw ProviderRefusal(status: 422, code: "host_not_allowed",
                                      message: "The connector's \(field) names \(host.prefix(100)), which this server does not allow.",
                                      fix: "Delete the connector and add it again with Microsoft's hosts, or allow the host; nothing was sent to it.")
            }
        }
        let base = GraphCloud.named[settings.cloud] ?? .global
        var configuration = self.configuration
        configuration.cloud = GraphCloud(loginURL: settings.loginURL ?? base.loginURL, graphURL: settings.graphURL ?? base.graphURL, resource: base.resource)
        let client = GraphClient(credentials: GraphCredentials(tenantID: settings.tenantID, clientID: settings.clientID,
                                                               clientSecret: Secret(credentials["client_secret"] ?? "")),
                                 configuration: configuration, http: context.http, logger: context.logger)
        return GraphSession(client: client, tenantID: settings.tenantID, logger: context.logger, servedCatalogues: context.catalogues)
    }

    public func publicSettings(_ json: JSONValue, credentials: ProviderCredentials?) -> [(key: String, label: String, value: JSONValue)] {
        let s = Settings(json)
        var out: [(key: String, label: String, value: JSONValue)] = [("tenantId", "Tenant ID", .string(s.tenantID)), ("clientId", "Client ID", .string(s.clientID)),
                                                                     ("cloud", "Cloud", .string(s.cloud))]
        if let login = s.loginURL { out.append(("loginUrl", "Login URL", .string(login))) }
        if let graph = s.graphURL { out.append(("graphUrl", "Graph URL", .string(graph))) }
        return out
    }

    public func accountLabel(_ settings: JSONValue) -> String { Settings(settings).tenantID }

    public func duplicate(uniqueKey: String) -> ProviderRefusal {
        ProviderRefusal(status: 409, code: "duplicate_app_registration",
                        message: "A Microsoft 365 connector for this tenant and application (\(uniqueKey)) already exists, whether the tenant was given by its id or a domain.",
                        fix: "Use the existing connector (GET /api/v1/connectors), or delete it first; nothing was saved.")
    }

    public func userTypeName(_ code: Int) -> String { "\(code)" }
    public func signInMethodName(_ code: Int) -> String { "\(code)" }
    public var singleSignOnMethod: Int? { nil }
    public var activityMappingVersion: Int { 1 }
    public func remap(stream: String, source: String, payload: Data) -> ActivityEvent? { nil }
    public var directoryRole: DirectoryRole { .provides }
    public var takesWebhooks: Bool { false }

    public func webhook(_ request: WebhookRequest, credentials: ProviderCredentials) async -> WebhookVerdict {
        .rejected(status: 404, code: "no_webhooks", reason: "Microsoft 365 connectors take no webhooks.")
    }
}

extension GraphDataSource {
    var snakeName: String { self == .delegatedGrants ? "delegated_grants" : rawValue }
}

/// The directory as a posture subject (the provider has no controls of its own; its scan is empty).
struct DirectorySubject: PostureSubject {
    var directory: DirectorySnapshot
    var accountID: String { directory.directoryID }
    var accountName: String { directory.directoryID }
    var unavailable: [DataSource: String] {
        Dictionary(directory.unavailable.compactMap { key, value in GraphDataSource(rawValue: key).map { (GraphProvider.dataSource($0), value) } },
                   uniquingKeysWith: { a, _ in a })
    }
}

/// One connected Microsoft 365 tenant.
public struct GraphSession: ProviderSession {
    let client: GraphClient
    let tenantID: String
    let logger: Logger
    /// The catalogues whose controls read this directory (the Zoom cross-checks): a failing source
    /// names the ones it disables.
    var servedCatalogues: [RuleCatalogue] = []

    /// Zoom's enterprise applications, found by app id.
    public static let applicationIDs = ["f56e91e5-5a82-452f-b435-d4d78aeaf064", "a651cfda-cbdd-4a39-bd03-fa829c3c1b29"]

    public var streams: [ActivityStreamInfo] { [] }

    /// The tenant by its id, also when it was given by a domain (two connectors for one tenant and
    /// app are refused however the tenant is named).
    public func uniqueKey(prepared: String?) async throws -> String? {
        guard let prepared, let slash = prepared.lastIndex(of: "/") else { return prepared }
        if UUID(uuidString: String(prepared[..<slash])) != nil { return prepared }
        guard let id = await client.tenantGUID() else {
            throw ProviderRefusal(status: 422, code: "tenant_not_resolved",
                                  message: "The tenant's id could not be found from the domain \(tenantID.prefix(100)) (its OpenID configuration on the login host did not name it).",
                                  fix: "Give tenantId as the Directory (tenant) ID, a GUID, from the app registration's Overview page; nothing was saved.")
        }
        return id + prepared[slash...]
    }

    public func pull(_ stream: ActivityStreamInfo, from: Date, to: Date) async throws -> [ActivityEvent] {
        throw ProviderError("Microsoft 365 connectors have no activity streams yet.")
    }

    /// The token, then one cheap request per data source: a missing application permission names
    /// the permission to add and the data source it stops.
    public func validate(now: Date) async -> ConnectionReport {
        do {
            try await client.checkToken()
        } catch {
            return ConnectionReport(status: .error, headline: String(describing: error),
                                    fix: (error as? GraphAPIError).map(Self.fix) ?? "Check the network and the connector's URLs, then reconnect.",
                                    grantedScopes: [], sources: [], checkedAt: now, catalogue: GraphProvider.catalogue)
        }
        var sources: [SourceHealth] = []
        for source in GraphDataSource.allCases {
            let path: String
            switch source {
            case .domains: path = "/domains"
            case .users: path = "/users"
            case .applications: path = "/servicePrincipals"
            case .delegatedGrants: path = "/oauth2PermissionGrants"
            }
            do {
                _ = try await client.firstPage(path, select: source == .domains ? nil : ["id"], top: source == .domains ? nil : 1, permissions: source.permissions)
                sources.append(SourceHealth(source: GraphProvider.dataSource(source), ok: true))
            } catch let error as GraphAPIError {
                switch error.kind {
                case .missingPermission:
                    sources.append(SourceHealth(source: GraphProvider.dataSource(source), ok: false,
                                                reason: "needs the application permission \(source.leastPermission) (or \(source.permissions.dropFirst().joined(separator: ", ")))",
                                                missingScopes: [source.leastPermission]))
                case .throttled:
                    sources.append(SourceHealth(source: GraphProvider.dataSource(source), ok: false, reason: error.description, rateLimited: true))
                default:
                    sources.append(SourceHealth(source: GraphProvider.dataSource(source), ok: false, reason: error.description))
                }
            } catch {
                sources.append(SourceHealth(source: GraphProvider.dataSource(source), ok: false, reason: String(describing: error)))
            }
        }
        let granted = GraphDataSource.allCases.filter { source in sources.contains { $0.source == GraphProvider.dataSource(source) && $0.ok } }.map(\.leastPermission)
        var report = ConnectionReport.assess(sources: sources, grantedScopes: granted, checkedAt: now, catalogue: GraphProvider.catalogue)
        let failing = Set(sources.filter { !$0.ok }.map(\.source))
        report.disabledControls = Array(Set(servedCatalogues.flatMap { $0.disabledControls(failing: failing) })).sorted()
        return report
    }

    static func fix(_ error: GraphAPIError) -> String {
        switch error.kind {
        case .wrongSecret, .expiredSecret: return "Create a new client secret, then reconnect with its Value."
        case .appNotFound, .tenantNotFound:
            return "Check the tenant ID and the client ID (both on the app registration's Overview page); a saved connector with a wrong one is deleted and added again."
        default: return "Check the network and the connector's URLs, then reconnect."
        }
    }

    /// The directory (what the paired Zoom connectors' cross-checks read).
    public func readDirectory(at: Date) async -> DirectorySnapshot? {
        await GraphDirectoryReader(client: client, tenantID: tenantID, applicationIDs: Self.applicationIDs, logger: logger).read(at: at)
    }

    /// The connector's own posture: no controls, so nothing is read. Its directory is read by the
    /// sync of each Zoom connector paired with it, when that one's posture is due (reading it
    /// here too would double the Graph requests for nothing); its health comes from `validate`.
    public func readPosture(accountName: String, at readAt: Date) async -> PostureReading {
        let subject = DirectorySubject(directory: DirectorySnapshot(directoryID: tenantID, readAt: readAt))
        return PostureReading(evaluate: { inputs in
            PostureEngine.scan(subject, controls: [Control<DirectorySubject>](), catalogue: GraphProvider.catalogue, baseline: inputs.baseline,
                               states: inputs.states, now: inputs.now)
        }, inventory: nil, problems: [], items: 0)
    }

    public func stats() async -> SessionStats {
        let graph = await client.stats
        var stats = SessionStats()
        stats.requests = graph.requests
        stats.rateLimited = graph.throttled
        stats.byOperation = graph.byOperation
        return stats
    }
}
