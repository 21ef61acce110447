import Foundation
import SSPMCore

/// A Microsoft 365 tenant that goes with a Zoom account, with the mismatches a real one has:
/// most people sign in to Microsoft with their Zoom address, some with another (their Zoom
/// address only an alias), a few not at all; some Entra accounts are disabled (leavers still
/// active in Zoom); one of Zoom's domains is not verified in Microsoft 365; Zoom's calendar
/// application holds tenant-wide Mail.Read and Calendars.ReadWrite. The same seed gives the same tenant.
public struct GraphTenantGenerator: Sendable {
    public struct Person: Sendable {
        public var email: String
        public var name: String
        public var active: Bool
        public init(email: String, name: String, active: Bool) {
            self.email = email
            self.name = name
            self.active = active
        }
    }

    public var people: [Person]
    /// Zoom's associated (managed) domains.
    public var domains: [String]
    public var seed: UInt64
    /// Extra Entra-only accounts (service accounts, people without Zoom).
    public var extraUsers: Int

    public init(people: [Person], domains: [String], seed: UInt64 = 1, extraUsers: Int = 5) {
        self.people = people
        self.domains = domains
        self.seed = seed
        self.extraUsers = extraUsers
    }

    struct SplitMix: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    public func generate() -> GraphTenant {
        var rng = SplitMix(state: seed ^ 0x4D53_3635)
        func guid() -> String {
            let a = rng.next(), b = rng.next()
            let hex = String(format: "%016llx%016llx", a, b)
            let c = Array(hex)
            return "\(String(c[0..<8]))-\(String(c[8..<12]))-4\(String(c[13..<16]))-8\(String(c[17..<20]))-\(String(c[20..<32]))"
        }
        let tenantID = guid()
        let primary = domains.first ?? "example.com"
        let slug = primary.split(separator: ".").first.map(String.init) ?? "contoso"
        let initial = "\(slug).onmicrosoft.com"
        var domainObjects: [JSONValue] = [Self.domain(initial, verified: true, initial: true, isDefault: false, services: ["Email", "OfficeCommunicationsOnline"])]
        for (index, name) in domains.enumerated() {
            // The last of several Zoom domains is not verified in Microsoft 365.
            let verified = !(domains.count > 1 && index == domains.count - 1)
            domainObjects.append(Self.domain(name, verified: verified, initial: false, isDefault: index == 0, services: verified ? ["Email", "OfficeCommunicationsOnline"] : []))
        }
        var users: [JSONValue] = []
        for (index, person) in people.enumerated() {
            let roll = Int(rng.next() % 100)
            let local = person.email.split(separator: "@").first.map(String.init) ?? "user\(index)"
            let domain = person.email.split(separator: "@").last.map(String.init) ?? primary
            if roll < 3 { continue }  // not in Microsoft 365 at all
            var upn = person.email
            var proxies = ["SMTP:\(person.email)"]
            if roll < 9 {
                // Signs in to Microsoft with another name; the Zoom address is an alias.
                upn = "\(local).m365@\(domain)"
                proxies = ["SMTP:\(upn)", "smtp:\(person.email)"]
            }
            // Leavers: disabled in Entra, still active in Zoom.
            let enabled = !(roll >= 9 && roll < 12) && person.active
            users.append(["id": .string(guid()), "userPrincipalName": .string(upn), "mail": .string(proxies[0].dropFirst(5).description),
                          "proxyAddresses": .array(proxies.map { .string($0) }), "accountEnabled": .bool(enabled), "userType": "Member",
                          "displayName": .string(person.name)])
        }
        for n in 0..<extraUsers {
            let upn = "svc-\(n)@\(initial)"
            users.append(["id": .string(guid()), "userPrincipalName": .string(upn), "mail": .null, "proxyAddresses": [],
                          "accountEnabled": true, "userType": "Member", "displayName": .string("Service account \(n)")])
        }
        let graphSP = guid(), zoomSP = guid()
        let roles: [String: String] = Dictionary(uniqueKeysWithValues: GraphWellKnown.graphAppRoles.map { ($0.value, $0.id) })
        let servicePrincipals: [JSONValue] = [
            ["id": .string(graphSP), "appId": .string(GraphWellKnown.graphAppID), "appDisplayName": "Microsoft Graph", "displayName": "Microsoft Graph",
             "accountEnabled": true, "servicePrincipalType": "Application", "appOwnerOrganizationId": "f8cdef31-a31e-4b4a-93e4-5f571e91255a",
             "appRoles": .array(GraphWellKnown.graphAppRoles.map { role in
                 ["allowedMemberTypes": ["Application"], "description": .string("Allows the app to use \(role.value) without a signed-in user."),
                  "displayName": .string(role.value), "id": .string(role.id), "isEnabled": true, "origin": "Application", "value": .string(role.value)]
             })],
            ["id": .string(zoomSP), "appId": .string(GraphWellKnown.zoomApplicationPermissionsAppID), "appDisplayName": "Zoom Rooms",
             "displayName": "Zoom Rooms", "accountEnabled": true, "servicePrincipalType": "Application", "appRoles": []],
        ]
        let assignments: [JSONValue] = ["Calendars.ReadWrite", "Mail.Read", "User.Read.All"].map { name in
            ["id": .string(guid()), "createdDateTime": "2025-06-02T09:14:11.2137581Z", "appRoleId": .string(roles[name]!),
             "principalDisplayName": "Zoom Rooms", "principalId": .string(zoomSP), "principalType": "ServicePrincipal",
             "resourceDisplayName": "Microsoft Graph", "resourceId": .string(graphSP)]
        }
        let grants: [JSONValue] = [
            ["id": .string(guid()), "clientId": .string(zoomSP), "consentType": "AllPrincipals", "principalId": .null, "resourceId": .string(graphSP),
             "scope": "User.Read Calendars.ReadWrite offline_access"],
        ]
        let secret = (0..<4).map { _ in String(rng.next() % 1_000_000, radix: 36) }.joined(separator: "~")
        return GraphTenant(tenantID: tenantID, tenantDomain: initial,
                           credentials: .init(clientID: guid(), clientSecret: secret,
                                              permissions: ["Domain.Read.All", "User.Read.All", "Application.Read.All", "Directory.Read.All"]),
                           domains: domainObjects, users: users, servicePrincipals: servicePrincipals, appRoleAssignments: assignments,
                           oauth2PermissionGrants: grants)
    }

    static func domain(_ name: String, verified: Bool, initial: Bool, isDefault: Bool, services: [String]) -> JSONValue {
        ["id": .string(name), "authenticationType": "Managed", "availabilityStatus": .null, "isAdminManaged": true, "isDefault": .bool(isDefault),
         "isInitial": .bool(initial), "isRoot": true, "isVerified": .bool(verified), "passwordNotificationWindowInDays": 14,
         "passwordValidityPeriodInDays": 2_147_483_647, "state": .null, "supportedServices": .array(services.map { .string($0) })]
    }
}
