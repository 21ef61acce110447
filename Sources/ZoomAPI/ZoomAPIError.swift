import Foundation
import SSPMCore

/// An error talking to Zoom, with a message a person can act on.
///
/// Messages never contain access tokens, client secrets or Authorization headers.
public struct ZoomAPIError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Kind: Sendable, Equatable {
        /// The token endpoint rejected the client ID or secret (`invalid_client`).
        case invalidClientCredentials
        /// The token endpoint rejected the account ID (`invalid_request`).
        case invalidAccountID
        /// The Server-to-Server OAuth app is deactivated or disabled.
        case appDeactivated
        /// The token endpoint refused the request for another reason (`error` / `reason` from Zoom).
        case tokenRequestRejected(error: String, reason: String)
        /// A freshly issued token was rejected (401 code 124) twice in a row.
        case accessTokenRejected(message: String)
        /// The token lacks scopes (400 code 4711); names the scopes Zoom asked for.
        case missingScopes([String])
        /// 400 code 200: the plan or the app owner's role does not allow this.
        case notPermitted(message: String)
        /// 404 (codes 1001, 2001, 4130, …).
        case notFound(code: Int, message: String)
        /// 400 code 300 on a paged request: the next_page_token is invalid or expired.
        case pageTokenExpired
        /// 429 after the retry budget, or a daily limit (with the time it resets, if Zoom said).
        case rateLimited(category: RateLimitCategory?, type: String?, retryAfter: String?)
        /// Any other Zoom error body.
        case api(status: Int, code: Int?, message: String)
        /// 5xx after the retry budget.
        case serverError(status: Int)
        /// The body was not the JSON we expected (after retries).
        case malformedResponse(detail: String)
        /// The host could not be reached (DNS, refused connection, TLS, timeout).
        case unreachable(host: String, detail: String)
    }

    public let kind: Kind
    /// The operation, e.g. "GET /users", when the error came from an API call.
    public let operation: String?

    public init(_ kind: Kind, operation: String? = nil) {
        self.kind = kind
        self.operation = operation
    }

    public var description: String {
        let prefix = operation.map { "Zoom \($0): " } ?? "Zoom: "
        switch kind {
        case .invalidClientCredentials:
            return prefix + "the client ID or client secret is wrong (invalid_client). Copy both again from the Server-to-Server OAuth app's App Credentials page in the Zoom App Marketplace."
        case .invalidAccountID:
            return prefix + "the account ID was not accepted (invalid_request). Use the Account ID shown on the Server-to-Server OAuth app's App Credentials page."
        case .appDeactivated:
            return prefix + "the Server-to-Server OAuth app is deactivated or disabled. Activate it again in the Zoom App Marketplace (Manage → your app → Activation)."
        case .tokenRequestRejected(let error, let reason):
            return prefix + "the token request was refused (\(error): \(reason)). Check the account ID, client ID and client secret."
        case .accessTokenRejected(let message):
            return prefix + "Zoom rejected a freshly issued access token (\(message)). Another connector or script using the same client ID may be revoking it (\"Bad credentials\"), or the app was deactivated. Give each connector its own Server-to-Server OAuth app."
        case .missingScopes(let scopes):
            return prefix + "the app lacks the scope(s) \(scopes.joined(separator: ", ")). Add them on the app's Scopes page in the Zoom App Marketplace and reconnect."
        case .notPermitted(let message):
            return prefix + "not permitted (\(message)). Reports need a Pro or higher plan, and the app owner's role needs the matching privileges (e.g. Usage Reports, Admin Activity Logs)."
        case .notFound(let code, let message):
            return prefix + "not found (code \(code): \(message))."
        case .pageTokenExpired:
            return prefix + "the next_page_token is invalid or expired (tokens live 15 minutes). The listing has to be restarted."
        case .rateLimited(let category, let type, let retryAfter):
            var text = prefix + "rate limited"
            if let category { text += " in the \(category.rawValue) category" }
            if let type { text += " (\(type))" }
            if let retryAfter { text += "; Zoom allows the next request at \(retryAfter)" }
            return text + ". Zoom's limits are per account and shared by every app on it; try again later or lower the sync frequency."
        case .api(let status, let code, let message):
            return prefix + "HTTP \(status)" + (code.map { " code \($0)" } ?? "") + ": \(message)"
        case .serverError(let status):
            return prefix + "Zoom answered HTTP \(status) repeatedly. This is on Zoom's side; the sync will be retried."
        case .malformedResponse(let detail):
            return prefix + "the response was not valid JSON of the expected shape (\(detail)). Retried without success."
        case .unreachable(let host, let detail):
            return prefix + "cannot reach \(host) (\(detail)). Check the network, a proxy, or the connector's apiUrl/tokenUrl."
        }
    }
}

/// `Secret` is SSPMCore's (every provider's clients use it); re-exported for ZoomAPI's users.
public typealias Secret = SSPMCore.Secret

/// The three values of a Server-to-Server OAuth app.
public struct ZoomCredentials: Sendable, Hashable, CustomStringConvertible {
    public var accountID: String
    public var clientID: String
    public var clientSecret: Secret

    public init(accountID: String, clientID: String, clientSecret: Secret) {
        self.accountID = accountID
        self.clientID = clientID
        self.clientSecret = clientSecret
    }

    public var description: String { "ZoomCredentials(accountID: \(accountID), clientID: \(clientID), clientSecret: [REDACTED])" }
}
