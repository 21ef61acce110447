import Foundation
import SSPMCore

/// Every store of Core's ports, in memory: for HTTP tests that need neither a database nor a
/// simulator. One actor holds all the tables, so a connector's delete takes everything kept for it
/// (as the SQL schema's cascades do) and each operation is all or nothing. The store contract suite
/// runs against it beside SQLite and PostgreSQL, so it answers as they do: times are kept to the
/// millisecond and JSON-held values go through JSON, as the SQL stores keep them.
public actor MemoryDatabase {
    struct Connector {
        var record: ConnectorRecord
        var credentials: ConnectorCredentials
        var health: ConnectionReport?
        var lastSync: Date?
    }
    struct Activity {
        var event: ActivityEvent
        var source: String
        var payload: String
        var mappingVersion: Int?
        /// Insertion order (what SQLite's rowid gives a scan without ORDER BY).
        var seq = 0
    }
    struct Job {
        var job: SyncJob
        var progress: SyncProgress?
    }
    struct Session {
        var operatorID: String
        var csrf: String
        var expires: Date
    }

    var connectors: [String: Connector] = [:]
    /// Reading connector → (directory connector, paired at).
    var pairings: [String: (directory: String, at: Date)] = [:]
    var events: [(connectorID: String, event: ConnectorEvent, id: String)] = []
    /// Per connector, keyed by fingerprint, with an index of the correlation keys, so a sync's
    /// thousands of rows are stored in linear time and a query reads only its connector's rows.
    var activities: [String: [String: Activity]] = [:]
    var correlated: [CorrelationKey: Set<String>] = [:]
    var activitySeq = 0
    struct CorrelationKey: Hashable {
        var connectorID: String
        var correlation: String
    }
    struct StreamKey: Hashable {
        var connectorID: String
        var stream: String
    }
    var checkpoints: [StreamKey: Date] = [:]
    /// With the time in milliseconds (as SQL sorts: the result's own time went through ISO 8601,
    /// which keeps whole seconds) and the insertion order for ties.
    var scans: [(id: String, connectorID: String, result: ScanResult, millis: Int64, seq: Int)] = []
    var jobs: [String: Job] = [:]
    var runs: [SyncRun] = []
    var operators: [(op: Operator, hash: String)] = []
    var sessions: [String: Session] = [:]
    var tokens: [(record: APITokenRecord, hash: String)] = []
    var failures: [(email: String, client: String, at: Date)] = []
    var audit: [AuditEntry] = []
    var states: [String: [String: ControlStateRecord]] = [:]
    var changes: [(connectorID: String, change: ControlStateChange, id: String)] = []
    var daily: [String: [String: DailyScore]] = [:]
    var inventories: [String: (Date, [InventoryUser])] = [:]
    var detection = DetectionTables()

    public init() {}

    /// The stores over a new, empty database.
    public static func stores() -> StoreSet {
        let db = MemoryDatabase()
        return StoreSet(connectors: MemoryConnectorStore(db: db), activities: MemoryActivityStore(db: db), checkpoints: MemoryCheckpointStore(db: db),
                        scans: MemoryScanStore(db: db), jobs: MemorySyncJobStore(db: db), auth: MemoryAuthStore(db: db),
                        posture: MemoryPostureStore(db: db), inventory: MemoryInventoryStore(db: db),
                        detections: MemoryDetectionStore(db: db), notifications: MemoryNotificationStore(db: db), location: "memory", close: {})
    }

    /// Runs `body` on the tables, all or nothing: a throw leaves them as they were. (A body that
    /// cannot throw needs no copy: `run` without `try` takes the cheap path.)
    func run<T: Sendable>(_ body: @Sendable (isolated MemoryDatabase) throws -> T) throws -> T {
        let saved = (connectors, pairings, events, activities, correlated, checkpoints, scans, jobs, runs, operators, sessions, tokens, failures, audit, states, changes, daily, inventories, detection)
        do { return try body(self) } catch {
            (connectors, pairings, events, activities, correlated, checkpoints, scans, jobs, runs, operators, sessions, tokens, failures, audit, states, changes, daily, inventories, detection) = saved
            throw error
        }
    }

    func run<T: Sendable>(_ body: @Sendable (isolated MemoryDatabase) -> T) -> T { body(self) }

    func store(_ row: Activity) {
        var row = row
        activitySeq += 1
        row.seq = activitySeq
        let connector = row.event.connectorID
        activities[connector, default: [:]][row.event.fingerprint] = row
        if let correlation = row.event.correlation { correlated[CorrelationKey(connectorID: connector, correlation: correlation), default: []].insert(row.event.fingerprint) }
    }

    func removeActivity(connectorID: String, fingerprint: String) {
        guard let row = activities[connectorID]?.removeValue(forKey: fingerprint), let correlation = row.event.correlation else { return }
        let c = CorrelationKey(connectorID: connectorID, correlation: correlation)
        correlated[c]?.remove(fingerprint)
        if correlated[c]?.isEmpty == true { correlated[c] = nil }
    }

    /// As a foreign key: a row for a connector (or an operator) that does not exist is refused.
    func requireConnector(_ id: String) throws {
        guard connectors[id] != nil else { throw MemoryConstraintError("no connector \(id) (foreign key)") }
    }

    func requireOperator(_ id: String) throws {
        guard operators.contains(where: { $0.op.id == id }) else { throw MemoryConstraintError("no operator \(id) (foreign key)") }
    }

    /// Deletes a connector and everything kept for it.
    func cascade(connectorID id: String) {
        connectors[id] = nil
        pairings = pairings.filter { $0.key != id && $0.value.directory != id }
        events.removeAll { $0.connectorID == id }
        activities[id] = nil
        correlated = correlated.filter { $0.key.connectorID != id }
        checkpoints = checkpoints.filter { $0.key.connectorID != id }
        scans.removeAll { $0.connectorID == id }
        jobs[id] = nil
        runs.removeAll { $0.connectorID == id }
        states[id] = nil
        changes.removeAll { $0.connectorID == id }
        daily[id] = nil
        inventories[id] = nil
        detection.alerts.removeAll { $0.connectorID == id }
        let kept = Set(detection.alerts.map(\.id))
        detection.comments.removeAll { !kept.contains($0.alertID) }
    }

    func schedule(_ id: String, at: Date) {
        let at = ms(at)
        if var existing = jobs[id] {
            existing.job.nextActivityAt = at
            existing.job.nextPostureAt = at
            existing.job.paused = false
            existing.job.failures = 0
            jobs[id] = existing
        } else {
            jobs[id] = Job(job: SyncJob(connectorID: id, nextActivityAt: at, nextPostureAt: at, paused: false, failures: 0))
        }
    }
}

