import Foundation
import SQLKit
import SSPMCore

let canonicalEncoder: JSONEncoder = {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    encoder.dateEncodingStrategy = .iso8601
    return encoder
}()

let isoDecoder: JSONDecoder = {
    let decoder = JSONDecoder()
    decoder.dateDecodingStrategy = .iso8601
    return decoder
}()

func encodeJSON<T: Encodable>(_ value: T) throws -> String { String(decoding: try canonicalEncoder.encode(value), as: UTF8.self) }
func decodeJSON<T: Decodable>(_ type: T.Type, _ text: String) throws -> T { try isoDecoder.decode(type, from: Data(text.utf8)) }

// MARK: - Connector details the service keeps beside the record

/// A connector status change.
public struct ConnectorEvent: Sendable, Codable, Hashable {
    public var at: Date
    public var fromStatus: String?
    public var toStatus: String
    public var detail: String?
}

extension SQLConnectorStore {
    /// Sets the status and records the change (when it is one) in `connector_events`; one transaction.
    /// Records a status change (and the health report, when given). With `unlessDisconnected`, a
    /// connector an operator disconnected meanwhile stays disconnected (a sync that was running
    /// when they did must not undo it); only its health is updated.
    public func transition(id: String, to status: String, detail: String?, health: ConnectionReport?, at: Date,
                           unlessDisconnected: Bool = false) async throws {
        let healthJSON = try health.map { try encodeJSON($0) }
        try await storage.transaction { db in
            guard let row = try await db.raw("SELECT status, status_detail FROM connectors WHERE id = \(bind: id)").first() else {
                throw StoreError.notFound("Connector \(id)")
            }
            let old = try row.decode(column: "status", as: String.self)
            let oldDetail = try row.decode(column: "status_detail", as: String?.self)
            if unlessDisconnected, old == "disconnected" {
                if let healthJSON { try await db.raw("UPDATE connectors SET health = \(bind: healthJSON) WHERE id = \(bind: id)").run() }
                return
            }
            if let healthJSON {
                try await db.raw("UPDATE connectors SET status = \(bind: status), status_detail = \(bind: detail), health = \(bind: healthJSON), updated_at = \(bind: millis(at)) WHERE id = \(bind: id)").run()
            } else {
                try await db.raw("UPDATE connectors SET status = \(bind: status), status_detail = \(bind: detail), updated_at = \(bind: millis(at)) WHERE id = \(bind: id)").run()
            }
            if old != status || oldDetail != detail {
                try await db.raw("""
                    INSERT INTO connector_events (id, connector_id, at, from_status, to_status, detail)
                    VALUES (\(bind: UUID().uuidString.lowercased()), \(bind: id), \(bind: millis(at)), \(bind: old), \(bind: status), \(bind: detail))
                    """).run()
            }
        }
    }

    /// A new connector with everything the service keeps beside it, in one transaction: the
    /// validation report and first status event, and a sync job due at once.
    public func createForService(_ c: ConnectorRecord, credentials: ConnectorCredentials, health: ConnectionReport, detail: String) async throws {
        let healthJSON = try encodeJSON(health)
        try await create(c, credentials: credentials) { db in
            try await db.raw("""
                UPDATE connectors SET health = \(bind: healthJSON), status_detail = \(bind: detail) WHERE id = \(bind: c.id)
                """).run()
            try await db.raw("""
                INSERT INTO connector_events (id, connector_id, at, from_status, to_status, detail)
                VALUES (\(bind: UUID().uuidString.lowercased()), \(bind: c.id), \(bind: millis(c.createdAt)), NULL, \(bind: c.status), \(bind: detail))
                """).run()
            try await db.raw("""
                INSERT INTO sync_jobs (connector_id, next_activity_at, next_posture_at) VALUES (\(bind: c.id), \(bind: millis(c.createdAt)), \(bind: millis(c.createdAt)))
                """).run()
        }
    }

    public func health(id: String) async throws -> ConnectionReport? {
        let text = try await storage.withSQL { db in
            try await db.raw("SELECT health FROM connectors WHERE id = \(bind: id)").first()?.decode(column: "health", as: String?.self)
        }
        return try text.map { try decodeJSON(ConnectionReport.self, $0) }
    }

