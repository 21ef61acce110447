import Foundation

/// A connector's place in the sync schedule, with its lease.
public struct SyncJob: Sendable, Hashable {
    public var connectorID: String
    public var leaseOwner: String?
    public var leaseExpiresAt: Date?
    public var nextActivityAt: Date
    public var nextPostureAt: Date
    public var paused: Bool
    public var failures: Int

    public init(connectorID: String, leaseOwner: String? = nil, leaseExpiresAt: Date? = nil, nextActivityAt: Date, nextPostureAt: Date, paused: Bool, failures: Int) {
        self.connectorID = connectorID
        self.leaseOwner = leaseOwner
        self.leaseExpiresAt = leaseExpiresAt
        self.nextActivityAt = nextActivityAt
        self.nextPostureAt = nextPostureAt
        self.paused = paused
        self.failures = failures
    }
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

/// The sync schedule (one job per connector, with its lease) and the run history.
public protocol SyncJobStore: Sendable {
    func schedule(connectorID: String, at: Date) async throws
    func job(connectorID: String) async throws -> SyncJob?
    /// Leases the most overdue job that is due and free (or whose lease expired) to `owner`.
    func claim(owner: String, now: Date, lease: TimeInterval) async throws -> SyncJob?
    /// False when `owner` no longer holds the lease.
    func renew(connectorID: String, owner: String, until: Date) async throws -> Bool
    func release(connectorID: String, owner: String, nextActivityAt: Date?, nextPostureAt: Date?, postureDueAt: Date, failures: Int) async throws
    /// Makes the job due now (and its posture too, with `posture`); with `resume`, a paused
    /// (disconnected) job runs again. Without it a paused job stays paused: a request that races an
    /// operator's disconnect must not undo it.
    func request(connectorID: String, posture: Bool, at: Date, resume: Bool) async throws
    func requestPosture(connectorIDs: Set<String>, at: Date) async throws
    func setPaused(connectorID: String, _ paused: Bool) async throws
    func saveProgress(connectorID: String, _ progress: SyncProgress) async throws
    func progress(connectorID: String) async throws -> SyncProgress?
    func queueDepth(now: Date) async throws -> (due: Int, leased: Int)
    func startRun(_ run: SyncRun) async throws
    func finishRun(id: String, at: Date, outcome: String, detail: String?, stats: JSONValue?) async throws
    /// Newest first.
    func runs(connectorID: String, limit: Int) async throws -> [SyncRun]
}

extension SyncJobStore {
    /// A request that leaves a paused job paused.
    public func request(connectorID: String, posture: Bool, at: Date) async throws {
        try await request(connectorID: connectorID, posture: posture, at: at, resume: false)
    }

    public func runs(connectorID: String) async throws -> [SyncRun] { try await runs(connectorID: connectorID, limit: 50) }
}