/// What SQL's constraints (primary keys, foreign keys) refuse; like a database error, the API
/// answers it as a 500.
public struct MemoryConstraintError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// A time as the SQL stores keep it: whole milliseconds.
func ms(_ date: Date) -> Date { Date(timeIntervalSince1970: Double(ActivityCursor.millis(date)) / 1000) }

/// A value as it comes back from a JSON column (sorted keys, ISO 8601 dates).
func throughJSON<T: Codable>(_ value: T) throws -> T {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    encoder.dateEncodingStrategy = .iso8601
    let decoder = JSONDecoder()
    decoder.dateDecodingStrategy = .iso8601
    return try decoder.decode(T.self, from: encoder.encode(value))
}

func clamp(_ value: Int, _ range: ClosedRange<Int>) -> Int { min(max(value, range.lowerBound), range.upperBound) }

public struct MemoryConnectorStore: ConnectorStore {
    let db: MemoryDatabase

    public func pairedDirectory(id: String) async throws -> String? { await db.run { db in db.pairings[id].map(\.directory) } }

    public func pairedReaders(directoryID: String) async throws -> [String] {
        await db.run { db in
            db.pairings.filter { $0.value.directory == directoryID }.sorted { ($0.value.at, $0.key) < ($1.value.at, $1.key) }.map(\.key)
        }
    }

    public func setPairing(id: String, directoryID: String?, at: Date, by: String?) async throws {
        try await db.run { db in
            for connector in [id] + (directoryID.map { [$0] } ?? []) where db.connectors[connector] == nil {
                throw StoreError.notFound("Connector \(connector.prefix(100))")
            }
            db.pairings[id] = directoryID.map { ($0, ms(at)) }
        }
    }

    public func create(_ c: ConnectorRecord, credentials: ConnectorCredentials) async throws {
        try await db.run { db in try Self.insert(c, credentials: credentials, in: db) }
    }

    static func insert(_ c: ConnectorRecord, credentials: ConnectorCredentials, in db: isolated MemoryDatabase) throws {
        guard db.connectors[c.id] == nil else { throw MemoryConstraintError("connector \(c.id) exists (primary key)") }
        if let key = c.uniqueKey, db.connectors.values.contains(where: { $0.record.provider == c.provider && $0.record.uniqueKey == key }) {
            throw StoreError.duplicateConnector(provider: c.provider, key: key)
        }
        var record = c
        record.createdAt = ms(c.createdAt)
        record.updatedAt = ms(c.updatedAt)
        record.settings = try throughJSON(c.settings)
        db.connectors[c.id] = .init(record: record, credentials: credentials)
    }

