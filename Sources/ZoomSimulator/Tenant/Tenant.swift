import Foundation
import SSPMCore
import ZoomAPI

/// A Zoom account for the simulator: every part is exactly the JSON that Zoom returns for the
/// matching endpoint, so a real account captured through the API can be replayed.
/// The format is described in docs/ARCHITECTURE.md ("Tenant files").
public struct Tenant: Codable, Sendable {
    public struct Credentials: Codable, Sendable {
        public var accountID: String
        public var clientID: String
        public var clientSecret: String
        /// Scopes the Server-to-Server OAuth app was granted (classic or granular names).
        public var scopes: [String]
        public var webhookSecretToken: String?

        enum CodingKeys: String, CodingKey {
            case accountID = "account_id", clientID = "client_id", clientSecret = "client_secret"
            case scopes, webhookSecretToken = "webhook_secret_token"
        }

        public init(accountID: String, clientID: String, clientSecret: String, scopes: [String], webhookSecretToken: String?) {
            self.accountID = accountID
            self.clientID = clientID
            self.clientSecret = clientSecret
            self.scopes = scopes
            self.webhookSecretToken = webhookSecretToken
        }
    }

    public var plan: ZoomPlan
    /// `{"id": …, "account_name": …}`
    public var account: JSONValue
    public var credentials: Credentials
    /// Full body of GET /accounts/me/settings, plus `meeting_security`, `meeting_authentication`
    /// and `recording_authentication` (see ARCHITECTURE.md).
    public var settings: JSONValue?
    public var lockSettings: JSONValue?
    public var users: [JSONValue]
    public var userSettings: [String: JSONValue]?
    /// GET /groups items plus `settings`, `lock_settings` and `members` (user ids).
    public var groups: [JSONValue]
    /// GET /roles items plus `members` (user ids).
    public var roles: [JSONValue]
    public var managedDomains: JSONValue?
    public var trustedDomains: JSONValue?
    public var activityLogs: [JSONValue]
    public var operationLogs: [JSONValue]
    /// Team Chat channel objects, optionally with `members` (user ids).
    public var channels: [JSONValue]

    enum CodingKeys: String, CodingKey {
        case plan, account, credentials, settings
        case lockSettings = "lock_settings", users, userSettings = "user_settings", groups, roles
        case managedDomains = "managed_domains", trustedDomains = "trusted_domains"
        case activityLogs = "activity_logs", operationLogs = "operation_logs", channels
    }

    public init(
        plan: ZoomPlan, account: JSONValue, credentials: Credentials, settings: JSONValue? = nil,
        lockSettings: JSONValue? = nil, users: [JSONValue] = [], userSettings: [String: JSONValue]? = nil,
        groups: [JSONValue] = [], roles: [JSONValue] = [], managedDomains: JSONValue? = nil,
        trustedDomains: JSONValue? = nil, activityLogs: [JSONValue] = [], operationLogs: [JSONValue] = [],
        channels: [JSONValue] = []
    ) {
        self.plan = plan
        self.account = account
        self.credentials = credentials
        self.settings = settings
        self.lockSettings = lockSettings
        self.users = users
        self.userSettings = userSettings
        self.groups = groups
        self.roles = roles
        self.managedDomains = managedDomains
        self.trustedDomains = trustedDomains
        self.activityLogs = activityLogs
        self.operationLogs = operationLogs
        self.channels = channels
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        plan = try c.decodeIfPresent(ZoomPlan.self, forKey: .plan) ?? .pro
        account = try c.decode(JSONValue.self, forKey: .account)
        credentials = try c.decode(Credentials.self, forKey: .credentials)
        settings = try c.decodeIfPresent(JSONValue.self, forKey: .settings)
        lockSettings = try c.decodeIfPresent(JSONValue.self, forKey: .lockSettings)
        users = try c.decodeIfPresent([JSONValue].self, forKey: .users) ?? []
        userSettings = try c.decodeIfPresent([String: JSONValue].self, forKey: .userSettings)
        groups = try c.decodeIfPresent([JSONValue].self, forKey: .groups) ?? []
        roles = try c.decodeIfPresent([JSONValue].self, forKey: .roles) ?? []
        managedDomains = try c.decodeIfPresent(JSONValue.self, forKey: .managedDomains)
        trustedDomains = try c.decodeIfPresent(JSONValue.self, forKey: .trustedDomains)
        activityLogs = try c.decodeIfPresent([JSONValue].self, forKey: .activityLogs) ?? []
        operationLogs = try c.decodeIfPresent([JSONValue].self, forKey: .operationLogs) ?? []
        channels = try c.decodeIfPresent([JSONValue].self, forKey: .channels) ?? []
    }

    public var accountID: String { account["id"]?.stringValue ?? credentials.accountID }

    /// Reads a tenant file, with an error that names the file, line and column.
    public static func load(path: String) throws -> Tenant {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TenantFileError("cannot read tenant file \(path): no such file or not readable")
        }
        do {
            return try JSONDecoder().decode(Tenant.self, from: data)
        } catch let DecodingError.dataCorrupted(context) {
            throw TenantFileError("tenant file \(path) is not valid JSON: \(JSONErrorLocation.describe(context, in: data))")
        } catch let DecodingError.keyNotFound(key, context) {
            let at = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw TenantFileError("tenant file \(path) lacks the required key \"\(key.stringValue)\"\(at.isEmpty ? "" : " in \(at)"). See docs/ARCHITECTURE.md for the format.")
        } catch let DecodingError.typeMismatch(type, context) {
            let at = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw TenantFileError("tenant file \(path): \(at) should be \(type). See docs/ARCHITECTURE.md for the format.")
        } catch {
            throw TenantFileError("tenant file \(path) could not be read: \(error)")
        }
    }

    public func write(path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try encoder.encode(self).write(to: URL(fileURLWithPath: path), options: .atomic)
    }
}

public struct TenantFileError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
