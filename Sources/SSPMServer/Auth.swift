import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdBcrypt
import Logging
import NIOPosix
import SSPMCore
import SSPMStorage

/// Who is calling.
public struct Principal: Sendable, Hashable {
    public enum Via: String, Sendable { case session, token }
    public var operatorID: String
    public var email: String
    public var role: String
    public var via: Via
    /// For sessions: the token forms and fetch() must echo (X-CSRF-Token or a `csrf` form field).
    public var csrf: String?
    public var isAdmin: Bool { role == "admin" }
    /// How the audit log names the actor.
    public var actor: String { via == .token ? "\(email) (API token)" : email }
}

public struct SSPMRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var principal: Principal?
    /// The peer's IP address (for the audit log of sign-ins).
    public let remoteAddress: String?
    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        principal = nil
        remoteAddress = source.channel.remoteAddress?.ipAddress
    }
    public var maxUploadSize: Int { 4 << 20 }
}

enum Cookies {
    static let session = "sspm_session"

    static func value(_ name: String, in request: Request) -> String? {
        for header in request.headers[values: .cookie] {
            for part in header.split(separator: ";") {
                let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
                if pair.count == 2, pair[0] == name { return String(pair[1]) }
            }
        }
        return nil
    }

    static func set(_ name: String, _ value: String, maxAge: Int, secure: Bool) -> String {
        "\(name)=\(value); Path=/; HttpOnly; SameSite=Lax; Max-Age=\(maxAge)" + (secure ? "; Secure" : "")
    }
}

/// Passwords, sessions, API tokens, throttling, roles.
public struct AuthService: Sendable {
    let deps: ServerDependencies

    static let minimumPasswordLength = 12

    static func validate(email: String, password: String) throws {
        // Lengths are counted in code points, as JSON Schema (docs/openapi.yaml) counts them.
        // The same address rule as alert e-mail (MailAddress); an existing operator's address is
        // not checked again, so one stored before this rule still signs in.
        guard MailAddress.isBare(email) else {
            throw APIError.badRequest("'\(email.prefix(80))' is not an e-mail address: \(MailAddress.rule).", fix: "Use the address the person signs in with, e.g. alice@example.com.")
        }
        guard password.unicodeScalars.count >= minimumPasswordLength else {
            throw APIError(.badRequest, "weak_password", "The password is too short (\(password.unicodeScalars.count) characters).",
                           fix: "Use at least \(minimumPasswordLength) characters; a passphrase of several words is easiest to remember.")
        }
        guard password.unicodeScalars.count <= 200 else { throw APIError.badRequest("The password is longer than 200 characters.") }
    }

    func hash(_ password: String) async throws -> String { try await deps.passwords.hash(password) }
    /// Creates the first admin; refused once anyone exists.
    func setup(email: String, password: String) async throws -> Operator {
        // Spaces around it are refused, not trimmed, as the API schema says; the web forms trim.
        let email = email.lowercased()
        try Self.validate(email: email, password: password)
        let op = Operator(email: email, role: "admin", createdAt: deps.now())
        guard try await deps.auth.createOperator(op, passwordHash: try await hash(password), onlyIfFirst: true) else {
            throw APIError(.conflict, "already_set_up", "OpenSSPM is already set up: an admin exists.", fix: "Sign in with POST /api/v1/auth/login; an admin can add people with POST /api/v1/operators.")
        }
        try await deps.auth.audit(actor: email, action: "setup", target: op.id, detail: "first admin created", at: deps.now())
        return op
    }

    /// Removes an operator (and their sessions and tokens); nobody removes themselves, and the last
    /// admin stays.
    func removeOperator(id: String, by actor: Principal) async throws {
        guard id != actor.operatorID else {
            throw APIError(.conflict, "self_delete", "You cannot delete your own account.", fix: "Ask another admin to do it.")
        }
        let email = try await deps.auth.operators().first { $0.id == id }?.email
        switch try await deps.auth.deleteOperator(id: id) {
        case .removed: break
        case .missing: throw APIError.notFound("Operator \(id)")
        case .lastAdmin:
            throw APIError(.conflict, "last_admin", "\(email ?? id) is the only admin left, so the account was kept.",
                           fix: "Add another admin first (POST /api/v1/operators with role admin), then delete this one.")
        }
        try await deps.auth.audit(actor: actor.actor, action: "operator.delete", target: id, detail: email, at: deps.now())
    }

