import Foundation
import Logging
import ServiceLifecycle
import SSPMStorage

/// Maps stored activities that an older provider mapping wrote (`ActivityRemapper`), and keeps
/// what unauthenticated requests can write bounded: sign-in failures past the window (and
/// past a cap), failed sign-in audit entries past `failedSignInAuditCap`, audit entries past
/// `auditRetentionDays`, expired sessions. Runs at start and every `interval`; also warms bcrypt's
/// stand-in hash so the first unknown address is not slower than a known one.
public struct Housekeeping: Service {
    let deps: ServerDependencies
    var interval: Duration = .seconds(3600)

    public init(deps: ServerDependencies) { self.deps = deps }

    public func run() async throws {
        _ = try? await deps.passwords.verify(randomToken(bytes: 8), hash: nil)
        var first = true
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await prune()
            await remapActivities(olderVersions: first)
            first = false
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
        }
    }

    /// Maps stored activities again where their provider's mapping is newer than the one that wrote
    /// them (`olderVersions`: also rows an older mapping version wrote, which takes a table scan).
    public func remapActivities(olderVersions: Bool = true) async {
        do { try await ActivityRemapper(deps: deps).run(olderVersions: olderVersions) } catch {
            deps.logger.warning("Housekeeping could not map stored activities", metadata: ["error": "\(String(describing: error).prefix(200))"])
        }
    }

    public func prune() async {
        let now = deps.now()
        let configuration = deps.configuration
        do {
            try await deps.auth.prune(failuresBefore: now.addingTimeInterval(-max(configuration.loginWindow, 86_400)),
                                      auditBefore: now.addingTimeInterval(-Double(configuration.auditRetentionDays) * 86_400),
                                      failedSignInCap: configuration.failedSignInAuditCap, now: now)
            // The delivery log keeps finished notifications for 30 days; pending ones stay until sent or dead.
            try await deps.stores.notifications.prune(before: now.addingTimeInterval(-30 * 86_400))
        } catch {
            deps.logger.warning("Housekeeping could not prune", metadata: ["error": "\(String(describing: error).prefix(200))"])
        }
    }
}
