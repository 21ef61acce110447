import Foundation

/// Someone who signs in to OpenSSPM (not a user of a connected account).
public struct Operator: Sendable, Codable, Hashable {
    public var id: String
    public var email: String
    /// admin or viewer
    public var role: String
    public var createdAt: Date
    public init(id: String = UUID().uuidString.lowercased(), email: String, role: String, createdAt: Date = Date()) {
        self.id = id
        self.email = email
        self.role = role
        self.createdAt = createdAt
    }
}

public struct APITokenRecord: Sendable, Codable, Hashable {
    public var id: String
    public var name: String
    public var operatorID: String
    public var role: String
    public var createdAt: Date
    public var lastUsedAt: Date?
    public var revokedAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, name, operatorID = "operatorId", role, createdAt, lastUsedAt, revokedAt
    }

    public init(id: String, name: String, operatorID: String, role: String, createdAt: Date, lastUsedAt: Date? = nil, revokedAt: Date? = nil) {
        self.id = id
        self.name = name
        self.operatorID = operatorID
        self.role = role
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.revokedAt = revokedAt
    }
}

public struct AuditEntry: Sendable, Codable, Hashable {
    public var id: String
    public var at: Date
    public var actor: String
    public var action: String
    public var target: String?
    public var detail: String?

    public init(id: String, at: Date, actor: String, action: String, target: String? = nil, detail: String? = nil) {
        self.id = id
        self.at = at
        self.actor = actor
        self.action = action
        self.target = target
        self.detail = detail
    }
}

public struct LoginFailureCounts: Sendable, Equatable {
    /// For this address from this client.
    public var pair: Int
    public var pairOldest: Date?
    /// From this client, any address.
    public var client: Int
    public var clientOldest: Date?
    public init(pair: Int, pairOldest: Date?, client: Int, clientOldest: Date?) {
        self.pair = pair
        self.pairOldest = pairOldest
        self.client = client
        self.clientOldest = clientOldest
    }
}

/// What `AuthStore.deleteOperator` did.
public enum OperatorRemoval: Sendable, Equatable {
    case removed
    /// No operator has that id.
    case missing
    /// The operator is the only admin left, so they were kept.
    case lastAdmin
}

/// Who may sign in and how (operators, sessions, API tokens), the sign-in throttle and the audit log.
public protocol AuthStore: Sendable {
    func operatorCount() async throws -> Int
    /// False when the address is taken, or (with `onlyIfFirst`) when anyone exists.
    func createOperator(_ op: Operator, passwordHash: String, onlyIfFirst: Bool) async throws -> Bool
    func operatorAndHash(email: String) async throws -> (Operator, String)?
    func operators() async throws -> [Operator]
    /// Removes the operator with their sessions and tokens, unless they are the last admin: the
    /// check and the deletion are one step, so two admins deleting each other at once leave one.
    func deleteOperator(id: String) async throws -> OperatorRemoval
    func createSession(operatorID: String, tokenHash: String, csrf: String, now: Date, lifetime: TimeInterval) async throws
    /// The unexpired session's operator and CSRF token.
    func session(tokenHash: String, now: Date) async throws -> (Operator, csrf: String)?
    func deleteSession(tokenHash: String) async throws
    func createToken(_ token: APITokenRecord, tokenHash: String) async throws
    /// The unrevoked token and its operator (marks it used).
    func token(tokenHash: String, now: Date) async throws -> (APITokenRecord, Operator)?
    func tokens() async throws -> [APITokenRecord]
    func revokeToken(id: String, at: Date) async throws -> Bool
    func recordLoginFailure(email: String, client: String, at: Date) async throws
    func loginFailures(email: String, client: String, since: Date) async throws -> LoginFailureCounts
    func clearLoginFailures(email: String, client: String) async throws
    /// Drops failures and audit entries older than the given times, and keeps at most
    /// `failedSignInCap` failed sign-ins in the audit log.
    func prune(failuresBefore: Date, auditBefore: Date, failedSignInCap: Int, now: Date) async throws
    func audit(actor: String, action: String, target: String?, detail: String?, at: Date) async throws
    /// Newest first.
    func auditLog(limit: Int) async throws -> [AuditEntry]
}

extension AuthStore {
    public func createOperator(_ op: Operator, passwordHash: String) async throws -> Bool {
        try await createOperator(op, passwordHash: passwordHash, onlyIfFirst: false)
    }
}
