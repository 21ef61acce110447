import Foundation
import SSPMCore
import SSPMStorage
import SSPMProvider

/// What the API receives to add a connector: `provider` (the first registered one when absent),
/// `name`, and the provider's connection fields as strings (`accountId`, `clientId`, … for Zoom).
public struct CreateConnectorRequest: Decodable, Sendable {
    public var provider: String?
    public var name: String
    /// A directory connector to pair the new one with (before its first sync).
    public var pairWith: String?
    public var fields: [String: String]
    /// Keys whose value was not a string (refused when they are the provider's fields; other
    /// unknown members are ignored, as for every other request body).
    var notStrings: Set<String> = []

    public init(provider: String? = nil, name: String, fields: [String: String]) {
        self.provider = provider
        self.name = name
        self.fields = fields
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: AnyKey.self)
        provider = try c.decodeIfPresent(String.self, forKey: AnyKey("provider"))
        name = try c.decode(String.self, forKey: AnyKey("name"))
        pairWith = try c.decodeIfPresent(String.self, forKey: AnyKey("pairWith"))
        if let pairWith, pairWith.unicodeScalars.count > 100 {
            throw DecodingError.dataCorruptedError(forKey: AnyKey("pairWith"), in: c, debugDescription: "pairWith is longer than 100 characters: it is a connector's id")
        }
        (fields, notStrings) = try ConnectionFieldsDecoding.strings(c, except: ["provider", "name", "pairWith"])
    }
}

/// A reconnect: the provider's secret fields to rotate (`clientSecret`, `webhookSecretToken` for Zoom), all optional.
public struct ReconnectRequest: Decodable, Sendable {
    public var fields: [String: String]
    var notStrings: Set<String> = []
    public init(fields: [String: String] = [:]) { self.fields = fields }
    public init(from decoder: any Decoder) throws {
        (fields, notStrings) = try ConnectionFieldsDecoding.strings(try decoder.container(keyedBy: AnyKey.self), except: [])
    }
}

struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ s: String) { stringValue = s }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

enum ConnectionFieldsDecoding {
    /// Every key but `except` whose value is a string (null counts as absent), and the keys whose
    /// value is something else: whether that is an error depends on the provider's fields.
    static func strings(_ c: KeyedDecodingContainer<AnyKey>, except: Set<String>) throws -> ([String: String], Set<String>) {
        var fields: [String: String] = [:]
        var others = Set<String>()
        for key in c.allKeys where !except.contains(key.stringValue) {
            if try c.decodeNil(forKey: key) { continue }
            if let value = try? c.decode(String.self, forKey: key) { fields[key.stringValue] = value } else { others.insert(key.stringValue) }
        }
        return (fields, others)
    }

    /// A 400 when one of the provider's fields came as something other than a string.
    static func checkTypes(_ notStrings: Set<String>, fields: [ConnectionField]) throws {
        if let field = fields.first(where: { notStrings.contains($0.name) }) {
            throw APIError.badRequest("The field '\(field.name)' has the wrong type: expected a string.", fix: "Correct it and send again; nothing was changed.")
        }
    }
}

/// A connector as the API shows it: never a secret. The provider's public settings (for Zoom:
/// `accountId`, `clientId`, `plan`, `apiUrl`, `webhookSecretTokenSet`) appear beside the common fields.
public struct ConnectorView: Encodable, Sendable {
    public var id: String
    public var provider: String
    public var name: String
    public var status: String
    public var statusDetail: String?
    /// Where the provider's events are posted; absent for a provider that takes no webhooks.
    public var webhookUrlPath: String?
    public var createdAt: Date
    public var updatedAt: Date
    public var lastSyncAt: Date?
    public var health: ConnectionReport?
    public var score: ScoreSummary?
    /// In the provider's order, with labels for pages.
    public var settings: [(key: String, label: String, value: JSONValue)]
    /// The connectors it is paired with: a reading connector's directory (at most one), or the
    /// connectors reading a directory connector's directory.
    public var pairedWith: [PairedConnector] = []

    public struct PairedConnector: Encodable, Sendable {
        public var id: String
        public var provider: String
        public var name: String
        public var status: String
    }

