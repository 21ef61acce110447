// AsyncKit's EventLoopGroupConnectionPool is internally synchronised (a lock per event-loop pool,
// documented thread-safe) but predates Sendable annotations; this import lets it be held by a Sendable type.
@preconcurrency import AsyncKit
import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresKit
import SQLKit
import SQLiteKit
import SSPMCore

/// Where the data lives.
public enum DatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(url: String)

    /// `postgres://…` / `postgresql://…`, or a file path for SQLite.
    public static func parse(_ text: String) -> DatabaseLocation {
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") { return .postgres(url: text) }
        if text.hasPrefix("sqlite://") { return .sqlite(path: String(text.dropFirst("sqlite://".count))) }
        return .sqlite(path: text)
    }

    /// Without the password.
    public var description: String {
        switch self {
        case .sqlite(let path): return "sqlite:\(path)"
        case .postgres(let url):
            guard var components = URLComponents(string: url) else { return "postgres:(unparseable URL)" }
            if components.password != nil { components.password = "REDACTED" }
            return components.string ?? "postgres"
        }
    }
}

/// A pool of connections to SQLite or PostgreSQL, used through SQLKit.
public final class SQLStorage: Sendable {
    enum Pool: Sendable {
        case sqlite(EventLoopGroupConnectionPool<SQLiteConnectionSource>)
        case postgres(EventLoopGroupConnectionPool<PostgresConnectionSource>)
    }

    public let location: DatabaseLocation
    let pool: Pool
    let logger: Logger
    let group: MultiThreadedEventLoopGroup
    /// SQLite's blocking calls run here, on this storage's own thread, not on NIO's shared blocking
    /// pool (two threads on two cores): another user of that pool (or, in one test process, another
    /// server's database) never holds this database's work up.
    let threadPool: NIOThreadPool?
    /// How long a query waits for a connection before it fails with `StoreError.busy`.
    public let connectionWait: Duration

    /// - Parameter connectionWait: how long a query may wait for a free connection (SQLite has one;
    ///   PostgreSQL eight) before it fails with `StoreError.busy`, which the API answers with 503
    ///   (10 s: well under a proxy's usual 60 s read timeout, so the client sees the 503).
    public init(_ location: DatabaseLocation, logger: Logger, connectionWait: Duration = .seconds(10)) throws {
        guard connectionWait > .zero else { throw StorageError("The database wait must be more than zero (it is \(connectionWait)).") }
        self.location = location
        self.logger = logger
        self.connectionWait = connectionWait
        let wait = TimeAmount(connectionWait)
        switch location {
        case .sqlite(let path):
            // One connection: SQLite serialises writers anyway, and this keeps "database is locked" away.
            try PrivateFiles.directory((path as NSString).deletingLastPathComponent, narrowing: false)
            try PrivateFiles.sqlite(path)
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            let threads = NIOThreadPool(numberOfThreads: 1)
            threads.start()
            self.group = group
            self.threadPool = threads
            pool = .sqlite(EventLoopGroupConnectionPool(
                source: SQLiteConnectionSource(configuration: .init(storage: .file(path: path), enableForeignKeys: true), threadPool: threads),
                maxConnectionsPerEventLoop: 1, requestTimeout: wait, logger: logger, on: group))
        case .postgres(let url):
            var configuration: SQLPostgresConfiguration
            do { configuration = try SQLPostgresConfiguration(url: url) } catch {
                throw StorageError("The database URL \(location) is not valid: use postgres://USER:PASSWORD@HOST:PORT/DATABASE (add ?sslmode=disable on loopback).")
            }
            configuration.coreConfiguration.options.connectTimeout = .seconds(10)
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            self.group = group
            self.threadPool = nil
            pool = .postgres(EventLoopGroupConnectionPool(
                source: PostgresConnectionSource(sqlConfiguration: configuration), maxConnectionsPerEventLoop: 8, requestTimeout: wait, logger: logger, on: group))
        }
    }

    /// Runs `body` with one connection.
    public func withSQL<T: Sendable>(_ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        switch pool {
        case .sqlite(let pool):
            let connection: SQLiteConnection
            do { connection = try await pool.requestConnection(logger: logger).get() } catch ConnectionPoolTimeoutError.connectionRequestTimeout {
                throw busy()
            }
            defer { pool.releaseConnection(connection, logger: logger) }
            return try await body(connection.sql())
        case .postgres(let pool):
            let connection: PostgresConnection
            do { connection = try await pool.requestConnection(logger: logger).get() } catch ConnectionPoolTimeoutError.connectionRequestTimeout {
                throw busy()
            } catch {
                throw StorageError("Cannot connect to \(location): \(String(describing: error).prefix(200)). Is PostgreSQL running and the URL right?")
            }
            defer { pool.releaseConnection(connection, logger: logger) }
            return try await body(connection.sql())
        }
    }

    private func busy() -> StoreError {
        logger.warning("No database connection came free in time", metadata: ["database": "\(location)", "waited": "\(connectionWait)"])
        return .busy("no connection came free within \(connectionWait)")
    }

    /// Runs `body` inside a transaction on one connection.
    /// With `foreignKeysOff` (SQLite, which ignores the pragma inside a transaction), foreign keys
    /// are off around the transaction and on again after it, whatever happens: for a migration
    /// that rebuilds a table others reference (it checks them itself before committing).
    public func transaction<T: Sendable>(foreignKeysOff: Bool = false, _ body: @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        let pragma = foreignKeysOff && !isPostgres
        return try await withSQL { db in
            if pragma { try await db.raw("PRAGMA foreign_keys=OFF").run() }
            do {
                try await db.raw("BEGIN").run()
                let result: T
                do {
                    result = try await body(db)
                    try await db.raw("COMMIT").run()
                } catch {
                    try? await db.raw("ROLLBACK").run()
                    throw error
                }
                if pragma { try await db.raw("PRAGMA foreign_keys=ON").run() }
                return result
            } catch {
                if pragma { try? await db.raw("PRAGMA foreign_keys=ON").run() }
                throw error
            }
        }
    }

    public var isPostgres: Bool { if case .postgres = location { return true } else { return false } }

    public func shutdown() async throws {
        switch pool {
        case .sqlite(let pool): try await pool.shutdownAsync()
        case .postgres(let pool): try await pool.shutdownAsync()
        }
        try await threadPool?.shutdownGracefully()
        try await group.shutdownGracefully()
    }
}

public struct StorageError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension StoreSet {
    /// The SQL stores over one storage; connectors' credentials sealed with `box`.
    public static func sql(_ storage: SQLStorage, box: SecretBox) -> StoreSet {
        StoreSet(connectors: SQLConnectorStore(storage: storage, box: box), activities: SQLActivityStore(storage: storage),
                 checkpoints: SQLCheckpointStore(storage: storage), scans: SQLScanStore(storage: storage), jobs: SQLSyncJobStore(storage: storage),
                 auth: SQLAuthStore(storage: storage), posture: SQLPostureStore(storage: storage), inventory: SQLInventoryStore(storage: storage),
                 detections: SQLDetectionStore(storage: storage), notifications: SQLNotificationStore(storage: storage, box: box),
                 location: storage.location.description, close: { try await storage.shutdown() })
    }
}
