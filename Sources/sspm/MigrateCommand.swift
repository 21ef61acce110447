import ArgumentParser
import Foundation
import SSPMStorage

struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate", abstract: "Create or upgrade the database schema (SQLite file by default, or PostgreSQL).")

    @Option(help: "postgres://USER:PASSWORD@HOST:PORT/DB, or a SQLite file path (default: DATA_DIR/sspm.sqlite). Also SSPM_DATABASE_URL.")
    var databaseUrl: String?
    @Option(help: "Data directory for the SQLite file and the master key.") var dataDir: String = "data"
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let logger = try logging.makeLogger("sspm.migrate")
        let url = databaseUrl ?? ProcessInfo.processInfo.environment["SSPM_DATABASE_URL"] ?? (dataDir as NSString).appendingPathComponent("sspm.sqlite")
        let location = DatabaseLocation.parse(url)
        let storage: SQLStorage
        do { storage = try SQLStorage(location, logger: logger) } catch let error as StorageError { throw CommandError(error.description) }
        do {
            // The master key, when there is one (a migration may re-seal stored secrets); never created here.
            let keyFile = (dataDir as NSString).appendingPathComponent("master.key")
            let hasKey = !(ProcessInfo.processInfo.environment["SSPM_MASTER_KEY"] ?? "").isEmpty || FileManager.default.fileExists(atPath: keyFile)
            let box = hasKey ? try SecretBox.load(keyFile: keyFile, logger: logger) : nil
            let applied = try await Migrator(storage: storage, logger: logger, box: box).migrate()
            say(applied.isEmpty ? "\(location): schema is current." : "\(location): applied \(applied.joined(separator: ", ")).")
            try await storage.shutdown()
        } catch {
            try? await storage.shutdown()
            throw CommandError("Migration of \(location) failed: \(error)")
        }
    }
}
