import Foundation
import SSPMCore
import ZoomAPI

/// A request as the simulator sees it, independent of the HTTP server.
public struct SimRequest: Sendable {
    public var method: String
    public var path: String
    /// Query parameters (first value of each name), and for the token endpoint also form-body fields.
    public var query: [String: String]
    /// Header names lower-cased.
    public var headers: [String: String]
    public var body: Data

    public init(method: String, path: String, query: [String: String] = [:], headers: [String: String] = [:], body: Data = Data()) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }
}

public struct SimResponse: Sendable {
    public enum Body: Sendable {
        case json(JSONValue)
        case raw(Data)
        case empty
    }
    public var status: Int
    public var headers: [(String, String)]
    public var body: Body
    /// Cut the encoded body in half (fault injection: truncated page).
    public var truncate = false
    /// Replace the body with broken JSON (fault injection).
    public var malform = false

    public init(status: Int, headers: [(String, String)] = [], body: Body) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// Zoom's error body: `{"code": …, "message": …}`.
    static func error(_ status: Int, code: Int, _ message: String, errors: [JSONValue]? = nil) -> SimResponse {
        var body: JSONValue = ["code": .int(Int64(code)), "message": .string(message)]
        if let errors { body["errors"] = .array(errors) }
        return SimResponse(status: status, body: .json(body))
    }

    /// The token endpoint's OAuth-style error body.
    static func oauthError(_ status: Int, error: String, reason: String) -> SimResponse {
        SimResponse(status: status, headers: [("Cache-Control", "no-store"), ("Pragma", "no-cache")], body: .json(["reason": .string(reason), "error": .string(error)]))
    }

    /// Encodes the body to bytes, applying the truncation or malformation faults.
    public func encodedBody() -> Data {
        var data: Data
        switch body {
        case .json(let value):
            data = (try? JSONEncoder().encode(value)) ?? Data("{}".utf8)
        case .raw(let raw): data = raw
        case .empty: data = Data()
        }
        if malform { data = Data("{\"users\":[{\"id\":\"x\",,]".utf8) }
        if truncate, data.count > 1 { data = data.prefix(data.count / 2) }
        return data
    }
}

/// Faults to inject. Counts apply to the next N API requests (not the token endpoint).
public struct SimulatorFaults: Sendable, Equatable, Codable {
    /// Next N API requests answer 429 (per-second limit) regardless of the real rate.
    public var rateLimitStorm = 0
    /// Next N API requests answer `serverErrorStatus`.
    public var serverErrors = 0
    public var serverErrorStatus = 503
    /// Added latency on every API request.
    public var latencyMilliseconds = 0
    /// Next N successful API responses carry malformed JSON.
    public var malformedJSON = 0
    /// Next N successful API responses are cut in half.
    public var truncatedPages = 0
    /// Next N requests that carry a next_page_token are told it expired (400 code 300).
    public var expirePageTokens = 0
    /// The Server-to-Server OAuth app is deactivated: no tokens, existing ones stop working.
    public var appDeactivated = false
    /// If set, issuing a token revokes all but the newest N (two connectors sharing credentials).
    public var tokenTolerance: Int?
    /// API requests whose "path?query" contains this (or every `*`-separated part of it) hang until
    /// the fault is cleared (at most 120 s): a crash test uses it to hold a sync at a known point.
    public var stallPath: String?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case rateLimitStorm = "rate_limit_storm", serverErrors = "server_errors", serverErrorStatus = "server_error_status"
        case latencyMilliseconds = "latency_ms", malformedJSON = "malformed_json", truncatedPages = "truncated_pages"
        case expirePageTokens = "expire_page_tokens", appDeactivated = "app_deactivated", tokenTolerance = "token_tolerance"
        case stallPath = "stall_path"
    }

    /// Parses `KEY=VALUE` assignments (the `--fault` flag), with an error naming the bad one.
    public init(assignments: [String]) throws {
        self.init()
        for assignment in assignments {
            let parts = assignment.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { throw TenantFileError("--fault \(assignment): expected KEY=VALUE, e.g. rate_limit_storm=50") }
            let (key, value) = (parts[0], parts[1])
            func int() throws -> Int {
                guard let number = Int(value), number >= 0 else { throw TenantFileError("--fault \(key) needs a whole number, got \"\(value)\"") }
                return number
            }
            switch key {
            case "rate_limit_storm": rateLimitStorm = try int()
            case "server_errors": serverErrors = try int()
            case "server_error_status":
                serverErrorStatus = try int()
                guard (500...599).contains(serverErrorStatus) else { throw TenantFileError("--fault server_error_status must be 500-599") }
            case "latency_ms": latencyMilliseconds = try int()
            case "malformed_json": malformedJSON = try int()
            case "truncated_pages": truncatedPages = try int()
            case "expire_page_tokens": expirePageTokens = try int()
            case "token_tolerance": tokenTolerance = try int()
            case "stall_path": stallPath = value.isEmpty ? nil : value
            case "app_deactivated":
                guard let flag = Bool(value) else { throw TenantFileError("--fault app_deactivated needs true or false") }
                appDeactivated = flag
            default:
                throw TenantFileError("--fault \(key) is not a known fault. Known: \(Self.keys.filter { $0 != "revoke_tokens" }.joined(separator: ", ")).")
            }
        }
    }

    public static let keys = ["rate_limit_storm", "server_errors", "server_error_status", "latency_ms", "malformed_json",
                              "truncated_pages", "expire_page_tokens", "app_deactivated", "token_tolerance", "stall_path", "revoke_tokens"]
}

/// One webhook delivery attempt, as recorded by the simulator.
public struct WebhookAttempt: Sendable, Codable, Equatable {
    public var event: String
    public var deliveryID: String
    public var attempt: Int
    public var status: Int?
    public var error: String?
    public var at: Date
}
