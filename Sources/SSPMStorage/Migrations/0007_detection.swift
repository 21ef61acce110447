/// 0007: detection and notifications.
///
/// - Policies (`SQLDetectionStore`): `detection_policies` holds each policy's current version (the
///   rule as JSON in `body`), `detection_policy_versions` every version saved.
/// - Alerts: `alerts` (grouped per policy, scope key and window; `severity_rank` orders and
///   filters by severity), `alert_comments`. Alerts cascade from their connector.
/// - Notifications (`SQLNotificationStore`): `notification_channels` (secrets sealed in
///   `secrets`) and `notification_outbox`, the record of every notification owed, with its
///   attempts; an item is written in the transaction that writes its alert.
extension Migrations {
    static let m0007Detection = Migration(id: "0007_detection") { _ in
        [
            """
            CREATE TABLE detection_policies (
                id TEXT PRIMARY KEY, version INTEGER NOT NULL, enabled INTEGER NOT NULL, template TEXT,
                body TEXT NOT NULL, updated_at BIGINT NOT NULL, updated_by TEXT)
            """,
            """
            CREATE TABLE detection_policy_versions (
                policy_id TEXT NOT NULL, version INTEGER NOT NULL, template TEXT, body TEXT NOT NULL,
                saved_at BIGINT NOT NULL, saved_by TEXT, PRIMARY KEY (policy_id, version))
            """,
            """
            CREATE TABLE alerts (
                id TEXT PRIMARY KEY, connector_id TEXT NOT NULL REFERENCES connectors(id) ON DELETE CASCADE,
                policy_id TEXT NOT NULL, policy_version INTEGER NOT NULL, title TEXT NOT NULL,
                severity TEXT NOT NULL, severity_rank INTEGER NOT NULL, scope_key TEXT NOT NULL, actor TEXT NOT NULL,
                value TEXT, first_seen BIGINT NOT NULL, last_seen BIGINT NOT NULL, event_count INTEGER NOT NULL,
                evidence TEXT NOT NULL, status TEXT NOT NULL, resolution TEXT, assignee TEXT, context TEXT,
                created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)
            """,
            "CREATE INDEX alerts_group ON alerts (connector_id, policy_id, scope_key, first_seen)",
            "CREATE INDEX alerts_created ON alerts (created_at, id)",
            "CREATE INDEX alerts_policy ON alerts (policy_id)",
            """
            CREATE TABLE alert_comments (
                id TEXT PRIMARY KEY, alert_id TEXT NOT NULL REFERENCES alerts(id) ON DELETE CASCADE,
                author TEXT NOT NULL, body TEXT NOT NULL, at BIGINT NOT NULL)
            """,
            "CREATE INDEX alert_comments_alert ON alert_comments (alert_id, at)",
            """
            CREATE TABLE notification_channels (
                id TEXT PRIMARY KEY, name TEXT NOT NULL, kind TEXT NOT NULL, enabled INTEGER NOT NULL,
                min_severity TEXT NOT NULL, policies TEXT, email TEXT, secrets TEXT NOT NULL,
                created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL)
            """,
            """
            CREATE TABLE notification_outbox (
                id TEXT PRIMARY KEY, channel_id TEXT NOT NULL REFERENCES notification_channels(id) ON DELETE CASCADE,
                alert_id TEXT, event TEXT NOT NULL, payload TEXT NOT NULL, state TEXT NOT NULL,
                attempts INTEGER NOT NULL, next_attempt_at BIGINT NOT NULL, lease_until BIGINT,
                last_status INTEGER, last_error TEXT, created_at BIGINT NOT NULL, delivered_at BIGINT)
            """,
            "CREATE INDEX notification_outbox_due ON notification_outbox (state, next_attempt_at)",
            "CREATE INDEX notification_outbox_channel ON notification_outbox (channel_id, created_at)",
        ]
    }
}
