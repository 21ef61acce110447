import Foundation
import Logging
import SSPMCore
import SSPMStorage
import ZoomAPI

/// One sync of one connector, under a lease: validate → activities (incremental, checkpointed) and,
/// when due, the posture read, side by side → evaluate, score, inventory. Progress is written to the job row
/// twice a second, so any process's API can show it.
public struct SyncEngine: Sendable {
    let deps: ServerDependencies

    public init(deps: ServerDependencies) { self.deps = deps }

    public struct Outcome: Sendable {
        public var ok: Bool
        public var detail: String
    }

    /// Live counters shared between the sync and its progress ticker.
    actor Board {
        var progress: SyncProgress
        var leaseLost = false
        var itemsBase = 0
        init(_ progress: SyncProgress) { self.progress = progress }
        func phase(_ phase: String) { progress.phase = phase }
        func addItems(_ n: Int) { itemsBase += n; progress.items = itemsBase }
        func update(stats: ZoomClientStats, now: Date, expectedRequests: Int?) {
            progress.requests = stats.totalRequests
            progress.rateLimitWaits = stats.pacingWaits
            progress.rateLimited = stats.total429
            progress.updatedAt = now
            if let expected = expectedRequests, stats.totalRequests > 0, expected > stats.totalRequests {
                let elapsed = now.timeIntervalSince(progress.startedAt)
                progress.etaSeconds = (Double(expected - stats.totalRequests) * elapsed / Double(stats.totalRequests)).rounded()
            } else {
                progress.etaSeconds = nil
            }
        }
        func lost() { leaseLost = true }
        func finish(error: String?, now: Date) {
            progress.finished = true
            progress.error = error
            progress.phase = error == nil ? "done" : "failed"
            progress.updatedAt = now
            progress.etaSeconds = 0
        }
    }

    struct LeaseLost: Error {}

