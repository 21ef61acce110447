import Foundation
import SQLKit
import SSPMCore

/// Sync checkpoints in SQL.
public struct SQLCheckpointStore: CheckpointStore {
    let storage: SQLStorage
    public init(storage: SQLStorage) { self.storage = storage }

    public func checkpoint(connectorID: String, stream: String) async throws -> Date? {
        try await storage.withSQL { db in
            try await db.raw("SELECT synced_to FROM sync_checkpoints WHERE connector_id = \(bind: connectorID) AND stream = \(bind: stream)")
                .first()?.decode(column: "synced_to", as: Int64.self)
        }.map(date)
    }

    public func setCheckpoint(connectorID: String, stream: String, to: Date) async throws {
        let now = millis(Date())
        try await storage.withSQL { db in
            try await db.raw("""
                INSERT INTO sync_checkpoints (connector_id, stream, synced_to, updated_at) VALUES (\(bind: connectorID), \(bind: stream), \(bind: millis(to)), \(bind: now))
                ON CONFLICT (connector_id, stream) DO UPDATE SET synced_to = excluded.synced_to, updated_at = excluded.updated_at
                """).run()
        }
    }
}
