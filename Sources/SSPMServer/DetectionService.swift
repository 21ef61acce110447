import Foundation
import Logging
import ServiceLifecycle
import SSPMCore

/// What the activity store tells detection: events it stored, or a connector whose stored events
/// changed under it (re-mapped) and must be read again. Never blocks the writer: the work is
/// queued for the `DetectionService` (payloads stripped, the engine does not read them).
public final class DetectionFeed: Sendable {
    enum Work: Sendable {
        case events(connectorID: String, [ActivityEvent])
        case replay(connectorID: String)
        case policiesChanged
        /// A posture scan replaced `previous` (drift alerts).
        case scanned(connectorID: String, previous: ScanResult, current: ScanResult)
        /// A sync saved a new users inventory (group membership for policies that filter on groups).
        case inventorySaved(connectorID: String)
        /// Resumed once everything queued before it is handled (tests, `sspm bench`).
        case barrier(CheckedContinuation<Void, Never>)
    }

    let stream: AsyncStream<Work>
    let continuation: AsyncStream<Work>.Continuation

    public init() { (stream, continuation) = AsyncStream.makeStream(of: Work.self) }

    func stored(_ events: [ActivityEvent]) {
        var byConnector: [String: [ActivityEvent]] = [:]
        for event in events {
            var light = event
            light.raw = .null
            byConnector[event.connectorID, default: []].append(light)
        }
        for (connector, list) in byConnector { continuation.yield(.events(connectorID: connector, list)) }
    }

    func replay(_ connectorIDs: Set<String>) {
        for id in connectorIDs { continuation.yield(.replay(connectorID: id)) }
    }

    func policiesChanged() { continuation.yield(.policiesChanged) }

    func scanned(connectorID: String, previous: ScanResult, current: ScanResult) {
        continuation.yield(.scanned(connectorID: connectorID, previous: previous, current: current))
    }

    func inventorySaved(connectorID: String) { continuation.yield(.inventorySaved(connectorID: connectorID)) }

    /// Returns once the work queued before this call is done (when the service runs).
    public func settled() async {
        await withCheckedContinuation { continuation.yield(.barrier($0)) }
    }
}

/// The activity store the server uses: the real one, telling the detection feed what it stored.
/// Every path that stores events (sync, webhooks, re-mapping) goes through it, so detection sees
/// all of them, once each.
struct ObservedActivityStore: ActivityStore {
    let base: any ActivityStore
    let feed: DetectionFeed

    func insert(_ events: [ActivityEvent], mappingVersion: Int) async throws {
        try await base.insert(events, mappingVersion: mappingVersion)
        feed.stored(events)
    }

    func insertWebhookEvents(_ events: [(event: ActivityEvent, rawJSON: String?, mappingVersion: Int)]) async throws {
        try await base.insertWebhookEvents(events)
        feed.stored(events.map(\.event))
    }

    func remap(_ updates: [(UnmappedActivity, ActivityEvent?)], version: Int) async throws {
        try await base.remap(updates, version: version)
        feed.replay(Set(updates.map(\.0.connectorID)))
    }

    func count(connectorID: String) async throws -> Int { try await base.count(connectorID: connectorID) }
    func count(query: ActivityQuery) async throws -> Int { try await base.count(query: query) }
    func list(connectorID: String, from: Date?, to: Date?, user: String?, limit: Int) async throws -> [ActivityEvent] {
        try await base.list(connectorID: connectorID, from: from, to: to, user: user, limit: limit)
    }
    func replay(connectorID: String, from: Date, after: (at: Date, fingerprint: String)?, limit: Int) async throws -> [ActivityEvent] {
        try await base.replay(connectorID: connectorID, from: from, after: after, limit: limit)
    }
    func evidence(connectorID: String, keys: [String]) async throws -> [ActivityEvent] { try await base.evidence(connectorID: connectorID, keys: keys) }
    func query(_ query: ActivityQuery) async throws -> ActivityPage { try await base.query(query) }
    func unmapped(provider: String, version: Int, olderVersions: Bool, limit: Int) async throws -> [UnmappedActivity] {
        try await base.unmapped(provider: provider, version: version, olderVersions: olderVersions, limit: limit)
    }
}

