import Foundation
import Logging
import SQLKit

/// One schema change. Migrations run in order, each once, each in a transaction, recorded in
/// `schema_migrations`.
public struct Migration: Sendable {
    public let id: String
    let statements: @Sendable (_ postgres: Bool) -> [String]
    /// Work SQL alone cannot do (re-sealing secrets), run after `statements` in the same transaction.
    let step: (@Sendable (MigrationContext) async throws -> Void)?
    /// SQLite only: rebuilding a table that others reference needs foreign keys off for the
    /// transaction (else dropping the old table would cascade); they are checked before commit.
    let rebuildsReferencedTable: Bool

    init(id: String, rebuildsReferencedTable: Bool = false, step: (@Sendable (MigrationContext) async throws -> Void)? = nil,
         statements: @escaping @Sendable (_ postgres: Bool) -> [String]) {
        self.id = id
        self.statements = statements
        self.step = step
        self.rebuildsReferencedTable = rebuildsReferencedTable
    }
}

/// What a migration's Swift step gets: the transaction's connection, the dialect and the master key.
public struct MigrationContext: Sendable {
    public let db: any SQLDatabase
    public let postgres: Bool
    /// Nil when the caller could not load the key (a step that needs it says so).
    public let box: SecretBox?
}

public struct MigrationError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

public enum Migrations {
    public static let all: [Migration] = [
        Migration(id: "0001_initial") { postgres in
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
        },
        Migration(id: "0002_sync_checkpoints") { _ in
            [
                """
                CREATE TABLE sync_checkpoints (
                    connector_id TEXT NOT NULL REFERENCES connectors(id) ON DELETE CASCADE, stream TEXT NOT NULL,
                    synced_to BIGINT NOT NULL, updated_at BIGINT NOT NULL, PRIMARY KEY (connector_id, stream))
                """,
            ]
        },
        Migration(id: "0003_service") { postgres in
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
        },
        Migration(id: "0004_signin_throttle") { _ in
            [
                // Sign-in failures are counted per address and client (the peer, or the client a trusted
                // proxy names), so a flood from one client does not lock the owner out everywhere.
                "ALTER TABLE login_failures ADD COLUMN client TEXT NOT NULL DEFAULT ''",
                "CREATE INDEX login_failures_client ON login_failures (client, at)",
                "CREATE INDEX login_failures_time ON login_failures (at)",
                "CREATE INDEX audit_log_action_time ON audit_log (action, at)",
            ]
        },
        Migrations.providers,
    ]
}

public struct Migrator: Sendable {
    public let storage: SQLStorage
    public let logger: Logger
    /// The master key, for migrations that re-seal secrets.
    public let box: SecretBox?

    public init(storage: SQLStorage, logger: Logger, box: SecretBox? = nil) {
        self.storage = storage
        self.logger = logger
        self.box = box
    }

    /// Applies every pending migration; returns the ids applied now.
    @discardableResult
    public func migrate(_ migrations: [Migration] = Migrations.all) async throws -> [String] {
        let postgres = storage.isPostgres
        if !postgres {
            // WAL: readers do not wait for the writer; commits still fsync (synchronous stays FULL).
            try await storage.withSQL { db in
                try await db.raw("PRAGMA journal_mode=WAL").run()
                try await db.raw("PRAGMA busy_timeout=10000").run()
            }
        }
        try await storage.withSQL { db in
            try await db.raw("CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)").run()
        }
        var applied: [String] = []
        let box = self.box
        for migration in migrations {
            let foreignKeysOff = migration.rebuildsReferencedTable && !postgres
            let apply: @Sendable (any SQLDatabase) async throws -> Bool = { db in
                // Several `sspm serve` processes may start at once: one migrates, the others wait and skip.
                if postgres { try await db.raw("SELECT pg_advisory_xact_lock(7734001)").run() }
                let done = try await db.raw("SELECT id FROM schema_migrations WHERE id = \(bind: migration.id)").all()
                guard done.isEmpty else { return false }
                for statement in migration.statements(postgres) { try await db.raw(SQLQueryString(statement)).run() }
                try await migration.step?(MigrationContext(db: db, postgres: postgres, box: box))
                if foreignKeysOff {
                    let broken = try await db.raw("PRAGMA foreign_key_check").all()
                    guard broken.isEmpty else { throw MigrationError("\(migration.id) would leave \(broken.count) row(s) pointing at nothing; nothing was changed.") }
                }
                let now = Int64(Date().timeIntervalSince1970 * 1000)
                try await db.raw("INSERT INTO schema_migrations (id, applied_at) VALUES (\(bind: migration.id), \(bind: now))").run()
                return true
            }
            let didApply: Bool
            if foreignKeysOff {
                // SQLite ignores this pragma inside a transaction: set it around it, on the pool's one connection.
                didApply = try await storage.withSQL { db in
                    try await db.raw("PRAGMA foreign_keys=OFF").run()
                    do {
                        try await db.raw("BEGIN").run()
                        let applied: Bool
                        do {
                            applied = try await apply(db)
                            try await db.raw("COMMIT").run()
                        } catch {
                            try? await db.raw("ROLLBACK").run()
                            throw error
                        }
                        try await db.raw("PRAGMA foreign_keys=ON").run()
                        return applied
                    } catch {
                        try? await db.raw("PRAGMA foreign_keys=ON").run()
                        throw error
                    }
                }
            } else {
                didApply = try await storage.transaction(apply)
            }
            if didApply {
                applied.append(migration.id)
                logger.info("Applied migration", metadata: ["id": "\(migration.id)"])
            }
        }
        return applied
    }

    /// Ids of applied migrations.
    public func applied() async throws -> [String] {
        try await storage.withSQL { db in
            try await db.raw("SELECT id FROM schema_migrations ORDER BY id").all().map { try $0.decode(column: "id", as: String.self) }
        }
    }
}
