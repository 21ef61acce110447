import Foundation
import SSPMCore

/// A simulated Microsoft Entra (Microsoft 365) tenant, in Graph's own JSON: each collection holds
/// objects exactly as `GET /v1.0/{collection}` returns them (camelCase names, GUID ids). Only the
/// app registration (`credentials`) is the simulator's own. Documented in docs/SIMULATOR.md.
///
///     {"tenantId": "…", "credentials": {"clientId": "…", "clientSecret": "…", "permissions": ["User.Read.All", …]},
///      "domains": [{"id": "contoso.com", "isVerified": true, …}], "users": [{"id": "…", "userPrincipalName": "…", …}],
///      "servicePrincipals": [{"id": "…", "appId": "…", "appRoles": […], …}],
///      "appRoleAssignments": [{"id": "…", "principalId": "<sp id>", "resourceId": "<graph sp id>", "appRoleId": "…", …}],
///      "oauth2PermissionGrants": [{"id": "…", "clientId": "<sp id>", "consentType": "AllPrincipals", "scope": "…", …}]}
public struct GraphTenant: Codable, Sendable {
    /// The app registration OpenSSPM signs in with.
    public struct Credentials: Codable, Sendable {
        public var clientID: String
        public var clientSecret: String
        /// The secret's expiry has passed (AADSTS7000222).
        public var secretExpired: Bool?
        /// Application permissions admin-consented to the app (`Domain.Read.All`, …); they go into the token's roles.
        public var permissions: [String]

        enum CodingKeys: String, CodingKey { case clientID = "clientId", clientSecret, secretExpired, permissions }

        public init(clientID: String, clientSecret: String, secretExpired: Bool? = nil, permissions: [String]) {
            self.clientID = clientID
            self.clientSecret = clientSecret
            self.secretExpired = secretExpired
            self.permissions = permissions
        }
    }

    public var tenantID: String
    /// Also accepted in the token path (`contoso.onmicrosoft.com`).
    public var tenantDomain: String?
    public var credentials: Credentials
    public var domains: [JSONValue]
    public var users: [JSONValue]
    public var servicePrincipals: [JSONValue]
    public var appRoleAssignments: [JSONValue]
    public var oauth2PermissionGrants: [JSONValue]

    enum CodingKeys: String, CodingKey {
        case tenantID = "tenantId", tenantDomain, credentials, domains, users, servicePrincipals, appRoleAssignments, oauth2PermissionGrants
    }

    public init(tenantID: String, tenantDomain: String? = nil, credentials: Credentials, domains: [JSONValue] = [], users: [JSONValue] = [],
                servicePrincipals: [JSONValue] = [], appRoleAssignments: [JSONValue] = [], oauth2PermissionGrants: [JSONValue] = []) {
        self.tenantID = tenantID
        self.tenantDomain = tenantDomain
        self.credentials = credentials
        self.domains = domains
        self.users = users
        self.servicePrincipals = servicePrincipals
        self.appRoleAssignments = appRoleAssignments
        self.oauth2PermissionGrants = oauth2PermissionGrants
    }

    public static func load(path: String) throws -> GraphTenant {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw GraphTenantError("Cannot read the Graph tenant file \(path): \(error.localizedDescription)")
        }
        do { return try JSONDecoder().decode(GraphTenant.self, from: data) } catch DecodingError.dataCorrupted(let context) {
            throw GraphTenantError("The Graph tenant file \(path) is not valid JSON: \(JSONErrorLocation.describe(context, in: data))")
        } catch {
            throw GraphTenantError("The Graph tenant file \(path) does not have the expected shape (tenantId, credentials, domains, users, servicePrincipals, appRoleAssignments, oauth2PermissionGrants): \(error)")
        }
    }

    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}

public struct GraphTenantError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Well-known identifiers (public facts about Microsoft Graph and Zoom's Entra applications).
public enum GraphWellKnown {
    /// Microsoft Graph's own application id: its service principal holds the `appRoles` every
    /// application permission is one of.
    public static let graphAppID = "00000003-0000-0000-c000-000000000000"
    /// Zoom's enterprise applications for calendar and mail (Zoom's calendaring explainer).
    public static let zoomFullDelegateAppID = "a651cfda-cbdd-4a39-bd03-fa829c3c1b29"
    public static let zoomApplicationPermissionsAppID = "f56e91e5-5a82-452f-b435-d4d78aeaf064"
    /// Microsoft Graph's application permissions (appRole ids) the simulator's Graph service principal lists.
    public static let graphAppRoles: [(value: String, id: String)] = [
        ("Calendars.ReadWrite", "ef54d2bf-783f-4e0f-bca1-3210c0444d99"),
        ("Calendars.Read", "798ee544-9d2d-430c-a058-570e29e34338"),
        ("Calendars.ReadBasic.All", "8ba4a692-bc31-4128-9094-475872af8a53"),
        ("Mail.Read", "810c84a8-4a9e-49e6-bf7d-12d183f40d01"),
        ("Mail.ReadWrite", "e2a3a72e-5f79-4c64-b1b1-878b674786c9"),
        ("Mail.Send", "b633e1c5-b582-4048-a93e-9f11b44c7e96"),
        ("User.Read.All", "df021288-bdef-4463-88db-98f22de89214"),
        ("Directory.Read.All", "7ab1d382-f21e-4acd-a863-ba3e13f7da61"),
        ("Domain.Read.All", "dbb9058a-0e50-45d7-ae91-66909b5d4664"),
        ("Application.Read.All", "9a5d68dd-52b0-4cc2-bd40-abcf44ac3a30"),
        ("Group.Read.All", "5b567255-7703-4780-807c-7be8301ae99b"),
        ("Contacts.Read", "089fe4d0-434a-44c5-8827-41ba8a0b17f5"),
        ("Contacts.ReadWrite", "6918b873-d17a-4dc1-b314-35f528134491"),
    ]
}
