import ArgumentParser
import SSPMCore
import ZoomProvider
import SSPMReports

struct ControlsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "controls", abstract: "List the control catalogue (table, json or markdown).")

    @Option(help: "table, json or markdown.") var format: String = "table"

    func run() throws {
        guard let format = CatalogueFormat(rawValue: format) else {
            throw ValidationError("--format must be one of \(CatalogueFormat.allCases.map(\.rawValue).joined(separator: ", ")) (got \"\(format)\").")
        }
        say(try CatalogueFormatter.render(ZoomCatalogue.catalogue, as: format), terminator: "")
    }
}
