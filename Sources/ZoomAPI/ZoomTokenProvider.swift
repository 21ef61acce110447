import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import SSPMCore
import SSPMHTTP

/// A Server-to-Server OAuth access token.
public struct ZoomAccessToken: Sendable, CustomStringConvertible {
    public let value: Secret
    /// Granted scopes, from the token response's space-separated `scope`.
    public let scopes: Set<String>
    /// When the client should stop using it (Zoom's expiry minus the refresh margin), client clock.
    public let refreshAt: Duration
    /// The regional API host Zoom suggested, if any.
    public let apiURL: String?
    public var description: String { "ZoomAccessToken(scopes: \(scopes.sorted()), value: [REDACTED])" }
}

/// Fetches and caches the account's access token: one fetch at a time (concurrent callers share it),
/// refreshed before it expires, and fetched anew when Zoom rejects the one in use.
public actor ZoomTokenProvider {
    private let credentials: ZoomCredentials
    private let tokenURL: String
    private let http: HTTPClient
    private let clock: any PacingClock
    private let refreshMargin: Duration
    private let requestTimeout: Duration
    private let logger: Logger
    private let stats: StatsRecorder?
    private let trustedHosts: [String]
    private let cache: TokenCache<ZoomAccessToken>

    public init(
        credentials: ZoomCredentials, tokenURL: String, http: HTTPClient, clock: any PacingClock,
        refreshMargin: Duration = .seconds(60), requestTimeout: Duration = .seconds(30), logger: Logger
    ) {
        self.init(credentials: credentials, tokenURL: tokenURL, http: http, clock: clock, refreshMargin: refreshMargin,
                  requestTimeout: requestTimeout, logger: logger, stats: nil)
    }

    init(
        credentials: ZoomCredentials, tokenURL: String, http: HTTPClient, clock: any PacingClock,
        refreshMargin: Duration, requestTimeout: Duration, logger: Logger, stats: StatsRecorder?, trustedHosts: [String] = []
    ) {
        self.trustedHosts = trustedHosts
        self.cache = TokenCache(secret: { $0.value }, isFresh: { [clock] token in clock.now() < token.refreshAt })
        self.credentials = credentials
        self.tokenURL = tokenURL
        self.http = http
        self.clock = clock
        self.refreshMargin = refreshMargin
        self.requestTimeout = requestTimeout
        self.logger = logger
        self.stats = stats
    }

    /// A valid token. `rejected` is the token value Zoom just refused: if it is still the cached one,
    /// a new one is fetched; if another caller already replaced it, the replacement is returned.
    public func token(rejected: Secret? = nil) async throws -> ZoomAccessToken {
        try await cache.token(rejected: rejected) { try await self.fetch() }
    }

    /// Forgets the cached token.
    public func invalidate() async { await cache.invalidate() }

    private func fetch() async throws -> ZoomAccessToken {
        await stats?.tokenFetch()
        var components = URLComponents(string: tokenURL)
        var items = components?.queryItems ?? []
        items.append(URLQueryItem(name: "grant_type", value: "account_credentials"))
        items.append(URLQueryItem(name: "account_id", value: credentials.accountID))
        components?.queryItems = items
        guard let url = components?.string, let host = components?.host else {
            throw ZoomAPIError(.unreachable(host: tokenURL, detail: "the token URL is not a valid URL"), operation: "POST /oauth/token")
        }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        let basic = Data("\(credentials.clientID):\(credentials.clientSecret.value)".utf8).base64EncodedString()
        request.headers.add(name: "Authorization", value: "Basic \(basic)")
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Content-Length", value: "0")
        let started = clock.now()
        let response: HTTPClientResponse
        let body: ByteBuffer
        do {
            response = try await http.send(request, timeout: .nanoseconds(requestTimeout.nanosecondsClamped))
            body = try await response.body.collect(upTo: 1 << 20)
        } catch {
            throw ZoomAPIError(.unreachable(host: host, detail: describeTransport(error)), operation: "POST /oauth/token")
        }
        let json = try? JSONDecoder().decode(TokenBody.self, from: body)
        guard response.status == .ok else {
            let error = json?.error ?? ""
            let status = Int(response.status.code)
            let reason = ZoomHosts.quote(json?.reason, body: String(buffer: body), status: status, host: host, trusted: trustedHosts)
            logger.warning("Zoom token request refused", metadata: ["status": "\(status)", "error": "\(LogText.clean(error, limit: 100))"])
            let rawReason = (json?.reason ?? "").lowercased()
            if rawReason.contains("disabled") || rawReason.contains("deactivated") {
                throw ZoomAPIError(.appDeactivated, operation: "POST /oauth/token")
            }
            switch error {
            case "invalid_client": throw ZoomAPIError(.invalidClientCredentials, operation: "POST /oauth/token")
            case "invalid_request": throw ZoomAPIError(.invalidAccountID, operation: "POST /oauth/token")
            default:
                if response.status.code >= 500 { throw ZoomAPIError(.serverError(status: Int(response.status.code)), operation: "POST /oauth/token") }
                let shown = error.isEmpty || !ZoomHosts.isAllowed(host, trusted: trustedHosts) ? "HTTP \(status)" : String(error.prefix(100))
                throw ZoomAPIError(.tokenRequestRejected(error: shown, reason: reason), operation: "POST /oauth/token")
            }
        }
        guard let json, let token = json.access_token, !token.isEmpty else {
            throw ZoomAPIError(.malformedResponse(detail: "token response without access_token"), operation: "POST /oauth/token")
        }
        let lifetime = Duration.seconds(json.expires_in ?? 3599)
        let scopes = ZoomHosts.scopeNames(json.scope)
        logger.debug("Fetched Zoom access token", metadata: ["scopes": "\(scopes.count)", "expires_in": "\(json.expires_in ?? 0)"])
        return ZoomAccessToken(value: Secret(token), scopes: scopes, refreshAt: started + lifetime - refreshMargin, apiURL: json.api_url)
    }

    private struct TokenBody: Decodable {
        var access_token: String?
        var token_type: String?
        var expires_in: Int?
        var scope: String?
        var api_url: String?
        var error: String?
        var reason: String?
    }
}

extension Duration {
    public var nanosecondsClamped: Int64 {
        let (seconds, attoseconds) = components
        if seconds > Int64.max / 1_000_000_000 - 1 { return Int64.max }
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
    public var secondsDouble: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
