import Foundation
import SSPMCore
import ZoomAPI

/// Validates a connection before it is saved and when it is refreshed: the token, the granted
/// scopes, and one cheap request per data source.
public struct ZoomConnectionValidator: Sendable {
    public let client: ZoomClient

    public init(client: ZoomClient) { self.client = client }

    public func validate(now: Date = Date()) async -> ConnectionReport {
        let scopes: Set<String>
        do {
            scopes = try await client.grantedScopes()
        } catch let error as ZoomAPIError {
            return ConnectionReport(status: .error, headline: Self.headline(error), fix: error.description,
                                    grantedScopes: [], sources: ZoomDataSource.allCases.map { SourceHealth(source: DataSource($0), ok: false, reason: "not checked: no token") },
                                    checkedAt: now, catalogue: ZoomCatalogue.catalogue)
        } catch {
            return ConnectionReport(status: .error, headline: "The connection check failed.", fix: "\(error)", grantedScopes: [], sources: [], checkedAt: now,
                                    catalogue: ZoomCatalogue.catalogue)
        }
        let day = ReportWindows.day(now, { var c = Calendar(identifier: .gregorian); c.timeZone = TimeZone(identifier: "UTC")!; return c }())
        let probes: [(ZoomDataSource, ZoomOperation, [String: String], [(String, String)])] = [
            (.accountSettings, .getAccountSettings, ["accountId": "me"], [("option", "security")]),
            (.lockSettings, .getAccountLockSettings, ["accountId": "me"], []),
            (.users, .listUsers, [:], [("page_size", "1")]),
            (.groups, .listGroups, [:], [("page_size", "1")]),
            (.roles, .listRoles, [:], []),
            (.domains, .listManagedDomains, ["accountId": "me"], []),
            (.signInReport, .reportSignInActivities, [:], [("from", day), ("to", day), ("page_size", "1")]),
            (.operationLog, .reportOperationLogs, [:], [("from", day), ("to", day), ("page_size", "1")]),
            (.chatChannels, .listAccountChannels, [:], [("page_size", "1")]),
        ]
        var health: [DataSource: SourceHealth] = [:]
        await withTaskGroup(of: SourceHealth.self) { group in
            for (source, operation, path, query) in probes {
                group.addTask {
                    do {
                        _ = try await client.sendJSON(operation, path: path, query: query)
                        return SourceHealth(source: DataSource(source), ok: true)
                    } catch let error as ZoomAPIError {
                        if case .missingScopes(let missing) = error.kind {
                            return SourceHealth(source: DataSource(source), ok: false, reason: "missing scope \(missing.joined(separator: ", "))", missingScopes: missing)
                        }
                        if case .rateLimited = error.kind {
                            return SourceHealth(source: DataSource(source), ok: false, reason: error.description, rateLimited: true)
                        }
                        return SourceHealth(source: DataSource(source), ok: false, reason: error.description)
                    } catch {
                        return SourceHealth(source: DataSource(source), ok: false, reason: "\(error)")
                    }
                }
            }
            for await result in group { health[result.source] = result }
        }
        let ordered = ZoomDataSource.allCases.compactMap { health[DataSource($0)] }
        return ConnectionReport.assess(sources: ordered, grantedScopes: scopes.sorted(), checkedAt: now, catalogue: ZoomCatalogue.catalogue)
    }

    static func headline(_ error: ZoomAPIError) -> String {
        switch error.kind {
        case .invalidClientCredentials, .invalidAccountID, .tokenRequestRejected, .accessTokenRejected:
            return "Bad credentials: Zoom refused the Server-to-Server OAuth app's credentials."
        case .appDeactivated: return "The Server-to-Server OAuth app is deactivated."
        case .rateLimited: return "Rate limited: Zoom refused more requests for now."
        case .unreachable: return "Zoom cannot be reached."
        default: return "The connection check failed."
        }
    }
}
