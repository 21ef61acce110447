import Foundation
import Logging
import SSPMCore
import SSPMStorage
import SSPMProvider

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
        func update(stats: SessionStats, now: Date, expectedRequests: Int?) {
            progress.requests = stats.requests
            progress.rateLimitWaits = stats.rateLimitWaits
            progress.rateLimited = stats.rateLimited
            progress.updatedAt = now
            if let expected = expectedRequests, stats.requests > 0, expected > stats.requests {
                let elapsed = now.timeIntervalSince(progress.startedAt)
                progress.etaSeconds = (Double(expected - stats.requests) * elapsed / Double(stats.requests)).rounded()
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
        let found: ConnectorRecord?
        do { found = try await deps.connectors.get(id: id) } catch {
            // The database is busy or away: the job stays due and is tried again next round.
            logger.warning("Cannot read the connector to sync it; it is tried again", metadata: ["connector": "\(id)", "error": "\(error)"])
            try? await deps.jobs.release(connectorID: id, owner: owner, nextActivityAt: nil, nextPostureAt: nil, postureDueAt: job.nextPostureAt, failures: job.failures)
            return Outcome(ok: false, detail: "cannot read connector \(id): \(error)")
        }
        guard let connector = found else {
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
        let provider: any Provider
        let client: any ProviderSession
        do { (provider, client) = try await deps.session(for: connector) } catch {
            return await finish(job: job, provider: connector.provider, owner: owner, runID: runID, board: board, clockStart: clockStart, error: "\(error)", stats: nil, postureRan: false)
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
        let report = await client.validate(now: deps.now())
        if report.status == .error {
            try? await deps.connectors.transition(id: id, to: report.status.rawValue, detail: report.headline, health: report, at: deps.now(), unlessDisconnected: true)
            ticker.cancel()
            return await finish(job: job, provider: connector.provider, owner: owner, runID: runID, board: board, clockStart: clockStart, error: report.headline + (report.fix.map { " " + $0 } ?? ""),
                                stats: await client.stats(), postureRan: false)
        }
        let healthy = Set(report.sources.filter(\.ok).map(\.source))
        var problems: [String] = []
        do {
            // 2. Activities and (when due) posture, read concurrently: they usually use different
            // rate-limit categories (Zoom: reports are Heavy; settings, users and groups Light and
            // Medium), so the sync takes about as long as the slower of the two, not their sum.
            await board.phase("reading")
            // A provider without controls (a directory its paired connectors read) has no posture
            // of its own to read or score: no empty scan is stored, its interval is kept all the same.
            let scored = !provider.catalogue.controls.isEmpty
            let latest = scored ? try await deps.scans.history(connectorID: id, limit: 1) : []
            let postureDue = job.nextPostureAt <= deps.now() || (scored && latest.isEmpty)
            let readAt = deps.now()
            async let postureRead: PostureReading? = postureDue && scored ? client.readPosture(accountName: connector.name, at: readAt) : nil
            // The paired directory (if any), read beside it: its own session, its own vendor's limits.
            async let directoryRead: PairedDirectory? = postureDue && provider.directoryRole == .reads ? pairedDirectory(of: connector, at: readAt) : nil
            let sync = ActivitySync(activities: deps.activities, checkpoints: deps.checkpoints, logger: logger)
            var synced: [String] = []
            // Each stream on its own, so one failing stream does not stop the other.
            for stream in client.streams {
                guard healthy.contains(stream.source) else {
                    problems.append("\(stream.source.rawValue): skipped (\(report.sources.first { $0.source == stream.source }?.reason ?? "not readable"))")
                    continue
                }
                if await board.leaseLost { throw LeaseLost() }
                do {
                    let outcome = try await sync.run(session: client, stream: stream, connectorID: id, mappingVersion: provider.activityMappingVersion, now: deps.now())
                    await board.addItems(outcome.fetched)
                    synced.append(stream.id)
                } catch let error as ProviderError {
                    problems.append("\(stream.source.rawValue): \(error.description)")
                }
            }
            let reading = await postureRead
            let paired = await directoryRead

            // 3. Score the posture.
            var postureRan = postureDue && !scored
            if let reading {
                if await board.leaseLost { throw LeaseLost() }
                await board.addItems(reading.items)
                await board.phase("scoring")
                let now = readAt
                // Streams synced this run count over the posture window, from the activity store.
                var streamRows: [String: Int] = [:]
                for stream in synced {
                    var q = ActivityQuery(connectorID: id, from: now.addingTimeInterval(-7 * 86_400), to: deps.now(), limit: 1)
                    q.kinds = [stream]
                    streamRows[stream] = try await deps.activities.count(query: q)
                }
                let states = try await deps.posture.states(connectorID: id)
                let result = reading.evaluate(PostureInputs(baseline: deps.configuration.baseline, states: states, streamRows: streamRows, now: now,
                                                            directory: paired?.directory))
                let previous = try await deps.scans.latest(connectorID: id)
                try await deps.scans.save(connectorID: id, result)
                if let previous { deps.detectionFeed.scanned(connectorID: id, previous: previous, current: result) }
                try await deps.posture.rollUp(connectorID: id, day: now)
                if var inventory = reading.inventory {
                    if let directory = paired?.directory { inventory = directory.standings(of: inventory) }
                    try await deps.inventory.save(connectorID: id, users: inventory, at: now)
                    deps.detectionFeed.inventorySaved(connectorID: id)
                }
                problems += reading.problems
                // The directory's own gaps (a permission it lacks) are its connector's health and the
                // cross-checks' verdicts; this connector is degraded only when none of it was read.
                if let paired, paired.directory.domains == nil, paired.directory.users == nil, paired.directory.applications == nil,
                   let reason = paired.directory.unavailable.values.sorted().first {
                    problems.append("paired directory “\(paired.name)”: \(reason)")
                }
                postureRan = true
            }
            ticker.cancel()
            var stats = await client.stats()
            if let paired, let pairedStats = paired.stats { stats.add(pairedStats, prefix: paired.provider) }
            let status: ConnectorStatus = problems.isEmpty && report.status == .connected ? .connected : .degraded
            let detail = problems.isEmpty ? report.headline : "Synced with problems: " + problems.joined(separator: "; ")
            try await deps.connectors.transition(id: id, to: status.rawValue, detail: String(detail.prefix(2000)), health: report, at: deps.now(),
                                                 unlessDisconnected: true)
            try await deps.connectors.setLastSync(id: id, at: deps.now())
            return await finish(job: job, provider: connector.provider, owner: owner, runID: runID, board: board, clockStart: clockStart, error: nil, stats: stats, postureRan: postureRan)
        } catch is LeaseLost {
            return Outcome(ok: false, detail: "lease lost")
        } catch {
            ticker.cancel()
            // A busy database says nothing about the connector: its status stays, and the run is
            // retried soon without counting as one of its failures.
            let busy = if case .busy = error as? StoreError { true } else { false }
            if !busy {
                try? await deps.connectors.transition(id: id, to: ConnectorStatus.error.rawValue, detail: "Sync failed: \(String(describing: error).prefix(500))", health: nil, at: deps.now(),
                                                      unlessDisconnected: true)
            }
            return await finish(job: job, provider: connector.provider, owner: owner, runID: runID, board: board, clockStart: clockStart, error: "\(error)",
                                stats: await client.stats(), postureRan: false, transient: busy)
        }
    }

    /// A paired directory as one sync read it.
    struct PairedDirectory: Sendable {
        var directory: DirectorySnapshot
        /// The directory connector's name and provider kind, for problems and stats.
        var name: String
        var provider: String
        var stats: SessionStats?
    }

    /// Reads the directory of the connector `connector` is paired with: nil when it is not paired;
    /// a directory marked unreadable when the directory connector is disconnected or cannot be
    /// opened (the cross-checks then say so, instead of calling the account unpaired).
    func pairedDirectory(of connector: ConnectorRecord, at readAt: Date) async -> PairedDirectory? {
        let pairedID: String?
        do { pairedID = try await deps.connectors.pairedDirectory(id: connector.id) } catch {
            return PairedDirectory(directory: .unreadable(directoryID: "", readAt: readAt, reason: "the pairing could not be read (\(error))"),
                                   name: "directory", provider: "", stats: nil)
        }
        guard let pairedID else { return nil }
        guard let record = try? await deps.connectors.get(id: pairedID) else {
            return PairedDirectory(directory: .unreadable(directoryID: pairedID, readAt: readAt, reason: "the paired connector \(pairedID) could not be read"),
                                   name: pairedID, provider: "", stats: nil)
        }
        let label = deps.providers.provider(record.provider)?.accountLabel(record.settings) ?? record.id
        if record.status == ConnectorStatus.disconnected.rawValue {
            return PairedDirectory(directory: .unreadable(directoryID: label, readAt: readAt,
                                                          reason: "the paired connector “\(record.name)” is disconnected; reconnect it"),
                                   name: record.name, provider: record.provider, stats: nil)
        }
        do {
            let (_, session) = try await deps.session(for: record)
            guard let directory = await session.readDirectory(at: readAt) else {
                return PairedDirectory(directory: .unreadable(directoryID: label, readAt: readAt,
                                                              reason: "the paired connector “\(record.name)” (\(record.provider)) provides no directory"),
                                       name: record.name, provider: record.provider, stats: await session.stats())
            }
            return PairedDirectory(directory: directory, name: record.name, provider: record.provider, stats: await session.stats())
        } catch {
            return PairedDirectory(directory: .unreadable(directoryID: label, readAt: readAt, reason: "the paired connector “\(record.name)” cannot be opened: \(error)"),
                                   name: record.name, provider: record.provider, stats: nil)
        }
    }

    /// Records the run, releases the lease and schedules the next one (backing off after failures).
    /// `transient`: the failure was the database's, not the connector's (retried in a minute, not
    /// counted as a failure).
    func finish(job: SyncJob, provider: String, owner: String, runID: String, board: Board, clockStart: ContinuousClock.Instant, error: String?,
                stats: SessionStats?, postureRan: Bool, transient: Bool = false) async -> Outcome {
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
            deps.metrics.record(stats, provider: provider)
            statsJSON["byCategory"] = .object(stats.byCategory.mapValues { .int(Int64($0)) })
            statsJSON["byOperation"] = .object(stats.byOperation.mapValues { .int(Int64($0)) })
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
        // 1, 2, 4 … minutes, at most an hour: a broken connector does not hammer its provider.
        let backoff = transient ? 60 : min(3600, 60 * Foundation.pow(2.0, Double(min(job.failures, 6))))
        try? await deps.jobs.release(connectorID: job.connectorID, owner: owner, nextActivityAt: now.addingTimeInterval(backoff),
                                     nextPostureAt: job.nextPostureAt <= now ? now.addingTimeInterval(backoff) : nil,
                                     postureDueAt: job.nextPostureAt, failures: transient ? job.failures : job.failures + 1)
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
