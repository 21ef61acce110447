import Foundation
import Logging
import SQLKit

/// One schema change. Migrations run in order, each once, each in a transaction, recorded in
/// `schema_migrations`; the statements come per dialect (`postgres`: true for PostgreSQL). They
/// live in `Migrations/`, one file each, listed in order by `Migrations.all`.
public struct Migration: Sendable {
    public let id: String
    public let statements: @Sendable (_ postgres: Bool) -> [String]
    /// Work SQL alone cannot do (re-sealing secrets), run after `statements` in the same transaction.
    let step: (@Sendable (MigrationContext) async throws -> Void)?
    /// SQLite only: rebuilding a table that others reference needs foreign keys off for the
    /// transaction (else dropping the old table would cascade); they are checked before commit.
    let rebuildsReferencedTable: Bool

    public init(id: String, rebuildsReferencedTable: Bool = false, step: (@Sendable (MigrationContext) async throws -> Void)? = nil,
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
            // SQLite: the pool's one connection, so the pragma and the transaction share it.
            let didApply = try await storage.transaction(foreignKeysOff: foreignKeysOff, apply)
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
