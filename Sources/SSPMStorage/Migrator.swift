import Foundation
import Logging
import SQLKit

/// One schema change. Migrations run in order, each once, each in a transaction, recorded in
/// `schema_migrations`; the statements come per dialect (`postgres`: true for PostgreSQL). They
/// live in `Migrations/`, one file each, listed in order by `Migrations.all`.
public struct Migration: Sendable {
    public let id: String
    public let statements: @Sendable (_ postgres: Bool) -> [String]

    public init(id: String, statements: @escaping @Sendable (_ postgres: Bool) -> [String]) {
        self.id = id
        self.statements = statements
    }
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
