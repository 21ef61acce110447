import Foundation
import SSPMCore

/// One request to the simulated Microsoft endpoints.
public struct GraphRequest: Sendable {
    public var method: String
    public var path: String
    /// Query parameters, percent-decoded (first value of each name); for the token endpoint also
    /// the form body's fields.
    public var query: [String: String]
    /// Names lower-cased.
    public var headers: [String: String]
    /// `http://host:port` as the client reached it: `@odata.nextLink` points back here.
    public var baseURL: String

    public init(method: String, path: String, query: [String: String] = [:], headers: [String: String] = [:], baseURL: String) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.baseURL = baseURL
    }
}

public struct GraphResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: JSONValue?

    public init(status: Int, headers: [(String, String)] = [], body: JSONValue?) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// Faults a test can switch on (`POST /_sim/faults`).
public struct GraphFaults: Codable, Sendable, Equatable {
    /// The next N API requests are throttled: 429 with `Retry-After`.
    public var throttle: Int = 0
    /// The next N API requests fail with 503 (`serviceNotAvailable`) and `Retry-After`.
    public var serverErrors: Int = 0
    /// Seconds in `Retry-After` (Graph sends whole or fractional seconds).
    public var retryAfter: Double = 1
    /// Throttled answers come without `Retry-After` (as some directory tiers send them).
    public var omitRetryAfter: Bool = false

    public static let keys = ["throttle", "serverErrors", "retryAfter", "omitRetryAfter", "revokeTokens"]
    public init() {}
}

/// Graph's identity-and-access throttling, as Microsoft documents it (throttling-limits, "Identity
/// and access service limits"): a token bucket of resource units per application and tenant, of
/// 3,500 (under 50 users), 5,000 (50 to 500) or 8,000 (over 500) units per 10 seconds. A request
/// costs its path's base cost (GET users, oauth2PermissionGrants and a service principal's
/// appRoleAssignments 2, the others 1), one less with `$select`, one less with a `$top` under
/// 20, never less than 1. Answers carry `x-ms-resource-unit`; past the budget it is 429 with
/// `Retry-After` (the seconds until the bucket holds the request's cost) and `x-ms-throttle-scope`.
public struct GraphThrottling: Sendable, Equatable {
    /// Off: no budget (faults can still throttle).
    public var enabled = true
    /// Units per 10 seconds; nil: by the tenant's size; 0 or less: no budget.
    public var unitsPer10Seconds: Int?
    public init(enabled: Bool = true, unitsPer10Seconds: Int? = nil) {
        self.enabled = enabled
        self.unitsPer10Seconds = unitsPer10Seconds
    }

    /// The documented budget for a tenant of `users` users.
    public static func documentedUnits(users: Int) -> Int { users < 50 ? 3_500 : users <= 500 ? 5_000 : 8_000 }

    /// What a GET of `parts` (after /v1.0) costs.
    public static func cost(_ parts: [String], query: [String: String]) -> Int {
        var cost = 1
        if parts == ["users"] || parts == ["oauth2PermissionGrants"] || (parts.count == 3 && parts[0] == "servicePrincipals" && parts[2] == "appRoleAssignments") {
            cost = 2
        }
        if query["$select"] != nil { cost -= 1 }
        if let top = query["$top"].flatMap(Int.init), top < 20 { cost -= 1 }
        return max(1, cost)
    }
}

