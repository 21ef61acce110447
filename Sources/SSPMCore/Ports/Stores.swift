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

/// Every store the server uses, typed as these ports: SQL (SQLite or PostgreSQL) in the product,
/// in memory in tests that need no database.
public struct StoreSet: Sendable {
    public var connectors: any ConnectorStore
    public var activities: any ActivityStore
    public var checkpoints: any CheckpointStore
    public var scans: any ScanStore
    public var jobs: any SyncJobStore
    public var auth: any AuthStore
    public var posture: any PostureStore
    public var inventory: any InventoryStore
    public var detections: any DetectionStore
    public var notifications: any NotificationStore
    /// Where the data lives, for logs and the CLI (never with a password).
    public var location: String
    /// Closes the database (nothing to do in memory).
    public var close: @Sendable () async throws -> Void

    public init(connectors: any ConnectorStore, activities: any ActivityStore, checkpoints: any CheckpointStore, scans: any ScanStore,
                jobs: any SyncJobStore, auth: any AuthStore, posture: any PostureStore, inventory: any InventoryStore,
                detections: any DetectionStore, notifications: any NotificationStore, location: String, close: @escaping @Sendable () async throws -> Void) {
        self.connectors = connectors
        self.activities = activities
        self.checkpoints = checkpoints
        self.scans = scans
        self.jobs = jobs
        self.auth = auth
        self.posture = posture
        self.inventory = inventory
        self.detections = detections
        self.notifications = notifications
        self.location = location
        self.close = close
    }
}
