import ArgumentParser
import Foundation
import Logging

@main
struct SSPMCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sspm",
        abstract: "OpenSSPM: security posture and activity monitoring for Zoom.",
        subcommands: [DemoCommand.self, ServeCommand.self, ProgressCommand.self, ScanCommand.self, DetectCommand.self, ControlsCommand.self, SimulateCommand.self, MigrateCommand.self, BenchCommand.self]
    )
}

struct LoggingOptions: ParsableArguments {
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    func makeLogger(_ label: String) throws -> Logger {
        guard let level = Logger.Level(rawValue: logLevel) else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical (got \"\(logLevel)\").")
        }
        LoggingBootstrap.once()
        var logger = Logger(label: label)
        logger.logLevel = level
        return logger
    }
}

enum LoggingBootstrap {
    private static let done: Void = { LoggingSystem.bootstrap(StreamLogHandler.standardError) }()
    static func once() { _ = done }
}

/// Writes a line to standard output unbuffered, so it shows at once when piped to a file or another program.
func say(_ text: String = "", terminator: String = "\n") {
    FileHandle.standardOutput.write(Data((text + terminator).utf8))
}

/// A failure while running a command (not a usage mistake): printed as "Error: …" without the usage text, exit code 1.
struct CommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
