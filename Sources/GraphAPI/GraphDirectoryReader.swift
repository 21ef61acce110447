import Foundation
import Logging
import SSPMCore

/// What the reader reads, each with the application permissions that allow it (any one).
public enum GraphDataSource: String, CaseIterable, Sendable {
    case domains, users, applications
    /// Delegated permission grants (`oauth2PermissionGrants`): Graph lets only Directory.Read.All read them.
    case delegatedGrants

    public var permissions: [String] {
        switch self {
        case .domains: return ["Domain.Read.All", "Directory.Read.All"]
        case .users: return ["User.Read.All", "Directory.Read.All"]
        case .applications: return ["Application.Read.All", "Directory.Read.All"]
        case .delegatedGrants: return ["Directory.Read.All"]
        }
    }

    /// The least permission to ask for.
    public var leastPermission: String { permissions[0] }
}

/// Reads an Entra tenant into a `DirectorySnapshot`: `/domains`, `/users` (999 a page, only the
/// fields the checks use), and the service principals of the applications asked for (found by
/// their app ids with `$filter`, never by display name), their application permissions (through
/// `appRoleAssignments`, named through the resource's own `appRoles`) and delegated grants.
/// A source that cannot be read is named in `unavailable` with the reason; the others are read.
public struct GraphDirectoryReader: Sendable {
    public let client: GraphClient
    public let tenantID: String
    /// Application ids to look up (Zoom's enterprise applications).
    public let applicationIDs: [String]
    let logger: Logger

    public init(client: GraphClient, tenantID: String, applicationIDs: [String], logger: Logger) {
        self.client = client
        self.tenantID = tenantID
        self.applicationIDs = applicationIDs
        self.logger = logger
    }

    public static let userFields = ["id", "userPrincipalName", "mail", "proxyAddresses", "accountEnabled", "userType"]

    public func read(at: Date, sources: Set<GraphDataSource> = Set(GraphDataSource.allCases)) async -> DirectorySnapshot {
        var snapshot = DirectorySnapshot(directoryID: tenantID, readAt: at)
        func failed(_ source: GraphDataSource, _ error: any Error) {
            snapshot.unavailable[source.rawValue] = String(describing: error)
            logger.warning("Graph data source not read", metadata: ["source": "\(source.rawValue)", "error": "\(String(describing: error).prefix(300))"])
        }
        if sources.contains(.domains) {
            do {
                snapshot.domains = try await client.list("/domains", permissions: GraphDataSource.domains.permissions).compactMap(Self.domain)
            } catch { failed(.domains, error) }
        }
        if sources.contains(.users) {
            do {
                snapshot.users = try await client.list("/users", as: UserRecord.self, select: Self.userFields, top: 999,
                                                       permissions: GraphDataSource.users.permissions).compactMap(Self.user)
            } catch { failed(.users, error) }
        }
        if sources.contains(.applications) {
            do {
                let (applications, grantsProblem) = try await self.applications(grants: sources.contains(.delegatedGrants))
                snapshot.applications = applications
                if let grantsProblem { failed(.delegatedGrants, grantsProblem) }
            } catch { failed(.applications, error) }
        }
        return snapshot
    }

    static func domain(_ json: JSONValue) -> DirectorySnapshot.Domain? {
        guard let name = json["id"]?.stringValue else { return nil }
        return .init(name: name.lowercased(), verified: json["isVerified"]?.boolValue ?? false, initial: json["isInitial"]?.boolValue ?? false,
                     services: json["supportedServices"]?.arrayValue?.compactMap(\.stringValue) ?? [])
    }

    /// The fields of a user the reader selects (`userFields`), typed: a 50,000-user directory
    /// decodes in a fifth of the time a `JSONValue` takes.
    /// A field of an unexpected type is left out (that user's, not the page's): one odd account must
    /// not cost the whole directory.
    struct UserRecord: Decodable, Sendable {
        var id: String?
        var userPrincipalName: String?
        var mail: String?
        var proxyAddresses: [String]?
        var accountEnabled: Bool?
        var userType: String?

        enum CodingKeys: String, CodingKey { case id, userPrincipalName, mail, proxyAddresses, accountEnabled, userType }

