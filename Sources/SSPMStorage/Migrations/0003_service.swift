/// The service's tables, added in one step when the server was built. It mixes five subjects but
/// stays one migration: its id is recorded in `schema_migrations`. What it holds, and the store
/// that owns each part:
///
/// - Connectors (`SQLConnectorStore`): `connectors.api_url` / `token_url` (other Zoom hosts, e.g.
///   Zoom for Government or the simulator), `health` (the last ConnectionReport, JSON),
///   `last_sync_at`; the status history `connector_events`.
/// - Activities (`SQLActivityStore`): `activities.source` ('poll' or 'webhook') and `correlation`
///   (joins a webhook sign-in to its report row), indexes for the activity log's filters.
/// - Sync (`SQLSyncJobStore`): `sync_jobs` (one row per connector: due times, pause, failures,
///   live progress, lease) and `sync_runs` (history).
/// - Posture (`SQLPostureStore`): `control_states`, `control_state_changes`, `score_daily`;
///   and the users inventory (`SQLInventoryStore`): `inventories`.
/// - Auth (`SQLAuthStore`): `operators`, `sessions` and `api_tokens` (both cascade from
///   operators), `login_failures`, `audit_log`.
///
/// Every table holding a connector's data references `connectors(id) ON DELETE CASCADE`.
///
/// Released: its id and SQL are recorded history (`schema_migrations`); never edit it.
extension Migrations {
    static let m0003Service = Migration(id: "0003_service") { postgres in
        let double = postgres ? "DOUBLE PRECISION" : "REAL"
        return [
            // Zoom for Government (api.zoomgov.com) and the simulator need other hosts.
            "ALTER TABLE connectors ADD COLUMN api_url TEXT",
            "ALTER TABLE connectors ADD COLUMN token_url TEXT",
            // The last ConnectionReport (JSON): per-source health and scopes.
            "ALTER TABLE connectors ADD COLUMN health TEXT",
            "ALTER TABLE connectors ADD COLUMN last_sync_at BIGINT",
            // Webhook sign-ins and polled report rows describe the same event: `correlation` joins them.
            "ALTER TABLE activities ADD COLUMN source TEXT NOT NULL DEFAULT 'poll'",
            "ALTER TABLE activities ADD COLUMN correlation TEXT",
            "CREATE INDEX activities_correlation ON activities (connector_id, correlation)",
            "CREATE INDEX activities_connector_ip ON activities (connector_id, ip_address, occurred_at)",
            "CREATE INDEX activities_connector_kind ON activities (connector_id, kind, occurred_at)",
            """
            CREATE TABLE connector_events (
                id TEXT PRIMARY KEY, connector_id TEXT NOT NULL REFERENCES connectors(id) ON DELETE CASCADE,
                at BIGINT NOT NULL, from_status TEXT, to_status TEXT NOT NULL, detail TEXT)
            """,
            "CREATE INDEX connector_events_time ON connector_events (connector_id, at)",
            """
            CREATE TABLE sync_jobs (
                connector_id TEXT PRIMARY KEY REFERENCES connectors(id) ON DELETE CASCADE,
                lease_owner TEXT, lease_expires_at BIGINT,
                next_activity_at BIGINT NOT NULL, next_posture_at BIGINT NOT NULL,
                paused INTEGER NOT NULL DEFAULT 0, failures INTEGER NOT NULL DEFAULT 0,
                progress TEXT)
            """,
            """
            CREATE TABLE sync_runs (
                id TEXT PRIMARY KEY, connector_id TEXT NOT NULL REFERENCES connectors(id) ON DELETE CASCADE,
                owner TEXT NOT NULL, started_at BIGINT NOT NULL, finished_at BIGINT, outcome TEXT, detail TEXT, stats TEXT)
            """,
            "CREATE INDEX sync_runs_connector ON sync_runs (connector_id, started_at)",
            """
            CREATE TABLE inventories (
                connector_id TEXT PRIMARY KEY REFERENCES connectors(id) ON DELETE CASCADE,
                captured_at BIGINT NOT NULL, users TEXT NOT NULL)
            """,
            """
            CREATE TABLE score_daily (
                connector_id TEXT NOT NULL REFERENCES connectors(id) ON DELETE CASCADE, day TEXT NOT NULL,
                achieved \(double) NOT NULL, max_score \(double) NOT NULL, percent \(double) NOT NULL, scans INTEGER NOT NULL,
                PRIMARY KEY (connector_id, day))
            """,
            """
            CREATE TABLE control_states (
                connector_id TEXT NOT NULL REFERENCES connectors(id) ON DELETE CASCADE, control_id TEXT NOT NULL,
                state TEXT NOT NULL, rationale TEXT, expires_at BIGINT, set_by TEXT, updated_at BIGINT NOT NULL,
                PRIMARY KEY (connector_id, control_id))
            """,
            """
            CREATE TABLE control_state_changes (
                id TEXT PRIMARY KEY, connector_id TEXT NOT NULL REFERENCES connectors(id) ON DELETE CASCADE, control_id TEXT NOT NULL,
                from_state TEXT, to_state TEXT NOT NULL, rationale TEXT, expires_at BIGINT, set_by TEXT, at BIGINT NOT NULL)
            """,
            "CREATE INDEX control_state_changes_time ON control_state_changes (connector_id, at)",
            """
            CREATE TABLE operators (
                id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, role TEXT NOT NULL, password_hash TEXT NOT NULL, created_at BIGINT NOT NULL)
            """,
            """
            CREATE TABLE sessions (
                token_hash TEXT PRIMARY KEY, operator_id TEXT NOT NULL REFERENCES operators(id) ON DELETE CASCADE,
                csrf_token TEXT NOT NULL, created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL)
            """,
            """
            CREATE TABLE api_tokens (
                id TEXT PRIMARY KEY, name TEXT NOT NULL, token_hash TEXT NOT NULL UNIQUE,
                operator_id TEXT NOT NULL REFERENCES operators(id) ON DELETE CASCADE, role TEXT NOT NULL,
                created_at BIGINT NOT NULL, last_used_at BIGINT, revoked_at BIGINT)
            """,
            "CREATE TABLE login_failures (email TEXT NOT NULL, at BIGINT NOT NULL)",
            "CREATE INDEX login_failures_email ON login_failures (email, at)",
            """
            CREATE TABLE audit_log (
                id TEXT PRIMARY KEY, at BIGINT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, target TEXT, detail TEXT)
            """,
            "CREATE INDEX audit_log_time ON audit_log (at)",
        ]
    }
}