    public func run(job: SyncJob, owner: String) async -> Outcome {
        let started = deps.now()
        let clockStart = ContinuousClock.now
        let id = job.connectorID
        let logger = deps.logger
        guard let connector = try? await deps.connectors.get(id: id) else {
            return Outcome(ok: false, detail: "connector \(id) no longer exists")
        }
        let runID = UUID().uuidString.lowercased()
        let board = Board(SyncProgress(runID: runID, owner: owner, phase: "validating", startedAt: started))
        let expected = (try? await deps.jobs.runs(connectorID: id, limit: 10))?.first(where: { $0.outcome == "ok" })
            .flatMap { $0.stats?["requests"]?.intValue }.map { Int($0) }
        do {
            try await deps.jobs.startRun(SyncRun(id: runID, connectorID: id, owner: owner, startedAt: started))
            try await deps.jobs.saveProgress(connectorID: id, await board.progress)
        } catch {
            logger.error("Cannot record the sync start", metadata: ["connector": "\(id)", "error": "\(error)"])
        }
        let client: ZoomClient
        do { client = try await deps.client(for: connector) } catch {
            return await finish(job: job, owner: owner, runID: runID, board: board, clockStart: clockStart, error: "\(error)", stats: nil, postureRan: false)
        }

        // Progress and lease heartbeat.
        let lease = deps.configuration.leaseDuration
        let deps = self.deps
        let ticker = Task {
            var lastRenew = ContinuousClock.now
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(500))
                let stats = await client.stats()
                await board.update(stats: stats, now: deps.now(), expectedRequests: expected)
                try? await deps.jobs.saveProgress(connectorID: id, await board.progress)
                if ContinuousClock.now - lastRenew > .seconds(lease / 3) {
                    lastRenew = ContinuousClock.now
                    if (try? await deps.jobs.renew(connectorID: id, owner: owner, until: deps.now().addingTimeInterval(lease))) == false {
                        await board.lost()
                        logger.warning("Sync lease lost; stopping this run", metadata: ["connector": "\(id)"])
                        return
                    }
                }
            }
        }
        defer { ticker.cancel() }

        // 1. Validate.
        let report = await ZoomConnectionValidator(client: client).validate(now: deps.now())
        if report.status == .error {
            try? await deps.connectors.transition(id: id, to: report.status.rawValue, detail: report.headline, health: report, at: deps.now(), unlessDisconnected: true)
            ticker.cancel()
            return await finish(job: job, owner: owner, runID: runID, board: board, clockStart: clockStart, error: report.headline + (report.fix.map { " " + $0 } ?? ""),
                                stats: await client.stats(), postureRan: false)
        }
        let healthy = Set(report.sources.filter(\.ok).map(\.source))
        var problems: [String] = []
        do {
            // 2. Activities and (when due) posture, read concurrently: they use different rate-limit
            // categories (reports are Heavy; settings, users and groups Light and Medium), so the
            // sync takes about as long as the slower of the two, not their sum.
            await board.phase("reading")
            let latest = try await deps.scans.history(connectorID: id, limit: 1)
            let postureDue = job.nextPostureAt <= deps.now() || latest.isEmpty
            let readAt = deps.now()
            let postureSources = Set(DataSource.allCases).subtracting([.signInReport, .operationLog])
            async let postureRead: ZoomAccountData? = postureDue
                ? ZoomAccountReader(client: client, logger: logger).read(from: readAt, to: readAt, sources: postureSources) : nil
            let sync = ZoomActivitySync(client: client, activities: deps.activities, checkpoints: deps.checkpoints, fingerprint: ActivityFingerprint.make, logger: logger)
            var streamOK: [String: Bool] = [:]
            // Each stream on its own, so one failing report does not stop the other.
            for (stream, source) in [("signin", DataSource.signInReport), ("operation", DataSource.operationLog)] {
                guard healthy.contains(source) else {
                    problems.append("\(source.rawValue): skipped (\(report.sources.first { $0.source == source }?.reason ?? "not readable"))")
                    continue
                }
                if await board.leaseLost { throw LeaseLost() }
                do {
                    let outcome = try await sync.run(connectorID: id, now: deps.now(), streams: [stream])
                    await board.addItems(outcome.fetched[stream] ?? 0)
                    streamOK[stream] = true
                } catch let error as ZoomAPIError {
                    problems.append("\(source.rawValue): \(error.description)")
                }
            }
            let postureData = await postureRead

            // 3. Score the posture.
            var postureRan = false
            if let data = postureData {
                if await board.leaseLost { throw LeaseLost() }
                await board.addItems(data.users.count)
                await board.phase("scoring")
                let now = readAt
                var snapshot = data.postureSnapshot(accountID: connector.accountID, accountName: connector.name, capturedAt: now, readSources: postureSources)
                // The report streams come from the activity store (just synced), over the posture window.
                let window = ActivityQuery(connectorID: id, from: now.addingTimeInterval(-7 * 86_400), to: deps.now(), limit: 1)
                for (stream, source) in [("signin", DataSource.signInReport), ("operation", DataSource.operationLog)] where streamOK[stream] == true {
                    var q = window
                    q.kinds = [stream]
                    let rows = try await deps.activities.count(query: q)
                    snapshot.unavailable[source] = nil
                    if stream == "signin" { snapshot.signInRows = rows } else { snapshot.operationLogRows = rows }
                }
                let states = try await deps.posture.states(connectorID: id)
                let result = PostureEngine.scan(snapshot, baseline: deps.configuration.baseline, states: states, now: now)
                try await deps.scans.save(connectorID: id, result)
                try await deps.posture.rollUp(connectorID: id, day: now)
                if data.failures[.users] == nil {
                    let roleNames = Dictionary(data.roles.map { ($0.role.id, $0.role.name ?? $0.role.id) }, uniquingKeysWith: { a, _ in a })
                    let inventory = (snapshot.users ?? []).map { u in
                        InventoryUser(id: u.id, email: u.email, displayName: u.displayName, type: u.type, status: u.status, roleID: u.roleID,
                                      roleName: roleNames[u.roleID] ?? ["0": "Owner", "1": "Admin", "2": "Member"][u.roleID], groupIDs: u.groupIDs,
                                      loginTypes: u.loginTypes, lastLoginTime: u.lastLoginTime, createdAt: u.createdAt)
                    }
                    try await deps.posture.saveInventory(connectorID: id, users: inventory, at: now)
                }
                for (source, error) in data.failures { problems.append("\(source.rawValue): \(error.description)") }
                postureRan = true
            }
            ticker.cancel()
            let stats = await client.stats()
            let status: ConnectorStatus = problems.isEmpty && report.status == .connected ? .connected : .degraded
            let detail = problems.isEmpty ? report.headline : "Synced with problems: " + problems.joined(separator: "; ")
            try await deps.connectors.transition(id: id, to: status.rawValue, detail: String(detail.prefix(2000)), health: report, at: deps.now(),
                                                 unlessDisconnected: true)
            try await deps.connectors.setLastSync(id: id, at: deps.now())
            return await finish(job: job, owner: owner, runID: runID, board: board, clockStart: clockStart, error: nil, stats: stats, postureRan: postureRan)
        } catch is LeaseLost {
            return Outcome(ok: false, detail: "lease lost")
        } catch {
            ticker.cancel()
            try? await deps.connectors.transition(id: id, to: ConnectorStatus.error.rawValue, detail: "Sync failed: \(String(describing: error).prefix(500))", health: nil, at: deps.now(),
                                                  unlessDisconnected: true)
            return await finish(job: job, owner: owner, runID: runID, board: board, clockStart: clockStart, error: "\(error)", stats: await client.stats(), postureRan: false)
        }
    }

    /// Records the run, releases the lease and schedules the next one (backing off after failures).
    func finish(job: SyncJob, owner: String, runID: String, board: Board, clockStart: ContinuousClock.Instant, error: String?,
                stats: ZoomClientStats?, postureRan: Bool) async -> Outcome {
        let now = deps.now()
        let elapsed = ContinuousClock.now - clockStart
        await board.finish(error: error, now: now)
        if let stats { await board.update(stats: stats, now: now, expectedRequests: nil) }
        let progress = await board.progress
        var statsJSON: JSONValue = ["requests": .int(Int64(progress.requests)), "rateLimited": .int(Int64(progress.rateLimited)),
                                    "rateLimitWaits": .int(Int64(progress.rateLimitWaits)), "items": .int(Int64(progress.items)),
                                    "seconds": .double((Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18).rounded(toPlaces: 3)),
                                    "posture": .bool(postureRan)]
        if let stats {
            deps.metrics.record(zoom: stats)
            var byCategory: [String: JSONValue] = [:]
            for (category, count) in stats.requests { byCategory[category.rawValue] = .int(Int64(count)) }
            statsJSON["byCategory"] = .object(byCategory)
            var byOperation: [String: JSONValue] = [:]
            for (operation, count) in stats.requestsByOperation { byOperation[operation.endpoint] = .int(Int64(count)) }
            statsJSON["byOperation"] = .object(byOperation)
        }
        deps.metrics.syncRuns.increment()
        deps.metrics.syncSeconds.record(elapsed)
        try? await deps.jobs.saveProgress(connectorID: job.connectorID, progress)
        try? await deps.jobs.finishRun(id: runID, at: now, outcome: error == nil ? "ok" : "failed", detail: error.map { String($0.prefix(2000)) }, stats: statsJSON)
        if error == nil {
            try? await deps.jobs.release(connectorID: job.connectorID, owner: owner, nextActivityAt: now.addingTimeInterval(deps.configuration.activityInterval),
                                         nextPostureAt: postureRan ? now.addingTimeInterval(deps.configuration.postureInterval) : nil,
                                         postureDueAt: job.nextPostureAt, failures: 0)
            return Outcome(ok: true, detail: "ok")
        }
        deps.metrics.syncFailures.increment()
        // 1, 2, 4 … minutes, at most an hour: a broken connector does not hammer Zoom.
        let backoff = min(3600, 60 * Foundation.pow(2.0, Double(min(job.failures, 6))))
        try? await deps.jobs.release(connectorID: job.connectorID, owner: owner, nextActivityAt: now.addingTimeInterval(backoff),
                                     nextPostureAt: job.nextPostureAt <= now ? now.addingTimeInterval(backoff) : nil,
                                     postureDueAt: job.nextPostureAt, failures: job.failures + 1)
        deps.logger.warning("Sync failed", metadata: ["connector": "\(job.connectorID)", "error": "\(error!.prefix(300))", "retryIn": "\(Int(backoff)) s"])
        return Outcome(ok: false, detail: error!)
    }
}

extension Double {
    func rounded(toPlaces places: Int) -> Double {
        let factor = Foundation.pow(10.0, Double(places))
        return (self * factor).rounded() / factor
    }
}