    func createOperator(email: String, password: String, role: String, by actor: Principal) async throws -> Operator {
        // Spaces around it are refused, not trimmed, as the API schema says; the web forms trim.
        let email = email.lowercased()
        try Self.validate(email: email, password: password)
        guard role == "admin" || role == "viewer" else { throw APIError.badRequest("Unknown role '\(role)'.", fix: "Use admin or viewer.") }
        let op = Operator(email: email, role: role, createdAt: deps.now())
        guard try await deps.auth.createOperator(op, passwordHash: try await hash(password)) else {
            throw APIError(.conflict, "duplicate_operator", "\(email) already has an account.")
        }
        try await deps.auth.audit(actor: actor.actor, action: "operator.create", target: email, detail: "role \(role)", at: deps.now())
        return op
    }

    /// Checks the password and returns the operator with a new session token and CSRF token.
    ///
    /// Throttled per address and client (`maxLoginFailures` in `loginWindow`) and per client
    /// (`maxLoginFailuresPerClient`): an attempt counts from the moment it starts, so parallel
    /// attempts cannot check more passwords than the limit. An unknown address costs the same
    /// bcrypt work as a known one, so the answer's timing does not tell which addresses exist.
    func login(email: String, password: String, client: String) async throws -> (Operator, token: String, csrf: String) {
        let email = String(email.lowercased().trimmingCharacters(in: .whitespaces).prefix(320))
        let now = deps.now()
        let clientKey = ClientAddress.throttleKey(client)
        let keys = ["pair|\(email)|\(clientKey)", "client|\(clientKey)"]
        let pending = await deps.signIns.reserve(keys)
        let op: Operator
        do {
            op = try await checkPassword(email: email, password: password, client: client, clientKey: clientKey, pending: pending, now: now)
        } catch {
            await deps.signIns.release(keys)
            throw error
        }
        await deps.signIns.release(keys)
        let token = randomToken(prefix: "s_")
        let csrf = randomToken(bytes: 24)
        try await deps.auth.createSession(operatorID: op.id, tokenHash: tokenDigest(token), csrf: csrf, now: now, lifetime: deps.configuration.sessionLifetime)
        try await deps.auth.audit(actor: email, action: "login", target: nil, detail: "from \(client)", at: now)
        return (op, token, csrf)
    }

    /// The throttled part of `login`, run while the attempt is reserved.
    private func checkPassword(email: String, password: String, client: String, clientKey: String, pending: [Int], now: Date) async throws -> Operator {
        let configuration = deps.configuration
        let failures = try await deps.auth.loginFailures(email: email, client: clientKey, since: now.addingTimeInterval(-configuration.loginWindow))
        let pairBlocked = failures.pair + pending[0] >= configuration.maxLoginFailures
        let clientBlocked = failures.client + pending[1] >= configuration.maxLoginFailuresPerClient
        if pairBlocked || clientBlocked {
            let oldest = (pairBlocked ? failures.pairOldest : failures.clientOldest) ?? now
            let retry = max(1, Int(oldest.addingTimeInterval(configuration.loginWindow).timeIntervalSince(now).rounded(.up)))
            deps.logger.warning("Sign-in throttled", metadata: ["email": "\(LogText.clean(email))", "client": "\(LogText.clean(client))",
                                                                "scope": "\(pairBlocked ? "address" : "client")"])
            var error = APIError(.tooManyRequests, "login_throttled",
                                 pairBlocked ? "Too many failed sign-ins for this address from this client." : "Too many failed sign-ins from this client.",
                                 fix: "Wait \(retry / 60 + 1) minute(s) and try again, or, if the password is lost, ask an admin to delete the account and add it again with a new one.")
            error.headers[.retryAfter] = "\(retry)"
            throw error
        }
        let account = try await deps.auth.operatorAndHash(email: email)
        guard try await deps.passwords.verify(password, hash: account?.1), let (op, _) = account else {
            try await deps.auth.recordLoginFailure(email: email, client: clientKey, at: now)
            try await deps.auth.audit(actor: email, action: "login.failed", target: nil, detail: "from \(client)", at: now)
            throw APIError(.unauthorized, "bad_login", "The e-mail address or password is wrong.",
                           fix: "Check both and try again; after \(configuration.maxLoginFailures) failures sign-in from here pauses for \(Int(configuration.loginWindow / 60)) minutes.")
        }
        try await deps.auth.clearLoginFailures(email: email, client: clientKey)
        return op
    }

