import Crypto
import Foundation
import SQLKit
import SSPMCore

/// Someone who signs in to OpenSSPM (not a Zoom user).
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
}

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

public struct LoginFailureCounts: Sendable, Equatable {
    /// For this address from this client.
    public var pair: Int
    public var pairOldest: Date?
    /// From this client, any address.
    public var client: Int
    public var clientOldest: Date?
}

public struct SQLAuthStore: Sendable {
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

    public func deleteOperator(id: String) async throws -> Bool {
        try await storage.transaction { db in
            guard try await db.raw("SELECT id FROM operators WHERE id = \(bind: id)").first() != nil else { return false }
            try await db.raw("DELETE FROM sessions WHERE operator_id = \(bind: id)").run()
            try await db.raw("DELETE FROM api_tokens WHERE operator_id = \(bind: id)").run()
            try await db.raw("DELETE FROM operators WHERE id = \(bind: id)").run()
            return true
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

// MARK: - Posture data the service keeps: control states, inventories, daily score

public struct ControlStateChange: Sendable, Codable, Hashable {
    public var controlID: String
    public var fromState: String?
    public var toState: String
    public var rationale: String?
    public var expiresAt: Date?
    public var by: String?
    public var at: Date

    enum CodingKeys: String, CodingKey {
        case controlID = "controlId", fromState, toState, rationale, expiresAt, by, at
    }
}

public struct DailyScore: Sendable, Codable, Hashable {
    public var day: String
    public var achieved: Double
    public var max: Double
    public var percent: Double
    public var scans: Int
}

public struct ScanSummary: Sendable, Codable, Hashable {
    public var id: String
    public var scannedAt: Date
    public var achieved: Double
    public var max: Double
    public var percent: Double
}

public struct SQLPostureStore: Sendable {
    let storage: SQLStorage
    public init(storage: SQLStorage) { self.storage = storage }

    public func states(connectorID: String) async throws -> [ControlStateRecord] {
        try await storage.withSQL { db in
            try await db.raw("SELECT * FROM control_states WHERE connector_id = \(bind: connectorID) ORDER BY control_id").all().compactMap { row in
                guard let state = ControlState(rawValue: try row.decode(column: "state", as: String.self)) else { return nil }
                return ControlStateRecord(controlID: try row.decode(column: "control_id", as: String.self), state: state,
                                          rationale: try row.decode(column: "rationale", as: String?.self),
                                          expires: try row.decode(column: "expires_at", as: Int64?.self).map(date), by: try row.decode(column: "set_by", as: String?.self))
            }
        }
    }

    /// Sets (or with `to_address`, clears) a control's state and records the change; one transaction.
    public func setState(connectorID: String, _ record: ControlStateRecord, at: Date) async throws {
        try await storage.transaction { db in
            let old = try await db.raw("SELECT state FROM control_states WHERE connector_id = \(bind: connectorID) AND control_id = \(bind: record.controlID)")
                .first()?.decode(column: "state", as: String.self)
            if record.state == .toAddress {
                try await db.raw("DELETE FROM control_states WHERE connector_id = \(bind: connectorID) AND control_id = \(bind: record.controlID)").run()
            } else {
                try await db.raw("""
                    INSERT INTO control_states (connector_id, control_id, state, rationale, expires_at, set_by, updated_at)
                    VALUES (\(bind: connectorID), \(bind: record.controlID), \(bind: record.state.rawValue), \(bind: record.rationale), \(bind: record.expires.map(millis)), \(bind: record.by), \(bind: millis(at)))
                    ON CONFLICT (connector_id, control_id) DO UPDATE SET state = excluded.state, rationale = excluded.rationale, expires_at = excluded.expires_at,
                        set_by = excluded.set_by, updated_at = excluded.updated_at
                    """).run()
            }
            try await db.raw("""
                INSERT INTO control_state_changes (id, connector_id, control_id, from_state, to_state, rationale, expires_at, set_by, at)
                VALUES (\(bind: UUID().uuidString.lowercased()), \(bind: connectorID), \(bind: record.controlID), \(bind: old ?? ControlState.toAddress.rawValue),
                        \(bind: record.state.rawValue), \(bind: record.rationale), \(bind: record.expires.map(millis)), \(bind: record.by), \(bind: millis(at)))
                """).run()
        }
    }

    public func stateChanges(connectorID: String, controlID: String? = nil, limit: Int = 500) async throws -> [ControlStateChange] {
        var query = SQLQueryString("SELECT * FROM control_state_changes WHERE connector_id = \(bind: connectorID)")
        if let controlID { query += " AND control_id = \(bind: controlID)" }
        query += " ORDER BY at DESC, id LIMIT \(literal: max(1, min(limit, 5000)))"
        let final = query
        return try await storage.withSQL { db in
            try await db.raw(final).all().map {
                ControlStateChange(controlID: try $0.decode(column: "control_id", as: String.self), fromState: try $0.decode(column: "from_state", as: String?.self),
                                   toState: try $0.decode(column: "to_state", as: String.self), rationale: try $0.decode(column: "rationale", as: String?.self),
                                   expiresAt: try $0.decode(column: "expires_at", as: Int64?.self).map(date), by: try $0.decode(column: "set_by", as: String?.self),
                                   at: date(try $0.decode(column: "at", as: Int64.self)))
            }
        }
    }

    public func saveInventory(connectorID: String, users: [InventoryUser], at: Date) async throws {
        let text = try encodeJSON(users)
        try await storage.withSQL { db in
            try await db.raw("""
                INSERT INTO inventories (connector_id, captured_at, users) VALUES (\(bind: connectorID), \(bind: millis(at)), \(bind: text))
                ON CONFLICT (connector_id) DO UPDATE SET captured_at = excluded.captured_at, users = excluded.users
                """).run()
        }
    }

    public func inventory(connectorID: String) async throws -> (capturedAt: Date, users: [InventoryUser])? {
        let row = try await storage.withSQL { db in
            try await db.raw("SELECT captured_at, users FROM inventories WHERE connector_id = \(bind: connectorID)").first().map {
                (try $0.decode(column: "captured_at", as: Int64.self), try $0.decode(column: "users", as: String.self))
            }
        }
        guard let row else { return nil }
        return (date(row.0), try decodeJSON([InventoryUser].self, row.1))
    }

    /// Recomputes the day's roll-up from the day's scans (the last scan of the day is the day's score).
    public func rollUp(connectorID: String, day: Date) async throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let start = calendar.startOfDay(for: day)
        let end = start.addingTimeInterval(86_400)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        let key = formatter.string(from: start)
        try await storage.transaction { db in
            let rows = try await db.raw("""
                SELECT achieved, max_score, percent FROM scans WHERE connector_id = \(bind: connectorID) AND scanned_at >= \(bind: millis(start)) AND scanned_at < \(bind: millis(end))
                ORDER BY scanned_at DESC
                """).all()
            guard let last = rows.first else { return }
            try await db.raw("""
                INSERT INTO score_daily (connector_id, day, achieved, max_score, percent, scans)
                VALUES (\(bind: connectorID), \(bind: key), \(bind: try last.decode(column: "achieved", as: Double.self)), \(bind: try last.decode(column: "max_score", as: Double.self)),
                        \(bind: try last.decode(column: "percent", as: Double.self)), \(bind: rows.count))
                ON CONFLICT (connector_id, day) DO UPDATE SET achieved = excluded.achieved, max_score = excluded.max_score, percent = excluded.percent, scans = excluded.scans
                """).run()
        }
    }

    public func daily(connectorID: String, days: Int) async throws -> [DailyScore] {
        try await storage.withSQL { db in
            try await db.raw("SELECT * FROM score_daily WHERE connector_id = \(bind: connectorID) ORDER BY day DESC LIMIT \(literal: max(1, min(days, 3660)))").all().map {
                DailyScore(day: try $0.decode(column: "day", as: String.self), achieved: try $0.decode(column: "achieved", as: Double.self),
                           max: try $0.decode(column: "max_score", as: Double.self), percent: try $0.decode(column: "percent", as: Double.self),
                           scans: try $0.decode(column: "scans", as: Int.self))
            }.reversed()
        }
    }

    public func scans(connectorID: String, limit: Int) async throws -> [ScanSummary] {
        try await storage.withSQL { db in
            try await db.raw("SELECT id, scanned_at, achieved, max_score, percent FROM scans WHERE connector_id = \(bind: connectorID) ORDER BY scanned_at DESC LIMIT \(literal: max(1, min(limit, 5000)))").all().map {
                ScanSummary(id: try $0.decode(column: "id", as: String.self), scannedAt: date(try $0.decode(column: "scanned_at", as: Int64.self)),
                            achieved: try $0.decode(column: "achieved", as: Double.self), max: try $0.decode(column: "max_score", as: Double.self),
                            percent: try $0.decode(column: "percent", as: Double.self))
            }
        }
    }

    public func scan(connectorID: String, id: String) async throws -> ScanResult? {
        let text = try await storage.withSQL { db in
            try await db.raw("SELECT result FROM scans WHERE connector_id = \(bind: connectorID) AND id = \(bind: id)").first()?.decode(column: "result", as: String.self)
        }
        return try text.map { try decodeJSON(ScanResult.self, $0) }
    }
}