/// Microsoft's token endpoint and the Graph v1.0 endpoints OpenSSPM reads, answering as they do:
/// the same JSON shapes, `@odata.context` and `@odata.nextLink`, `$select`, `$top` and the
/// `$filter`s the checks use, OAuth errors with their AADSTS codes, Graph's error bodies,
/// throttling. Documented in docs/SIMULATOR.md.
public actor GraphSimulatorEngine {
    public private(set) var tenant: GraphTenant
    public private(set) var faults = GraphFaults()
    private let now: @Sendable () -> Date
    private var tokens: [String: IssuedToken] = [:]
    /// Requests served per endpoint (`GET /users`), for tests and benchmarks.
    public private(set) var served: [String: Int] = [:]
    public private(set) var throttling = GraphThrottling()
    /// Resource units spent (requests answered within the budget), and 429s for the budget, for benchmarks.
    public private(set) var resourceUnitsSpent = 0
    public private(set) var throttledByBudget = 0
    private var bucket: (units: Double, at: Date)?
    public static let tokenLifetime: TimeInterval = 3599

    struct IssuedToken {
        var roles: Set<String>
        var expiresAt: Date
        var revoked = false
    }

    public init(tenant: GraphTenant, now: @escaping @Sendable () -> Date = { Date() }) {
        self.tenant = tenant
        self.now = now
    }

    public func setFaults(_ faults: GraphFaults) { self.faults = faults }
    public func setThrottling(_ throttling: GraphThrottling) {
        self.throttling = throttling
        bucket = nil
    }

    /// The budget per 10 seconds this tenant has.
    public var unitsPer10Seconds: Int { throttling.unitsPer10Seconds ?? GraphThrottling.documentedUnits(users: tenant.users.count) }

    /// Takes `cost` units from the bucket, or says how long until it holds them.
    private func spend(_ cost: Int) -> Double? {
        let quota = Double(unitsPer10Seconds)
        let rate = quota / 10
        let now = now()
        var current = bucket ?? (quota, now)
        current.units = min(quota, current.units + max(0, now.timeIntervalSince(current.at)) * rate)
        current.at = now
        defer { bucket = current }
        guard current.units >= Double(cost) else { return (Double(cost) - current.units) / rate }
        current.units -= Double(cost)
        return nil
    }
    public func revokeAllTokens() { for key in tokens.keys { tokens[key]?.revoked = true } }
    /// Replaces the tenant (tests change the directory between scans).
    public func update(_ change: @Sendable (inout GraphTenant) -> Void) { change(&tenant) }

    public func handle(_ request: GraphRequest) -> GraphResponse {
        let parts = request.path.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
        if parts.count == 3, parts[1] == "oauth2", parts[2] == "token" { return tokenV1(parts[0]) }
        if parts.count == 4, parts[1] == "v2.0", parts[2] == ".well-known", parts[3] == "openid-configuration" {
            guard request.method == "GET" || request.method == "HEAD" else { return Self.graphError(405, "Request_BadRequest", "The OpenID configuration is read with GET.") }
            return openIDConfiguration(tenant: parts[0], baseURL: request.baseURL)
        }
        if parts.count == 4, parts[1] == "oauth2", parts[2] == "v2.0", parts[3] == "token" {
            guard request.method == "POST" else { return Self.graphError(405, "Request_BadRequest", "The token endpoint takes POST.") }
            return token(tenant: parts[0], form: request.query)
        }
        guard parts.first == "v1.0" else { return Self.graphError(400, "BadRequest", "Invalid version: \(parts.first ?? "")") }
        return api(request, Array(parts.dropFirst()))
    }

    // MARK: Token endpoint

    /// The tenant's OpenID configuration (by its id or its domain), as the login host serves it:
    /// the endpoints and the issuer name the tenant by its id. An unknown tenant is AADSTS90002.
    private func openIDConfiguration(tenant path: String, baseURL: String) -> GraphResponse {
        guard path.lowercased() == tenant.tenantID.lowercased() || path.lowercased() == tenant.tenantDomain?.lowercased() else {
            return Self.oauthError(400, "invalid_tenant", 90002,
                                   "Tenant '\(path.prefix(100))' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.")
        }
        let id = tenant.tenantID
        return GraphResponse(status: 200, headers: [], body: [
            "token_endpoint": .string("\(baseURL)/\(id)/oauth2/v2.0/token"),
            "token_endpoint_auth_methods_supported": ["client_secret_post", "private_key_jwt", "client_secret_basic"],
            "jwks_uri": .string("\(baseURL)/\(id)/discovery/v2.0/keys"),
            "response_modes_supported": ["query", "fragment", "form_post"],
            "subject_types_supported": ["pairwise"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "response_types_supported": ["code", "id_token", "code id_token", "id_token token"],
            "scopes_supported": ["openid", "profile", "email", "offline_access"],
            "issuer": .string("\(baseURL)/\(id)/v2.0"),
            "request_uri_parameter_supported": false,
            "authorization_endpoint": .string("\(baseURL)/\(id)/oauth2/v2.0/authorize"),
            "tenant_region_scope": "EU",
            "cloud_instance_name": "microsoftonline.com",
            "msgraph_host": "graph.microsoft.com",
        ])
    }

    private func tokenV1(_ tenant: String) -> GraphResponse {
        Self.oauthError(400, "invalid_request", 900_144, "The v1.0 token endpoint is not simulated; use /\(tenant)/oauth2/v2.0/token.")
    }

    private func token(tenant path: String, form: [String: String]) -> GraphResponse {
        guard path.lowercased() == tenant.tenantID.lowercased() || path.lowercased() == tenant.tenantDomain?.lowercased() else {
            return Self.oauthError(400, "invalid_request", 90002,
                                   "Tenant '\(path.prefix(100))' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.")
        }
        for name in ["client_id", "grant_type", "scope"] where (form[name] ?? "").isEmpty {
            return Self.oauthError(400, "invalid_request", 900_144, "The request body must contain the following parameter: '\(name)'.")
        }
        guard form["grant_type"] == "client_credentials" else {
            return Self.oauthError(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type '\(form["grant_type"]!.prefix(40))'.")
        }
        let clientID = form["client_id"]!
        guard clientID.lowercased() == tenant.credentials.clientID.lowercased() else {
            return Self.oauthError(400, "unauthorized_client", 700_016,
                                   "Application with identifier '\(clientID.prefix(100))' was not found in the directory '\(tenant.tenantDomain ?? tenant.tenantID)'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.")
        }
        guard form["scope"] == "https://graph.microsoft.com/.default" else {
            return Self.oauthError(400, "invalid_scope", 1_002_012,
                                   "The provided value for scope \(form["scope"]!.prefix(100)) is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).")
        }
        guard let secret = form["client_secret"], !secret.isEmpty else {
            return Self.oauthError(401, "invalid_client", 7_000_218, "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.")
        }
        guard secret == tenant.credentials.clientSecret else {
            return Self.oauthError(401, "invalid_client", 7_000_215,
                                   "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '\(tenant.credentials.clientID)'.")
        }
        if tenant.credentials.secretExpired == true {
            return Self.oauthError(401, "invalid_client", 7_000_222,
                                   "The provided client secret keys for app '\(tenant.credentials.clientID)' are expired. Visit the Azure portal to create new keys for your app: https://aka.ms/NewClientSecret, or consider using certificate credentials for added security: https://aka.ms/certCreds.")
        }
        let value = "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9." + Self.random(96) + "." + Self.random(43)
        tokens[value] = IssuedToken(roles: Set(tenant.credentials.permissions), expiresAt: now().addingTimeInterval(Self.tokenLifetime))
        return GraphResponse(status: 200, headers: [("Cache-Control", "no-store, no-cache"), ("Pragma", "no-cache")],
                             body: ["token_type": "Bearer", "expires_in": 3599, "ext_expires_in": 3599, "access_token": .string(value)])
    }

    static func random(_ count: Int) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        return String((0..<count).map { _ in alphabet[Int.random(in: 0..<alphabet.count)] })
    }

    /// Microsoft identity platform's error body.
    static func oauthError(_ status: Int, _ error: String, _ code: Int, _ message: String) -> GraphResponse {
        let trace = UUID().uuidString.lowercased(), correlation = UUID().uuidString.lowercased()
        let stamp = FastFormats.utcTimestamp(Date()).replacingOccurrences(of: "T", with: " ")
        return GraphResponse(status: status, body: [
            "error": .string(error),
            "error_description": .string("AADSTS\(code): \(message)\r\nTrace ID: \(trace)\r\nCorrelation ID: \(correlation)\r\nTimestamp: \(stamp)"),
            "error_codes": [.int(Int64(code))], "timestamp": .string(stamp), "trace_id": .string(trace), "correlation_id": .string(correlation),
            "error_uri": .string("https://login.microsoftonline.com/error?code=\(code)"),
        ])
    }

    // MARK: Graph API

    /// Graph's error body.
    static func graphError(_ status: Int, _ code: String, _ message: String, headers: [(String, String)] = []) -> GraphResponse {
        let request = UUID().uuidString.lowercased()
        return GraphResponse(status: status, headers: headers + [("request-id", request)], body: [
            "error": ["code": .string(code), "message": .string(message),
                      "innerError": ["date": .string(FastFormats.utcTimestamp(Date())), "request-id": .string(request), "client-request-id": .string(request)]],
        ])
    }

    /// What each collection needs (any one of), and the properties `$select` may name.
    struct Collection {
        var name: String
        var type: String
        var permissions: Set<String>
        var properties: Set<String>
        /// `$filter` forms it takes: property → compared with `eq '…'`.
        var filters: Set<String>
        var pages: Bool
    }

    static let collections: [String: Collection] = [
        "domains": Collection(name: "domains", type: "domain", permissions: ["Domain.Read.All", "Directory.Read.All"],
                              properties: ["id", "authenticationType", "availabilityStatus", "isAdminManaged", "isDefault", "isInitial", "isRoot", "isVerified",
                                           "passwordNotificationWindowInDays", "passwordValidityPeriodInDays", "state", "supportedServices"],
                              filters: [], pages: false),
        "users": Collection(name: "users", type: "user", permissions: ["User.Read.All", "Directory.Read.All"],
                            properties: ["id", "userPrincipalName", "mail", "proxyAddresses", "accountEnabled", "userType", "displayName", "givenName",
                                         "surname", "jobTitle", "department", "createdDateTime", "onPremisesSyncEnabled", "otherMails", "usageLocation",
                                         "employeeId", "businessPhones", "mobilePhone", "officeLocation", "preferredLanguage"],
                            filters: ["userPrincipalName", "mail"], pages: true),
        "servicePrincipals": Collection(name: "servicePrincipals", type: "servicePrincipal", permissions: ["Application.Read.All", "Directory.Read.All"],
                                        properties: ["id", "appId", "appDisplayName", "displayName", "accountEnabled", "appOwnerOrganizationId",
                                                     "appRoleAssignmentRequired", "appRoles", "oauth2PermissionScopes", "servicePrincipalType", "signInAudience",
                                                     "tags", "keyCredentials", "passwordCredentials", "replyUrls", "servicePrincipalNames", "verifiedPublisher",
                                                     "info", "homepage", "publisherName", "deletedDateTime", "description", "notes"],
                                        filters: ["appId", "displayName"], pages: true),
        "appRoleAssignments": Collection(name: "appRoleAssignments", type: "appRoleAssignment", permissions: ["Application.Read.All", "Directory.Read.All"],
                                         properties: ["id", "createdDateTime", "appRoleId", "principalDisplayName", "principalId", "principalType",
                                                      "resourceDisplayName", "resourceId", "deletedDateTime"],
                                         filters: [], pages: true),
        "oauth2PermissionGrants": Collection(name: "oauth2PermissionGrants", type: "oAuth2PermissionGrant", permissions: ["Directory.Read.All"],
                                             properties: ["id", "clientId", "consentType", "principalId", "resourceId", "scope"],
                                             filters: ["clientId", "resourceId"], pages: true),
    ]

    private func api(_ request: GraphRequest, _ parts: [String]) -> GraphResponse {
        let operation = request.method + " /" + parts.enumerated().map { $0.offset == 1 && parts.count >= 2 ? "{id}" : $0.element }.joined(separator: "/")
        served[operation, default: 0] += 1
        // Authentication first, as Graph does.
        guard let auth = request.headers["authorization"], auth.lowercased().hasPrefix("bearer "), auth.count > 7 else {
            return Self.graphError(401, "InvalidAuthenticationToken", "Access token is empty.")
        }
        let value = String(auth.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        guard let token = tokens[value], !token.revoked else {
            return Self.graphError(401, "InvalidAuthenticationToken", "IDX14100: JWT is not well formed, there are no dots (.).")
        }
        guard now() < token.expiresAt else {
            return Self.graphError(401, "InvalidAuthenticationToken", "Lifetime validation failed, the token is expired.")
        }
        if faults.throttle > 0 {
            faults.throttle -= 1
            var headers: [(String, String)] = []
            if !faults.omitRetryAfter { headers.append(("Retry-After", Self.seconds(faults.retryAfter))) }
            let request = UUID().uuidString.lowercased()
            return GraphResponse(status: 429, headers: headers + [("request-id", request)], body: [
                "error": ["code": "TooManyRequests", "message": "Please retry again later.",
                          "innerError": ["code": "429", "date": .string(FastFormats.utcTimestamp(Date())), "message": "Please retry after",
                                         "request-id": .string(request), "status": "429"]],
            ])
        }
        if faults.serverErrors > 0 {
            faults.serverErrors -= 1
            return Self.graphError(503, "serviceNotAvailable", "The service is temporarily unavailable. Please retry later.",
                                   headers: [("Retry-After", Self.seconds(faults.retryAfter))])
        }
        guard request.method == "GET" else { return Self.graphError(405, "Request_BadRequest", "The simulator answers GET only.") }
        guard throttling.enabled, unitsPer10Seconds > 0 else { return route(request, parts, token: token) }
        // A request never costs more than the whole bucket (else it could never pass).
        let cost = min(GraphThrottling.cost(parts, query: request.query), unitsPer10Seconds)
        if let wait = spend(cost) {
            throttledByBudget += 1
            let request = UUID().uuidString.lowercased()
            return GraphResponse(status: 429, headers: [("Retry-After", String(Int(wait.rounded(.up)))), ("request-id", request),
                                                        ("x-ms-throttle-scope", "Tenant_Application/Read/\(tenant.credentials.clientID)/\(tenant.tenantID)"),
                                                        ("x-ms-throttle-information", "ResourceUnitLimitExceeded")], body: [
                "error": ["code": "TooManyRequests", "message": "Please retry again later.",
                          "innerError": ["code": "429", "date": .string(FastFormats.utcTimestamp(Date())), "message": "Please retry after",
                                         "request-id": .string(request), "status": "429"]],
            ])
        }
        resourceUnitsSpent += cost
        var response = route(request, parts, token: token)
        response.headers.append(("x-ms-resource-unit", String(cost)))
        return response
    }

    private func route(_ request: GraphRequest, _ parts: [String], token: IssuedToken) -> GraphResponse {
        switch parts.count {
        case 1:
            guard let collection = Self.collections[parts[0]], parts[0] != "appRoleAssignments" else {
                return Self.graphError(400, "BadRequest", "Resource not found for the segment '\(parts[0].prefix(60))'.")
            }
            let items: [JSONValue]
            switch parts[0] {
            case "domains": items = tenant.domains
            case "users": items = tenant.users
            case "servicePrincipals": items = tenant.servicePrincipals
            default: items = tenant.oauth2PermissionGrants
            }
            return list(request, collection, items, token: token, contextPath: parts[0])
        case 2 where parts[0] == "servicePrincipals":
            guard !token.roles.isDisjoint(with: Self.collections["servicePrincipals"]!.permissions) else {
                return Self.graphError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
            }
            guard let object = tenant.servicePrincipals.first(where: { $0["id"]?.stringValue == parts[1] }), case .object(var fields) = object else {
                return Self.graphError(404, "Request_ResourceNotFound",
                                       "Resource '\(parts[1].prefix(60))' does not exist or one of its queried reference-property objects are not present.")
            }
            var context = "https://graph.microsoft.com/v1.0/$metadata#servicePrincipals/$entity"
            switch Self.selection(request, Self.collections["servicePrincipals"]!) {
            case .failure(let refusal): return refusal.response
            case .success(let names?):
                fields = fields.filter { names.contains($0.key) }
                context = "https://graph.microsoft.com/v1.0/$metadata#servicePrincipals(" + names.joined(separator: ",") + ")/$entity"
            case .success(nil): break
            }
            fields["@odata.context"] = .string(context)
            return GraphResponse(status: 200, headers: [("request-id", UUID().uuidString.lowercased())], body: .object(fields))
        case 3 where parts[0] == "servicePrincipals" && parts[2] == "appRoleAssignments":
            guard tenant.servicePrincipals.contains(where: { $0["id"]?.stringValue == parts[1] }) else {
                return Self.graphError(404, "Request_ResourceNotFound",
                                       "Resource '\(parts[1].prefix(60))' does not exist or one of its queried reference-property objects are not present.")
            }
            let items = tenant.appRoleAssignments.filter { $0["principalId"]?.stringValue == parts[1] }
            return list(request, Self.collections["appRoleAssignments"]!, items, token: token, contextPath: "servicePrincipals('\(parts[1])')/appRoleAssignments")
        default:
            return Self.graphError(400, "BadRequest", "Resource not found for the segment '\(parts.last?.prefix(60) ?? "")'.")
        }
    }

    struct Refusal: Error {
        let response: GraphResponse
    }

    /// The properties `$select` names (nil: none asked), or Graph's 400 for one the type lacks.
    static func selection(_ request: GraphRequest, _ collection: Collection) -> Result<[String]?, Refusal> {
        guard let select = request.query["$select"] else { return .success(nil) }
        // An empty name (`$select=a,,b`) is no property of the type either.
        let names = select.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        if let unknown = names.first(where: { !collection.properties.contains($0) }) {
            return .failure(Refusal(response: graphError(400, "Request_BadRequest",
                                                          "Parsing OData Select and Expand failed: Could not find a property named '\(unknown.prefix(60))' on type 'microsoft.graph.\(collection.type)'.")))
        }
        return .success(names)
    }

    static func seconds(_ value: Double) -> String { value == value.rounded() ? String(Int(value)) : String(value) }

    private func list(_ request: GraphRequest, _ collection: Collection, _ all: [JSONValue], token: IssuedToken, contextPath: String) -> GraphResponse {
        guard !token.roles.isDisjoint(with: collection.permissions) else {
            return Self.graphError(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
        }
        var items = all
        // $filter: `property eq 'value'` on the properties the checks use.
        if let filter = request.query["$filter"] {
            // Anchored at both ends: a match is the whole filter.
            guard let found = Self.filterForm.firstMatch(in: filter, range: NSRange(filter.startIndex..., in: filter)),
                  let nameRange = Range(found.range(at: 1), in: filter), let valueRange = Range(found.range(at: 2), in: filter),
                  collection.filters.contains(String(filter[nameRange])) else {
                return Self.graphError(400, "Request_UnsupportedQuery", "Unsupported Query.")
            }
            let name = String(filter[nameRange]), value = String(filter[valueRange]).lowercased()
            items = items.filter { $0[name]?.stringValue?.lowercased() == value }
        }
        // $select: only the named properties (an unknown one is refused, as Graph does).
        let selected: [String]?
        switch Self.selection(request, collection) {
        case .failure(let refusal): return refusal.response
        case .success(let names): selected = names
        }
        var pageSize = items.count
        var offset = 0
        if collection.pages {
            pageSize = 100
            if let top = request.query["$top"] {
                guard let n = Int(top), (1...999).contains(n) else {
                    return Self.graphError(400, "Request_BadRequest", "Invalid page size specified: '\(top.prefix(20))'. Must be between 1 and 999 inclusive.")
                }
                pageSize = n
            }
            if let skip = request.query["$skiptoken"] {
                guard let decoded = Data(base64Encoded: skip.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/") + String(repeating: "=", count: (4 - skip.count % 4) % 4)),
                      let text = String(data: decoded, encoding: .utf8), text.hasPrefix("sim:"), let n = Int(text.dropFirst(4)), n >= 0 else {
                    return Self.graphError(400, "Directory_ExpiredPageToken", "The specified page token value has expired and can no longer be included in your request.")
                }
                offset = n
            }
        }
        let page = Array(items.dropFirst(offset).prefix(pageSize))
        let projected = page.map { item -> JSONValue in
            guard let selected, case .object(let fields) = item else { return item }
            return .object(fields.filter { selected.contains($0.key) })
        }
        let context = "https://graph.microsoft.com/v1.0/$metadata#" + contextPath + (selected.map { "(" + $0.joined(separator: ",") + ")" } ?? "")
        var body: [String: JSONValue] = ["@odata.context": .string(context), "value": .array(projected)]
        if collection.pages, offset + page.count < items.count {
            let token = Data("sim:\(offset + page.count)".utf8).base64EncodedString()
                .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
            var query = request.query.filter { $0.key != "$skiptoken" }.sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) }
            query.append((key: "$skiptoken", value: token))
            let encoded = query.map { Self.percentEncode($0.key) + "=" + Self.percentEncode($0.value) }.joined(separator: "&")
            body["@odata.nextLink"] = .string(request.baseURL + request.path + "?" + encoded)
        }
        return GraphResponse(status: 200, headers: [("request-id", UUID().uuidString.lowercased())], body: .object(body))
    }

    /// `property eq 'value'`, the only `$filter` form simulated.
    static let filterForm = try! NSRegularExpression(pattern: #"^\s*(\w+)\s+eq\s+'([^']*)'\s*$"#)

    static func percentEncode(_ text: String) -> String { FormEncoding.percentEncode(text, keeping: FormEncoding.odataQueryKept) }
}
