import Foundation
import Logging
import SQLKit

/// One schema change. Migrations run in order, each once, each in a transaction, recorded in
/// `schema_migrations`.
public struct Migration: Sendable {
    public let id: String
    let statements: @Sendable (_ postgres: Bool) -> [String]
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
    ]
}

public struct Migrator: Sendable {
    public let storage: SQLStorage
    public let logger: Logger

    public init(storage: SQLStorage, logger: Logger) {
        self.storage = storage
        self.logger = logger
    }

    /// Applies every pending migration; returns the ids applied now.
    @discardableResult
    public func migrate(_ migrations: [Migration] = Migrations.all) async throws -> [String] {
        let postgres = storage.isPostgres
        try await storage.withSQL { db in
            try await db.raw("CREATE TABLE IF NOT EXISTS schema_migrations (id TEXT PRIMARY KEY, applied_at BIGINT NOT NULL)").run()
        }
        var applied: [String] = []
        for migration in migrations {
            let didApply = try await storage.transaction { db in
                // Several `sspm serve` processes may start at once: one migrates, the others wait and skip.
                if postgres { try await db.raw("SELECT pg_advisory_xact_lock(7734001)").run() }
                let done = try await db.raw("SELECT id FROM schema_migrations WHERE id = \(bind: migration.id)").all()
                guard done.isEmpty else { return false }
                for statement in migration.statements(postgres) { try await db.raw(SQLQueryString(statement)).run() }
                let now = Int64(Date().timeIntervalSince1970 * 1000)
                try await db.raw("INSERT INTO schema_migrations (id, applied_at) VALUES (\(bind: migration.id), \(bind: now))").run()
                return true
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