    public func events(id: String, limit: Int = 200) async throws -> [ConnectorEvent] {
        try await storage.withSQL { db in
            try await db.raw("SELECT at, from_status, to_status, detail FROM connector_events WHERE connector_id = \(bind: id) ORDER BY at DESC, id LIMIT \(literal: max(1, min(limit, 1000)))")
                .all().map {
                    ConnectorEvent(at: date(try $0.decode(column: "at", as: Int64.self)), fromStatus: try $0.decode(column: "from_status", as: String?.self),
                                   toStatus: try $0.decode(column: "to_status", as: String.self), detail: try $0.decode(column: "detail", as: String?.self))
                }
        }
    }

    public func setLastSync(id: String, at: Date) async throws {
        try await storage.withSQL { db in
            try await db.raw("UPDATE connectors SET last_sync_at = \(bind: millis(at)) WHERE id = \(bind: id)").run()
        }
    }

    public func lastSync(id: String) async throws -> Date? {
        try await storage.withSQL { db in
            try await db.raw("SELECT last_sync_at FROM connectors WHERE id = \(bind: id)").first()?.decode(column: "last_sync_at", as: Int64?.self)
        }.map(date)
    }
}

// MARK: - Activities: queries with a cursor, webhook events

/// Filters for the activity log. `cursor` is opaque to callers (see `ActivityPage.nextCursor`).
public struct ActivityQuery: Sendable {
    public var connectorID: String
    public var kinds: [String]?
    public var user: String?
    public var ipAddress: String?
    public var from: Date?
    public var to: Date?
    public var cursor: String?
    public var limit: Int

    public init(connectorID: String, kinds: [String]? = nil, user: String? = nil, ipAddress: String? = nil, from: Date? = nil, to: Date? = nil,
                cursor: String? = nil, limit: Int = 100) {
        self.connectorID = connectorID
        self.kinds = kinds
        self.user = user
        self.ipAddress = ipAddress
        self.from = from
        self.to = to
        self.cursor = cursor
        self.limit = limit
    }
}

public struct ActivityPage: Sendable {
    public var items: [ActivityRecord]
    public var nextCursor: String?
}

public struct InvalidCursor: Error, CustomStringConvertible {
    public var description: String { "The cursor is not one this server issued: start again without it (cursors come from nextCursor or the X-Next-Cursor header)." }
}

