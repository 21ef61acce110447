import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import SSPMCore
import SSPMHTTP

/// The three values of an Entra ID app registration with application permissions.
public struct GraphCredentials: Sendable, CustomStringConvertible {
    public var tenantID: String
    public var clientID: String
    public var clientSecret: Secret
    public init(tenantID: String, clientID: String, clientSecret: Secret) {
        self.tenantID = tenantID
        self.clientID = clientID
        self.clientSecret = clientSecret
    }
    public var description: String { "GraphCredentials(tenantID: \(tenantID), clientID: \(clientID), clientSecret: [REDACTED])" }
}

/// Where Microsoft's endpoints are: the global cloud, a national cloud, or a simulator.
public struct GraphCloud: Sendable, Equatable {
    /// `https://login.microsoftonline.com`
    public var loginURL: String
    /// `https://graph.microsoft.com`
    public var graphURL: String
    /// The resource the token is for (the scope is this plus `/.default`): Graph's identifier in
    /// that cloud, whatever host serves it (a simulator, a proxy).
    public var resource: String
    public init(loginURL: String, graphURL: String, resource: String = "https://graph.microsoft.com") {
        self.loginURL = loginURL.hasSuffix("/") ? String(loginURL.dropLast()) : loginURL
        self.graphURL = graphURL.hasSuffix("/") ? String(graphURL.dropLast()) : graphURL
        self.resource = resource
    }
    public static let global = GraphCloud(loginURL: "https://login.microsoftonline.com", graphURL: "https://graph.microsoft.com")
    public static let usGovernment = GraphCloud(loginURL: "https://login.microsoftonline.us", graphURL: "https://graph.microsoft.us", resource: "https://graph.microsoft.us")
    public static let usGovernmentDoD = GraphCloud(loginURL: "https://login.microsoftonline.us", graphURL: "https://dod-graph.microsoft.us", resource: "https://dod-graph.microsoft.us")
    public static let china = GraphCloud(loginURL: "https://login.chinacloudapi.cn", graphURL: "https://microsoftgraph.chinacloudapi.cn", resource: "https://microsoftgraph.chinacloudapi.cn")
    public static let named: [String: GraphCloud] = ["global": .global, "usgov": .usGovernment, "usgov-dod": .usGovernmentDoD, "china": .china]
}

/// Retries and waits.
public struct GraphClientConfiguration: Sendable {
    public var cloud: GraphCloud
    /// 429 and 503 retried this many times per request (waiting `Retry-After`, else backing off).
    public var maxRetries = 6
    /// A `Retry-After` longer than this is not waited for: the request fails as throttled.
    public var longestWait: Duration = .seconds(120)
    /// Back-off when Graph sends no `Retry-After` (doubled per attempt, with jitter).
    public var backoff: Duration = .seconds(2)
    public var requestTimeout: Duration = .seconds(60)
    public init(cloud: GraphCloud = .global) { self.cloud = cloud }
}

/// Counters for progress and benchmarks.
public struct GraphStats: Sendable, Equatable {
    public var requests = 0
    public var throttled = 0
    public var tokenFetches = 0
    public var byOperation: [String: Int] = [:]
    public init() {}
}