    public func createForService(_ c: ConnectorRecord, credentials: ConnectorCredentials, health: ConnectionReport, detail: String,
                                 pairedDirectory: String?, pairedBy: String?) async throws {
        let health = try throughJSON(health)
        try await db.run { db in
            try Self.insert(c, credentials: credentials, in: db)
            if let pairedDirectory {
                guard db.connectors[pairedDirectory] != nil else { throw StoreError.notFound("Connector \(pairedDirectory.prefix(100))") }
                db.pairings[c.id] = (pairedDirectory, ms(c.createdAt))
            }
            db.connectors[c.id]?.health = health
            db.connectors[c.id]?.record.statusDetail = detail
            db.events.append((c.id, ConnectorEvent(at: ms(c.createdAt), fromStatus: nil, toStatus: c.status, detail: detail), UUID().uuidString.lowercased()))
            db.schedule(c.id, at: c.createdAt)
        }
    }

    public func list() async throws -> [ConnectorRecord] {
        await db.connectors.values.map(\.record).sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }

    public func get(id: String) async throws -> ConnectorRecord? { await db.connectors[id]?.record }

    public func credentials(id: String) async throws -> ConnectorCredentials? { await db.connectors[id]?.credentials }

    public func updateStatus(id: String, status: String, detail: String?, at: Date) async throws {
        try await db.run { db in
            guard db.connectors[id] != nil else { throw StoreError.notFound("Connector \(id)") }
            db.connectors[id]?.record.status = status
            db.connectors[id]?.record.statusDetail = detail
            db.connectors[id]?.record.updatedAt = ms(at)
        }
    }

    public func delete(id: String) async throws {
        try await db.run { db in
            guard db.connectors[id] != nil else { throw StoreError.notFound("Connector \(id)") }
            db.cascade(connectorID: id)
        }
    }

    public func updateSettings(id: String, _ settings: JSONValue) async throws {
        let settings = try throughJSON(settings)
        await db.run { db in db.connectors[id]?.record.settings = settings }
    }

    public func updateCredentials(id: String, _ credentials: ConnectorCredentials) async throws {
        await db.run { db in db.connectors[id]?.credentials = credentials }
    }

    public func transition(id: String, to status: String, detail: String?, health: ConnectionReport?, at: Date, unlessDisconnected: Bool) async throws {
        let health = try health.map(throughJSON)
        try await db.run { db in
            guard let old = db.connectors[id] else { throw StoreError.notFound("Connector \(id)") }
            if let health { db.connectors[id]?.health = health }
            if unlessDisconnected, old.record.status == "disconnected" { return }
            db.connectors[id]?.record.status = status
            db.connectors[id]?.record.statusDetail = detail
            db.connectors[id]?.record.updatedAt = ms(at)
            if old.record.status != status || old.record.statusDetail != detail {
                db.events.append((id, ConnectorEvent(at: ms(at), fromStatus: old.record.status, toStatus: status, detail: detail), UUID().uuidString.lowercased()))
            }
        }
    }

    public func health(id: String) async throws -> ConnectionReport? { await db.connectors[id]?.health }

    public func events(id: String, limit: Int) async throws -> [ConnectorEvent] {
        await db.events.filter { $0.connectorID == id }.sorted { ($0.event.at, $1.id) > ($1.event.at, $0.id) }.prefix(clamp(limit, 1...1000)).map(\.event)
    }

    public func setLastSync(id: String, at: Date) async throws { await db.run { db in db.connectors[id]?.lastSync = ms(at) } }

    public func lastSync(id: String) async throws -> Date? { await db.connectors[id]?.lastSync }
}

public struct MemoryActivityStore: ActivityStore {
    let db: MemoryDatabase

    public func insert(_ events: [ActivityEvent], mappingVersion: Int) async throws {
        let rows = try events.map { try Self.row($0, payload: nil, source: "poll", mappingVersion: mappingVersion) }
        try await db.run { db in
            for connector in Set(rows.map(\.event.connectorID)) { try db.requireConnector(connector) }
            for row in rows where db.activities[row.event.connectorID]?[row.event.fingerprint] == nil {
                db.store(row)
            }
            // A polled row replaces the webhook copy of the same event.
            for row in rows {
                guard let key = row.event.correlation else { continue }
                let connector = row.event.connectorID
                for stored in db.correlated[.init(connectorID: connector, correlation: key)] ?? [] where db.activities[connector]?[stored]?.source == "webhook" {
                    db.removeActivity(connectorID: connector, fingerprint: stored)
                }
            }
        }
    }

