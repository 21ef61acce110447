import AsyncHTTPClient
import Foundation
import Logging
import SSPMCore
import SSPMProvider
import ZoomAPI

/// Zoom as an OpenSSPM provider: a Server-to-Server OAuth app per connector, its posture read
/// (`ZoomAccountReader`), the sign-in and operation-log reports as activity streams, and webhooks
/// signed with the app's secret token.
public struct ZoomProvider: Provider {
    public static let kind = "zoom"
    public var kind: String { Self.kind }
    public var displayName: String { "Zoom" }
    public var catalogue: RuleCatalogue { ZoomCatalogue.catalogue }
    public var detectionTemplates: [DetectionPolicy] { ZoomDetections.templates }

    /// Timeouts, retries and back-offs for every connector's client (hosts and plan come from each connector).
    public var client: ZoomClientConfiguration
    /// Signatures already seen (per process): a captured webhook cannot be replayed.
    let replays = ReplayGuard()

    public init(client: ZoomClientConfiguration = ZoomClientConfiguration()) {
        self.client = client
    }

    public var connectionFields: [ConnectionField] {
        [
            ConnectionField(name: "accountId", label: "Account ID", help: ""),
            ConnectionField(name: "clientId", label: "Client ID", help: ""),
            ConnectionField(name: "clientSecret", label: "Client secret", help: "", secret: true),
            ConnectionField(name: "webhookSecretToken", label: "Webhook secret token (optional: Feature → Event Subscriptions)", help: "",
                            secret: true, required: false),
            ConnectionField(name: "plan", label: "Zoom plan (sets the request pace: Zoom does not tell an app its plan)", help: "", required: false,
                            choices: [("pro", "Pro"), ("business", "Business or higher"), ("free", "Free")]),
            ConnectionField(name: "apiUrl", label: "API URL", help: "", required: false, advanced: true, placeholder: "https://api.zoom.us/v2"),
            ConnectionField(name: "tokenUrl", label: "Token URL", help: "", required: false, advanced: true, placeholder: "https://zoom.us/oauth/token"),
        ]
    }