/// Runs the stored, enabled policies over every connector's events as they are stored, and
/// records what they raise as alerts (with their notifications, in one write).
///
/// Per connector it keeps one `DetectionEngine` and the evidence keys it has seen:
/// - a key seen before is skipped, so a sign-in that arrives by webhook and again in the report
///   (one correlation key) is evaluated once;
/// - events in time order (up to `lateness` behind the newest) are evaluated at once;
/// - an older one (a report row that arrives hours late), a re-mapping, a policy change or a
///   restart rebuilds the engine from the stored events of the look-back (the longest window,
///   learning period or gap of any policy, plus its group window), and the alerts it finds are
///   merged into the stored ones: the same policy, key and window is the same alert, so a replay
///   raises nothing twice, and an alert a crash kept from being stored is raised by the next start;
/// - the engine is rebuilt every `rebuildEvery`, which bounds its memory.
///
/// Alerts are notified when they are created and their newest evidence is at most `notifyWithin`
/// old: the 7-day backfill of a new connector is recorded as alerts without a burst of messages.
public actor DetectionService: Service {
    let deps: ServerDependencies
    let feed: DetectionFeed
    var lateness: TimeInterval = 300
    var rebuildEvery: TimeInterval = 6 * 3600
    let notifyWithin: TimeInterval

    struct State {
        var engine: DetectionEngine
        /// Evidence key → the copy evaluated.
        var seen: [String: SeenCopy]
        var builtAt: Date
        var lookBack: TimeInterval
        /// The group membership the engine was built with.
        var groups: [String: [String]]
    }
    var states: [String: State] = [:]
    /// Enabled policies (nil: read them again).
    var policies: [DetectionPolicy]?

    public init(deps: ServerDependencies) {
        self.deps = deps
        self.feed = deps.detectionFeed
        self.notifyWithin = deps.configuration.notifications.notifyWithin
    }

    public func run() async throws {
        await seedTemplates()
        // Every connector once at start: what a crash or a stop kept from being raised is raised now.
        if let connectors = try? await deps.connectors.list() {
            for connector in connectors where !Task.isShuttingDownGracefully {
                await rebuild(connector.id, reason: "start")
                await driftOfLatestScans(connector.id)
            }
        }
        await cancelWhenGracefulShutdown {
            for await work in self.feed.stream {
                await self.handle(work)
                if Task.isCancelled { break }
            }
        }
    }

    /// Stores each provider's templates that are not stored yet (new templates of an upgrade too).
    func seedTemplates() async {
        let templates = deps.providers.detectionTemplates.map(\.policy)
        do {
            let added = try await deps.stores.detections.seed(templates: templates, at: deps.now())
            if added > 0 { deps.logger.info("Detection templates stored as policies", metadata: ["added": "\(added)"]) }
        } catch {
            deps.logger.warning("Detection templates could not be stored", metadata: ["error": "\(String(describing: error).prefix(200))"])
        }
    }

    func handle(_ work: DetectionFeed.Work) async {
        switch work {
        case .events(let connectorID, let events): await evaluate(connectorID, events)
        case .replay(let connectorID): await rebuild(connectorID, reason: "remapped")
        case .policiesChanged:
            policies = nil
            for id in Array(states.keys) { await rebuild(id, reason: "policies changed") }
        case .scanned(let connectorID, let previous, let current): await drift(connectorID, previous, current)
        case .inventorySaved(let connectorID):
            // Policies that filter on groups read membership when the engine is built: built again
            // when it changed.
            guard let state = states[connectorID], state.engine.policies.contains(where: \.match.readsGroups) else { return }
            // An inventory that cannot be read now changes nothing (the next sync tries again).
            let read: (capturedAt: Date, users: [InventoryUser])?
            do { read = try await deps.inventory.latest(connectorID: connectorID) } catch { return }
            let now = read.map { GroupMembership.of($0.users) } ?? [:]
            if now != state.groups { await rebuild(connectorID, reason: "group membership changed") }
        case .barrier(let continuation): continuation.resume()
        }
    }

    /// Posture drift: each control that went from pass to fail or warn is an alert, scoped to the
    /// control (a control that flaps within the hour is one alert), naming who changed the
    /// settings when the activity between the two scans says (the newest settings webhook or
    /// admin operation on the account).
    /// The drift between a connector's last two scans, again: a process stopped between saving a
    /// scan and recording its drift records it now (the alert's time is the scan's, so one already
    /// recorded is merged, not repeated).
    func driftOfLatestScans(_ connectorID: String) async {
        guard let latest = try? await deps.scans.summaries(connectorID: connectorID, limit: 2), latest.count == 2,
              let current = try? await deps.scans.scan(connectorID: connectorID, id: latest[0].id),
              let previous = try? await deps.scans.scan(connectorID: connectorID, id: latest[1].id) else { return }
        await drift(connectorID, previous, current)
    }

    func drift(_ connectorID: String, _ previous: ScanResult, _ current: ScanResult) async {
        let changes = PostureDrift.changes(from: previous, to: current)
        guard !changes.isEmpty else { return }
        var changedBy: String?
        if let recent = try? await deps.activities.query(ActivityQuery(connectorID: connectorID, kinds: ["webhook", "operation"],
                                                                       from: previous.scannedAt.addingTimeInterval(-60), limit: 200)) {
            changedBy = recent.items.first { event in
                let category = (event.category ?? "").lowercased()
                let action = (event.action ?? "").lowercased()
                return !event.actor.isEmpty && (action.contains("settings") || category == "account")
            }?.actor
        }
        // At the scan's time: the same drift found again (at the next start) is the same alert.
        let at = current.scannedAt
        await store(changes.map { change in
            AlertDraft(connectorID: connectorID, alert: PostureDrift.alert(change, at: at, changedBy: changedBy), evidence: [], groupWindow: 3600,
                       context: PostureDrift.context(change, changedBy: changedBy))
        })
    }

    func enabledPolicies() async throws -> [DetectionPolicy] {
        if let policies { return policies }
        let stored = try await deps.stores.detections.policies().map(\.policy).filter(\.enabled)
        // A stored policy that no longer passes the checks (an older release's) is left out, said once.
        let usable = stored.filter { policy in
            let problems = policy.problems()
            if !problems.isEmpty {
                deps.logger.warning("Detection policy skipped", metadata: ["policy": "\(policy.id)", "problems": "\(problems.joined(separator: "; "))"])
            }
            return problems.isEmpty
        }
        policies = usable
        return usable
    }

    func evaluate(_ connectorID: String, _ events: [ActivityEvent]) async {
        guard var state = states[connectorID], deps.now().timeIntervalSince(state.builtAt) < rebuildEvery else {
            await rebuild(connectorID, reason: states[connectorID] == nil ? "first events" : "periodic")
            return
        }
        var fresh: [ActivityEvent] = []
        var replaced = false
        for event in events {
            if let evaluated = state.seen[event.evidenceKey] {
                // Another copy of an event already evaluated. Only the report row that replaced a
                // webhook copy brings something new (the address the webhook lacks): evaluated
                // again from the store. A webhook copy after its report row, or a row fetched
                // again by an overlapping poll, changes nothing.
                if evaluated.fingerprint != event.fingerprint, !evaluated.hasAddress, event.ipAddress != nil { replaced = true }
                continue
            }
            state.seen[event.evidenceKey] = SeenCopy(event)
            fresh.append(event)
        }
        if replaced {
            await rebuild(connectorID, reason: "replaced events")
            return
        }
        guard !fresh.isEmpty else { return }
        fresh.sort(by: DetectionEngine.inTimeOrder)
        if let watermark = state.engine.watermark, fresh[0].occurredAt < watermark.addingTimeInterval(-lateness) {
            states[connectorID] = state
            await rebuild(connectorID, reason: "late events")
            return
        }
        var touched = Set<Int>()
        for event in fresh { touched.formUnion(state.engine.process(event)) }
        deps.metrics.detectionEvents.increment(by: Int64(fresh.count))
        states[connectorID] = state
        await record(connectorID, state: state, indexes: touched.sorted())
    }

    /// Builds the connector's engine from its stored events and records every alert it finds.
    func rebuild(_ connectorID: String, reason: String) async {
        do {
            guard let connector = try await deps.connectors.get(id: connectorID) else {
                states[connectorID] = nil
                return
            }
            let policies = try await enabledPolicies()
            let now = deps.now()
            let replay = try await DetectionReplay.run(deps: deps, connector: connector, policies: policies, until: now)
            let engine = replay.engine
            let lookBack = replay.lookBack
            let seen = replay.seen
            let evaluated = replay.engine.evaluated
            deps.metrics.detectionReplays.increment()
            let state = State(engine: engine, seen: seen, builtAt: now, lookBack: lookBack, groups: replay.groups)
            states[connectorID] = state
            await record(connectorID, state: state, indexes: engine.alerts.indices.filter { engine.alerts[$0].lastSeen >= replay.recordFrom })
            deps.logger.debug("Detection state rebuilt", metadata: ["connector": "\(connectorID)", "reason": "\(reason)", "events": "\(evaluated)",
                                                                    "alerts": "\(engine.alerts.count)"])
        } catch {
            // Left without state: the next events try again.
            states[connectorID] = nil
            deps.logger.warning("Detection could not rebuild a connector's state", metadata: ["connector": "\(connectorID)", "reason": "\(reason)",
                                                                                             "error": "\(String(describing: error).prefix(200))"])
        }
    }

    func record(_ connectorID: String, state: State, indexes: [Int]) async {
        guard !indexes.isEmpty else { return }
        let policies = Dictionary(state.engine.policies.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let drafts = indexes.map { index in
            let alert = state.engine.alerts[index]
            return AlertDraft(connectorID: connectorID, alert: alert, evidence: alert.evidence, groupWindow: policies[alert.policyID]?.groupWindow ?? 3600)
        }
        if await !store(drafts) {
            // Rebuilt (and recorded again) with the next events: nothing found is lost.
            states[connectorID] = nil
        }
    }

    /// Records drafts (activity alerts, or posture drift) with the notifications new ones are owed.
    @discardableResult
    func store(_ drafts: [AlertDraft]) async -> Bool {
        let now = deps.now()
        do {
            let channels = try await deps.stores.notifications.channels()
            let notifyAfter = now.addingTimeInterval(-notifyWithin)
            let result = try await deps.stores.detections.record(drafts, at: now) { alert in
                guard alert.lastSeen >= notifyAfter else { return [] }
                return channels.filter { $0.routes(alert) }.map { OutboxDraft(channelID: $0.id, event: "alert.raised", payload: NotificationMessage.alertRaised(alert, at: now)) }
            }
            for alert in result.created { deps.metrics.alertRaised(policy: alert.policyID) }
            if result.created.contains(where: { $0.lastSeen >= notifyAfter }) { deps.outboxSignal.poke() }
            return true
        } catch {
            deps.logger.error("Alerts could not be stored", metadata: ["alerts": "\(drafts.count)", "error": "\(String(describing: error).prefix(200))"])
            return false
        }
    }
}

/// Runs policies over a connector's stored events, oldest first: the service's rebuild, and the
/// preview ("this policy would have raised N alerts") use this one pass.
enum DetectionReplay {
    struct Result {
        var engine: DetectionEngine
        var seen: [String: SeenCopy]
        var lookBack: TimeInterval
        var from: Date
        /// Alerts whose newest event is before this were found in the warm-up: not recorded.
        var recordFrom: Date
        var groups: [String: [String]]
    }

    /// `lookBack` nil: the policies' own (the longest window, learning period or gap, plus the
    /// group window; at least a day). Policies of other providers are left out.
    static func run(deps: ServerDependencies, connector: ConnectorRecord, policies: [DetectionPolicy], until: Date, lookBack fixed: TimeInterval? = nil,
                    eventCap: Int = .max) async throws -> Result {
        let kind = connector.provider.lowercased()
        let mine = policies.filter { $0.match.providers.map { $0.map { $0.lowercased() }.contains(kind) } ?? true }
        // Learning counts from the connector's backfill: a replay of fewer days is not a new start.
        let learningSince = connector.createdAt.addingTimeInterval(-7 * 86_400)
        // Group membership from the latest users inventory, when a policy filters on groups.
        var groups: [String: [String]] = [:]
        if mine.contains(where: \.match.readsGroups) {
            // Unreadable: group policies see nobody in a group this time; the other policies run.
            do {
                if let inventory = try await deps.inventory.latest(connectorID: connector.id) { groups = GroupMembership.of(inventory.users) }
            } catch {
                deps.logger.warning("Group membership could not be read for detection", metadata: ["connector": "\(connector.id)", "error": "\(String(describing: error).prefix(200))"])
            }
        }
        var engine = try DetectionEngine(policies: mine, learningSince: learningSince, locator: deps.locator, groups: groups)
        let longest = DetectionPolicy.Limits.longestWindow + DetectionPolicy.Limits.longestGroupWindow
        let lookBack = fixed ?? min(max(mine.map { $0.kind.lookBack + $0.groupWindow }.max() ?? 0, 86_400), longest)
        // The service reads twice its look-back, from the start of a UTC day: the first half is a
        // warm-up that gives the second its history (a value last seen just before the look-back
        // is not new) and whole days for the daily caps; only alerts in the second half are recorded.
        let from: Date
        let recordFrom: Date
        if fixed == nil {
            let start = until.addingTimeInterval(-min(2 * lookBack, longest)).timeIntervalSince1970
            from = Date(timeIntervalSince1970: (start / 86_400).rounded(.down) * 86_400)
            recordFrom = until.addingTimeInterval(-lookBack)
        } else {
            from = until.addingTimeInterval(-lookBack)
            recordFrom = from
        }
        var seen: [String: SeenCopy] = [:]
        var after: (at: Date, fingerprint: String)?
        let pageSize = 5000
        while engine.evaluated < eventCap {
            let page = try await deps.activities.replay(connectorID: connector.id, from: from, after: after, limit: pageSize)
            for event in page.prefix(eventCap - engine.evaluated) {
                seen[event.evidenceKey] = SeenCopy(event)
                engine.process(event)
            }
            guard page.count == pageSize, let last = page.last else { break }
            after = (last.occurredAt, last.fingerprint)
            await Task.yield()
        }
        return Result(engine: engine, seen: seen, lookBack: lookBack, from: from, recordFrom: recordFrom, groups: groups)
    }
}

/// The copy of an event detection evaluated: its fingerprint, and whether it had the address (a
/// sign-in webhook has none; its report row does).
struct SeenCopy: Sendable {
    var fingerprint: String
    var hasAddress: Bool
    init(_ event: ActivityEvent) {
        fingerprint = event.fingerprint
        hasAddress = event.ipAddress != nil
    }
}