        /// A list element that is a string, or nothing (a null or a number in the list is skipped).
        struct LenientString: Decodable, Sendable {
            var value: String?
            init(from decoder: any Decoder) throws { value = try? decoder.singleValueContainer().decode(String.self) }
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            id = try? c.decodeIfPresent(String.self, forKey: .id)
            userPrincipalName = try? c.decodeIfPresent(String.self, forKey: .userPrincipalName)
            mail = try? c.decodeIfPresent(String.self, forKey: .mail)
            proxyAddresses = (try? c.decodeIfPresent([LenientString].self, forKey: .proxyAddresses))?.map { $0.compactMap(\.value) }
            accountEnabled = try? c.decodeIfPresent(Bool.self, forKey: .accountEnabled)
            userType = try? c.decodeIfPresent(String.self, forKey: .userType)
        }
    }

    static func user(_ record: UserRecord) -> DirectorySnapshot.User? {
        guard let id = record.id, let upn = record.userPrincipalName else { return nil }
        let aliases = (record.proxyAddresses ?? []).compactMap { address -> String? in
            guard let colon = address.firstIndex(of: ":"), address[..<colon].lowercased() == "smtp" else { return nil }
            return String(address[address.index(after: colon)...])
        }
        // An account whose state could not be read is not called disabled: that would make it a leaver.
        return .init(id: id, principalName: upn, mail: record.mail, aliases: aliases, enabled: record.accountEnabled ?? true, type: record.userType)
    }

    /// The applications asked for, with their permissions named; the delegated grants when they
    /// can be read (else the error that stopped them).
    func applications(grants readGrants: Bool) async throws -> ([DirectorySnapshot.Application], (any Error)?) {
        var grantsProblem: (any Error)? = readGrants ? nil : GraphAPIError(.missingPermission(needs: GraphDataSource.delegatedGrants.permissions), operation: "GET /oauth2PermissionGrants")
        let permissions = GraphDataSource.applications.permissions
        var roleNames: [String: [String: String]] = [:]  // resource SP id → appRole id → value
        func names(of resource: String) async throws -> [String: String] {
            if let known = roleNames[resource] { return known }
            let found = try await client.object("/servicePrincipals/\(resource)", select: ["id", "appId", "appRoles"], permissions: permissions)
            var map: [String: String] = [:]
            for role in found["appRoles"]?.arrayValue ?? [] {
                if let id = role["id"]?.stringValue, let value = role["value"]?.stringValue { map[id.lowercased()] = value }
            }
            roleNames[resource] = map
            return map
        }
        var out: [DirectorySnapshot.Application] = []
        for appID in applicationIDs {
            for sp in try await client.list("/servicePrincipals", filter: "appId eq '\(appID)'", permissions: permissions) {
                guard let objectID = sp["id"]?.stringValue else { continue }
                var granted: [String] = []
                for assignment in try await client.list("/servicePrincipals/\(objectID)/appRoleAssignments", permissions: permissions) {
                    guard let role = assignment["appRoleId"]?.stringValue, let resource = assignment["resourceId"]?.stringValue else { continue }
                    // An id the resource does not list is shown as the id (never guessed from a table).
                    granted.append(try await names(of: resource)[role.lowercased()] ?? role)
                }
                var delegated: [DirectorySnapshot.DelegatedGrant]?
                if grantsProblem == nil {
                    do {
                        delegated = try await client.list("/oauth2PermissionGrants", filter: "clientId eq '\(objectID)'", permissions: GraphDataSource.delegatedGrants.permissions)
                            .map { .init(scopes: ($0["scope"]?.stringValue ?? "").split(separator: " ").map(String.init), allPrincipals: $0["consentType"]?.stringValue == "AllPrincipals") }
                    } catch let error as GraphAPIError where error.kind == .missingPermission(needs: GraphDataSource.delegatedGrants.permissions) {
                        grantsProblem = error
                    }
                }
                out.append(.init(appID: appID, objectID: objectID, name: sp["displayName"]?.stringValue ?? appID, enabled: sp["accountEnabled"]?.boolValue ?? true,
                                 applicationPermissions: granted.sorted(), delegatedGrants: delegated))
            }
        }
        return (out, grantsProblem)
    }
}
