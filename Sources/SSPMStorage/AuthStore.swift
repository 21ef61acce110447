import Crypto
import Foundation
import SQLKit
import SSPMCore

/// SHA-256 of a bearer secret (session or API token): what is stored; the secret itself never is.
public func tokenDigest(_ token: String) -> String {
    FastFormats.hex(SHA256.hash(data: Data(token.utf8)))
}

/// A random URL-safe token with `bytes` bytes of entropy.
public func randomToken(prefix: String = "", bytes: Int = 32) -> String {
    var generator = SystemRandomNumberGenerator()
    let raw = (0..<bytes).map { _ in UInt8.random(in: 0...255, using: &generator) }
    return prefix + Data(raw).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
}

/// Who may sign in and how (`operators`, `sessions`, `api_tokens`), the sign-in throttle
/// (`login_failures`) and the audit log (`audit_log`).
public struct SQLAuthStore: AuthStore {
    let storage: SQLStorage
    public init(storage: SQLStorage) { self.storage = storage }

    public func operatorCount() async throws -> Int {
        try await storage.withSQL { db in try await db.raw("SELECT COUNT(*) AS n FROM operators").first()?.decode(column: "n", as: Int.self) ?? 0 }
    }

    static func op(_ row: any SQLRow) throws -> Operator {
        Operator(id: try row.decode(column: "id", as: String.self), email: try row.decode(column: "email", as: String.self),
                 role: try row.decode(column: "role", as: String.self), createdAt: date(try row.decode(column: "created_at", as: Int64.self)))
    }

    /// Creates an operator; `onlyIfFirst` makes it the first-run setup (fails when one exists, atomically).
    public func createOperator(_ op: Operator, passwordHash: String, onlyIfFirst: Bool = false) async throws -> Bool {
        let postgres = storage.isPostgres
        return try await storage.transaction { db in
            if postgres, onlyIfFirst { try await db.raw("LOCK TABLE operators IN EXCLUSIVE MODE").run() }
            if onlyIfFirst, (try await db.raw("SELECT COUNT(*) AS n FROM operators").first()?.decode(column: "n", as: Int.self) ?? 0) > 0 { return false }
            if try await db.raw("SELECT id FROM operators WHERE email = \(bind: op.email)").first() != nil { return false }
            try await db.raw("""
                INSERT INTO operators (id, email, role, password_hash, created_at) VALUES (\(bind: op.id), \(bind: op.email), \(bind: op.role), \(bind: passwordHash), \(bind: millis(op.createdAt)))
                """).run()
            return true
        }
    }

    public func operatorAndHash(email: String) async throws -> (Operator, String)? {
        try await storage.withSQL { db in
            try await db.raw("SELECT * FROM operators WHERE email = \(bind: email)").first().map { (try Self.op($0), try $0.decode(column: "password_hash", as: String.self)) }
        }
    }

    public func operators() async throws -> [Operator] {
        try await storage.withSQL { db in try await db.raw("SELECT * FROM operators ORDER BY created_at, email").all().map(Self.op) }
    }

    /// Deletes the operator unless they are the last admin; their sessions and API tokens go with
    /// them (`ON DELETE CASCADE`). On PostgreSQL the table is locked for the check, so two
    /// deletions at once see each other; SQLite has one writer at a time.
    public func deleteOperator(id: String) async throws -> OperatorRemoval {
        let postgres = storage.isPostgres
        return try await storage.transaction { db in
            if postgres { try await db.raw("LOCK TABLE operators IN EXCLUSIVE MODE").run() }
            guard let row = try await db.raw("SELECT role FROM operators WHERE id = \(bind: id)").first() else { return .missing }
            if try row.decode(column: "role", as: String.self) == "admin" {
                let others = try await db.raw("SELECT COUNT(*) AS n FROM operators WHERE role = 'admin' AND id <> \(bind: id)").first()?.decode(column: "n", as: Int.self) ?? 0
                if others == 0 { return .lastAdmin }
            }
            try await db.raw("DELETE FROM operators WHERE id = \(bind: id)").run()
            return .removed
        }
    }

    // Sessions

