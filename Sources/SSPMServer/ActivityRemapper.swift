import Foundation
import SSPMCore
import SSPMProvider
import SSPMStorage

/// Fills the normalised columns of stored activities that an older mapping (or none: rows written
/// before migration 0006) produced, from their stored payload, through the provider's own
/// `remap` — the one mapping of each provider. Runs in `Housekeeping` at start and then hourly, in
/// batches, so a large log is mapped without holding a long transaction.
struct ActivityRemapper: Sendable {
    let deps: ServerDependencies
    var batch = 1000

    /// Maps until nothing is left; returns the number of rows it looked at. `olderVersions` also
    /// looks for rows an older mapping wrote (a scan of the table): only needed once per process,
    /// since a running process writes its own version; rows not mapped at all are found by index.
    @discardableResult
    func run(olderVersions: Bool) async throws -> Int {
        var total = 0
        for provider in deps.providers.providers {
            let version = provider.activityMappingVersion
            while true {
                let rows = try await deps.activities.unmapped(provider: provider.kind, version: version, olderVersions: olderVersions, limit: batch)
                if rows.isEmpty { break }
                try await deps.activities.remap(rows.map { ($0, provider.remap(stream: $0.stream, source: $0.source, payload: Data($0.payload.utf8))) },
                                                version: version)
                total += rows.count
                if Task.isCancelled { return total }
            }
        }
        if total > 0 { deps.logger.info("Activities mapped again", metadata: ["rows": "\(total)"]) }
        return total
    }
}
