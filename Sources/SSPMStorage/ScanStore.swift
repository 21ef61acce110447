import Foundation
import SQLKit
import SSPMCore

/// Scans in SQL (`scans`: the score history, each with its full result JSON). The only store that
/// reads or writes that table: the daily roll-up (`SQLPostureStore.rollUp`) asks it for a day's
/// scores through `dayScores`.
public struct SQLScanStore: ScanStore {
    let storage: SQLStorage
    public init(storage: SQLStorage) { self.storage = storage }

    @discardableResult
    public func save(connectorID: String, _ result: ScanResult) async throws -> String {
        let json = try encodeJSON(result)
        let id = UUID().uuidString.lowercased()
        try await storage.withSQL { db in
            try await db.raw("""
                INSERT INTO scans (id, connector_id, scanned_at, achieved, max_score, percent, result)
                VALUES (\(bind: id), \(bind: connectorID), \(bind: millis(result.scannedAt)), \(bind: result.score.achieved), \(bind: result.score.max), \(bind: result.score.percent), \(bind: json))
                """).run()
        }
        return id
    }

    public func latest(connectorID: String) async throws -> ScanResult? {
        let text = try await storage.withSQL { db in
            try await db.raw("SELECT result FROM scans WHERE connector_id = \(bind: connectorID) ORDER BY scanned_at DESC LIMIT 1").first()?.decode(column: "result", as: String.self)
        }
        return try text.map { try decodeJSON(ScanResult.self, $0) }
    }

    /// One scan's full result.
    public func scan(connectorID: String, id: String) async throws -> ScanResult? {
        let text = try await storage.withSQL { db in
            try await db.raw("SELECT result FROM scans WHERE connector_id = \(bind: connectorID) AND id = \(bind: id)").first()?.decode(column: "result", as: String.self)
        }
        return try text.map { try decodeJSON(ScanResult.self, $0) }
    }

    /// Scores oldest first (the `ScanStore` port).
    public func history(connectorID: String, limit: Int) async throws -> [(scannedAt: Date, score: ScoreSummary)] {
        try await newest(connectorID: connectorID, limit: max(1, limit)).reversed().map { ($0.scannedAt, ScoreSummary(achieved: $0.achieved, max: $0.max)) }
    }

    /// The newest `limit` scans (at most 5000), newest first.
    public func summaries(connectorID: String, limit: Int) async throws -> [ScanSummary] {
        try await newest(connectorID: connectorID, limit: max(1, min(limit, 5000)))
    }

    private func newest(connectorID: String, limit: Int) async throws -> [ScanSummary] {
        try await storage.withSQL { db in
            try await db.raw("SELECT id, scanned_at, achieved, max_score, percent FROM scans WHERE connector_id = \(bind: connectorID) ORDER BY scanned_at DESC LIMIT \(literal: limit)").all().map {
                ScanSummary(id: try $0.decode(column: "id", as: String.self), scannedAt: date(try $0.decode(column: "scanned_at", as: Int64.self)),
                            achieved: try $0.decode(column: "achieved", as: Double.self), max: try $0.decode(column: "max_score", as: Double.self),
                            percent: try $0.decode(column: "percent", as: Double.self))
            }
        }
    }

    /// The scores of the scans in [`from`, `to`), newest first, read on `db` (the caller's transaction).
    static func dayScores(connectorID: String, from: Date, to: Date, on db: any SQLDatabase) async throws -> [(achieved: Double, max: Double, percent: Double)] {
        try await db.raw("""
            SELECT achieved, max_score, percent FROM scans WHERE connector_id = \(bind: connectorID) AND scanned_at >= \(bind: millis(from)) AND scanned_at < \(bind: millis(to))
            ORDER BY scanned_at DESC
            """).all().map {
            (try $0.decode(column: "achieved", as: Double.self), try $0.decode(column: "max_score", as: Double.self), try $0.decode(column: "percent", as: Double.self))
        }
    }
}
