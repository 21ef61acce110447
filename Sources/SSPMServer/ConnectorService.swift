import Foundation
import SSPMCore
import SSPMStorage
import ZoomAPI

/// What the API receives to add a connector.
public struct CreateConnectorRequest: Codable, Sendable {
    public var name: String
    public var accountId: String
    public var clientId: String
    public var clientSecret: String
    public var webhookSecretToken: String?
    /// free, pro or business (sets the request pacing; Zoom does not tell an app its plan).
    public var plan: String?
    /// Other Zoom hosts: Zoom for Government (https://api.zoomgov.com/v2, https://zoomgov.com/oauth/token), or a simulator.
    public var apiUrl: String?
    public var tokenUrl: String?
}

public struct ReconnectRequest: Codable, Sendable {
    public var clientSecret: String?
    public var webhookSecretToken: String?
}

/// A connector as the API shows it: never a secret, only whether one is set.
public struct ConnectorView: Codable, Sendable {
    public var id: String
    public var name: String
    public var accountId: String
    public var clientId: String
    public var plan: String
    public var status: String
    public var statusDetail: String?
    public var webhookSecretTokenSet: Bool
    public var webhookUrlPath: String
    public var apiUrl: String?
    public var createdAt: Date
    public var updatedAt: Date
    public var lastSyncAt: Date?
    public var health: ConnectionReport?
    public var score: ScoreSummary?
}

/// The connector lifecycle: validate before saving, status changes recorded, disconnect and reconnect.
/// One instance serves the API and the web UI, so a change made through either (a new webhook
/// secret token, a deletion) reaches the webhook intake's cache at once.
public struct ConnectorService: Sendable {
    let deps: ServerDependencies
    let intake: WebhookIntake

    public init(deps: ServerDependencies, intake: WebhookIntake) {
        self.deps = deps
        self.intake = intake
    }

    func view(_ c: ConnectorRecord, includeScore: Bool = true) async throws -> ConnectorView {
        let secrets = try? await deps.connectors.secrets(id: c.id)
        let endpoints = try await deps.connectors.endpoints(id: c.id)
        let score = includeScore ? try await deps.scans.history(connectorID: c.id, limit: 1).last?.score : nil
        return ConnectorView(id: c.id, name: c.name, accountId: c.accountID, clientId: c.clientID, plan: c.plan, status: c.status, statusDetail: c.statusDetail,
                             webhookSecretTokenSet: secrets?.webhookSecretToken != nil, webhookUrlPath: "/webhooks/zoom/\(c.id)", apiUrl: endpoints.apiURL,
                             createdAt: c.createdAt, updatedAt: c.updatedAt, lastSyncAt: try await deps.connectors.lastSync(id: c.id),
                             health: try await deps.connectors.health(id: c.id), score: score)
    }

    /// A Zoom account ID, client ID or secret: 1 to 512 visible ASCII characters (docs/openapi.yaml's `ZoomCredential`).
    static func looksLikeCredential(_ value: String) -> Bool {
        !value.isEmpty && value.utf8.count <= 512 && value.unicodeScalars.allSatisfy { (0x21...0x7e).contains($0.value) }
    }

