import Foundation

extension Migrations {
    /// 0008: connector pairings. A connector whose provider reads a directory (Zoom) may be paired
    /// with one whose provider provides it (Microsoft 365): one row per reading connector, so it
    /// has at most one directory, while one directory may serve several. Deleting either side
    /// deletes the pairing (both references cascade); nothing else changes, so existing databases
    /// migrate without touching a row.
    static let m0008ConnectorPairings = Migration(id: "0008_connector_pairings") { _ in
        [
            """
            CREATE TABLE connector_pairings (
                connector_id TEXT PRIMARY KEY REFERENCES connectors(id) ON DELETE CASCADE,
                directory_connector_id TEXT NOT NULL REFERENCES connectors(id) ON DELETE CASCADE,
                paired_at BIGINT NOT NULL, paired_by TEXT)
            """,
            "CREATE INDEX connector_pairings_directory ON connector_pairings (directory_connector_id)",
        ]
    }
}