    public func insertWebhookEvents(_ events: [(event: ActivityEvent, rawJSON: String?, mappingVersion: Int)]) async throws {
        let rows = try events.map { try Self.row($0.event, payload: $0.rawJSON, source: "webhook", mappingVersion: $0.mappingVersion) }
        try await db.run { db in
            for connector in Set(rows.map(\.event.connectorID)) { try db.requireConnector(connector) }
            for row in rows {
                let e = row.event
                if db.activities[e.connectorID]?[e.fingerprint] != nil { continue }
                if let key = e.correlation, db.correlated[.init(connectorID: e.connectorID, correlation: key)]?.isEmpty == false { continue }
                db.store(row)
            }
        }
    }

    /// The row as SQL keeps it: the time to the millisecond, the record as its payload text.
    static func row(_ event: ActivityEvent, payload: String?, source: String, mappingVersion: Int) throws -> MemoryDatabase.Activity {
        var e = event
        e.occurredAt = ms(event.occurredAt)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let text = try payload ?? String(decoding: encoder.encode(event.raw), as: UTF8.self)
        e.raw = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        return .init(event: e, source: source, payload: text, mappingVersion: mappingVersion)
    }

    public func count(connectorID: String) async throws -> Int { await db.activities[connectorID]?.count ?? 0 }

    static func matches(_ e: ActivityEvent, _ q: ActivityQuery) -> Bool {
        guard e.connectorID == q.connectorID else { return false }
        if let kinds = q.kinds, !kinds.isEmpty, !kinds.contains(e.stream) { return false }
        if let user = q.user, e.actor != user { return false }
        if let ip = q.ipAddress, e.ipAddress != ip { return false }
        if let from = q.from, ActivityCursor.millis(e.occurredAt) < ActivityCursor.millis(from) { return false }
        if let to = q.to, ActivityCursor.millis(e.occurredAt) > ActivityCursor.millis(to) { return false }
        return true
    }

    public func count(query: ActivityQuery) async throws -> Int { await (db.activities[query.connectorID] ?? [:]).values.filter { Self.matches($0.event, query) }.count }

    public func list(connectorID: String, from: Date?, to: Date?, user: String?, limit: Int) async throws -> [ActivityEvent] {
        let q = ActivityQuery(connectorID: connectorID, user: user, from: from, to: to)
        let events: [ActivityEvent] = await (db.activities[connectorID] ?? [:]).values.map(\.event).filter { Self.matches($0, q) }
        let sorted = events.sorted { (a: ActivityEvent, b: ActivityEvent) -> Bool in
            a.occurredAt != b.occurredAt ? a.occurredAt > b.occurredAt : a.fingerprint < b.fingerprint
        }
        return Array(sorted.prefix(clamp(limit, 1...10_000)))
    }

    public func replay(connectorID: String, from: Date, after: (at: Date, fingerprint: String)?, limit: Int) async throws -> [ActivityEvent] {
        let start = ActivityCursor.millis(from)
        let anchor = after.map { (ActivityCursor.millis($0.at), $0.fingerprint) }
        let events: [ActivityEvent] = await (db.activities[connectorID] ?? [:]).values.map(\.event).filter { e in
            let t = ActivityCursor.millis(e.occurredAt)
            if let anchor { return t > anchor.0 || (t == anchor.0 && e.fingerprint > anchor.1) }
            return t >= start
        }
        let sorted = events.sorted { $0.occurredAt != $1.occurredAt ? $0.occurredAt < $1.occurredAt : $0.fingerprint < $1.fingerprint }
        return sorted.prefix(clamp(limit, 1...50_000)).map { var e = $0; e.raw = .null; return e }
    }

    public func evidence(connectorID: String, keys: [String]) async throws -> [ActivityEvent] {
        let keys = Set(keys.prefix(500))
        let events: [ActivityEvent] = await (db.activities[connectorID] ?? [:]).values.map(\.event).filter { e in
            keys.contains(e.fingerprint) || (e.correlation.map(keys.contains) ?? false)
        }
        return events.sorted { $0.occurredAt != $1.occurredAt ? $0.occurredAt < $1.occurredAt : $0.fingerprint < $1.fingerprint }
    }

    public func query(_ q: ActivityQuery) async throws -> ActivityPage {
        let limit = clamp(q.limit, 1...5000)
        let after = try q.cursor.map(ActivityCursor.decode)
        let matching: [ActivityEvent] = await (db.activities[q.connectorID] ?? [:]).values.map(\.event).filter { (e: ActivityEvent) -> Bool in
            guard Self.matches(e, q) else { return false }
            guard let after else { return true }
            let t = ActivityCursor.millis(e.occurredAt)
            return t < after.millis || (t == after.millis && e.fingerprint < after.fingerprint)
        }
        let sorted = matching.sorted { (a: ActivityEvent, b: ActivityEvent) -> Bool in
            a.occurredAt != b.occurredAt ? a.occurredAt > b.occurredAt : a.fingerprint > b.fingerprint
        }
        var items = Array(sorted.prefix(limit + 1))
        var next: String?
        if items.count > limit {
            items.removeLast()
            next = items.last.map(ActivityCursor.encode)
        }
        return ActivityPage(items: items, nextCursor: next)
    }