/// A client-credentials token, cached and shared; fetched again before it expires or when Graph
/// rejects it.
public actor GraphTokenProvider {
    let credentials: GraphCredentials
    let configuration: GraphClientConfiguration
    let http: HTTPClient
    private let cache = TokenCache<GraphToken>(secret: { $0.value }, isFresh: { ContinuousClock.now < $0.refreshAt })
    private(set) var fetches = 0

    struct GraphToken: Sendable {
        var value: Secret
        var refreshAt: ContinuousClock.Instant
    }

    public init(credentials: GraphCredentials, configuration: GraphClientConfiguration, http: HTTPClient) {
        self.credentials = credentials
        self.configuration = configuration
        self.http = http
    }

    public func token(rejected: Secret? = nil) async throws -> Secret {
        try await cache.token(rejected: rejected) { try await self.fetch() }.value
    }

    /// A URL of the tenant on the login host: `{login}/{tenant}{suffix}`, the tenant percent-encoded.
    nonisolated func loginURL(_ suffix: String) -> String {
        configuration.cloud.loginURL + "/" + FormEncoding.percentEncode(credentials.tenantID) + suffix
    }

    private func fetch() async throws -> GraphToken {
        fetches += 1
        let operation = "POST /oauth2/v2.0/token"
        let url = loginURL("/oauth2/v2.0/token")
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        func form(_ value: String) -> String { FormEncoding.percentEncode(value) }
        let body = "client_id=\(form(credentials.clientID))&client_secret=\(form(credentials.clientSecret.value))&scope=\(form(configuration.cloud.resource + "/.default"))&grant_type=client_credentials"
        request.body = .bytes(ByteBuffer(string: body))
        let started = ContinuousClock.now
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await http.send(request, timeout: .seconds(Int64(configuration.requestTimeout.components.seconds)))
            bytes = try await response.body.collect(upTo: 1 << 20)
        } catch {
            throw GraphAPIError(.unreachable(host: URLComponents(string: url)?.host ?? url, detail: describeTransport(error)), operation: operation)
        }
        let json = try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: bytes))
        guard response.status == .ok else {
            let error = json?["error"]?.stringValue ?? "HTTP \(response.status.code)"
            let code = json?["error_codes"]?.arrayValue?.first?.intValue.map(Int.init)
            switch code {
            case 7_000_215: throw GraphAPIError(.wrongSecret, operation: operation)
            case 7_000_222: throw GraphAPIError(.expiredSecret, operation: operation)
            case 700_016: throw GraphAPIError(.appNotFound, operation: operation)
            case 90002: throw GraphAPIError(.tenantNotFound, operation: operation)
            default:
                // The description's first line, without the trace and correlation ids.
                let description = json?["error_description"]?.stringValue ?? ""
                let first = description.components(separatedBy: "\r\n").first ?? description
                let message = String((first.range(of: ": ").map { String(first[$0.upperBound...]) } ?? first).prefix(300))
                throw GraphAPIError(.tokenRefused(error: String(error.prefix(60)), code: code, message: message), operation: operation)
            }
        }
        guard let value = json?["access_token"]?.stringValue, !value.isEmpty else {
            throw GraphAPIError(.malformedResponse(detail: "a token answer without access_token"), operation: operation)
        }
        let lifetime = Double(json?["expires_in"]?.intValue ?? 3599)
        return GraphToken(value: Secret(value), refreshAt: started + .seconds(max(lifetime - 300, 60)))
    }
}