extension SQLActivityStore {
    static func decodeCursor(_ text: String) throws -> (Int64, String) {
        guard let data = Data(base64Encoded: text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/") + String(repeating: "=", count: (4 - text.count % 4) % 4)),
              let plain = String(data: data, encoding: .utf8), let colon = plain.firstIndex(of: ":"),
              let time = Int64(plain[..<colon]) else { throw InvalidCursor() }
        let fingerprint = String(plain[plain.index(after: colon)...])
        guard fingerprint.allSatisfy({ $0.isHexDigit || $0 == "-" }) else { throw InvalidCursor() }
        return (time, fingerprint)
    }

    static func encodeCursor(_ record: ActivityRecord) -> String {
        Data("\(millis(record.occurredAt)):\(record.fingerprint)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    static func record(_ row: any SQLRow) throws -> ActivityRecord {
        ActivityRecord(
            connectorID: try row.decode(column: "connector_id", as: String.self), kind: try row.decode(column: "kind", as: String.self),
            occurredAt: date(try row.decode(column: "occurred_at", as: Int64.self)), user: try row.decode(column: "user_email", as: String.self),
            ipAddress: try row.decode(column: "ip_address", as: String?.self), fingerprint: try row.decode(column: "fingerprint", as: String.self),
            payload: try JSONDecoder().decode(JSONValue.self, from: Data(try row.decode(column: "payload", as: String.self).utf8)))
    }

    static func filters(_ q: ActivityQuery, into query: inout SQLQueryString) {
        if let kinds = q.kinds, !kinds.isEmpty {
            query += " AND kind IN ("
            for (index, kind) in kinds.enumerated() {
                if index > 0 { query.appendLiteral(", ") }
                query += "\(bind: kind)"
            }
            query.appendLiteral(")")
        }
        if let user = q.user { query += " AND user_email = \(bind: user)" }
        if let ip = q.ipAddress { query += " AND ip_address = \(bind: ip)" }
        if let from = q.from { query += " AND occurred_at >= \(bind: millis(from))" }
        if let to = q.to { query += " AND occurred_at <= \(bind: millis(to))" }
    }

    /// How many activities match (cursor and limit ignored).
    public func count(query q: ActivityQuery) async throws -> Int {
        var query = SQLQueryString("SELECT COUNT(*) AS n FROM activities WHERE connector_id = \(bind: q.connectorID)")
        Self.filters(q, into: &query)
        let final = query
        return try await storage.withSQL { db in try await db.raw(final).first()?.decode(column: "n", as: Int.self) ?? 0 }
    }

    /// Newest first, keyset pagination on (occurred_at, fingerprint).
    public func query(_ q: ActivityQuery) async throws -> ActivityPage {
        let limit = max(1, min(q.limit, 5000))
        var query = SQLQueryString("SELECT connector_id, kind, occurred_at, user_email, ip_address, fingerprint, payload FROM activities WHERE connector_id = \(bind: q.connectorID)")
        Self.filters(q, into: &query)
        if let cursor = q.cursor {
            let (time, fingerprint) = try Self.decodeCursor(cursor)
            query += " AND (occurred_at < \(bind: time) OR (occurred_at = \(bind: time) AND fingerprint < \(bind: fingerprint)))"
        }
        query += " ORDER BY occurred_at DESC, fingerprint DESC LIMIT \(literal: limit + 1)"
        let finalQuery = query
        var items = try await storage.withSQL { db in try await db.raw(finalQuery).all().map(Self.record) }
        var next: String?
        if items.count > limit {
            items.removeLast()
            next = items.last.map(Self.encodeCursor)
        }
        return ActivityPage(items: items, nextCursor: next)
    }

    /// Stores polled rows with correlation keys: a webhook-sourced row with the same key is replaced
    /// by the (richer) polled row.
    public func insertPolled(_ activities: [ActivityRecord], correlations: [String?]) async throws {
        guard !activities.isEmpty else { return }
        let rows = try zip(activities, correlations).map { ($0, $1, try encodeJSON($0.payload)) }
        try await storage.transaction { db in
            for chunk in stride(from: 0, to: rows.count, by: 200).map({ Array(rows[$0..<min($0 + 200, rows.count)]) }) {
                var query = SQLQueryString("INSERT INTO activities (connector_id, fingerprint, kind, occurred_at, user_email, ip_address, payload, source, correlation) VALUES ")
                for (index, (a, correlation, payload)) in chunk.enumerated() {
                    if index > 0 { query.appendLiteral(", ") }
                    query += "(\(bind: a.connectorID), \(bind: a.fingerprint), \(bind: a.kind), \(bind: millis(a.occurredAt)), \(bind: a.user), \(bind: a.ipAddress), \(bind: payload), 'poll', \(bind: correlation))"
                }
                query.appendLiteral(" ON CONFLICT DO NOTHING")
                try await db.raw(query).run()
                let keys = chunk.compactMap(\.1)
                if !keys.isEmpty, let connector = chunk.first?.0.connectorID {
                    var delete = SQLQueryString("DELETE FROM activities WHERE connector_id = \(bind: connector) AND source = 'webhook' AND correlation IN (")
                    for (index, key) in keys.enumerated() {
                        if index > 0 { delete.appendLiteral(", ") }
                        delete += "\(bind: key)"
                    }
                    delete.appendLiteral(")")
                    try await db.raw(delete).run()
                }
            }
        }
    }

    /// Stores webhook events (one transaction for the batch). An event whose correlation key is
    /// already held by a stored row, or whose fingerprint is stored, is skipped. Multi-row
    /// statements: the batch is a handful of round trips, not one per event.
    /// `rawJSON` is the payload as received (already valid JSON), stored as is.
    public func insertWebhookEvents(_ events: [(record: ActivityRecord, correlation: String?, rawJSON: String?)]) async throws {
        guard !events.isEmpty else { return }
        let rows = try events.map { ($0.record, $0.correlation, try $0.rawJSON ?? encodeJSON($0.record.payload)) }
        try await storage.transaction { db in
            for chunk in stride(from: 0, to: rows.count, by: 200).map({ Array(rows[$0..<min($0 + 200, rows.count)]) }) {
                let plain = chunk.filter { $0.1 == nil }
                if !plain.isEmpty {
                    var query = SQLQueryString("INSERT INTO activities (connector_id, fingerprint, kind, occurred_at, user_email, ip_address, payload, source) VALUES ")
                    for (index, (a, _, payload)) in plain.enumerated() {
                        if index > 0 { query.appendLiteral(", ") }
                        query += "(\(bind: a.connectorID), \(bind: a.fingerprint), \(bind: a.kind), \(bind: millis(a.occurredAt)), \(bind: a.user), \(bind: a.ipAddress), \(bind: payload), 'webhook')"
                    }
                    query.appendLiteral(" ON CONFLICT DO NOTHING")
                    try await db.raw(query).run()
                }
                let correlated = chunk.filter { $0.1 != nil }
                if !correlated.isEmpty {
                    // WITH … INSERT … SELECT works on both SQLite and PostgreSQL; the WHERE also keeps SQLite's parser clear of ON CONFLICT.
                    var query = SQLQueryString("WITH v (connector_id, fingerprint, kind, occurred_at, user_email, payload, correlation) AS (VALUES ")
                    for (index, (a, correlation, payload)) in correlated.enumerated() {
                        if index > 0 { query.appendLiteral(", ") }
                        query += "(\(bind: a.connectorID), \(bind: a.fingerprint), \(bind: a.kind), \(bind: millis(a.occurredAt)), \(bind: a.user), \(bind: payload), \(bind: correlation))"
                    }
                    query.appendLiteral("""
                        ) INSERT INTO activities (connector_id, fingerprint, kind, occurred_at, user_email, payload, source, correlation)
                        SELECT v.connector_id, v.fingerprint, v.kind, v.occurred_at, v.user_email, v.payload, 'webhook', v.correlation FROM v
                        WHERE NOT EXISTS (SELECT 1 FROM activities a WHERE a.connector_id = v.connector_id AND a.correlation = v.correlation)
                        ON CONFLICT DO NOTHING
                        """)
                    try await db.raw(query).run()
                }
            }
        }
    }
}

// MARK: - Sync jobs and leases

/// A connector's place in the sync schedule, with its lease.
public struct SyncJob: Sendable, Hashable {
    public var connectorID: String
    public var leaseOwner: String?
    public var leaseExpiresAt: Date?
    public var nextActivityAt: Date
    public var nextPostureAt: Date
    public var paused: Bool
    public var failures: Int
}

/// Live progress of a sync, as the API and the CLI bar show it.
public struct SyncProgress: Sendable, Codable, Hashable {
    public var runID: String
    public var owner: String
    /// validating, reading, scoring, done, failed
    public var phase: String
    public var requests: Int
    public var rateLimitWaits: Int
    public var rateLimited: Int
    public var items: Int
    public var startedAt: Date
    public var updatedAt: Date
    public var etaSeconds: Double?
    public var finished: Bool
    public var error: String?

    enum CodingKeys: String, CodingKey {
        case runID = "runId", owner, phase, requests, rateLimitWaits, rateLimited, items, startedAt, updatedAt, etaSeconds, finished, error
    }

    public init(runID: String, owner: String, phase: String, startedAt: Date) {
        self.runID = runID
        self.owner = owner
        self.phase = phase
        self.requests = 0
        self.rateLimitWaits = 0
        self.rateLimited = 0
        self.items = 0
        self.startedAt = startedAt
        self.updatedAt = startedAt
        self.finished = false
    }
}

/// One finished (or abandoned) sync run.
public struct SyncRun: Sendable, Codable, Hashable {
    public var id: String
    public var connectorID: String
    public var owner: String
    public var startedAt: Date
    public var finishedAt: Date?
    public var outcome: String?
    public var detail: String?
    public var stats: JSONValue?

    enum CodingKeys: String, CodingKey {
        case id, connectorID = "connectorId", owner, startedAt, finishedAt, outcome, detail, stats
    }

    public init(id: String, connectorID: String, owner: String, startedAt: Date, finishedAt: Date? = nil, outcome: String? = nil, detail: String? = nil, stats: JSONValue? = nil) {
        self.id = id
        self.connectorID = connectorID
        self.owner = owner
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.outcome = outcome
        self.detail = detail
        self.stats = stats
    }
}

public struct SQLSyncJobStore: Sendable {
    let storage: SQLStorage
    public init(storage: SQLStorage) { self.storage = storage }

    /// Schedules a new connector: everything due now.
    public func schedule(connectorID: String, at: Date) async throws {
        try await storage.withSQL { db in
            try await db.raw("""
                INSERT INTO sync_jobs (connector_id, next_activity_at, next_posture_at) VALUES (\(bind: connectorID), \(bind: millis(at)), \(bind: millis(at)))
                ON CONFLICT (connector_id) DO UPDATE SET next_activity_at = excluded.next_activity_at, next_posture_at = excluded.next_posture_at, paused = 0, failures = 0
                """).run()
        }
    }

    static func job(_ row: any SQLRow) throws -> SyncJob {
        SyncJob(connectorID: try row.decode(column: "connector_id", as: String.self), leaseOwner: try row.decode(column: "lease_owner", as: String?.self),
                leaseExpiresAt: try row.decode(column: "lease_expires_at", as: Int64?.self).map(date),
                nextActivityAt: date(try row.decode(column: "next_activity_at", as: Int64.self)), nextPostureAt: date(try row.decode(column: "next_posture_at", as: Int64.self)),
                paused: try row.decode(column: "paused", as: Int.self) != 0, failures: try row.decode(column: "failures", as: Int.self))
    }

    public func job(connectorID: String) async throws -> SyncJob? {
        try await storage.withSQL { db in
            try await db.raw("SELECT * FROM sync_jobs WHERE connector_id = \(bind: connectorID)").first().map(Self.job)
        }
    }

    /// Claims one due connector for `owner` until `now + lease`. On PostgreSQL the candidate row is
    /// locked with `FOR UPDATE SKIP LOCKED`, so several processes never claim the same one; an
    /// expired lease (a dead process) is claimable again.
    public func claim(owner: String, now: Date, lease: TimeInterval) async throws -> SyncJob? {
        let postgres = storage.isPostgres
        let now64 = millis(now)
        return try await storage.transaction { db in
            let lock = postgres ? " FOR UPDATE SKIP LOCKED" : ""
            // The oldest due time first: PostgreSQL has LEAST, SQLite a two-argument MIN.
            let order = postgres ? "LEAST(next_activity_at, next_posture_at)" : "MIN(next_activity_at, next_posture_at)"
            guard let row = try await db.raw("""
                SELECT * FROM sync_jobs
                WHERE paused = 0 AND (lease_owner IS NULL OR lease_expires_at < \(bind: now64))
                  AND (next_activity_at <= \(bind: now64) OR next_posture_at <= \(bind: now64))
                ORDER BY \(unsafeRaw: order) LIMIT 1\(unsafeRaw: lock)
                """).first() else { return nil }
            var job = try Self.job(row)
            try await db.raw("UPDATE sync_jobs SET lease_owner = \(bind: owner), lease_expires_at = \(bind: now64 + Int64(lease * 1000)) WHERE connector_id = \(bind: job.connectorID)").run()
            job.leaseOwner = owner
            job.leaseExpiresAt = now.addingTimeInterval(lease)
            return job
        }
    }

    /// Extends a held lease; false when the lease was lost (expired and taken by another process).
    public func renew(connectorID: String, owner: String, until: Date) async throws -> Bool {
        try await storage.transaction { db in
            let held = try await db.raw("SELECT lease_owner FROM sync_jobs WHERE connector_id = \(bind: connectorID)").first()?.decode(column: "lease_owner", as: String?.self)
            guard held == owner else { return false }
            try await db.raw("UPDATE sync_jobs SET lease_expires_at = \(bind: millis(until)) WHERE connector_id = \(bind: connectorID)").run()
            return true
        }
    }

    /// Releases the lease and sets the next due times (only if `owner` still holds it).
    /// `postureDueAt` is the job's posture due time when it was claimed: a posture request that
    /// arrived during the run (a settings webhook) changed it, and is kept.
    public func release(connectorID: String, owner: String, nextActivityAt: Date?, nextPostureAt: Date?, postureDueAt: Date, failures: Int) async throws {
        try await storage.withSQL { db in
            var query = SQLQueryString("UPDATE sync_jobs SET lease_owner = NULL, lease_expires_at = NULL, failures = \(bind: failures)")
            if let nextActivityAt { query += ", next_activity_at = \(bind: millis(nextActivityAt))" }
            if let nextPostureAt {
                query += ", next_posture_at = CASE WHEN next_posture_at = \(bind: millis(postureDueAt)) THEN \(bind: millis(nextPostureAt)) ELSE next_posture_at END"
            }
            query += " WHERE connector_id = \(bind: connectorID) AND lease_owner = \(bind: owner)"
            try await db.raw(query).run()
        }
    }

    /// Asks for a sync as soon as possible (posture too when `posture`).
    public func request(connectorID: String, posture: Bool, at: Date) async throws {
        try await storage.withSQL { db in
            if posture {
                try await db.raw("UPDATE sync_jobs SET next_activity_at = \(bind: millis(at)), next_posture_at = \(bind: millis(at)), paused = 0 WHERE connector_id = \(bind: connectorID)").run()
            } else {
                try await db.raw("UPDATE sync_jobs SET next_activity_at = \(bind: millis(at)), paused = 0 WHERE connector_id = \(bind: connectorID)").run()
            }
        }
    }

    /// Asks for a posture refresh for these connectors (settings webhooks).
    public func requestPosture(connectorIDs: Set<String>, at: Date) async throws {
        guard !connectorIDs.isEmpty else { return }
        try await storage.withSQL { db in
            for id in connectorIDs {
                try await db.raw("UPDATE sync_jobs SET next_posture_at = \(bind: millis(at)) WHERE connector_id = \(bind: id)").run()
            }
        }
    }

    public func setPaused(connectorID: String, _ paused: Bool) async throws {
        try await storage.withSQL { db in
            try await db.raw("UPDATE sync_jobs SET paused = \(bind: paused ? 1 : 0) WHERE connector_id = \(bind: connectorID)").run()
        }
    }

    public func saveProgress(connectorID: String, _ progress: SyncProgress) async throws {
        let text = try encodeJSON(progress)
        try await storage.withSQL { db in
            try await db.raw("UPDATE sync_jobs SET progress = \(bind: text) WHERE connector_id = \(bind: connectorID)").run()
        }
    }

    public func progress(connectorID: String) async throws -> SyncProgress? {
        let text = try await storage.withSQL { db in
            try await db.raw("SELECT progress FROM sync_jobs WHERE connector_id = \(bind: connectorID)").first()?.decode(column: "progress", as: String?.self)
        }
        return try text.map { try decodeJSON(SyncProgress.self, $0) }
    }

    /// Connectors whose jobs are due or leased (the queue depth metric).
    public func queueDepth(now: Date) async throws -> (due: Int, leased: Int) {
        try await storage.withSQL { db in
            let now64 = millis(now)
            let due = try await db.raw("SELECT COUNT(*) AS n FROM sync_jobs WHERE paused = 0 AND (next_activity_at <= \(bind: now64) OR next_posture_at <= \(bind: now64))").first()?.decode(column: "n", as: Int.self) ?? 0
            let leased = try await db.raw("SELECT COUNT(*) AS n FROM sync_jobs WHERE lease_owner IS NOT NULL AND lease_expires_at >= \(bind: now64)").first()?.decode(column: "n", as: Int.self) ?? 0
            return (due, leased)
        }
    }

    public func startRun(_ run: SyncRun) async throws {
        try await storage.withSQL { db in
            try await db.raw("INSERT INTO sync_runs (id, connector_id, owner, started_at) VALUES (\(bind: run.id), \(bind: run.connectorID), \(bind: run.owner), \(bind: millis(run.startedAt)))").run()
        }
    }

    public func finishRun(id: String, at: Date, outcome: String, detail: String?, stats: JSONValue?) async throws {
        let statsText = try stats.map { try encodeJSON($0) }
        try await storage.withSQL { db in
            try await db.raw("UPDATE sync_runs SET finished_at = \(bind: millis(at)), outcome = \(bind: outcome), detail = \(bind: detail), stats = \(bind: statsText) WHERE id = \(bind: id)").run()
        }
    }

    public func runs(connectorID: String, limit: Int = 50) async throws -> [SyncRun] {
        try await storage.withSQL { db in
            try await db.raw("SELECT * FROM sync_runs WHERE connector_id = \(bind: connectorID) ORDER BY started_at DESC LIMIT \(literal: max(1, min(limit, 1000)))").all().map { row in
                SyncRun(id: try row.decode(column: "id", as: String.self), connectorID: try row.decode(column: "connector_id", as: String.self),
                        owner: try row.decode(column: "owner", as: String.self), startedAt: date(try row.decode(column: "started_at", as: Int64.self)),
                        finishedAt: try row.decode(column: "finished_at", as: Int64?.self).map(date), outcome: try row.decode(column: "outcome", as: String?.self),
                        detail: try row.decode(column: "detail", as: String?.self),
                        stats: try row.decode(column: "stats", as: String?.self).flatMap { try? decodeJSON(JSONValue.self, $0) })
            }
        }
    }
}

