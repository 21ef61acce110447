/// Sign-in throttling per address and client (`login_failures.client`), and the indexes its
/// counting and the housekeeping's pruning read.
///
/// Released: its id and SQL are recorded history (`schema_migrations`); never edit it.
extension Migrations {
    static let m0004SigninThrottle = Migration(id: "0004_signin_throttle") { _ in
        [
            // Sign-in failures are counted per address and client (the peer, or the client a trusted
            // proxy names), so a flood from one client does not lock the owner out everywhere.
            "ALTER TABLE login_failures ADD COLUMN client TEXT NOT NULL DEFAULT ''",
            "CREATE INDEX login_failures_client ON login_failures (client, at)",
            "CREATE INDEX login_failures_time ON login_failures (at)",
            "CREATE INDEX audit_log_action_time ON audit_log (action, at)",
        ]
    }
}
