/// Sync checkpoints: how far each activity stream of a connector has been read.
///
/// Released: its id and SQL are recorded history (`schema_migrations`); never edit it.
extension Migrations {
    static let m0002SyncCheckpoints = Migration(id: "0002_sync_checkpoints") { _ in
        [
            """
            CREATE TABLE sync_checkpoints (
                connector_id TEXT NOT NULL REFERENCES connectors(id) ON DELETE CASCADE, stream TEXT NOT NULL,
                synced_to BIGINT NOT NULL, updated_at BIGINT NOT NULL, PRIMARY KEY (connector_id, stream))
            """,
        ]
    }
}