    static func check(_ request: CreateConnectorRequest, allowedHosts: [String]?) throws {
        var problems: [String] = []
        if isBlank(request.name) { problems.append("name is empty (give the instance a descriptive name, e.g. 'Zoom – production')") }
        if request.name.count > 200 { problems.append("name is longer than 200 characters") }
        for (field, value) in [("accountId", request.accountId), ("clientId", request.clientId), ("clientSecret", request.clientSecret)] {
            if value.isEmpty { problems.append("\(field) is empty (copy it from the app's App Credentials page in the Zoom App Marketplace)") }
            else if !Self.looksLikeCredential(value) {
                problems.append("\(field) does not look like a Zoom credential (letters, digits and punctuation only, at most 512)")
            }
        }
        if let plan = request.plan, ZoomPlan(rawValue: plan) == nil { problems.append("plan '\(plan)' is not one of free, pro, business") }
        for (field, value) in [("apiUrl", request.apiUrl), ("tokenUrl", request.tokenUrl)] {
            guard let value else { continue }
            guard value.hasPrefix("https://") || value.hasPrefix("http://"), let host = URLComponents(string: value)?.host, !host.isEmpty else {
                problems.append("\(field) '\(value.prefix(100))' is not an http(s) URL")
                continue
            }
            if let allowedHosts, !ZoomHosts.isAllowed(host, trusted: allowedHosts) {
                problems.append("\(field) names \(host.prefix(100)), which this server does not allow (Zoom's own hosts and --allowed-zoom-hosts \(allowedHosts.joined(separator: ",")) are)")
            }
        }
        if !problems.isEmpty {
            throw APIError(.unprocessableContent, "invalid_connector", "The connector cannot be created: " + problems.joined(separator: "; ") + ".",
                           fix: "Correct the fields and send the request again; nothing was saved.")
        }
    }

    /// Validates the credentials against Zoom, then saves: refused (nothing saved) when Zoom refuses
    /// the credentials; saved as degraded when only some data sources can be read.
    func create(_ request: CreateConnectorRequest, by actor: Principal) async throws -> (ConnectorView, ConnectionReport) {
        try Self.check(request, allowedHosts: deps.configuration.allowedZoomHosts)
        if try await deps.connectors.list().contains(where: { $0.clientID == request.clientId }) {
            throw APIError(.conflict, "duplicate_client_id", StoreError.duplicateClientID(request.clientId).description)
        }
        let plan = request.plan ?? "pro"
        let client = try deps.makeClient(accountID: request.accountId, clientID: request.clientId, clientSecret: request.clientSecret, plan: plan,
                                     apiURL: request.apiUrl, tokenURL: request.tokenUrl)
        let report = await ZoomConnectionValidator(client: client).validate(now: deps.now())
        if report.status == .error {
            throw APIError(.unprocessableContent, "connection_failed", report.headline, fix: report.fix.map { $0 + " Nothing was saved." } ?? "Nothing was saved.",
                           details: try JSONValue(encoding: report))
        }
        let now = deps.now()
        let record = ConnectorRecord(name: request.name.trimmingCharacters(in: .whitespaces), accountID: request.accountId, clientID: request.clientId, plan: plan,
                                     status: ConnectorStatus.connecting.rawValue, statusDetail: nil, createdAt: now, updatedAt: now)
        try await deps.connectors.createForService(record, secrets: ConnectorSecrets(clientSecret: request.clientSecret, webhookSecretToken: request.webhookSecretToken),
                                                   endpoints: ConnectorEndpoints(apiURL: request.apiUrl, tokenURL: request.tokenUrl), health: report,
                                                   detail: "Validated (\(report.status.rawValue)); first sync pending.")
        try await deps.auth.audit(actor: actor.actor, action: "connector.create", target: record.id,
                                  detail: "\(record.name) (account \(record.accountID), client \(record.clientID)): \(report.status.rawValue)", at: now)
        guard let saved = try await deps.connectors.get(id: record.id) else { throw StoreError.notFound("Connector \(record.id)") }
        return (try await view(saved), report)
    }

    func connector(_ id: String) async throws -> ConnectorRecord {
        guard let c = try await deps.connectors.get(id: id) else { throw APIError.notFound("Connector \(id)") }
        return c
    }

    /// Re-checks the connection now and records the status.
    func validate(_ id: String) async throws -> ConnectionReport {
        let c = try await connector(id)
        let report = await ZoomConnectionValidator(client: try await deps.client(for: c)).validate(now: deps.now())
        if c.status != ConnectorStatus.disconnected.rawValue {
            try await deps.connectors.transition(id: id, to: report.status.rawValue, detail: report.headline, health: report, at: deps.now())
        }
        return report
    }

    /// Stops syncing; data stays.
    func disconnect(_ id: String, by actor: Principal) async throws {
        _ = try await connector(id)
        try await deps.jobs.setPaused(connectorID: id, true)
        try await deps.connectors.transition(id: id, to: ConnectorStatus.disconnected.rawValue, detail: "Disconnected by \(actor.email).", health: nil, at: deps.now())
        try await deps.auth.audit(actor: actor.actor, action: "connector.disconnect", target: id, detail: nil, at: deps.now())
    }