    public var connectionGuide: String {
        "In the Zoom App Marketplace, create a Server-to-Server OAuth app (Develop → Build App), add the scopes "
            + ZoomDataSource.allCases.map(\.scope).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }.joined(separator: ", ")
            + ", activate it, and copy its App Credentials here. The connection is checked against Zoom before anything is saved."
    }

    /// A Zoom account ID, client ID or secret: 1 to 512 visible ASCII characters (docs/openapi.yaml's `ZoomCredential`).
    static func looksLikeCredential(_ value: String) -> Bool {
        !value.isEmpty && value.utf8.count <= 512 && value.unicodeScalars.allSatisfy { (0x21...0x7e).contains($0.value) }
    }

    /// A webhook secret token keys the signature of every event: an empty or short one would let
    /// anyone sign events (Zoom's are 22 characters).
    static func looksLikeWebhookToken(_ value: String) -> Bool { looksLikeCredential(value) && value.utf8.count >= 8 }
    static let webhookTokenProblem = "webhookSecretToken must be the app's Secret Token from its Features page (8 to 512 visible characters; Zoom's are 22); leave it out to add it later"

    public func prepare(_ input: ConnectionInput, context: ProviderContext) throws -> PreparedConnection {
        var problems: [String] = []
        var values: [String: String] = [:]
        for field in ["accountId", "clientId", "clientSecret"] {
            let value = input[field] ?? ""
            if value.isEmpty { problems.append("\(field) is empty (copy it from the app's App Credentials page in the Zoom App Marketplace)") }
            else if !Self.looksLikeCredential(value) {
                problems.append("\(field) does not look like a Zoom credential (letters, digits and punctuation only, at most 512)")
            }
            values[field] = value
        }
        if let plan = input["plan"], ZoomPlan(rawValue: plan) == nil { problems.append("plan '\(plan)' is not one of free, pro, business") }
        for field in ["apiUrl", "tokenUrl"] {
            guard let value = input[field] else { continue }
            let wrong = OutboundURL.problems(value, field: field, use: .base)
            guard wrong.isEmpty, let host = URLComponents(string: value)?.host else {
                problems += wrong
                continue
            }
            if let allowed = context.allowedHosts, !ZoomHosts.isAllowed(host, trusted: allowed) {
                problems.append("\(field) names \(host.prefix(100)), which this server does not allow (Zoom's own hosts and --allowed-zoom-hosts \(allowed.joined(separator: ",")) are)")
            }
        }
        if let webhook = input["webhookSecretToken"], !Self.looksLikeWebhookToken(webhook) { problems.append(Self.webhookTokenProblem) }
        if !problems.isEmpty { throw ConnectionInputError(problems) }
        var settings: [String: JSONValue] = ["account_id": .string(values["accountId"]!), "client_id": .string(values["clientId"]!),
                                             "plan": .string(input["plan"] ?? ZoomPlan.pro.rawValue)]
        if let api = input["apiUrl"] { settings["api_url"] = .string(api) }
        if let token = input["tokenUrl"] { settings["token_url"] = .string(token) }
        var credentials = ProviderCredentials(["client_secret": values["clientSecret"]!])
        if let webhook = input["webhookSecretToken"] { credentials["webhook_secret_token"] = webhook }
        return PreparedConnection(settings: .object(settings), credentials: credentials, uniqueKey: values["clientId"],
                                  summary: "account \(values["accountId"]!), client \(values["clientId"]!)")
    }

    public func rotate(_ credentials: ProviderCredentials, with input: ConnectionInput) throws -> ProviderCredentials {
        var updated = credentials
        if let secret = input["clientSecret"] {
            guard Self.looksLikeCredential(secret) else {
                throw ConnectionInputError(["clientSecret is empty, too long, or has spaces or characters a Zoom secret does not have"])
            }
            updated["client_secret"] = secret
        }
        if let token = input["webhookSecretToken"] {
            guard Self.looksLikeWebhookToken(token) else { throw ConnectionInputError([Self.webhookTokenProblem]) }
            updated["webhook_secret_token"] = token
        }
        return updated
    }

    /// The connector's settings, typed.
    struct Settings {
        var accountID: String
        var clientID: String
        var plan: String
        var apiURL: String?
        var tokenURL: String?
        init(_ json: JSONValue) {
            accountID = json["account_id"]?.stringValue ?? ""
            clientID = json["client_id"]?.stringValue ?? ""
            plan = json["plan"]?.stringValue ?? ZoomPlan.pro.rawValue
            apiURL = json["api_url"]?.stringValue
            tokenURL = json["token_url"]?.stringValue
        }
    }

    public func open(settings json: JSONValue, credentials: ProviderCredentials, context: ProviderContext) throws -> any ProviderSession {
        ZoomSession(client: try makeClient(settings: Settings(json), credentials: credentials, context: context), settings: Settings(json),
                    logger: context.logger)
    }

    /// A Zoom client for these settings. With `--allowed-zoom-hosts` set, a host that is neither
    /// Zoom's nor listed is refused here — for new connectors and for those saved before the list
    /// was set — before any request is made.
    func makeClient(settings: Settings, credentials: ProviderCredentials, context: ProviderContext) throws -> ZoomClient {
        if let allowed = context.allowedHosts {
            for (field, url) in [("apiUrl", settings.apiURL), ("tokenUrl", settings.tokenURL)] {
                guard let url else { continue }
                let host = URLComponents(string: url)?.host ?? ""
                guard ZoomHosts.isAllowed(host, trusted: allowed) else {
                    throw ProviderRefusal(status: 422, code: "host_not_allowed",
                                          message: "The connector's \(field) names \(host.prefix(100)), which this server does not allow (Zoom's own hosts and --allowed-zoom-hosts are).",
                                          fix: "Delete the connector and add it again with Zoom's hosts, or add the host to --allowed-zoom-hosts; nothing was sent to it.")
                }
            }
        }
        var configuration = client
        configuration.plan = ZoomPlan(rawValue: settings.plan) ?? .pro
        configuration.apiURL = settings.apiURL ?? ZoomClientConfiguration().apiURL
        configuration.tokenURL = settings.tokenURL ?? ZoomClientConfiguration().tokenURL
        configuration.trustedHosts = context.allowedHosts ?? []
        return ZoomClient(credentials: ZoomCredentials(accountID: settings.accountID, clientID: settings.clientID,
                                                       clientSecret: Secret(credentials["client_secret"] ?? "")),
                          configuration: configuration, http: context.http, logger: context.logger)
    }

    public func publicSettings(_ json: JSONValue, credentials: ProviderCredentials?) -> [(key: String, label: String, value: JSONValue)] {
        let s = Settings(json)
        var out: [(key: String, label: String, value: JSONValue)] = [
            ("accountId", "Account ID", .string(s.accountID)), ("clientId", "Client ID", .string(s.clientID)), ("plan", "Plan", .string(s.plan)),
        ]
        if let api = s.apiURL { out.append(("apiUrl", "API URL", .string(api))) }
        if let credentials { out.append(("webhookSecretTokenSet", "Webhook secret token set", .bool(!(credentials["webhook_secret_token"] ?? "").isEmpty))) }
        return out
    }

    public func accountLabel(_ settings: JSONValue) -> String { Settings(settings).accountID }

    public func duplicate(uniqueKey: String) -> ProviderRefusal {
        ProviderRefusal(status: 409, code: "duplicate_client_id", message: "A connector with client ID \(uniqueKey) already exists. Zoom may revoke the first connector's token when two share credentials (\"Bad credentials\"): create a separate Server-to-Server OAuth app for each connector.",
                        fix: "Use the existing connector (GET /api/v1/connectors), or give this one its own app's credentials; nothing was saved.")
    }

    /// `GET /users` `type`: 1 Basic, 2 Licensed, 4 Unassigned, 99 None.
    public func userTypeName(_ code: Int) -> String { [1: "Basic", 2: "Licensed", 4: "Unassigned", 99: "None"][code] ?? "\(code)" }
    /// `login_types`: 0 Facebook, 1 Google, 24 Apple, 27 Microsoft, 100 Zoom, 101 SSO.
    public func signInMethodName(_ code: Int) -> String {
        [0: "Facebook", 1: "Google", 24: "Apple", 27: "Microsoft", 100: "Zoom", 101: "SSO"][code] ?? "\(code)"
    }
    public var singleSignOnMethod: Int? { 101 }

    public var activityMappingVersion: Int { ZoomActivityMapping.version }

    /// Its Microsoft 365 cross-checks read a paired directory.
    public var directoryRole: DirectoryRole { .reads }

    public func remap(stream: String, source: String, payload: Data) -> ActivityEvent? {
        ZoomActivityMapping.remap(stream: stream, source: source, payload: payload)
    }

    /// Events that say nothing about posture (everything else asks for a posture refresh).
    static let activityOnly: Set<String> = ["user.signed_in", "user.signed_out", "user.presence_status_updated", "user.personal_notes_updated"]

    public func webhook(_ request: WebhookRequest, credentials: ProviderCredentials) async -> WebhookVerdict {
        // An empty token (stored by an older release) verifies nothing: as good as none.
        guard let secret = credentials["webhook_secret_token"], !secret.isEmpty else {
            return .notConfigured("This connector has no webhook secret token: add it (POST /api/v1/connectors/\(request.connectorID)/reconnect with webhookSecretToken) so events can be verified.")
        }
        let verifier = ZoomWebhookVerifier(secret: secret, tolerance: request.tolerance, replays: replays)
        switch await verifier.handle(body: request.body, headers: request.headers, now: request.now) {
        case .challenge(let response):
            return .reply(response)
        case .rejected(let status, let reason):
            return .rejected(status: status, code: status == 409 ? "replayed" : (status == 400 ? "bad_event" : "bad_signature"), reason: reason)
        case .event(let name, let envelope):
            return .events([ZoomActivityMapping.event(envelope)], postureChanged: !Self.activityOnly.contains(name), name: name)
        }
    }
}