    public func unmapped(provider: String, version: Int, olderVersions: Bool, limit: Int) async throws -> [UnmappedActivity] {
        let limit = clamp(limit, 1...5000)
        let rows = await db.activities.values.flatMap(\.values).filter { $0.event.provider == provider }.sorted { $0.seq < $1.seq }
        let never = rows.filter { $0.mappingVersion == nil }
        let older = olderVersions ? rows.filter { ($0.mappingVersion ?? version) < version } : []
        return (never + older).prefix(limit).map {
            UnmappedActivity(connectorID: $0.event.connectorID, fingerprint: $0.event.fingerprint, stream: $0.event.stream, source: $0.source, payload: $0.payload)
        }
    }

    public func remap(_ updates: [(UnmappedActivity, ActivityEvent?)], version: Int) async throws {
        await db.run { db in
            for (row, event) in updates {
                guard db.activities[row.connectorID]?[row.fingerprint] != nil else { continue }
                if let e = event {
                    db.activities[row.connectorID]![row.fingerprint]!.event.category = e.category
                    db.activities[row.connectorID]![row.fingerprint]!.event.action = e.action
                    db.activities[row.connectorID]![row.fingerprint]!.event.target = e.target
                    db.activities[row.connectorID]![row.fingerprint]!.event.outcome = e.outcome
                    db.activities[row.connectorID]![row.fingerprint]!.event.client = e.client
                    db.activities[row.connectorID]![row.fingerprint]!.event.detail = e.detail
                }
                db.activities[row.connectorID]![row.fingerprint]!.mappingVersion = version
            }
        }
    }
}

public struct MemoryCheckpointStore: CheckpointStore {
    let db: MemoryDatabase
    public func checkpoint(connectorID: String, stream: String) async throws -> Date? {
        await db.checkpoints[.init(connectorID: connectorID, stream: stream)]
    }
    public func setCheckpoint(connectorID: String, stream: String, to: Date) async throws {
        try await db.run { db in
            try db.requireConnector(connectorID)
            db.checkpoints[.init(connectorID: connectorID, stream: stream)] = ms(to)
        }
    }
}

public struct MemoryScanStore: ScanStore {
    let db: MemoryDatabase

    @discardableResult
    public func save(connectorID: String, _ result: ScanResult) async throws -> String {
        let id = UUID().uuidString.lowercased()
        let stored = try throughJSON(result)
        let millis = ActivityCursor.millis(result.scannedAt)
        try await db.run { db in
            try db.requireConnector(connectorID)
            db.scans.append((id, connectorID, stored, millis, db.scans.count))
        }
        return id
    }

    func newest(_ connectorID: String) async -> [(id: String, connectorID: String, result: ScanResult, millis: Int64, seq: Int)] {
        await db.scans.filter { $0.connectorID == connectorID }.sorted { $0.millis != $1.millis ? $0.millis > $1.millis : $0.seq > $1.seq }
    }

    static func time(_ millis: Int64) -> Date { Date(timeIntervalSince1970: Double(millis) / 1000) }

    public func latest(connectorID: String) async throws -> ScanResult? { await newest(connectorID).first?.result }

    public func scan(connectorID: String, id: String) async throws -> ScanResult? {
        await db.scans.first { $0.connectorID == connectorID && $0.id == id }?.result
    }

    public func history(connectorID: String, limit: Int) async throws -> [(scannedAt: Date, score: ScoreSummary)] {
        await newest(connectorID).prefix(max(1, limit)).reversed().map { (Self.time($0.millis), ScoreSummary(achieved: $0.result.score.achieved, max: $0.result.score.max)) }
    }

    public func summaries(connectorID: String, limit: Int) async throws -> [ScanSummary] {
        await newest(connectorID).prefix(clamp(limit, 1...5000)).map {
            ScanSummary(id: $0.id, scannedAt: Self.time($0.millis), achieved: $0.result.score.achieved, max: $0.result.score.max, percent: $0.result.score.percent)
        }
    }
}

public struct MemoryInventoryStore: InventoryStore {
    let db: MemoryDatabase
    public func save(connectorID: String, users: [InventoryUser], at: Date) async throws {
        let users = try throughJSON(users)
        try await db.run { db in
            try db.requireConnector(connectorID)
            db.inventories[connectorID] = (ms(at), users)
        }
    }
    public func latest(connectorID: String) async throws -> (capturedAt: Date, users: [InventoryUser])? {
        await db.inventories[connectorID].map { ($0.0, $0.1) }
    }
    public func replace(connectorID: String, users: [InventoryUser], capturedAt: Date) async throws -> Bool {
        let users = try throughJSON(users)
        return await db.run { db in
            guard let current = db.inventories[connectorID], current.0 == ms(capturedAt) else { return false }
            db.inventories[connectorID] = (current.0, users)
            return true
        }
    }
}

