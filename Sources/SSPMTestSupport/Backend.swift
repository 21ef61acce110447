import Foundation
import Logging
import SQLKit
import SSPMCore
import SSPMStorage
import Testing

/// One contract suite for every store, run against SQLite always and against a real PostgreSQL server
/// when SSPM_TEST_POSTGRES_URL is set (`.ci/run` starts one).
public enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres
    public var testDescription: String { rawValue }

    public static var postgresURL: String? {
        let url = ProcessInfo.processInfo.environment["SSPM_TEST_POSTGRES_URL"]
        return url?.isEmpty == false ? url : nil
    }

    public static var available: [Backend] {
        if postgresURL == nil {
            print("StoreContractTests: SSPM_TEST_POSTGRES_URL is not set, so the PostgreSQL half of the store contract is skipped (bash .ci/run sets it).")
            return [.sqlite]
        }
        return [.sqlite, .postgres]
    }

    /// A fresh, empty database: a new SQLite file, or a new database on the PostgreSQL server.
    public func freshLocation() async throws -> DatabaseLocation {
        switch self {
        case .sqlite:
            return .sqlite(path: FileManager.default.temporaryDirectory.appendingPathComponent("sspm-test-\(UUID().uuidString).sqlite").path)
        case .postgres:
            // A database per test, so tests do not see each other's rows.
            let name = "sspm_t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            let admin = try SQLStorage(.postgres(url: Backend.postgresURL!), logger: LogCapture().logger(label: "admin"))
            do {
                try await admin.withSQL { db in try await db.raw("CREATE DATABASE \(unsafeRaw: name)").run() }
            } catch {
                try? await admin.shutdown()
                throw error
            }
            try await admin.shutdown()
            var url = URLComponents(string: Backend.postgresURL!)!
            url.path = "/" + name
            return .postgres(url: url.string!)
        }
    }

    /// A fresh database with `migrations` applied (by default all: the current schema).
    public func withStorage<T: Sendable>(migrations: [Migration] = Migrations.all, _ body: (SQLStorage) async throws -> T) async throws -> T {
        let logger = LogCapture().logger(label: "store")
        let storage = try SQLStorage(try await freshLocation(), logger: logger)
        do {
            try await Migrator(storage: storage, logger: logger).migrate(migrations)
            let result = try await body(storage)
            try await storage.shutdown()
            return result
        } catch {
            try? await storage.shutdown()
            throw error
        }
    }
}

/// Where a store contract test runs: each SQL backend, and the in-memory stores that HTTP tests
/// use (held to the same contract).
public enum StoreBackend: Sendable, CustomTestStringConvertible {
    case sql(Backend)
    case memory

    public var testDescription: String {
        switch self {
        case .sql(let backend): return backend.testDescription
        case .memory: return "memory"
        }
    }

    public static var available: [StoreBackend] { Backend.available.map(StoreBackend.sql) + [.memory] }

    /// The stores over a fresh, empty database.
    public func withStores<T: Sendable>(_ body: (StoreSet) async throws -> T) async throws -> T {
        switch self {
        case .memory: return try await body(MemoryDatabase.stores())
        case .sql(let backend):
            return try await backend.withStorage { storage in try await body(.sql(storage, box: SecretBox(key: .init(size: .bits256)))) }
        }
    }
}