/// One connected Zoom account.
struct ZoomSession: ProviderSession {
    let client: ZoomClient
    let settings: ZoomProvider.Settings
    let logger: Logger

    static let signIn = ActivityStreamInfo(id: "signin", source: .signInReport)
    static let operation = ActivityStreamInfo(id: "operation", source: .operationLog)

    var streams: [ActivityStreamInfo] { [Self.signIn, Self.operation] }

    func validate(now: Date) async -> ConnectionReport {
        await ZoomConnectionValidator(client: client).validate(now: now)
    }

    func pull(_ stream: ActivityStreamInfo, from: Date, to: Date) async throws -> [ActivityEvent] {
        do {
            if stream.id == Self.signIn.id {
                return try await client.listReport(.reportSignInActivities, RawActivityPage.self, from: from, to: to).map { ZoomActivityMapping.signIn($0.value) }
            }
            return try await client.listReport(.reportOperationLogs, RawOperationPage.self, from: from, to: to).map { ZoomActivityMapping.operation($0.value) }
        } catch let error as ZoomAPIError {
            throw ProviderError(error.description)
        }
    }

    func readPosture(accountName: String, at readAt: Date) async -> PostureReading {
        let sources = Set(ZoomDataSource.allCases).subtracting([.signInReport, .operationLog])
        let data = await ZoomAccountReader(client: client, logger: logger).read(from: readAt, to: readAt, sources: sources)
        let snapshot = data.postureSnapshot(accountID: settings.accountID, accountName: accountName, capturedAt: readAt, readSources: sources)
        var inventory: [InventoryUser]?
        if data.failures[.users] == nil {
            inventory = data.inventory(snapshot.users ?? [], groupsRead: data.failures[.groups] == nil)
        }
        let problems = data.failures.map { "\($0.key.rawValue): \($0.value.description)" }
        return PostureReading(evaluate: { inputs in
            var snapshot = snapshot
            let streamRows = inputs.streamRows
            // The report streams come from the activity store (just synced), over the posture window.
            if let rows = streamRows[Self.signIn.id] {
                snapshot.signInRows = rows
                snapshot.unavailable[.signInReport] = nil
            }
            if let rows = streamRows[Self.operation.id] {
                snapshot.operationLogRows = rows
                snapshot.unavailable[.operationLog] = nil
            }
            snapshot.directory = inputs.directory
            return ZoomCatalogue.scan(snapshot, baseline: inputs.baseline, states: inputs.states, now: inputs.now)
        }, inventory: inventory, problems: problems, items: data.users.count)
    }

