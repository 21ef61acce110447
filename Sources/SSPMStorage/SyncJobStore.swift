import Foundation
import SQLKit
import SSPMCore

/// The sync schedule (`sync_jobs`: one row per connector, with its lease) and run history (`sync_runs`).
public struct SQLSyncJobStore: SyncJobStore {
    let storage: SQLStorage
    public init(storage: SQLStorage) { self.storage = storage }

    /// Schedules a new connector: everything due now.
    public func schedule(connectorID: String, at: Date) async throws {
        try await storage.withSQL { db in try await Self.schedule(connectorID: connectorID, at: at, on: db) }
    }

    /// The same on `db` (the connector store schedules a new connector in its creating transaction).
    static func schedule(connectorID: String, at: Date, on db: any SQLDatabase) async throws {
        try await db.raw("""
            INSERT INTO sync_jobs (connector_id, next_activity_at, next_posture_at) VALUES (\(bind: connectorID), \(bind: millis(at)), \(bind: millis(at)))
            ON CONFLICT (connector_id) DO UPDATE SET next_activity_at = excluded.next_activity_at, next_posture_at = excluded.next_posture_at, paused = 0, failures = 0
            """).run()
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
    public func request(connectorID: String, posture: Bool, at: Date, resume: Bool) async throws {
        try await storage.withSQL { db in
            var query = SQLQueryString("UPDATE sync_jobs SET next_activity_at = \(bind: millis(at))")
            if posture { query += ", next_posture_at = \(bind: millis(at))" }
            if resume { query += ", paused = 0" }
            query += " WHERE connector_id = \(bind: connectorID)"
            try await db.raw(query).run()
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
