import Foundation

/// An identity directory read for cross-checks (Microsoft Entra through Graph is the first): its
/// domains, users and the applications whose permissions matter. Provider-neutral: the reader
/// maps its vendor's objects into this, and the checks of another provider read it.
public struct DirectorySnapshot: Codable, Sendable, Equatable {
    public struct Domain: Codable, Sendable, Equatable {
        /// The domain name (`contoso.com`).
        public var name: String
        public var verified: Bool
        /// The directory's own initial domain (`contoso.onmicrosoft.com`), not a custom one.
        public var initial: Bool
        /// What the domain is used for (`Email`, `OfficeCommunicationsOnline`, …).
        public var services: [String]
        public init(name: String, verified: Bool, initial: Bool, services: [String]) {
            self.name = name
            self.verified = verified
            self.initial = initial
            self.services = services
        }
    }

    public struct User: Codable, Sendable, Equatable {
        public var id: String
        /// The sign-in name (UPN).
        public var principalName: String
        public var mail: String?
        /// Other addresses that reach the user (`proxyAddresses` without their `smtp:` prefix).
        public var aliases: [String]
        public var enabled: Bool
        /// `Member` or `Guest`.
        public var type: String?
        public init(id: String, principalName: String, mail: String?, aliases: [String], enabled: Bool, type: String?) {
            self.id = id
            self.principalName = principalName
            self.mail = mail
            self.aliases = aliases
            self.enabled = enabled
            self.type = type
        }
    }

    /// An application found by its well-known id, with what it was granted.
    public struct Application: Codable, Sendable, Equatable {
        public var appID: String
        public var objectID: String
        public var name: String
        public var enabled: Bool
        /// Application permissions granted to it, by name (resolved through the resource's roles).
        public var applicationPermissions: [String]
        /// Delegated grants: the scopes, and whether an admin consented for everyone (nil: they
        /// could not be read; `unavailable` says why).
        public var delegatedGrants: [DelegatedGrant]?
        public init(appID: String, objectID: String, name: String, enabled: Bool, applicationPermissions: [String], delegatedGrants: [DelegatedGrant]?) {
            self.appID = appID
            self.objectID = objectID
            self.name = name
            self.enabled = enabled
            self.applicationPermissions = applicationPermissions
            self.delegatedGrants = delegatedGrants
        }
    }

    public struct DelegatedGrant: Codable, Sendable, Equatable {
        public var scopes: [String]
        public var allPrincipals: Bool
        public init(scopes: [String], allPrincipals: Bool) {
            self.scopes = scopes
            self.allPrincipals = allPrincipals
        }
    }

    /// The directory's id (a tenant id) and name, for evidence.
    public var directoryID: String
    public var readAt: Date
    /// nil: not read (see `unavailable`).
    public var domains: [Domain]?
    public var users: [User]?
    public var applications: [Application]?
    /// Data source → why it could not be read (a missing permission, in words).
    public var unavailable: [String: String]

    /// A directory none of whose parts could be read, each for `reason` (e.g. its connector is
    /// disconnected): the cross-checks say so instead of calling the account unpaired.
    public static func unreadable(directoryID: String, readAt: Date, reason: String) -> DirectorySnapshot {
        DirectorySnapshot(directoryID: directoryID, readAt: readAt,
                          unavailable: Dictionary(uniqueKeysWithValues: ["domains", "users", "applications"].map { ($0, reason) }))
    }

    public init(directoryID: String, readAt: Date, domains: [Domain]? = nil, users: [User]? = nil, applications: [Application]? = nil,
                unavailable: [String: String] = [:]) {
        self.directoryID = directoryID
        self.readAt = readAt
        self.domains = domains
        self.users = users
        self.applications = applications
        self.unavailable = unavailable
    }
}

/// Where a person stands in a paired directory: an enabled account, a disabled one, or none.
public enum DirectoryStanding: String, Sendable, Codable, Hashable {
    case enabled, disabled, missing
}

extension DirectorySnapshot {
    /// The users, each with where they stand in this directory (as they were when its users were
    /// not read). The sync's inventory and `sspm detect --graph-tenant` both come through here.
    public func standings(of users: [InventoryUser]) -> [InventoryUser] {
        guard let directoryUsers = self.users else { return users }
        let index = DirectoryIndex(directoryUsers)
        return users.map { user in
            var user = user
            user.directoryStanding = index.standing(of: user.email)
            return user
        }
    }
}

/// A directory's users by every address that reaches them (UPN, mail, aliases), in lower case.
public struct DirectoryIndex: Sendable {
    public let upn: [String: DirectorySnapshot.User]
    public let any: [String: DirectorySnapshot.User]

    public init(_ users: [DirectorySnapshot.User]) {
        var upn: [String: DirectorySnapshot.User] = [:], any: [String: DirectorySnapshot.User] = [:]
        upn.reserveCapacity(users.count)
        any.reserveCapacity(users.count * 2)
        for user in users {
            let principal = Self.folded(user.principalName)
            upn[principal] = user
            var addresses = [principal]
            if let mail = user.mail { addresses.append(Self.folded(mail)) }
            for alias in user.aliases { addresses.append(Self.folded(alias)) }
            for key in addresses {
                // An enabled account wins over a disabled one with the same address.
                if let known = any[key], known.enabled, !user.enabled { continue }
                any[key] = user
            }
        }
        self.upn = upn
        self.any = any
    }

    /// The account an address reaches: its sign-in name first, then any alias (nil: none).
    public func account(for address: String) -> DirectorySnapshot.User? {
        let key = Self.folded(address)
        return upn[key] ?? any[key]
    }

    /// Where a person of another directory stands in this one, by their address.
    public func standing(of address: String) -> DirectoryStanding {
        guard let account = account(for: address) else { return .missing }
        return account.enabled ? .enabled : .disabled
    }

    /// Lower case, without a copy when the text has no upper-case ASCII and no non-ASCII.
    public static func folded(_ text: String) -> String {
        text.utf8.allSatisfy { $0 < 0x80 && !(0x41...0x5A).contains($0) } ? text : text.lowercased()
    }
}
