import SSPMCore
import SSPMHTTP
import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// The Zoom REST client: authenticates with the account's Server-to-Server OAuth app, paces
/// requests per rate-limit category, retries what is worth retrying and turns Zoom's error bodies
/// into `ZoomAPIError`s. The `HTTPClient` is owned by the caller.
public final class ZoomClient: Sendable {
    public let configuration: ZoomClientConfiguration
    public let credentials: ZoomCredentials
    public let tokens: ZoomTokenProvider
    public let pacer: RatePacer
    let http: HTTPClient
    let logger: Logger
    let clock: any PacingClock
    let recorder = StatsRecorder()

    public init(
        credentials: ZoomCredentials, configuration: ZoomClientConfiguration = .init(), http: HTTPClient,
        logger: Logger, clock: any PacingClock = SystemPacingClock()
    ) {
        self.credentials = credentials
        self.configuration = configuration
        self.http = http
        self.logger = logger
        self.clock = clock
        self.pacer = RatePacer(plan: configuration.plan, fraction: configuration.rateFraction, clock: clock)
        self.tokens = ZoomTokenProvider(
            credentials: credentials, tokenURL: configuration.tokenURL, http: http, clock: clock,
            refreshMargin: configuration.tokenRefreshMargin, requestTimeout: configuration.requestTimeout,
            logger: logger, stats: recorder, trustedHosts: configuration.trustedHosts)
    }

    /// Requests, 429s and retries so far.
    public func stats() async -> ZoomClientStats {
        var stats = await recorder.stats
        let waits = await pacer.waitSummary()
        stats.pacingWaits = waits.count
        stats.pacingWaitTotal = waits.total
        return stats
    }

    public func resetStats() async { await recorder.reset() }

    /// Validates the credentials by fetching a token; returns the granted scopes.
    public func grantedScopes() async throws -> Set<String> {
        try await tokens.token().scopes
    }

    /// Sends one request and decodes the JSON body as `T`.
    public func send<T: Decodable & Sendable>(
        _ operation: ZoomOperation, _ type: T.Type = T.self, path: [String: String] = [:],
        query: [(String, String)] = [], body: JSONValue? = nil
    ) async throws -> T {
        try await perform(operation, path: path, query: query, body: body) { buffer in
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            return try decoder.decode(T.self, from: buffer)
        }
    }

    /// Sends one request and returns the body as JSON exactly as Zoom sent it (keys unchanged).
    public func sendJSON(
        _ operation: ZoomOperation, path: [String: String] = [:], query: [(String, String)] = [], body: JSONValue? = nil
    ) async throws -> JSONValue {
        try await perform(operation, path: path, query: query, body: body) { buffer in
            if buffer.readableBytes == 0 { return JSONValue.null }
            return try JSONDecoder().decode(JSONValue.self, from: buffer)
        }
    }

    private func url(for operation: ZoomOperation, path: [String: String], query: [(String, String)]) -> String {
        var base = configuration.apiURL
        while base.hasSuffix("/") { base.removeLast() }
        var components = URLComponents(string: base + operation.concretePath(path))
        if !query.isEmpty {
            components?.percentEncodedQueryItems = query.map {
                URLQueryItem(name: $0.0, value: FormEncoding.percentEncode($0.1, keeping: ":"))
            }
        }
        return components?.string ?? base + operation.concretePath(path)
    }