    public func createSession(operatorID: String, tokenHash: String, csrf: String, now: Date, lifetime: TimeInterval) async throws {
        try await storage.withSQL { db in
            try await db.raw("DELETE FROM sessions WHERE expires_at < \(bind: millis(now))").run()
            try await db.raw("""
                INSERT INTO sessions (token_hash, operator_id, csrf_token, created_at, expires_at)
                VALUES (\(bind: tokenHash), \(bind: operatorID), \(bind: csrf), \(bind: millis(now)), \(bind: millis(now.addingTimeInterval(lifetime))))
                """).run()
        }
    }

    /// The operator and CSRF token of a live session.
    public func session(tokenHash: String, now: Date) async throws -> (Operator, csrf: String)? {
        try await storage.withSQL { db in
            try await db.raw("""
                SELECT o.*, s.csrf_token FROM sessions s JOIN operators o ON o.id = s.operator_id
                WHERE s.token_hash = \(bind: tokenHash) AND s.expires_at > \(bind: millis(now))
                """).first().map { (try Self.op($0), try $0.decode(column: "csrf_token", as: String.self)) }
        }
    }

    public func deleteSession(tokenHash: String) async throws {
        try await storage.withSQL { db in try await db.raw("DELETE FROM sessions WHERE token_hash = \(bind: tokenHash)").run() }
    }

    // API tokens

    public func createToken(_ token: APITokenRecord, tokenHash: String) async throws {
        try await storage.withSQL { db in
            try await db.raw("""
                INSERT INTO api_tokens (id, name, token_hash, operator_id, role, created_at)
                VALUES (\(bind: token.id), \(bind: token.name), \(bind: tokenHash), \(bind: token.operatorID), \(bind: token.role), \(bind: millis(token.createdAt)))
                """).run()
        }
    }

    static func token(_ row: any SQLRow) throws -> APITokenRecord {
        APITokenRecord(id: try row.decode(column: "id", as: String.self), name: try row.decode(column: "name", as: String.self),
                       operatorID: try row.decode(column: "operator_id", as: String.self), role: try row.decode(column: "role", as: String.self),
                       createdAt: date(try row.decode(column: "created_at", as: Int64.self)),
                       lastUsedAt: try row.decode(column: "last_used_at", as: Int64?.self).map(date), revokedAt: try row.decode(column: "revoked_at", as: Int64?.self).map(date))
    }

    /// The token (and its operator) for a bearer value's digest, unless revoked; marks it used.
    public func token(tokenHash: String, now: Date) async throws -> (APITokenRecord, Operator)? {
        try await storage.withSQL { db in
            guard let row = try await db.raw("""
                SELECT t.*, o.email AS operator_email, o.role AS operator_role, o.created_at AS operator_created_at FROM api_tokens t JOIN operators o ON o.id = t.operator_id
                WHERE t.token_hash = \(bind: tokenHash) AND t.revoked_at IS NULL
                """).first() else { return nil }
            let token = try Self.token(row)
            // Touch at most once a minute: automation polling every second should not write every second.
            if token.lastUsedAt.map({ now.timeIntervalSince($0) > 60 }) ?? true {
                try await db.raw("UPDATE api_tokens SET last_used_at = \(bind: millis(now)) WHERE id = \(bind: token.id)").run()
            }
            let op = Operator(id: token.operatorID, email: try row.decode(column: "operator_email", as: String.self),
                              role: try row.decode(column: "operator_role", as: String.self), createdAt: date(try row.decode(column: "operator_created_at", as: Int64.self)))
            return (token, op)
        }
    }

    public func tokens() async throws -> [APITokenRecord] {
        try await storage.withSQL { db in try await db.raw("SELECT * FROM api_tokens ORDER BY created_at, id").all().map(Self.token) }
    }

    public func revokeToken(id: String, at: Date) async throws -> Bool {
        try await storage.transaction { db in
            guard try await db.raw("SELECT id FROM api_tokens WHERE id = \(bind: id) AND revoked_at IS NULL").first() != nil else { return false }
            try await db.raw("UPDATE api_tokens SET revoked_at = \(bind: millis(at)) WHERE id = \(bind: id)").run()
            return true
        }
    }

