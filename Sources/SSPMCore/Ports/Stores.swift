import Foundation

/// A connected Zoom account (secrets are kept apart, sealed by the store).
public struct ConnectorRecord: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    public var accountID: String
    public var clientID: String
    public var plan: String
    /// connecting, connected, degraded, error, disconnected
    public var status: String
    public var statusDetail: String?
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: String = UUID().uuidString.lowercased(), name: String, accountID: String, clientID: String, plan: String = "pro",
                status: String = "connecting", statusDetail: String? = nil, createdAt: Date = Date(), updatedAt: Date = Date()) {
        self.id = id
        self.name = name
        self.accountID = accountID
        self.clientID = clientID
        self.plan = plan
        self.status = status
        self.statusDetail = statusDetail
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// A connector's secrets in clear text (only in memory).
public struct ConnectorSecrets: Sendable, Hashable, CustomStringConvertible {
    public var clientSecret: String
    public var webhookSecretToken: String?
    public init(clientSecret: String, webhookSecretToken: String? = nil) {
        self.clientSecret = clientSecret
        self.webhookSecretToken = webhookSecretToken
    }
    public var description: String { "ConnectorSecrets([REDACTED])" }
}

/// One activity (a sign-in report row, an operation-log row or a webhook event).
public struct ActivityRecord: Sendable, Hashable {
    public var connectorID: String
    /// `signin`, `operation` or `webhook`.
    public var kind: String
    public var occurredAt: Date
    public var user: String
    public var ipAddress: String?
    /// Identifies the activity across overlapping fetches (report rows have no ids).
    public var fingerprint: String
    public var payload: JSONValue

    public init(connectorID: String, kind: String, occurredAt: Date, user: String, ipAddress: String? = nil, fingerprint: String, payload: JSONValue) {
        self.connectorID = connectorID
        self.kind = kind
        self.occurredAt = occurredAt
        self.user = user
        self.ipAddress = ipAddress
        self.fingerprint = fingerprint
        self.payload = payload
    }
}

public enum StoreError: Error, Equatable, CustomStringConvertible {
    /// Another connector already uses this client ID.
    case duplicateClientID(String)
    case notFound(String)
    /// A sealed secret could not be opened (wrong master key, or tampering).
    case cannotUnseal(String)

    public var description: String {
        switch self {
        case .duplicateClientID(let id):
            return "A connector with client ID \(id) already exists. Zoom may revoke the first connector's token when two share credentials (\"Bad credentials\"): create a separate Server-to-Server OAuth app for each connector."
        case .notFound(let what): return "\(what) was not found."
        case .cannotUnseal(let what): return "The stored \(what) cannot be decrypted: the master key differs from the one it was sealed with (check SSPM_MASTER_KEY or the key file)."
        }
    }
}

public protocol ConnectorStore: Sendable {
    func create(_ connector: ConnectorRecord, secrets: ConnectorSecrets) async throws
    func list() async throws -> [ConnectorRecord]
    func get(id: String) async throws -> ConnectorRecord?
    func secrets(id: String) async throws -> ConnectorSecrets?
    func updateStatus(id: String, status: String, detail: String?, at: Date) async throws
    func delete(id: String) async throws
}

public protocol ActivityStore: Sendable {
    /// Stores activities; ones whose fingerprint is already stored for the connector are skipped.
    func insert(_ activities: [ActivityRecord]) async throws
    func count(connectorID: String) async throws -> Int
    /// Newest first.
    func list(connectorID: String, from: Date?, to: Date?, user: String?, limit: Int) async throws -> [ActivityRecord]
}

public protocol ScanStore: Sendable {
    /// Returns the scan's id.
    @discardableResult
    func save(connectorID: String, _ result: ScanResult) async throws -> String
    func latest(connectorID: String) async throws -> ScanResult?
    /// Score history, oldest first.
    func history(connectorID: String, limit: Int) async throws -> [(scannedAt: Date, score: ScoreSummary)]
}

/// Where each incremental sync stopped, per connector and stream (e.g. `signin`, `operation`).
public protocol CheckpointStore: Sendable {
    func checkpoint(connectorID: String, stream: String) async throws -> Date?
    func setCheckpoint(connectorID: String, stream: String, to: Date) async throws
}
