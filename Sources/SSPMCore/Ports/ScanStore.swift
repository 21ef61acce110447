import Foundation

/// One scan in a list: its id, time and score.
public struct ScanSummary: Sendable, Codable, Hashable {
    public var id: String
    public var scannedAt: Date
    public var achieved: Double
    public var max: Double
    public var percent: Double

    public init(id: String, scannedAt: Date, achieved: Double, max: Double, percent: Double) {
        self.id = id
        self.scannedAt = scannedAt
        self.achieved = achieved
        self.max = max
        self.percent = percent
    }
}

/// The score history: each scan with its full result.
public protocol ScanStore: Sendable {
    /// Returns the scan's id.
    @discardableResult
    func save(connectorID: String, _ result: ScanResult) async throws -> String
    func latest(connectorID: String) async throws -> ScanResult?
    func scan(connectorID: String, id: String) async throws -> ScanResult?
    /// Score history, oldest first.
    func history(connectorID: String, limit: Int) async throws -> [(scannedAt: Date, score: ScoreSummary)]
    /// Newest first.
    func summaries(connectorID: String, limit: Int) async throws -> [ScanSummary]
}

/// Where each incremental sync stopped, per connector and stream (e.g. `signin`, `operation`).
public protocol CheckpointStore: Sendable {
    func checkpoint(connectorID: String, stream: String) async throws -> Date?
    func setCheckpoint(connectorID: String, stream: String, to: Date) async throws
}

/// The latest users inventory of each connector, replaced by each sync that could read it.
public protocol InventoryStore: Sendable {
    func save(connectorID: String, users: [InventoryUser], at: Date) async throws
    func latest(connectorID: String) async throws -> (capturedAt: Date, users: [InventoryUser])?
    /// Replaces the users of the inventory captured at `capturedAt` (as `latest` gave it), unless a
    /// newer one was saved meanwhile: false then, and nothing is written.
    func replace(connectorID: String, users: [InventoryUser], capturedAt: Date) async throws -> Bool
}
