import Foundation

/// A connector status change.
public struct ConnectorEvent: Sendable, Codable, Hashable {
    public var at: Date
    public var fromStatus: String?
    public var toStatus: String
    public var detail: String?

    public init(at: Date, fromStatus: String? = nil, toStatus: String, detail: String? = nil) {
        self.at = at
        self.fromStatus = fromStatus
        self.toStatus = toStatus
        self.detail = detail
    }
}

/// Connectors: the record, its sealed credentials, its health report and status history.
public protocol ConnectorStore: Sendable {
    /// A bare connector (tests, tools); the service uses `createForService`.
    func create(_ connector: ConnectorRecord, credentials: ConnectorCredentials) async throws
    /// A new connector with everything the service keeps beside it, all or nothing: the validation
    /// report, the first status event and a sync job due at once. Refused with
    /// `StoreError.duplicateConnector` when the provider's unique key is taken.
    /// With `pairedDirectory`, the new connector is paired with that one in the same transaction
    /// (`StoreError.notFound` when it does not exist), so its first sync already reads it.
    func createForService(_ connector: ConnectorRecord, credentials: ConnectorCredentials, health: ConnectionReport, detail: String,
                          pairedDirectory: String?, pairedBy: String?) async throws
    func list() async throws -> [ConnectorRecord]
    func get(id: String) async throws -> ConnectorRecord?
    /// Unsealed; nil when there is no such connector.
    func credentials(id: String) async throws -> ConnectorCredentials?
    func updateStatus(id: String, status: String, detail: String?, at: Date) async throws
    /// Deletes the connector and everything kept for it (activities, scans, states, jobs, …).
    func delete(id: String) async throws
    func updateSettings(id: String, _ settings: JSONValue) async throws
    func updateCredentials(id: String, _ credentials: ConnectorCredentials) async throws
    /// Records a status change (when it is one) in the history, and the health report when given,
    /// all or nothing. With `unlessDisconnected`, a connector an operator disconnected meanwhile
    /// stays disconnected; only its health is updated.
    func transition(id: String, to status: String, detail: String?, health: ConnectionReport?, at: Date, unlessDisconnected: Bool) async throws
    func health(id: String) async throws -> ConnectionReport?
    /// Newest first.
    func events(id: String, limit: Int) async throws -> [ConnectorEvent]
    func setLastSync(id: String, at: Date) async throws
    func lastSync(id: String) async throws -> Date?

    /// The directory connector `id` is paired with (nil: none).
    func pairedDirectory(id: String) async throws -> String?
    /// The connectors paired with directory connector `id`, oldest pairing first.
    func pairedReaders(directoryID: String) async throws -> [String]
    /// Pairs `id` with `directoryID`, replacing its pairing, or unpairs it (nil). Throws
    /// `StoreError.notFound` when either connector does not exist.
    func setPairing(id: String, directoryID: String?, at: Date, by: String?) async throws
}

extension ConnectorStore {
    public func createForService(_ connector: ConnectorRecord, credentials: ConnectorCredentials, health: ConnectionReport, detail: String) async throws {
        try await createForService(connector, credentials: credentials, health: health, detail: detail, pairedDirectory: nil, pairedBy: nil)
    }
    public func transition(id: String, to status: String, detail: String?, health: ConnectionReport?, at: Date) async throws {
        try await transition(id: id, to: status, detail: detail, health: health, at: at, unlessDisconnected: false)
    }
    public func events(id: String) async throws -> [ConnectorEvent] { try await events(id: id, limit: 200) }
}