    /// Refreshes the connection (optionally with a new secret), validates, and resumes syncing.
    func reconnect(_ id: String, _ request: ReconnectRequest, by actor: Principal) async throws -> ConnectionReport {
        let c = try await connector(id)
        if request.clientSecret != nil || request.webhookSecretToken != nil {
            guard let old = try await deps.connectors.secrets(id: id) else { throw APIError.notFound("Connector \(id)") }
            if let secret = request.clientSecret, !Self.looksLikeCredential(secret) {
                throw APIError.badRequest("clientSecret is empty, too long, or has spaces or characters a Zoom secret does not have.",
                                          fix: "Copy it from the app's App Credentials page; nothing was changed.")
            }
            // Validate the new secret before storing it.
            let endpoints = try await deps.connectors.endpoints(id: id)
            let probe = try deps.makeClient(accountID: c.accountID, clientID: c.clientID, clientSecret: request.clientSecret ?? old.clientSecret, plan: c.plan,
                                        apiURL: endpoints.apiURL, tokenURL: endpoints.tokenURL)
            let report = await ZoomConnectionValidator(client: probe).validate(now: deps.now())
            if report.status == .error {
                throw APIError(.unprocessableContent, "connection_failed", report.headline, fix: (report.fix ?? "") + " The stored secret was not changed.",
                               details: try JSONValue(encoding: report))
            }
            try await deps.connectors.updateSecrets(id: id, ConnectorSecrets(clientSecret: request.clientSecret ?? old.clientSecret,
                                                                             webhookSecretToken: request.webhookSecretToken))
            await intake.invalidate(id)
        }
        let report = await ZoomConnectionValidator(client: try await deps.client(for: c)).validate(now: deps.now())
        try await deps.connectors.transition(id: id, to: report.status == .error ? report.status.rawValue : ConnectorStatus.connecting.rawValue,
                                             detail: report.status == .error ? report.headline : "Reconnected (\(report.status.rawValue)); sync pending.", health: report, at: deps.now())
        if report.status != .error {
            if try await deps.jobs.job(connectorID: id) == nil { try await deps.jobs.schedule(connectorID: id, at: deps.now()) }
            try await deps.jobs.request(connectorID: id, posture: true, at: deps.now())
        }
        try await deps.auth.audit(actor: actor.actor, action: "connector.reconnect", target: id,
                                  detail: (request.clientSecret != nil ? "new client secret; " : "") + report.status.rawValue, at: deps.now())
        return report
    }

    func delete(_ id: String, by actor: Principal) async throws {
        let c = try await connector(id)
        try await deps.connectors.delete(id: id)
        await intake.invalidate(id)
        try await deps.auth.audit(actor: actor.actor, action: "connector.delete", target: id, detail: "\(c.name) (account \(c.accountID))", at: deps.now())
    }

    func syncNow(_ id: String, posture: Bool, by actor: Principal) async throws {
        let c = try await connector(id)
        guard c.status != ConnectorStatus.disconnected.rawValue else {
            throw APIError(.conflict, "disconnected", "The connector is disconnected.", fix: "Reconnect it first (POST /api/v1/connectors/\(id)/reconnect).")
        }
        if try await deps.jobs.job(connectorID: id) == nil { try await deps.jobs.schedule(connectorID: id, at: deps.now()) }
        try await deps.jobs.request(connectorID: id, posture: posture, at: deps.now())
        try await deps.auth.audit(actor: actor.actor, action: "connector.sync", target: id, detail: posture ? "posture and activities" : "activities", at: deps.now())
    }
}

extension JSONValue {
    /// Any Encodable as a JSON value.
    init<T: Encodable>(encoding value: T) throws {
        let data = try JSONResponse.encoder.encode(value)
        self = try JSONDecoder().decode(JSONValue.self, from: data)
    }
}
