import Foundation

/// A connected SaaS account. What the provider needs to reach it is in `settings` (JSON, shown)
/// and in its credentials (sealed by the store, apart from the record).
public struct ConnectorRecord: Sendable, Hashable {
    public var id: String
    /// The provider kind (`connectors.provider`).
    public var provider: String
    public var name: String
    /// Provider-specific settings (account, hosts, plan …), never a secret.
    public var settings: JSONValue
    /// "The same app twice", by the provider's rule; unique per provider.
    public var uniqueKey: String?
    /// connecting, connected, degraded, error, disconnected
    public var status: String
    public var statusDetail: String?
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: String = UUID().uuidString.lowercased(), provider: String, name: String, settings: JSONValue, uniqueKey: String?,
                status: String = "connecting", statusDetail: String? = nil, createdAt: Date = Date(), updatedAt: Date = Date()) {
        self.id = id
        self.provider = provider
        self.name = name
        self.settings = settings
        self.uniqueKey = uniqueKey
        self.status = status
        self.statusDetail = statusDetail
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// A connector's credentials in clear text, in memory only; sealed by the store as one blob.
public struct ConnectorCredentials: Sendable, Hashable, Codable, CustomStringConvertible, CustomDebugStringConvertible {
    public var values: [String: String]
    public init(_ values: [String: String]) { self.values = values }
    public subscript(_ name: String) -> String? {
        get { values[name] }
        set { values[name] = newValue }
    }
    public var description: String { "ConnectorCredentials([REDACTED])" }
    public var debugDescription: String { description }
}

public enum StoreError: Error, Equatable, CustomStringConvertible {
    /// Another connector of this provider has this unique key (the provider words the message).
    case duplicateConnector(provider: String, key: String)
    case notFound(String)
    /// A sealed secret could not be opened (wrong master key, or tampering).
    case cannotUnseal(String)
    /// No database connection came free in time (the database is overloaded or stalled): retry.
    case busy(String)

    public var description: String {
        switch self {
        case .duplicateConnector(let provider, let key):
            return "A \(provider) connector with the key \(key) already exists."
        case .notFound(let what): return "\(what) was not found."
        case .cannotUnseal(let what): return "The stored \(what) cannot be decrypted: the master key differs from the one it was sealed with (check SSPM_MASTER_KEY or the key file)."
        case .busy(let what): return "The database is busy: \(what)."
        }
    }
}

public protocol ConnectorStore: Sendable {
    func create(_ connector: ConnectorRecord, credentials: ConnectorCredentials) async throws
    func list() async throws -> [ConnectorRecord]
    func get(id: String) async throws -> ConnectorRecord?
    func credentials(id: String) async throws -> ConnectorCredentials?
    func updateStatus(id: String, status: String, detail: String?, at: Date) async throws
    func delete(id: String) async throws
}

public protocol ActivityStore: Sendable {
    /// Stores polled events (mapped by the provider's mapping `mappingVersion`); ones whose
    /// fingerprint is already stored for the connector are skipped.
    func insert(_ events: [ActivityEvent], mappingVersion: Int) async throws
    func count(connectorID: String) async throws -> Int
    /// Newest first.
    func list(connectorID: String, from: Date?, to: Date?, user: String?, limit: Int) async throws -> [ActivityEvent]
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