    // Login throttling

    /// At most this many failure rows are kept (the newest); each is one refused password.
    static let loginFailureCap = 50_000

    public func recordLoginFailure(email: String, client: String, at: Date) async throws {
        try await storage.withSQL { db in
            try await db.raw("INSERT INTO login_failures (email, client, at) VALUES (\(bind: email), \(bind: client), \(bind: millis(at)))").run()
        }
    }

    /// Failures for `email` from `client`, and from `client` for any address, since `since`, with the oldest of each.
    public func loginFailures(email: String, client: String, since: Date) async throws -> LoginFailureCounts {
        try await storage.withSQL { db in
            let pair = try await db.raw("""
                SELECT COUNT(*) AS n, MIN(at) AS oldest FROM login_failures
                WHERE email = \(bind: email) AND client = \(bind: client) AND at >= \(bind: millis(since))
                """).first()
            let all = try await db.raw("SELECT COUNT(*) AS n, MIN(at) AS oldest FROM login_failures WHERE client = \(bind: client) AND at >= \(bind: millis(since))").first()
            return LoginFailureCounts(
                pair: try pair?.decode(column: "n", as: Int.self) ?? 0, pairOldest: try pair?.decode(column: "oldest", as: Int64?.self).map(date),
                client: try all?.decode(column: "n", as: Int.self) ?? 0, clientOldest: try all?.decode(column: "oldest", as: Int64?.self).map(date))
        }
    }

    /// After a good password: the address's failures from that client are forgotten.
    public func clearLoginFailures(email: String, client: String) async throws {
        try await storage.withSQL { db in try await db.raw("DELETE FROM login_failures WHERE email = \(bind: email) AND client = \(bind: client)").run() }
    }

    /// Retention for what unauthenticated requests write: failures older than `failuresBefore`
    /// (and beyond `loginFailureCap`), audit entries older than `auditBefore`, failed sign-in audit
    /// entries beyond the newest `failedSignInCap`, and expired sessions.
    public func prune(failuresBefore: Date, auditBefore: Date, failedSignInCap: Int, now: Date) async throws {
        try await storage.withSQL { db in
            func run(_ query: SQLQueryString) async throws { try await db.raw(query).run() }
            try await run("DELETE FROM login_failures WHERE at < \(bind: millis(failuresBefore))")
            try await run("""
                DELETE FROM login_failures WHERE at < (SELECT MIN(at) FROM (SELECT at FROM login_failures ORDER BY at DESC LIMIT \(literal: Self.loginFailureCap)) AS newest)
                """)
            try await run("DELETE FROM audit_log WHERE at < \(bind: millis(auditBefore))")
            try await run("""
                DELETE FROM audit_log WHERE action = 'login.failed' AND at < (
                    SELECT MIN(at) FROM (SELECT at FROM audit_log WHERE action = 'login.failed' ORDER BY at DESC LIMIT \(literal: max(1, failedSignInCap))) AS newest)
                """)
            try await run("DELETE FROM sessions WHERE expires_at < \(bind: millis(now))")
        }
    }

    // Audit log

    public func audit(actor: String, action: String, target: String?, detail: String?, at: Date) async throws {
        try await storage.withSQL { db in
            try await db.raw("""
                INSERT INTO audit_log (id, at, actor, action, target, detail)
                VALUES (\(bind: UUID().uuidString.lowercased()), \(bind: millis(at)), \(bind: actor), \(bind: action), \(bind: target), \(bind: detail))
                """).run()
        }
    }

    public func auditLog(limit: Int) async throws -> [AuditEntry] {
        try await storage.withSQL { db in
            try await db.raw("SELECT * FROM audit_log ORDER BY at DESC, id LIMIT \(literal: max(1, min(limit, 5000)))").all().map {
                AuditEntry(id: try $0.decode(column: "id", as: String.self), at: date(try $0.decode(column: "at", as: Int64.self)),
                           actor: try $0.decode(column: "actor", as: String.self), action: try $0.decode(column: "action", as: String.self),
                           target: try $0.decode(column: "target", as: String?.self), detail: try $0.decode(column: "detail", as: String?.self))
            }
        }
    }
}