    enum CodingKeys: String, CodingKey { case id, provider, name, status, statusDetail, webhookUrlPath, createdAt, updatedAt, lastSyncAt, health, score, pairedWith }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(provider, forKey: .provider)
        try c.encode(name, forKey: .name)
        try c.encode(status, forKey: .status)
        try c.encodeIfPresent(statusDetail, forKey: .statusDetail)
        try c.encodeIfPresent(webhookUrlPath, forKey: .webhookUrlPath)
        try c.encode(createdAt, forKey: .createdAt)
        try c.encode(updatedAt, forKey: .updatedAt)
        try c.encodeIfPresent(lastSyncAt, forKey: .lastSyncAt)
        try c.encodeIfPresent(health, forKey: .health)
        try c.encodeIfPresent(score, forKey: .score)
        try c.encode(pairedWith, forKey: .pairedWith)
        var extra = encoder.container(keyedBy: AnyKey.self)
        for setting in settings where CodingKeys(stringValue: setting.key) == nil { try extra.encode(setting.value, forKey: AnyKey(setting.key)) }
    }
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
        let credentials = try? await deps.connectors.credentials(id: c.id)
        // A provider without controls of its own (a directory read for its paired connectors) has no score.
        let provider = deps.providers.provider(c.provider)
        let scored = !(provider?.catalogue.controls.isEmpty ?? false)
        let score = includeScore && scored ? try await deps.scans.history(connectorID: c.id, limit: 1).last?.score : nil
        let settings = provider?.publicSettings(c.settings, credentials: credentials) ?? []
        let takesWebhooks = provider?.takesWebhooks ?? false
        var paired: [ConnectorView.PairedConnector] = []
        for id in try await pairedIDs(c) {
            if let other = try await deps.connectors.get(id: id) { paired.append(.init(id: other.id, provider: other.provider, name: other.name, status: other.status)) }
        }
        return ConnectorView(id: c.id, provider: c.provider, name: c.name, status: c.status, statusDetail: c.statusDetail,
                             webhookUrlPath: takesWebhooks ? "/webhooks/\(c.provider)/\(c.id)" : nil, createdAt: c.createdAt, updatedAt: c.updatedAt,
                             lastSyncAt: try await deps.connectors.lastSync(id: c.id), health: try await deps.connectors.health(id: c.id), score: score,
                             settings: settings, pairedWith: paired)
    }

    /// Its directory (a reading connector) or its readers (a directory connector).
    func pairedIDs(_ c: ConnectorRecord) async throws -> [String] {
        switch deps.providers.provider(c.provider)?.directoryRole ?? .none {
        case .reads: return try await deps.connectors.pairedDirectory(id: c.id).map { [$0] } ?? []
        case .provides: return try await deps.connectors.pairedReaders(directoryID: c.id)
        case .none: return []
        }
    }

    /// The connectors `c` could be paired with (a reading connector's candidate directories).
    func pairingCandidates(_ c: ConnectorRecord) async throws -> [ConnectorRecord] {
        guard deps.providers.provider(c.provider)?.directoryRole == .reads else { return [] }
        return try await deps.connectors.list().filter { deps.providers.provider($0.provider)?.directoryRole == .provides }
    }

    /// Refuses a connector whose provider does not read a directory.
    func pairable(_ provider: any Provider, name: String) throws {
        guard provider.directoryRole == .reads else {
            let readers = deps.providers.providers.filter { $0.directoryRole == .reads }.map(\.displayName)
            throw APIError(.unprocessableContent, "not_pairable",
                           "Connector “\(name)” (\(provider.displayName)) does not read a directory, so it cannot be paired with one.",
                           fix: "Pair from the connector that reads it (\(readers.joined(separator: ", "))); nothing was changed.")
        }
    }

    /// The directory connector a connector of `reader` may be paired with: 404 when it does not
    /// exist, 422 `not_pairable` when either side does not fit.
    func pairingTarget(reader: any Provider, name: String, directoryID: String) async throws -> ConnectorRecord {
        try pairable(reader, name: name)
        guard let directory = try await deps.connectors.get(id: directoryID) else { throw APIError.notFound("The connector to pair with, \(directoryID.prefix(100)),") }
        let other = try deps.provider(for: directory)
        guard other.directoryRole == .provides else {
            let providers = deps.providers.providers.filter { $0.directoryRole == .provides }.map(\.displayName)
            throw APIError(.unprocessableContent, "not_pairable",
                           "Connector “\(directory.name)” (\(other.displayName)) provides no directory to pair with.",
                           fix: "Name a connector of \(providers.joined(separator: ", ")); nothing was changed.")
        }
        return directory
    }

    /// Pairs a connector that reads a directory (Zoom) with one that provides it (Microsoft 365),
    /// replacing its pairing, or unpairs it (`directoryID` nil); then asks for a posture sync so
    /// the cross-checks follow.
    func pair(_ c: ConnectorRecord, with directoryID: String?, by actor: Principal) async throws {
        let provider = try deps.provider(for: c)
        // Asking for what is already so changes nothing stored (no audit entry); a posture sync is
        // still asked for, as the page and the API say.
        if try await deps.connectors.pairedDirectory(id: c.id) == directoryID {
            if let directoryID { _ = try await pairingTarget(reader: provider, name: c.name, directoryID: directoryID) } else { try pairable(provider, name: c.name) }
            try await requestPosture(c)
            return
        }
        var detail = "unpaired"
        if let directoryID {
            let directory = try await pairingTarget(reader: provider, name: c.name, directoryID: directoryID)
            detail = "paired with \(directory.name) (\(directory.id))"
        } else {
            try pairable(provider, name: c.name)
        }
        try await deps.connectors.setPairing(id: c.id, directoryID: directoryID, at: deps.now(), by: actor.actor)
        try await deps.auth.audit(actor: actor.actor, action: directoryID == nil ? "connector.unpair" : "connector.pair", target: c.id, detail: detail, at: deps.now())
        try await forgetStandings(c.id)
        try await requestPosture(c)
    }

    /// A reading connector whose directory changed or went: the standings its users inventory got
    /// from the old directory are dropped at once, so the users page, the API and detection's
    /// `directory:` groups stop using them before the next sync (which a disconnected connector
    /// may not have for a long time).
    func forgetStandings(_ readerID: String) async throws {
        guard let latest = try await deps.inventory.latest(connectorID: readerID), latest.users.contains(where: { $0.directoryStanding != nil }) else { return }
        let users = latest.users.map { user in
            var user = user
            user.directoryStanding = nil
            return user
        }
        // Only the inventory read here: a sync that saved a newer one meanwhile has its own standings.
        if try await deps.inventory.replace(connectorID: readerID, users: users, capturedAt: latest.capturedAt) {
            deps.detectionFeed.inventorySaved(connectorID: readerID)
        }
    }

    /// A posture sync soon, unless the connector is disconnected.
    func requestPosture(_ c: ConnectorRecord) async throws {
        guard c.status != ConnectorStatus.disconnected.rawValue else { return }
        if try await deps.jobs.job(connectorID: c.id) == nil { try await deps.jobs.schedule(connectorID: c.id, at: deps.now()) }
        try await deps.jobs.request(connectorID: c.id, posture: true, at: deps.now())
    }

    /// The provider a request names (the first registered one when it names none).
    func provider(named kind: String?) throws -> any Provider {
        let registry = deps.providers
        guard let provider = kind.map({ registry.provider($0) }) ?? registry.providers.first else {
            throw APIError(.unprocessableContent, "unknown_provider",
                           "The provider '\(String(kind ?? "").prefix(40))' is not one of \(registry.kinds.joined(separator: ", ")).",
                           fix: "Send one of them as provider; nothing was saved.")
        }
        return provider
    }

    /// Checks the request's common fields and the provider's, then splits them (nothing is sent anywhere yet).
    func prepare(_ request: CreateConnectorRequest) throws -> (any Provider, PreparedConnection) {
        let provider = try provider(named: request.provider)
        try ConnectionFieldsDecoding.checkTypes(request.notStrings, fields: provider.connectionFields)
        for field in provider.connectionFields where field.required && request.fields[field.name] == nil {
            throw APIError.badRequest("The field '\(field.name)' is missing.", fix: "Add it and send again; nothing was changed.")
        }
        var problems: [String] = []
        if isBlank(request.name) { problems.append("name is empty (give the instance a descriptive name, e.g. '\(provider.displayName) – production')") }
        if request.name.unicodeScalars.count > 200 { problems.append("name is longer than 200 characters") }
        var prepared: PreparedConnection?
        do { prepared = try provider.prepare(ConnectionInput(fields: request.fields), context: deps.providerContext) } catch let error as ConnectionInputError {
            problems += error.problems
        }
        guard problems.isEmpty, let prepared else {
            throw APIError(.unprocessableContent, "invalid_connector", "The connector cannot be created: " + problems.joined(separator: "; ") + ".",
                           fix: "Correct the fields and send the request again; nothing was saved.")
        }
        return (provider, prepared)
    }

    /// Validates the credentials against the provider, then saves: refused (nothing saved) when it
    /// refuses the credentials; saved as degraded when only some data sources can be read.
    func create(_ request: CreateConnectorRequest, by actor: Principal) async throws -> (ConnectorView, ConnectionReport) {
        let (provider, prepared) = try prepare(request)
        if let directoryID = request.pairWith {
            _ = try await pairingTarget(reader: provider, name: request.name, directoryID: directoryID)
        }
        if let key = prepared.uniqueKey, try await deps.connectors.list().contains(where: { $0.provider == provider.kind && $0.uniqueKey == key }) {
            throw APIError(provider.duplicate(uniqueKey: key))
        }
        let session = try deps.open(provider, settings: prepared.settings, credentials: prepared.credentials)
        let report = await session.validate(now: deps.now())
        if report.status == .error {
            throw APIError(.unprocessableContent, "connection_failed", report.headline, fix: report.fix.map { $0 + " Nothing was saved." } ?? "Nothing was saved.",
                           details: try JSONValue(encoding: report))
        }
        // The key by the account's lasting name, now that the connection works (a tenant typed as a
        // domain is its id here), and checked again under it.
        let uniqueKey: String?
        do { uniqueKey = try await session.uniqueKey(prepared: prepared.uniqueKey) } catch let refusal as ProviderRefusal { throw APIError(refusal) }
        if let uniqueKey, uniqueKey != prepared.uniqueKey,
           try await deps.connectors.list().contains(where: { $0.provider == provider.kind && $0.uniqueKey == uniqueKey }) {
            throw APIError(provider.duplicate(uniqueKey: uniqueKey))
        }
        let now = deps.now()
        let record = ConnectorRecord(provider: provider.kind, name: request.name.trimmingCharacters(in: .whitespaces), settings: prepared.settings,
                                     uniqueKey: uniqueKey, status: ConnectorStatus.connecting.rawValue, statusDetail: nil, createdAt: now, updatedAt: now)
        do {
            try await deps.connectors.createForService(record, credentials: prepared.credentials, health: report,
                                                       detail: "Validated (\(report.status.rawValue)); first sync pending.", pairedDirectory: request.pairWith,
                                                       pairedBy: actor.actor)
        } catch StoreError.duplicateConnector(_, let key) {
            throw APIError(provider.duplicate(uniqueKey: key))
        } catch StoreError.notFound(let what) {
            // The directory connector was deleted meanwhile.
            throw APIError.notFound(String(what.prefix(120)))
        }
        try await deps.auth.audit(actor: actor.actor, action: "connector.create", target: record.id,
                                  detail: "\(record.name) (\(prepared.summary)): \(report.status.rawValue)", at: now)
        if let directory = request.pairWith {
            try await deps.auth.audit(actor: actor.actor, action: "connector.pair", target: record.id, detail: "paired with \(directory) when created", at: now)
        }
        guard let saved = try await deps.connectors.get(id: record.id) else { throw StoreError.notFound("Connector \(record.id)") }
        return (try await view(saved), report)
    }

    func connector(_ id: String) async throws -> ConnectorRecord {
        guard let c = try await deps.connectors.get(id: id) else { throw APIError.notFound("Connector \(id)") }
        return c
    }

    // The operations below take the record the handler read (once per request).

    /// Re-checks the connection now and records the status.
    func validate(_ c: ConnectorRecord) async throws -> ConnectionReport {
        let id = c.id
        let report = try await deps.session(for: c).1.validate(now: deps.now())
        if c.status != ConnectorStatus.disconnected.rawValue {
            try await deps.connectors.transition(id: id, to: report.status.rawValue, detail: report.headline, health: report, at: deps.now())
        }
        return report
    }

    /// Stops syncing; data stays.
    func disconnect(_ c: ConnectorRecord, by actor: Principal) async throws {
        let id = c.id
        try await deps.jobs.setPaused(connectorID: id, true)
        try await deps.connectors.transition(id: id, to: ConnectorStatus.disconnected.rawValue, detail: "Disconnected by \(actor.email).", health: nil, at: deps.now())
        try await deps.auth.audit(actor: actor.actor, action: "connector.disconnect", target: id, detail: nil, at: deps.now())
    }

    /// Refreshes the connection (optionally with new credentials, validated before they are
    /// stored), validates, and resumes syncing.
    func reconnect(_ c: ConnectorRecord, _ request: ReconnectRequest, by actor: Principal) async throws -> ConnectionReport {
        let id = c.id
        let provider = try deps.provider(for: c)
        try ConnectionFieldsDecoding.checkTypes(request.notStrings, fields: provider.connectionFields)
        // Only the provider's secret fields can be rotated here; anything else is ignored.
        let secretNames = Set(provider.connectionFields.filter(\.secret).map(\.name))
        let request = ReconnectRequest(fields: request.fields.filter { secretNames.contains($0.key) })
        var rotated: [String] = []
        if !request.fields.isEmpty {
            guard let old = try await deps.connectors.credentials(id: id) else { throw APIError.notFound("Connector \(id)") }
            let updated: ProviderCredentials
            do { updated = try provider.rotate(old, with: ConnectionInput(fields: request.fields)) } catch let error as ConnectionInputError {
                // The description starts with a field's name, which keeps its spelling.
                throw APIError.badRequest("The new credentials cannot be used: " + error.description + ".", fix: "Correct it; nothing was changed.")
            }
            rotated = updated.values.keys.filter { updated[$0] != old[$0] }.sorted()
            if updated != old {
                // Validate the new credentials before storing them.
                let report = try await deps.open(provider, settings: c.settings, credentials: updated).validate(now: deps.now())
                if report.status == .error {
                    throw APIError(.unprocessableContent, "connection_failed", report.headline, fix: (report.fix ?? "") + " The stored secret was not changed.",
                                   details: try JSONValue(encoding: report))
                }
                try await deps.connectors.updateCredentials(id: id, updated)
                await intake.invalidate(id)
            }
        }
        let report = try await deps.session(for: c).1.validate(now: deps.now())
        try await deps.connectors.transition(id: id, to: report.status == .error ? report.status.rawValue : ConnectorStatus.connecting.rawValue,
                                             detail: report.status == .error ? report.headline : "Reconnected (\(report.status.rawValue)); sync pending.", health: report, at: deps.now())
        if report.status != .error {
            if try await deps.jobs.job(connectorID: id) == nil { try await deps.jobs.schedule(connectorID: id, at: deps.now()) }
            // Reconnecting is what resumes a disconnected connector.
            try await deps.jobs.request(connectorID: id, posture: true, at: deps.now(), resume: true)
        }
        try await deps.auth.audit(actor: actor.actor, action: "connector.reconnect", target: id,
                                  detail: rotated.map { "new \($0.replacingOccurrences(of: "_", with: " ")); " }.joined() + report.status.rawValue, at: deps.now())
        return report
    }

    func delete(_ c: ConnectorRecord, by actor: Principal) async throws {
        let id = c.id
        // A directory's readers lose their pairing with it (the store cascades): each is told, in
        // the audit log, and asked for a posture sync that reads it unpaired.
        let readers = deps.providers.provider(c.provider)?.directoryRole == .provides ? try await deps.connectors.pairedReaders(directoryID: id) : []
        try await deps.connectors.delete(id: id)
        await intake.invalidate(id)
        try await deps.auth.audit(actor: actor.actor, action: "connector.delete", target: id, detail: "\(c.name) (\(c.provider))", at: deps.now())
        // The deletion is done: what follows for each reader is logged when it fails, never turned
        // into an error for a connector that is gone (a retry would only find a 404).
        for readerID in readers {
            do {
                guard let reader = try await deps.connectors.get(id: readerID) else { continue }
                try await deps.auth.audit(actor: actor.actor, action: "connector.unpair", target: readerID,
                                          detail: "its paired directory \(c.name) (\(id)) was deleted", at: deps.now())
                try await forgetStandings(readerID)
                try await requestPosture(reader)
            } catch {
                deps.logger.error("A deleted directory's reader was not updated; its next posture sync reads it unpaired",
                                  metadata: ["reader": "\(readerID)", "error": "\(String(describing: error).prefix(200))"])
            }
        }
    }
    func syncNow(_ c: ConnectorRecord, posture: Bool, by actor: Principal) async throws {
        let id = c.id
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