    private func perform<T: Sendable>(
        _ operation: ZoomOperation, path: [String: String], query: [(String, String)], body: JSONValue?,
        decode: @Sendable (ByteBuffer) throws -> T
    ) async throws -> T {
        let name = operation.endpoint
        let category = operation.category
        let target = url(for: operation, path: path, query: query)
        let host = URLComponents(string: target)?.host ?? configuration.apiURL
        var rateRetries = 0
        var transientRetries = 0
        var tokenRetried = false
        var requestBody: ByteBuffer?
        if let body { requestBody = ByteBuffer(data: try JSONEncoder().encode(body)) }

        /// Spends one transient retry (5xx, timeout, dropped connection, undecodable body): false when none is left.
        func retryTransient(_ reason: String) async throws -> Bool {
            guard transientRetries < configuration.maxTransientRetries else { return false }
            transientRetries += 1
            await recorder.transientRetry()
            logger.info("Zoom request failed, retrying", metadata: ["operation": "\(name)", "reason": "\(reason)", "attempt": "\(transientRetries)"])
            try await clock.sleep(for: backoff(transientRetries))
            return true
        }

        while true {
            try Task.checkCancellation()
            let token: ZoomAccessToken
            do {
                token = try await tokens.token()
            } catch let error as ZoomAPIError {
                // A network blip or a 5xx at the token endpoint is worth the same bounded retries as the API.
                switch error.kind {
                case .unreachable, .serverError, .malformedResponse:
                    guard try await retryTransient("token endpoint: \(error.kind)") else { throw error }
                    continue
                default:
                    throw error
                }
            }
            try await pacer.acquire(category)
            await recorder.request(operation)
            var request = HTTPClientRequest(url: target)
            request.method = HTTPMethod(rawValue: operation.method.rawValue)
            request.headers.add(name: "Authorization", value: "Bearer \(token.value.value)")
            request.headers.add(name: "Accept", value: "application/json")
            if let requestBody {
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(requestBody)
            }
            let status: Int
            let headers: HTTPHeaders
            let buffer: ByteBuffer
            do {
                let response = try await http.send(request, timeout: .nanoseconds(configuration.requestTimeout.nanosecondsClamped))
                status = Int(response.status.code)
                headers = response.headers
                buffer = try await response.body.collect(upTo: 64 << 20)
            } catch let error where !(error is CancellationError) {
                if Task.isCancelled { throw CancellationError() }
                let detail = describeTransport(error)
                if try await retryTransient(detail) { continue }
                throw ZoomAPIError(.unreachable(host: host, detail: detail), operation: name)
            }

            if (200..<300).contains(status) {
                do {
                    return try decode(buffer)
                } catch {
                    if try await retryTransient("\(buffer.readableBytes) bytes that do not decode") { continue }
                    throw ZoomAPIError(.malformedResponse(detail: "\(buffer.readableBytes) bytes that do not decode: \(Self.shortDecodingError(error))"), operation: name)
                }
            }

            let zoomError = try? JSONDecoder().decode(ZoomErrorBody.self, from: buffer)
            let message = ZoomHosts.quote(zoomError?.message, body: String(buffer: buffer), status: status, host: host, trusted: configuration.trustedHosts)
            switch status {
            case 401:
                await recorder.tokenRejection()
                if zoomError?.code == 124 || zoomError == nil, !tokenRetried {
                    tokenRetried = true
                    logger.info("Zoom rejected the access token, fetching a new one", metadata: ["operation": "\(name)", "message": "\(message)"])
                    _ = try await tokens.token(rejected: token.value)
                    continue
                }
                throw ZoomAPIError(.accessTokenRejected(message: message), operation: name)
            case 429:
                await recorder.rateLimited(category)
                // Quoted in messages, so only values shaped like Zoom's are kept.
                let type = ZoomHosts.headerWord(headers.first(name: "X-RateLimit-Type"))
                let retryAfter = ZoomHosts.headerWord(headers.first(name: "Retry-After"))
                let wait = retryAfter.flatMap { Self.retryAfterDelay($0) }
                if type?.lowercased() == "daily-limit" || (wait ?? .zero) > configuration.maxRetryAfterWait {
                    throw ZoomAPIError(.rateLimited(category: category, type: type, retryAfter: retryAfter), operation: name)
                }
                guard rateRetries < configuration.maxRateLimitRetries else {
                    throw ZoomAPIError(.rateLimited(category: category, type: type, retryAfter: retryAfter), operation: name)
                }
                rateRetries += 1
                let delay = wait ?? jittered(configuration.rateLimitBackoff)
                logger.info("Zoom answered 429, backing off", metadata: ["operation": "\(name)", "category": "\(category.rawValue)", "delay_ms": "\(delay.components.seconds * 1000 + delay.components.attoseconds / 1_000_000_000_000_000)"])
                await pacer.backOff(category, for: delay)
                continue
            case 500...599:
                await recorder.serverError()
                if try await retryTransient("HTTP \(status)") { continue }
                throw ZoomAPIError(.serverError(status: status), operation: name)
            case 404:
                throw ZoomAPIError(.notFound(code: zoomError?.code ?? 404, message: message), operation: name)
            default:
                switch zoomError?.code {
                case 4711, 4700:
                    // Scope names are quoted from Zoom's reply only when it came from an allowed host.
                    throw ZoomAPIError(.missingScopes(Self.scopes(in: ZoomHosts.isAllowed(host, trusted: configuration.trustedHosts) ? message : "",
                                                                  operation: operation)), operation: name)
                case 300 where (zoomError?.message ?? "").lowercased().contains("page token"):
                    throw ZoomAPIError(.pageTokenExpired, operation: name)
                case 200:
                    throw ZoomAPIError(.notPermitted(message: message), operation: name)
                default:
                    throw ZoomAPIError(.api(status: status, code: zoomError?.code, message: message), operation: name)
                }
            }
        }
    }

    private func backoff(_ attempt: Int) -> Duration {
        let base = configuration.transientBackoff * (1 << min(attempt - 1, 6))
        return jittered(base)
    }

    private func jittered(_ base: Duration) -> Duration {
        base * Double.random(in: 0.8...1.2)
    }

    /// Zoom's 4711 message lists the scopes: "Invalid access token, does not contain scopes:[a, b]."
    static func scopes(in message: String, operation: ZoomOperation) -> [String] {
        if let open = message.firstIndex(of: "["), let close = message[open...].firstIndex(of: "]") {
            let list = message[message.index(after: open)..<close]
                .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            if !list.isEmpty { return list }
        }
        return operation.granularScopes.isEmpty ? operation.classicScopes : operation.granularScopes
    }

    /// Retry-After is either delta-seconds or a date (Zoom sends an ISO-8601 date on daily limits).
    static func retryAfterDelay(_ value: String, now: Date = Date()) -> Duration? {
        if let seconds = Double(value.trimmingCharacters(in: .whitespaces)) { return retryAfterWait(seconds: seconds) }
        let iso = ISO8601DateFormatter()
        if let date = iso.date(from: value) { return retryAfterWait(seconds: max(0, date.timeIntervalSince(now))) }
        return nil
    }

    static func shortDecodingError(_ error: any Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context): return context.debugDescription
        case DecodingError.keyNotFound(let key, _): return "missing key \(key.stringValue)"
        case DecodingError.typeMismatch(_, let context):
            return "type mismatch at \(context.codingPath.map(\.stringValue).joined(separator: "."))"
        default: return String("\(error)".prefix(160))
        }
    }
}

/// Zoom's error body: `{"code": 124, "message": "Invalid access token."}`.
struct ZoomErrorBody: Decodable, Sendable {
    var code: Int?
    var message: String?
}
