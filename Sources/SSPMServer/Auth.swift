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
        guard email.contains("@"), email.count <= 254, !email.contains(where: \.isWhitespace) else {
            throw APIError.badRequest("'\(email.prefix(80))' is not an e-mail address.", fix: "Use the address the person signs in with, e.g. alice@example.com.")
        }
        guard password.count >= minimumPasswordLength else {
            throw APIError(.badRequest, "weak_password", "The password is too short (\(password.count) characters).",
                           fix: "Use at least \(minimumPasswordLength) characters; a passphrase of several words is easiest to remember.")
        }
        guard password.count <= 200 else { throw APIError.badRequest("The password is longer than 200 characters.") }
    }

    /// bcrypt off the cooperative pool (it takes ~0.2 s at cost 12).
    func hash(_ password: String) async throws -> String {
        let cost = deps.configuration.bcryptCost
        return try await NIOThreadPool.singleton.runIfActive { Bcrypt.hash(password, cost: cost) }
    }

    func verify(_ password: String, hash: String) async throws -> Bool {
        try await NIOThreadPool.singleton.runIfActive { Bcrypt.verify(password, hash: hash) }
    }

    /// Creates the first admin; refused once anyone exists.
    func setup(email: String, password: String) async throws -> Operator {
        let email = email.lowercased().trimmingCharacters(in: .whitespaces)
        try Self.validate(email: email, password: password)
        let op = Operator(email: email, role: "admin", createdAt: deps.now())
        guard try await deps.auth.createOperator(op, passwordHash: try await hash(password), onlyIfFirst: true) else {
            throw APIError(.conflict, "already_set_up", "OpenSSPM is already set up: an admin exists.", fix: "Sign in with POST /api/v1/auth/login; an admin can add people with POST /api/v1/operators.")
        }
        try await deps.auth.audit(actor: email, action: "setup", target: op.id, detail: "first admin created", at: deps.now())
        return op
    }

    /// Removes an operator (and their sessions and tokens); nobody removes themselves.
    func removeOperator(id: String, by actor: Principal) async throws {
        guard id != actor.operatorID else {
            throw APIError(.conflict, "self_delete", "You cannot delete your own account.", fix: "Ask another admin to do it.")
        }
        let email = try await deps.auth.operators().first { $0.id == id }?.email
        guard try await deps.auth.deleteOperator(id: id) else { throw APIError.notFound("Operator \(id)") }
        try await deps.auth.audit(actor: actor.actor, action: "operator.delete", target: id, detail: email, at: deps.now())
    }

    func createOperator(email: String, password: String, role: String, by actor: Principal) async throws -> Operator {
        let email = email.lowercased().trimmingCharacters(in: .whitespaces)
        try Self.validate(email: email, password: password)
        guard role == "admin" || role == "viewer" else { throw APIError.badRequest("Unknown role '\(role)'.", fix: "Use admin or viewer.") }
        let op = Operator(email: email, role: role, createdAt: deps.now())
        guard try await deps.auth.createOperator(op, passwordHash: try await hash(password)) else {
            throw APIError(.conflict, "duplicate_operator", "\(email) already has an account.")
        }
        try await deps.auth.audit(actor: actor.actor, action: "operator.create", target: email, detail: "role \(role)", at: deps.now())
        return op
    }

    /// Checks the password (throttled per address); returns the operator and a new session token and CSRF token.
    func login(email: String, password: String, remoteAddress: String?) async throws -> (Operator, token: String, csrf: String) {
        let email = email.lowercased().trimmingCharacters(in: .whitespaces)
        let now = deps.now()
        let window = deps.configuration.loginWindow
        let failures = try await deps.auth.loginFailures(email: email, since: now.addingTimeInterval(-window))
        if failures.count >= deps.configuration.maxLoginFailures {
            let retry = max(1, Int(((failures.oldest ?? now).addingTimeInterval(window)).timeIntervalSince(now).rounded(.up)))
            deps.logger.warning("Login throttled", metadata: ["email": "\(email)", "remote": "\(remoteAddress ?? "?")"])
            var error = APIError(.tooManyRequests, "login_throttled", "Too many failed sign-ins for \(email).",
                                 fix: "Wait \(retry / 60 + 1) minute(s) and try again, or ask an admin to reset the password.")
            error.headers[.retryAfter] = "\(retry)"
            throw error
        }
        guard let (op, stored) = try await deps.auth.operatorAndHash(email: email), try await verify(password, hash: stored) else {
            try await deps.auth.recordLoginFailure(email: email, at: now)
            try await deps.auth.audit(actor: email, action: "login.failed", target: nil, detail: remoteAddress.map { "from \($0)" }, at: now)
            throw APIError(.unauthorized, "bad_login", "The e-mail address or password is wrong.", fix: "Check both and try again; after \(deps.configuration.maxLoginFailures) failures sign-in pauses for \(Int(window / 60)) minutes.")
        }
        try await deps.auth.clearLoginFailures(email: email)
        let token = randomToken(prefix: "s_")
        let csrf = randomToken(bytes: 24)
        try await deps.auth.createSession(operatorID: op.id, tokenHash: tokenDigest(token), csrf: csrf, now: now, lifetime: deps.configuration.sessionLifetime)
        try await deps.auth.audit(actor: email, action: "login", target: nil, detail: remoteAddress.map { "from \($0)" }, at: now)
        return (op, token, csrf)
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

/// Resolves the caller and enforces: sign-in for /api/v1 (but setup and login), the admin role for
/// anything that changes data, and the CSRF token for cookie sessions on unsafe methods.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = SSPMRequestContext
    let auth: AuthService

    static let publicAPI: Set<String> = ["/api/v1/setup", "/api/v1/auth/login"]

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard path.hasPrefix("/api/") else { return try await next(request, context) }
        var context = context
        context.principal = try await auth.principal(for: request)
        if Self.publicAPI.contains(path) { return try await next(request, context) }
        guard let principal = context.principal else { throw APIError.unauthenticated }
        let safe = request.method == .get || request.method == .head
        if !safe {
            if principal.via == .session {
                let sent = request.headers[HTTPField.Name("X-CSRF-Token")!]
                guard let sent, let expected = principal.csrf, constantTimeEquals(sent, expected) else {
                    throw APIError(.forbidden, "csrf", "The CSRF token is missing or wrong.",
                                   fix: "Send the csrfToken from the login response (or GET /api/v1/auth/me) in the X-CSRF-Token header.")
                }
            }
            let selfService = path == "/api/v1/auth/logout"
            if !principal.isAdmin && !selfService { throw APIError.forbidden }
        }
        return try await next(request, context)
    }
}

func constantTimeEquals(_ a: String, _ b: String) -> Bool {
    let x = Array(a.utf8), y = Array(b.utf8)
    guard x.count == y.count else { return false }
    var difference: UInt8 = 0
    for i in 0..<x.count { difference |= x[i] ^ y[i] }
    return difference == 0
}