public struct MemoryPostureStore: PostureStore {
    let db: MemoryDatabase

    public func states(connectorID: String) async throws -> [ControlStateRecord] {
        await (db.states[connectorID] ?? [:]).values.sorted { $0.controlID < $1.controlID }
    }

    public func setState(connectorID: String, _ record: ControlStateRecord, at: Date) async throws {
        var copy = record
        copy.expires = record.expires.map(ms)
        let stored = copy
        try await db.run { db in
            try db.requireConnector(connectorID)
            let old = db.states[connectorID]?[record.controlID]?.state
            if record.state == .toAddress {
                db.states[connectorID]?[record.controlID] = nil
            } else {
                db.states[connectorID, default: [:]][record.controlID] = stored
            }
            let change = ControlStateChange(controlID: record.controlID, fromState: (old ?? .toAddress).rawValue, toState: record.state.rawValue,
                                            rationale: record.rationale, expiresAt: stored.expires, by: record.by, at: ms(at))
            db.changes.append((connectorID, change, UUID().uuidString.lowercased()))
        }
    }

    public func stateChanges(connectorID: String, controlID: String?, limit: Int) async throws -> [ControlStateChange] {
        await db.changes.filter { $0.connectorID == connectorID && (controlID == nil || $0.change.controlID == controlID) }
            .sorted { $0.change.at != $1.change.at ? $0.change.at > $1.change.at : $0.id < $1.id }
            .prefix(clamp(limit, 1...5000)).map(\.change)
    }

    public func rollUp(connectorID: String, day: Date) async throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let start = calendar.startOfDay(for: day)
        let end = start.addingTimeInterval(86_400)
        let key = isoDay(start)
        await db.run { db in
            let from = ActivityCursor.millis(start), to = ActivityCursor.millis(end)
            let scores = db.scans.filter { $0.connectorID == connectorID && $0.millis >= from && $0.millis < to }
                .sorted { $0.millis != $1.millis ? $0.millis > $1.millis : $0.seq > $1.seq }.map(\.result.score)
            guard let last = scores.first else { return }
            db.daily[connectorID, default: [:]][key] = DailyScore(day: key, achieved: last.achieved, max: last.max, percent: last.percent, scans: scores.count)
        }
    }

    public func daily(connectorID: String, days: Int) async throws -> [DailyScore] {
        await (db.daily[connectorID] ?? [:]).values.sorted { $0.day > $1.day }.prefix(clamp(days, 1...3660)).reversed()
    }
}

public struct MemorySyncJobStore: SyncJobStore {
    let db: MemoryDatabase

    public func schedule(connectorID: String, at: Date) async throws {
        try await db.run { db in
            try db.requireConnector(connectorID)
            db.schedule(connectorID, at: at)
        }
    }

    public func job(connectorID: String) async throws -> SyncJob? { await db.jobs[connectorID]?.job }

    public func claim(owner: String, now: Date, lease: TimeInterval) async throws -> SyncJob? {
        await db.run { db in
            let now = ms(now)
            let due = db.jobs.values.map(\.job).filter { job in
                !job.paused && (job.leaseOwner == nil || (job.leaseExpiresAt ?? .distantPast) < now)
                    && (job.nextActivityAt <= now || job.nextPostureAt <= now)
            }
            guard var job = due.min(by: { a, b in
                let (x, y) = (min(a.nextActivityAt, a.nextPostureAt), min(b.nextActivityAt, b.nextPostureAt))
                return x != y ? x < y : a.connectorID < b.connectorID
            }) else { return nil }
            job.leaseOwner = owner
            job.leaseExpiresAt = ms(now.addingTimeInterval(lease))
            db.jobs[job.connectorID]?.job = job
            return job
        }
    }

    public func renew(connectorID: String, owner: String, until: Date) async throws -> Bool {
        await db.run { db in
            guard db.jobs[connectorID]?.job.leaseOwner == owner else { return false }
            db.jobs[connectorID]?.job.leaseExpiresAt = ms(until)
            return true
        }
    }

