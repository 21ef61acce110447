import Foundation

/// An error talking to Microsoft (the token endpoint or Graph), in words a person can act on.
/// Messages never hold the client secret or a token.
public struct GraphAPIError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Kind: Sendable, Equatable {
        /// AADSTS7000215: the secret sent is not the app's (often the secret's ID instead of its value).
        case wrongSecret
        /// AADSTS7000222: the app's secret has expired.
        case expiredSecret
        /// AADSTS700016: no app with this client ID in the tenant.
        case appNotFound
        /// AADSTS90002: no such tenant (or not in this cloud).
        case tenantNotFound
        /// Any other refusal of the token endpoint: the `error`, the AADSTS code and its first sentence.
        case tokenRefused(error: String, code: Int?, message: String)
        /// 403 `Authorization_RequestDenied`: the app lacks an application permission; names the ones that would do.
        case missingPermission(needs: [String])
        /// 401 twice with a fresh token.
        case accessTokenRejected(message: String)
        /// 404.
        case notFound(message: String)
        /// 429 after the retry budget, or a `Retry-After` longer than the client waits.
        case throttled(retryAfter: String?)
        /// 5xx after the retry budget.
        case serverError(status: Int)
        /// Any other Graph error body.
        case api(status: Int, code: String, message: String)
        /// A body that is not the JSON expected, or a next link to another host.
        case malformedResponse(detail: String)
        /// DNS, refused connection, TLS, timeout.
        case unreachable(host: String, detail: String)
    }

    public let kind: Kind
    /// `GET /users`, `POST /oauth2/v2.0/token`.
    public let operation: String

    public init(_ kind: Kind, operation: String) {
        self.kind = kind
        self.operation = operation
    }

    public var description: String {
        let prefix = "Microsoft Graph \(operation): "
        switch kind {
        case .wrongSecret:
            return prefix + "the client secret is wrong (AADSTS7000215). Paste the secret's Value, not its Secret ID, from Entra ID › App registrations › the app › Certificates & secrets."
        case .expiredSecret:
            return prefix + "the client secret has expired (AADSTS7000222). Create a new secret for the app in Entra ID › App registrations › Certificates & secrets, and update the connector."
        case .appNotFound:
            return prefix + "no application with this client ID is in the tenant (AADSTS700016). Check the Application (client) ID, and that the app is registered in (or consented to by) this tenant."
        case .tenantNotFound:
            return prefix + "the tenant was not found (AADSTS90002). Check the Directory (tenant) ID, and the cloud (global, US Government, China) the connector points at."
        case .tokenRefused(let error, let code, let message):
            let said = message.isEmpty ? "Microsoft's answer gave no reason; check the login URL and the cloud (is it Microsoft's token endpoint?)" : message
            return prefix + "the token request was refused (\(error)\(code.map { ", AADSTS\($0)" } ?? "")): \(said)"
        case .missingPermission(let needs):
            return prefix + "the app lacks the application permission for this (needs one of: \(needs.joined(separator: ", "))). Add it under API permissions › Microsoft Graph › Application permissions, then grant admin consent."
        case .accessTokenRejected(let message):
            return prefix + "Graph rejected a freshly issued token (\(message))."
        case .notFound(let message):
            return prefix + "not found: \(message)"
        case .throttled(let retryAfter):
            return prefix + "throttled (429)\(retryAfter.map { "; Graph asked to wait \($0) s" } ?? ""). The next sync tries again."
        case .serverError(let status):
            return prefix + "Graph answered \(status) after retries. The next sync tries again."
        case .api(let status, let code, let message):
            return prefix + "HTTP \(status) \(code): \(message)"
        case .malformedResponse(let detail):
            return prefix + "unexpected answer: \(detail)"
        case .unreachable(let host, let detail):
            return prefix + "cannot reach \(host) (\(detail)). Check the network, a proxy, or the cloud's endpoints."
        }
    }
}
