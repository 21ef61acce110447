import Foundation
import Logging
import SSPMCore
import ZoomAPI

/// The simulated Zoom: tenant data, tokens, page tokens, rate limits and faults, behind one actor.
/// HTTP is handled by `ZoomSimulatorServer`; this type answers `SimRequest`s.
public actor ZoomSimulatorEngine {
    struct IssuedToken {
        var clientID: String
        var scopes: Set<String>
        var issuedAt: Date
        var expiresAt: Date
        var revoked = false
    }

    struct Cursor {
        var listing: Listing
        var offset: Int
        var pageSize: Int
        var issuedAt: Date
        var items: [JSONValue]
    }

    public nonisolated let clock: SimulatorClock
    let logger: Logger
    var tenant: Tenant
    var tokens: [String: IssuedToken] = [:]
    var tokenOrder: [String] = []
    var cursors: [String: Cursor] = [:]
    var limiter: SimulatedRateLimiter
    public private(set) var faults = SimulatorFaults()
    var userIndexByID: [String: Int] = [:]
    var userIndexByEmail: [String: Int] = [:]
    var groupIndexByID: [String: Int] = [:]
    var webhooks: WebhookDispatcher?
    var requestCount = 0
    var operationCounts: [ZoomOperation: Int] = [:]

    /// Page tokens expire this long after issue (Zoom: 15 minutes).
    public static let pageTokenLifetime: TimeInterval = 15 * 60
    /// Access tokens live this long (Zoom: one hour; `expires_in` says 3599).
    public static let tokenLifetime: TimeInterval = 3600

    public init(tenant: Tenant, clock: SimulatorClock = SimulatorClock(), logger: Logger) {
        self.tenant = tenant
        self.clock = clock
        self.logger = logger
        self.limiter = SimulatedRateLimiter(plan: tenant.plan)
        (userIndexByID, userIndexByEmail, groupIndexByID) = Self.indexes(of: tenant)
    }

    func reindex() {
        (userIndexByID, userIndexByEmail, groupIndexByID) = Self.indexes(of: tenant)
    }

    static func indexes(of tenant: Tenant) -> ([String: Int], [String: Int], [String: Int]) {
        var byID: [String: Int] = [:]
        var byEmail: [String: Int] = [:]
        var groups: [String: Int] = [:]
        for (index, user) in tenant.users.enumerated() {
            if let id = user["id"]?.stringValue { byID[id] = index }
            if let email = user["email"]?.stringValue { byEmail[email.lowercased()] = index }
        }
        for (index, group) in tenant.groups.enumerated() {
            if let id = group["id"]?.stringValue { groups[id] = index }
        }
        return (byID, byEmail, groups)
    }

    func attach(webhooks: WebhookDispatcher?) { self.webhooks = webhooks }

    /// The tenant as it is now (including changes made through the API).
    public func currentTenant() -> Tenant { tenant }

    // MARK: Faults

    public func setFaults(_ faults: SimulatorFaults) { self.faults = faults }
    public func updateFaults(_ change: (inout SimulatorFaults) -> Void) { change(&faults) }

    /// Revokes every access token issued so far.
    public func revokeAllTokens() {
        for key in tokens.keys { tokens[key]?.revoked = true }
    }

    public func exhaustDailyLimit(_ category: RateLimitCategory) {
        limiter.exhaustDaily(category, simNow: clock.now())
    }

    /// 429s this simulator has sent, per category, and requests it served.
    public func rateLimitCounters() -> (served: [RateLimitCategory: Int], issued429: [RateLimitCategory: Int]) {
        (limiter.served, limiter.issued429)
    }

    public func resetRateLimitCounters() { limiter.resetCounters() }

    /// `/v2` requests received per operation (every one that matched a route, refused or not).
    public func requestsByOperation() -> [ZoomOperation: Int] { operationCounts }

    var latency: Int { faults.latencyMilliseconds }

    // MARK: Entry point

    public func handle(_ request: SimRequest) async -> SimResponse {
        requestCount += 1
        var response: SimResponse
        if request.path == "/oauth/token" {
            response = tokenEndpoint(request)
        } else if request.path.hasPrefix("/v2/") || request.path == "/v2" {
            response = apiRequest(request)
        } else {
            response = SimResponse.error(404, code: 404, "Not Found")
        }
        response.headers.append(("x-zm-trackingid", "v=2.0;clid=us06;rid=WEB_\(Self.randomHex(32))"))
        if request.path == "/oauth/token" {
            response.headers.append(("Cache-Control", "no-store"))
        } else {
            response.headers.append(("Cache-Control", "no-cache, no-store, must-revalidate, no-transform"))
        }
        return response
    }

    // MARK: Token endpoint

    func tokenEndpoint(_ request: SimRequest) -> SimResponse {
        guard request.method == "POST" else {
            return .oauthError(405, error: "invalid_request", reason: "Method Not Allowed")
        }
        guard let (clientID, secret) = Self.basicCredentials(request.headers["authorization"]) else {
            return .oauthError(400, error: "invalid_client", reason: "Invalid client_id or client_secret")
        }
        guard let grant = request.query["grant_type"], !grant.isEmpty else {
            return .oauthError(400, error: "unsupported_grant_type", reason: "unsupported grant type")
        }
        guard grant == "account_credentials" else {
            return .oauthError(400, error: "unsupported_grant_type", reason: "unsupported grant type")
        }
        guard clientID == tenant.credentials.clientID, secret == tenant.credentials.clientSecret else {
            return .oauthError(400, error: "invalid_client", reason: "Invalid client_id or client_secret")
        }
        guard let accountID = request.query["account_id"], accountID == tenant.credentials.accountID else {
            return .oauthError(400, error: "invalid_request", reason: "Bad Request")
        }
        if faults.appDeactivated {
            // Zoom's exact body for a deactivated app is not documented; its OAuth error table
            // names "The app has been disabled" (4717). See docs/SIMULATOR.md.
            return .oauthError(400, error: "invalid_client", reason: "The app has been disabled")
        }
        let now = clock.now()
        let token = Self.makeAccessToken()
        tokens[token] = IssuedToken(clientID: clientID, scopes: Set(tenant.credentials.scopes), issuedAt: now,
                                    expiresAt: now.addingTimeInterval(Self.tokenLifetime))
        tokenOrder.append(token)
        if let tolerance = faults.tokenTolerance, tokenOrder.count > tolerance {
            for old in tokenOrder.dropLast(max(tolerance, 1)) { tokens[old]?.revoked = true }
        }
        if tokenOrder.count > 10_000 {
            let drop = tokenOrder.prefix(5_000)
            for old in drop { tokens[old] = nil }
            tokenOrder.removeFirst(5_000)
        }
        return SimResponse(
            status: 200, headers: [("Pragma", "no-cache")],
            body: .json([
                "access_token": .string(token), "token_type": "bearer", "expires_in": 3599,
                "scope": .string(tenant.credentials.scopes.joined(separator: " ")),
                "api_url": "https://api.zoom.us",
            ]))
    }

    static func basicCredentials(_ header: String?) -> (String, String)? {
        guard let header, header.lowercased().hasPrefix("basic ") else { return nil }
        guard let data = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
            let text = String(data: data, encoding: .utf8), let colon = text.firstIndex(of: ":")
        else { return nil }
        return (String(text[..<colon]), String(text[text.index(after: colon)...]))
    }

    static func makeAccessToken() -> String {
        // JWT-shaped like Zoom's tokens, but opaque: only this simulator can read it.
        "eyJzdiI6IjAwMDAwMiIsImFsZyI6IkhTNTEyIiwidiI6IjIuMCJ9." + randomBase64URL(96) + "." + randomBase64URL(43)
    }

    // MARK: API requests

    func apiRequest(_ request: SimRequest) -> SimResponse {
        let path = String(request.path.dropFirst(3))
        guard let (operation, parameters) = Self.route(method: request.method, path: path) else {
            return SimResponse.error(404, code: 2300, "This API endpoint is not recognized.")
        }
        operationCounts[operation, default: 0] += 1
        var headers: [(String, String)] = [("X-RateLimit-Category", operation.category.rawValue)]
        func finish(_ response: SimResponse) -> SimResponse {
            var response = response
            response.headers.append(contentsOf: headers)
            return response
        }

        // Authentication.
        guard let auth = request.headers["authorization"], auth.lowercased().hasPrefix("bearer ") else {
            return finish(.error(401, code: 124, "Invalid access token."))
        }
        let value = String(auth.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        guard let token = tokens[value], !token.revoked, !faults.appDeactivated else {
            return finish(.error(401, code: 124, "Invalid access token."))
        }
        let now = clock.now()
        guard now < token.expiresAt else {
            return finish(.error(401, code: 124, "Access token is expired."))
        }

        // Rate limits (the storm fault answers as the per-second limit does).
        if faults.rateLimitStorm > 0 {
            faults.rateLimitStorm -= 1
            let limit = Int(tenant.plan.limit(operation.category).perSecond.rounded(.up))
            headers += [("X-RateLimit-Type", "QPS"), ("X-RateLimit-Limit", "\(limit)"), ("X-RateLimit-Remaining", "0")]
            return finish(.error(429, code: 429, "You have reached the maximum per-second rate limit for this API. Try again later."))
        }
        switch limiter.check(operation.category, simNow: now) {
        case .perSecond(let limit):
            headers += [("X-RateLimit-Type", "QPS"), ("X-RateLimit-Limit", "\(limit)"), ("X-RateLimit-Remaining", "0")]
            return finish(.error(429, code: 429, "You have reached the maximum per-second rate limit for this API. Try again later."))
        case .daily(let limit, let resetsAt):
            headers += [("X-RateLimit-Type", "Daily-limit"), ("X-RateLimit-Limit", "\(limit)"), ("X-RateLimit-Remaining", "0"),
                        ("Retry-After", Self.isoSeconds(resetsAt))]
            return finish(.error(429, code: 429, "You have reached the maximum daily rate limit for this API. Refer to the response header for details on when you can make another request."))
        case .allowed(let dailyLimit, let remaining):
            if let dailyLimit, let remaining {
                headers += [("X-RateLimit-Limit", "\(dailyLimit)"), ("X-RateLimit-Remaining", "\(remaining)")]
            }
        }

        // Scopes: any one of the operation's classic or granular scopes grants it.
        if token.scopes.isDisjoint(with: operation.acceptedScopes) {
            let named = operation.granularScopes.isEmpty ? operation.classicScopes : operation.granularScopes
            return finish(.error(400, code: 4711, "Invalid access token, does not contain scopes:[\(named.joined(separator: ", "))]."))
        }

        if faults.serverErrors > 0 {
            faults.serverErrors -= 1
            return finish(.error(faults.serverErrorStatus, code: faults.serverErrorStatus, "Internal Server Error"))
        }
        if faults.expirePageTokens > 0, let pageToken = request.query["next_page_token"], !pageToken.isEmpty {
            faults.expirePageTokens -= 1
            cursors[pageToken] = nil
            return finish(.error(400, code: 300, "The next page token is invalid or expired."))
        }

        var response = dispatch(operation, parameters: parameters, request: request, now: now)
        if (200..<300).contains(response.status) {
            if faults.malformedJSON > 0, case .json = response.body {
                faults.malformedJSON -= 1
                response.malform = true
            } else if faults.truncatedPages > 0, case .json = response.body {
                faults.truncatedPages -= 1
                response.truncate = true
            }
        }
        return finish(response)
    }

    static let routable: [ZoomOperation] = ZoomOperation.all

    static func route(method: String, path: String) -> (ZoomOperation, [String: String])? {
        // Literal paths win over templates (`/users/summary` is not `/users/{userId}`).
        var best: (ZoomOperation, [String: String])?
        for operation in routable {
            if let parameters = operation.match(method: method, path: path) {
                if parameters.isEmpty { return (operation, parameters) }
                if best == nil || parameters.count < best!.1.count { best = (operation, parameters) }
            }
        }
        return best
    }

    // MARK: Helpers

    static func randomHex(_ count: Int) -> String {
        let digits = Array("0123456789abcdef")
        return String((0..<count).map { _ in digits[Int.random(in: 0..<16)] })
    }

    static func randomBase64URL(_ count: Int) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        return String((0..<count).map { _ in alphabet[Int.random(in: 0..<alphabet.count)] })
    }

    public static func isoSeconds(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: date)
    }
}