    public func release(connectorID: String, owner: String, nextActivityAt: Date?, nextPostureAt: Date?, postureDueAt: Date, failures: Int) async throws {
        await db.run { db in
            guard var job = db.jobs[connectorID]?.job, job.leaseOwner == owner else { return }
            job.leaseOwner = nil
            job.leaseExpiresAt = nil
            job.failures = failures
            if let nextActivityAt { job.nextActivityAt = ms(nextActivityAt) }
            if let nextPostureAt, job.nextPostureAt == ms(postureDueAt) { job.nextPostureAt = ms(nextPostureAt) }
            db.jobs[connectorID]?.job = job
        }
    }

    public func request(connectorID: String, posture: Bool, at: Date, resume: Bool) async throws {
        await db.run { db in
            guard db.jobs[connectorID] != nil else { return }
            db.jobs[connectorID]?.job.nextActivityAt = ms(at)
            if posture { db.jobs[connectorID]?.job.nextPostureAt = ms(at) }
            if resume { db.jobs[connectorID]?.job.paused = false }
        }
    }

    public func requestPosture(connectorIDs: Set<String>, at: Date) async throws {
        await db.run { db in
            for id in connectorIDs where db.jobs[id] != nil { db.jobs[id]?.job.nextPostureAt = ms(at) }
        }
    }

    public func setPaused(connectorID: String, _ paused: Bool) async throws { await db.run { db in db.jobs[connectorID]?.job.paused = paused } }

    public func saveProgress(connectorID: String, _ progress: SyncProgress) async throws {
        let progress = try throughJSON(progress)
        await db.run { db in db.jobs[connectorID]?.progress = progress }
    }

    public func progress(connectorID: String) async throws -> SyncProgress? { await db.jobs[connectorID]?.progress }

    public func queueDepth(now: Date) async throws -> (due: Int, leased: Int) {
        let jobs = await db.jobs.values.map(\.job)
        let now = ms(now)
        return (jobs.filter { !$0.paused && ($0.nextActivityAt <= now || $0.nextPostureAt <= now) }.count,
                jobs.filter { $0.leaseOwner != nil && ($0.leaseExpiresAt ?? .distantPast) >= now }.count)
    }

    public func startRun(_ run: SyncRun) async throws {
        // As SQL stores a new run: its id, connector, owner and start, nothing else.
        let stored = SyncRun(id: run.id, connectorID: run.connectorID, owner: run.owner, startedAt: ms(run.startedAt))
        try await db.run { db in
            try db.requireConnector(stored.connectorID)
            guard !db.runs.contains(where: { $0.id == stored.id }) else { throw MemoryConstraintError("run \(stored.id) exists (primary key)") }
            db.runs.append(stored)
        }
    }

    public func finishRun(id: String, at: Date, outcome: String, detail: String?, stats: JSONValue?) async throws {
        let stats = try stats.map(throughJSON)
        await db.run { db in
            guard let index = db.runs.firstIndex(where: { $0.id == id }) else { return }
            db.runs[index].finishedAt = ms(at)
            db.runs[index].outcome = outcome
            db.runs[index].detail = detail
            db.runs[index].stats = stats
        }
    }

    public func runs(connectorID: String, limit: Int) async throws -> [SyncRun] {
        await db.runs.filter { $0.connectorID == connectorID }.sorted { $0.startedAt > $1.startedAt }.prefix(clamp(limit, 1...1000)).map { $0 }
    }
}

public struct MemoryAuthStore: AuthStore {
    let db: MemoryDatabase

    /// As the SQL store: at most this many failure rows are kept.
    static let loginFailureCap = 50_000

    public func operatorCount() async throws -> Int { await db.operators.count }

    public func createOperator(_ op: Operator, passwordHash: String, onlyIfFirst: Bool) async throws -> Bool {
        await db.run { db in
            if onlyIfFirst, !db.operators.isEmpty { return false }
            if db.operators.contains(where: { $0.op.email == op.email }) { return false }
            var op = op
            op.createdAt = ms(op.createdAt)
            db.operators.append((op, passwordHash))
            return true
        }
    }

    public func operatorAndHash(email: String) async throws -> (Operator, String)? {
        await db.operators.first { $0.op.email == email }.map { ($0.op, $0.hash) }
    }

    public func operators() async throws -> [Operator] {
        await db.operators.map(\.op).sorted { ($0.createdAt, $0.email) < ($1.createdAt, $1.email) }
    }

    public func deleteOperator(id: String) async throws -> OperatorRemoval {
        await db.run { db in
            guard let op = db.operators.first(where: { $0.op.id == id })?.op else { return .missing }
            if op.role == "admin", !db.operators.contains(where: { $0.op.role == "admin" && $0.op.id != id }) { return .lastAdmin }
            db.operators.removeAll { $0.op.id == id }
            db.sessions = db.sessions.filter { $0.value.operatorID != id }
            db.tokens.removeAll { $0.record.operatorID == id }
            return .removed
        }
    }