    func stats() async -> SessionStats {
        let zoom = await client.stats()
        var stats = SessionStats()
        stats.requests = zoom.totalRequests
        stats.rateLimitWaits = zoom.pacingWaits
        stats.rateLimited = zoom.total429
        for (category, count) in zoom.requests { stats.byCategory[category.rawValue] = count }
        for (category, count) in zoom.rateLimited { stats.rateLimitedByCategory[category.rawValue] = count }
        for (operation, count) in zoom.requestsByOperation { stats.byOperation[operation.endpoint] = count }
        return stats
    }
}

extension ZoomAccountData {
    /// The users inventory: each user with their role's name and their groups' names (the sync
    /// keeps it; detection's group filters and `sspm detect` read it).
    /// `groupsRead` false: the groups could not be read, so their names are unknown (nil), not none.
    public func inventory(_ users: [PostureSnapshot.User], groupsRead: Bool = true) -> [InventoryUser] {
        let roleNames = Dictionary(roles.map { ($0.role.id, $0.role.name ?? $0.role.id) }, uniquingKeysWith: { a, _ in a })
        let groupNames = Dictionary(groups.compactMap { g in g.group.name.map { (g.group.id, $0) } }, uniquingKeysWith: { a, _ in a })
        return users.map { u in
            InventoryUser(id: u.id, email: u.email, displayName: u.displayName, type: u.type, status: u.status, roleID: u.roleID,
                          roleName: roleNames[u.roleID] ?? ["0": "Owner", "1": "Admin", "2": "Member"][u.roleID], groupIDs: u.groupIDs,
                          groupNames: groupsRead ? u.groupIDs.compactMap { groupNames[$0] } : nil, loginTypes: u.loginTypes, lastLoginTime: u.lastLoginTime, createdAt: u.createdAt)
        }
    }
}
