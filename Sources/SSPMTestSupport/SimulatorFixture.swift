import AsyncHTTPClient
import Foundation
import SSPMProvider
import Logging
import SSPMCore
import Synchronization
import ZoomAPI
import ZoomSimulator

/// A running simulator plus an HTTP client, for tests over loopback.
public struct SimulatorFixture: Sendable {
    public let simulator: RunningSimulator
    public let http: HTTPClient
    public let logs: LogCapture
    public let logger: Logger

    public var engine: ZoomSimulatorEngine { simulator.engine }

    /// Starts a simulator for `tenant`, runs `body`, and shuts everything down.
    public static func with<T: Sendable>(
        _ tenant: Tenant, options: ZoomSimulatorOptions = .init(), _ body: (SimulatorFixture) async throws -> T
    ) async throws -> T {
        let logs = LogCapture()
        let logger = logs.logger(label: "test")
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: ProviderHTTP.configuration)
        let simulator: RunningSimulator
        do {
            simulator = try await RunningSimulator.start(tenant: tenant, options: options, http: http, logger: logger)
        } catch {
            try await http.shutdown()
            throw error
        }
        let fixture = SimulatorFixture(simulator: simulator, http: http, logs: logs, logger: logger)
        do {
            let result = try await body(fixture)
            await simulator.stop()
            try await http.shutdown()
            return result
        } catch {
            await simulator.stop()
            try? await http.shutdown()
            throw error
        }
    }

    /// A client with quick back-offs so fault tests finish fast.
    public func client(
        credentials: ZoomCredentials? = nil, plan: ZoomPlan? = nil, configure: (inout ZoomClientConfiguration) -> Void = { _ in }
    ) async -> ZoomClient {
        let tenant = await engine.currentTenant()
        var configuration = ZoomClientConfiguration(
            apiURL: simulator.apiURL, tokenURL: simulator.tokenURL, plan: plan ?? tenant.plan,
            requestTimeout: .seconds(10), transientBackoff: .milliseconds(20), rateLimitBackoff: .milliseconds(50))
        // The tests' own simulator stands in for Zoom, so its replies may be quoted (see ZoomHosts).
        configuration.trustedHosts = ["127.0.0.1"]
        configure(&configuration)
        let resolved: ZoomCredentials
        if let credentials { resolved = credentials } else { resolved = await simulator.credentials() }
        return ZoomClient(credentials: resolved, configuration: configuration, http: http, logger: logger)
    }

    /// A raw request to the simulator (for wire-level checks).
    public func raw(
        _ method: String, _ path: String, headers: [(String, String)] = [], body: Data? = nil
    ) async throws -> (status: Int, headers: [(String, String)], body: Data) {
        var request = HTTPClientRequest(url: simulator.baseURL + path)
        request.method = .init(rawValue: method)
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        if let body { request.body = .bytes(body) }
        let response = try await http.execute(request, timeout: .seconds(10))
        let buffer = try await response.body.collect(upTo: 64 << 20)
        return (Int(response.status.code), response.headers.map { ($0.name, $0.value) }, Data(buffer: buffer))
    }

    /// A bearer token from the simulator's token endpoint.
    public func accessToken() async throws -> String {
        let tenant = await engine.currentTenant()
        let basic = Data("\(tenant.credentials.clientID):\(tenant.credentials.clientSecret)".utf8).base64EncodedString()
        let response = try await raw("POST", "/oauth/token?grant_type=account_credentials&account_id=\(tenant.credentials.accountID)",
                                     headers: [("Authorization", "Basic \(basic)")])
        let json = try JSONDecoder().decode(JSONValue.self, from: response.body)
        guard let token = json["access_token"]?.stringValue else { throw TenantFileError("no token: \(String(decoding: response.body, as: UTF8.self))") }
        return token
    }

    /// GET an API path with a fresh token; returns status, headers and the decoded body.
    public func api(_ path: String, token: String? = nil) async throws -> (status: Int, headers: [(String, String)], json: JSONValue) {
        let bearer: String
        if let token { bearer = token } else { bearer = try await accessToken() }
        let response = try await raw("GET", "/v2" + path, headers: [("Authorization", "Bearer \(bearer)")])
        let json = (try? JSONDecoder().decode(JSONValue.self, from: response.body)) ?? .null
        return (response.status, response.headers, json)
    }
}

extension Array where Element == (String, String) {
    /// The first header value named `name` (case-insensitive).
    public func value(_ name: String) -> String? { first { $0.0.lowercased() == name.lowercased() }?.1 }
}

/// Collects every log line (message and metadata) so tests can check that secrets never appear.
public final class LogCapture: Sendable {
    private let lines = Mutex<[String]>([])

    public init() {}

    public func logger(label: String) -> Logger {
        var logger = Logger(label: label) { label in CaptureHandler(capture: self, label: label) }
        logger.logLevel = .trace
        return logger
    }

    func append(_ line: String) { lines.withLock { $0.append(line) } }
    public var all: [String] { lines.withLock { $0 } }

    struct CaptureHandler: LogHandler {
        let capture: LogCapture
        let label: String
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let merged = self.metadata.merging(event.metadata ?? [:]) { $1 }
            capture.append("\(event.level) \(event.message) \(merged)" + (event.error.map { " \($0)" } ?? ""))
        }
    }
}