    public func createSession(operatorID: String, tokenHash: String, csrf: String, now: Date, lifetime: TimeInterval) async throws {
        try await db.run { db in
            try db.requireOperator(operatorID)
            guard db.sessions[tokenHash] == nil else { throw MemoryConstraintError("session exists (primary key)") }
            db.sessions = db.sessions.filter { $0.value.expires >= ms(now) }
            db.sessions[tokenHash] = .init(operatorID: operatorID, csrf: csrf, expires: ms(now.addingTimeInterval(lifetime)))
        }
    }

    public func session(tokenHash: String, now: Date) async throws -> (Operator, csrf: String)? {
        await db.run { db in
            guard let session = db.sessions[tokenHash], session.expires > ms(now),
                  let op = db.operators.first(where: { $0.op.id == session.operatorID })?.op else { return nil }
            return (op, session.csrf)
        }
    }

    public func deleteSession(tokenHash: String) async throws { await db.run { db in db.sessions[tokenHash] = nil } }

    public func createToken(_ token: APITokenRecord, tokenHash: String) async throws {
        // As SQL stores a new token: never used, not revoked.
        let stored = APITokenRecord(id: token.id, name: token.name, operatorID: token.operatorID, role: token.role, createdAt: ms(token.createdAt))
        try await db.run { db in
            try db.requireOperator(stored.operatorID)
            guard !db.tokens.contains(where: { $0.record.id == stored.id || $0.hash == tokenHash }) else { throw MemoryConstraintError("token exists (unique)") }
            db.tokens.append((stored, tokenHash))
        }
    }

    public func token(tokenHash: String, now: Date) async throws -> (APITokenRecord, Operator)? {
        await db.run { db in
            guard let index = db.tokens.firstIndex(where: { $0.hash == tokenHash && $0.record.revokedAt == nil }),
                  let op = db.operators.first(where: { $0.op.id == db.tokens[index].record.operatorID })?.op else { return nil }
            let token = db.tokens[index].record
            if token.lastUsedAt.map({ now.timeIntervalSince($0) > 60 }) ?? true { db.tokens[index].record.lastUsedAt = ms(now) }
            return (token, op)
        }
    }

    public func tokens() async throws -> [APITokenRecord] {
        await db.tokens.map(\.record).sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
    }

    public func revokeToken(id: String, at: Date) async throws -> Bool {
        await db.run { db in
            guard let index = db.tokens.firstIndex(where: { $0.record.id == id && $0.record.revokedAt == nil }) else { return false }
            db.tokens[index].record.revokedAt = ms(at)
            return true
        }
    }

    public func recordLoginFailure(email: String, client: String, at: Date) async throws {
        await db.run { db in db.failures.append((email, client, ms(at))) }
    }

    public func loginFailures(email: String, client: String, since: Date) async throws -> LoginFailureCounts {
        let since = ms(since)
        let fromClient = await db.failures.filter { $0.client == client && $0.at >= since }
        let pair = fromClient.filter { $0.email == email }
        return LoginFailureCounts(pair: pair.count, pairOldest: pair.map(\.at).min(), client: fromClient.count, clientOldest: fromClient.map(\.at).min())
    }

    public func clearLoginFailures(email: String, client: String) async throws {
        await db.run { db in db.failures.removeAll { $0.email == email && $0.client == client } }
    }

    public func prune(failuresBefore: Date, auditBefore: Date, failedSignInCap: Int, now: Date) async throws {
        await db.run { db in
            db.failures.removeAll { $0.at < ms(failuresBefore) }
            if db.failures.count > Self.loginFailureCap, let floor = db.failures.map(\.at).sorted(by: >).dropFirst(Self.loginFailureCap - 1).first {
                db.failures.removeAll { $0.at < floor }
            }
            db.audit.removeAll { $0.at < ms(auditBefore) }
            let failed = db.audit.filter { $0.action == "login.failed" }.map(\.at).sorted(by: >)
            if failed.count > max(1, failedSignInCap) {
                let floor = failed[max(1, failedSignInCap) - 1]
                db.audit.removeAll { $0.action == "login.failed" && $0.at < floor }
            }
            db.sessions = db.sessions.filter { $0.value.expires >= ms(now) }
        }
    }

    public func audit(actor: String, action: String, target: String?, detail: String?, at: Date) async throws {
        await db.run { db in db.audit.append(AuditEntry(id: UUID().uuidString.lowercased(), at: ms(at), actor: actor, action: action, target: target, detail: detail)) }
    }

    public func auditLog(limit: Int) async throws -> [AuditEntry] {
        await db.audit.sorted { $0.at != $1.at ? $0.at > $1.at : $0.id < $1.id }.prefix(clamp(limit, 1...5000)).map { $0 }
    }
}
