/// The first schema: connectors (secrets sealed), scans (score history with the full result JSON)
/// and activities (primary key (connector, fingerprint), so overlapping fetches store a row once).
///
/// Released: its id and SQL are recorded history (`schema_migrations`); never edit it.
extension Migrations {
    static let m0001Initial = Migration(id: "0001_initial") { postgres in
        let double = postgres ? "DOUBLE PRECISION" : "REAL"
        return [
            """
            CREATE TABLE connectors (
                id TEXT PRIMARY KEY, name TEXT NOT NULL, account_id TEXT NOT NULL, client_id TEXT NOT NULL UNIQUE,
                plan TEXT NOT NULL, status TEXT NOT NULL, status_detail TEXT,
                client_secret_sealed TEXT NOT NULL, webhook_secret_sealed TEXT,
                created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)
            """,
            """
            CREATE TABLE scans (
                id TEXT PRIMARY KEY, connector_id TEXT NOT NULL REFERENCES connectors(id) ON DELETE CASCADE,
                scanned_at BIGINT NOT NULL, achieved \(double) NOT NULL, max_score \(double) NOT NULL, percent \(double) NOT NULL,
                result TEXT NOT NULL)
            """,
            "CREATE INDEX scans_connector_time ON scans (connector_id, scanned_at)",
            """
            CREATE TABLE activities (
                connector_id TEXT NOT NULL REFERENCES connectors(id) ON DELETE CASCADE, fingerprint TEXT NOT NULL,
                kind TEXT NOT NULL, occurred_at BIGINT NOT NULL, user_email TEXT NOT NULL, ip_address TEXT, payload TEXT NOT NULL,
                PRIMARY KEY (connector_id, fingerprint))
            """,
            "CREATE INDEX activities_connector_time ON activities (connector_id, occurred_at)",
            "CREATE INDEX activities_connector_user ON activities (connector_id, user_email, occurred_at)",
        ]
    }
}