/// Reads Microsoft Graph v1.0 with application permissions: follows `@odata.nextLink` (only back
/// to the same Graph host: a link elsewhere is refused, so the token never leaves for another
/// host), waits out 429 and 503 as `Retry-After` says (or backs off), fetches a new token once
/// when Graph rejects one.
public actor GraphClient {
    public let configuration: GraphClientConfiguration
    let tokens: GraphTokenProvider
    let http: HTTPClient
    let logger: Logger
    public private(set) var stats = GraphStats()

    public init(credentials: GraphCredentials, configuration: GraphClientConfiguration = .init(), http: HTTPClient, logger: Logger) {
        self.configuration = configuration
        self.tokens = GraphTokenProvider(credentials: credentials, configuration: configuration, http: http)
        self.http = http
        self.logger = logger
    }

    /// A token now (the connection check's first step).
    public func checkToken() async throws { _ = try await tokens.token() }

    /// The tenant's id (a GUID, lower case), also when the connector names the tenant by one of its
    /// domains: read from the tenant's OpenID configuration on the login host (unauthenticated;
    /// `issuer` is `…/{tenant id}/v2.0`). A domain is one of many names of a tenant; its id is the
    /// only one that tells two connectors of one tenant apart. nil when it cannot be read.
    public func tenantGUID() async -> String? {
        let tenant = tokens.credentials.tenantID
        if UUID(uuidString: tenant) != nil { return tenant.lowercased() }
        let url = tokens.loginURL("/v2.0/.well-known/openid-configuration")
        var request = HTTPClientRequest(url: url)
        request.headers.add(name: "Accept", value: "application/json")
        guard let response = try? await http.send(request, timeout: .seconds(Int64(configuration.requestTimeout.components.seconds))),
              response.status == .ok, let bytes = try? await response.body.collect(upTo: 1 << 20),
              let json = try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: bytes)),
              let issuer = json["issuer"]?.stringValue, let components = URLComponents(string: issuer)
        else { return nil }
        // Exactly `/{id}/v2.0`: nothing else in the path is taken for the id.
        let parts = components.path.split(separator: "/").map(String.init)
        guard parts.count == 2, parts[1] == "v2.0", UUID(uuidString: parts[0]) != nil else { return nil }
        return parts[0].lowercased()
    }

    /// Every item of a collection, page after page. `path` is relative to the version
    /// (`/users`); `select` and `top` become `$select` and `$top`, `filter` `$filter`.
    public func list(_ path: String, select: [String]? = nil, top: Int? = nil, filter: String? = nil, permissions: [String] = []) async throws -> [JSONValue] {
        try await list(path, as: JSONValue.self, select: select, top: top, filter: filter, permissions: permissions)
    }

    /// Every item of a collection decoded as `T` (a typed item decodes several times faster than
    /// a `JSONValue`: the directory's users are read this way).
    public func list<T: Decodable & Sendable>(_ path: String, as type: T.Type, select: [String]? = nil, top: Int? = nil, filter: String? = nil,
                                              permissions: [String] = []) async throws -> [T] {
        var items: [T] = []
        var url: String? = self.url(path, select: select, top: top, filter: filter)
        let operation = "GET " + path
        var pages = 0
        while let next = url {
            let page = try await self.page(next, as: T.self, operation: operation, permissions: permissions)
            items += page.value
            pages += 1
            guard let link = page.nextLink else { break }
            guard Self.sameOrigin(link, configuration.cloud.graphURL) else {
                throw GraphAPIError(.malformedResponse(detail: "a next link to another host (\(URLComponents(string: link)?.host ?? "?")); not followed"), operation: operation)
            }
            guard pages < 100_000 else { throw GraphAPIError(.malformedResponse(detail: "more than 100,000 pages"), operation: operation) }
            url = link
        }
        return items
    }

    /// The first page only (a connection check: one cheap request per data source).
    public func firstPage(_ path: String, select: [String]? = nil, top: Int? = nil, permissions: [String] = []) async throws -> [JSONValue] {
        try await page(url(path, select: select, top: top), as: JSONValue.self, operation: "GET " + path, permissions: permissions).value
    }

    /// One object (`/servicePrincipals/{id}`).
    public func object(_ path: String, select: [String]? = nil, permissions: [String] = []) async throws -> JSONValue {
        let parts = path.split(separator: "/").enumerated().map { $0.offset == 1 ? "{id}" : String($0.element) }
        return try await get(url(path, select: select), operation: "GET /" + parts.joined(separator: "/"), permissions: permissions)
    }

    /// The version's URL of `path` with the query options given.
    func url(_ path: String, select: [String]? = nil, top: Int? = nil, filter: String? = nil) -> String {
        var query: [(String, String)] = []
        if let select { query.append(("$select", select.joined(separator: ","))) }
        if let top { query.append(("$top", String(top))) }
        if let filter { query.append(("$filter", filter)) }
        return configuration.cloud.graphURL + "/v1.0" + path + (query.isEmpty ? "" : "?" + query.map { "\($0.0)=\(Self.encode($0.1))" }.joined(separator: "&"))
    }

    /// A collection's page as Graph sends it.
    struct Page<T: Decodable>: Decodable {
        /// A null item is skipped, not the page.
        var value: [T?]?
        var nextLink: String?
        enum CodingKeys: String, CodingKey {
            case value
            case nextLink = "@odata.nextLink"
        }
    }

    /// One page of a collection: its items and the next link, if any.
    func page<T: Decodable>(_ url: String, as type: T.Type, operation: String, permissions: [String]) async throws -> (value: [T], nextLink: String?) {
        let body = try await fetch(url, operation: operation, permissions: permissions)
        let page: Page<T>
        do { page = try JSONDecoder().decode(Page<T>.self, from: body) } catch {
            throw GraphAPIError(.malformedResponse(detail: "a page that does not decode as expected (\(String(describing: error).prefix(200)))"), operation: operation)
        }
        guard let value = page.value else { throw GraphAPIError(.malformedResponse(detail: "a page without value[]"), operation: operation) }
        return (value.compactMap { $0 }, page.nextLink)
    }

    /// Graph's error body (what the client reads of it).
    struct ErrorBody: Decodable {
        struct Detail: Decodable {
            var code: String?
            var message: String?
        }
        var error: Detail?
    }

    static func sameOrigin(_ a: String, _ b: String) -> Bool {
        guard let x = URLComponents(string: a), let y = URLComponents(string: b) else { return false }
        return x.scheme?.lowercased() == y.scheme?.lowercased() && x.host?.lowercased() == y.host?.lowercased() && x.port == y.port
    }

    /// A query option's value: OData's `$`, `,`, `'` and parentheses are left as they are.
    static func encode(_ text: String) -> String { FormEncoding.percentEncode(text, keeping: FormEncoding.odataQueryKept) }

    /// One GET with the retries, as JSON.
    func get(_ url: String, operation: String, permissions: [String]) async throws -> JSONValue {
        let body = try await fetch(url, operation: operation, permissions: permissions)
        guard let json = try? JSONDecoder().decode(JSONValue.self, from: body) else {
            throw GraphAPIError(.malformedResponse(detail: "\(body.count) bytes that are not JSON"), operation: operation)
        }
        return json
    }

    /// One GET with the retries: the body of its 200.
    func fetch(_ url: String, operation: String, permissions: [String]) async throws -> Data {
        var attempts = 0
        var refreshed = false
        var token = try await tokens.token()
        while true {
            var request = HTTPClientRequest(url: url)
            request.headers.add(name: "Authorization", value: "Bearer \(token.value)")
            request.headers.add(name: "Accept", value: "application/json")
            stats.requests += 1
            stats.byOperation[operation, default: 0] += 1
            let response: HTTPClientResponse
            let body: ByteBuffer
            do {
                response = try await http.send(request, timeout: .seconds(Int64(configuration.requestTimeout.components.seconds)))
                body = try await response.body.collect(upTo: 64 << 20)
            } catch {
                attempts += 1
                if attempts <= configuration.maxRetries {
                    try await Task.sleep(for: delay(attempts, retryAfter: nil))
                    continue
                }
                throw GraphAPIError(.unreachable(host: URLComponents(string: url)?.host ?? "?", detail: describeTransport(error)), operation: operation)
            }
            let status = Int(response.status.code)
            if status == 200 { return Data(buffer: body) }
            let error = (try? JSONDecoder().decode(ErrorBody.self, from: Data(buffer: body)))?.error
            let code = error?.code ?? ""
            let message = String((error?.message ?? "").prefix(300))
            let retryAfter = response.headers.first(name: "Retry-After")
            switch status {
            case 401 where !refreshed:
                refreshed = true
                token = try await tokens.token(rejected: token)
                continue
            case 401:
                throw GraphAPIError(.accessTokenRejected(message: message), operation: operation)
            case 403:
                throw GraphAPIError(code == "Authorization_RequestDenied" ? .missingPermission(needs: permissions) : .api(status: status, code: code, message: message), operation: operation)
            case 404:
                throw GraphAPIError(.notFound(message: message), operation: operation)
            case 429, 503, 502, 504, 500:
                if status == 429 { stats.throttled += 1 }
                attempts += 1
                let wait = retryAfter.flatMap(Double.init).flatMap { retryAfterWait(seconds: $0) }
                if attempts > configuration.maxRetries || (wait ?? .zero) > configuration.longestWait {
                    throw GraphAPIError(status == 429 ? .throttled(retryAfter: retryAfter) : .serverError(status: status), operation: operation)
                }
                logger.info("Graph asked to wait", metadata: ["operation": "\(operation)", "status": "\(status)", "retry_after": "\(retryAfter ?? "-")"])
                try await Task.sleep(for: delay(attempts, retryAfter: wait))
                continue
            default:
                throw GraphAPIError(.api(status: status, code: String(code.prefix(80)), message: message), operation: operation)
            }
        }
    }

    private func delay(_ attempt: Int, retryAfter: Duration?) -> Duration {
        if let retryAfter { return retryAfter }
        return configuration.backoff * (1 << min(attempt - 1, 5)) * Double.random(in: 0.8...1.2)
    }

    public func tokenFetches() async -> Int { await tokens.fetches }
}