    /// The client a request comes from (see `ClientAddress`).
    func client(of request: Request, _ context: SSPMRequestContext) -> String {
        ClientAddress.resolve(peer: context.remoteAddress, forwardedFor: request.headers[HTTPField.Name("X-Forwarded-For")!],
                              trusted: deps.configuration.trustedProxies)
    }

    /// The principal behind a request's session cookie or bearer token.
    func principal(for request: Request) async throws -> Principal? {
        let now = deps.now()
        if let authorization = request.headers[.authorization] {
            guard authorization.lowercased().hasPrefix("bearer ") else { return nil }
            let value = String(authorization.dropFirst(7)).trimmingCharacters(in: .whitespaces)
            guard let (token, op) = try await deps.auth.token(tokenHash: tokenDigest(value), now: now) else { return nil }
            // A token never grants more than its operator has now.
            let role = (token.role == "admin" && op.role == "admin") ? "admin" : "viewer"
            return Principal(operatorID: op.id, email: op.email, role: role, via: .token, csrf: nil)
        }
        if let cookie = Cookies.value(Cookies.session, in: request), let (op, csrf) = try await deps.auth.session(tokenHash: tokenDigest(cookie), now: now) {
            return Principal(operatorID: op.id, email: op.email, role: op.role, via: .session, csrf: csrf)
        }
        return nil
    }
}

/// The API's gate, applied to each route's handler when the router is built: the caller is resolved
/// first; a route that is not `open` needs a caller (401), an admin route an admin (403), and a
/// cookie session's unsafe request the CSRF header (403). Nothing is decided from the path's
/// spelling, so `//api/v1/…` or any other form that reaches a route meets that route's gate.
struct APIGate: Sendable {
    let auth: AuthService

    func guarded(_ route: RouteSpec) -> RouteSpec {
        RouteSpec(method: route.method, path: route.path, access: route.access) { request, context in
            var context = context
            context.principal = try await auth.principal(for: request)
            if route.access != .open {
                guard let principal = context.principal else { throw APIError.unauthenticated }
                let safe = request.method == .get || request.method == .head
                if !safe, principal.via == .session {
                    let sent = request.headers[HTTPField.Name("X-CSRF-Token")!]
                    guard let sent, let expected = principal.csrf, constantTimeEquals(sent, expected) else {
                        throw APIError(.forbidden, "csrf", "The CSRF token is missing or wrong.",
                                       fix: "Send the csrfToken from the login response (or GET /api/v1/auth/me) in the X-CSRF-Token header.")
                    }
                }
                if route.access == .admin, !principal.isAdmin { throw safe ? APIError.adminOnly : APIError.forbidden }
                // A body sent to the API is JSON, read by its handler or not. (Open routes: sign-in and
                // setup check it as they read it; a webhook is judged by its signature, not its type.)
                if Body.present(request), !Body.isJSON(request.headers[.contentType]) { throw APIError.unsupportedMediaType(request) }
            }
            return try await route.handler(request, context)
        }
    }
}

func constantTimeEquals(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8), y = Array(b.utf8)
    guard x.count == y.count else { return false }
    var difference: UInt8 = 0
    for i in 0..<x.count { difference |= x[i] ^ y[i] }
    return difference == 0
}
