import Foundation
import Logging
import ServiceLifecycle
import SSPMStorage

/// The sync loop of one process: claims due connectors with a lease (several processes on one
/// PostgreSQL share the work; a dead process's lease expires and another takes over) and runs
/// up to `maxConcurrentSyncs` syncs at once. Stops claiming on graceful shutdown and lets the
/// running syncs finish.
public struct SyncScheduler: Service {
    let deps: ServerDependencies

    public init(deps: ServerDependencies) { self.deps = deps }

    public func run() async throws {
        let configuration = deps.configuration
        let owner = configuration.instanceID
        let engine = SyncEngine(deps: deps)
        let logger = deps.logger
        logger.info("Sync scheduler started", metadata: ["instance": "\(owner)", "concurrency": "\(configuration.maxConcurrentSyncs)"])
        await withDiscardingTaskGroup { group in
            let running = RunningCount()
            while !Task.isShuttingDownGracefully && !Task.isCancelled {
                var claimed = false
                if await running.value < configuration.maxConcurrentSyncs {
                    do {
                        if let job = try await deps.jobs.claim(owner: owner, now: deps.now(), lease: configuration.leaseDuration) {
                            claimed = true
                            await running.add(1)
                            logger.info("Sync claimed", metadata: ["connector": "\(job.connectorID)", "instance": "\(owner)"])
                            group.addTask {
                                let outcome = await engine.run(job: job, owner: owner)
                                logger.info("Sync finished", metadata: ["connector": "\(job.connectorID)", "ok": "\(outcome.ok)", "detail": "\(outcome.detail.prefix(200))"])
                                await running.add(-1)
                            }
                        }
                        let depth = try await deps.jobs.queueDepth(now: deps.now())
                        deps.metrics.queueDue.set(Double(depth.due))
                        deps.metrics.queueLeased.set(Double(depth.leased))
                    } catch {
                        logger.error("Sync scheduler cannot reach the database", metadata: ["error": "\(String(describing: error).prefix(300))"])
                    }
                }
                if !claimed {
                    try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(configuration.pollInterval)) }
                }
            }
            let stillRunning = await running.value
            logger.info("Sync scheduler stopping; waiting for running syncs", metadata: ["running": "\(stillRunning)"])
        }
    }

    actor RunningCount {
        var value = 0
        func add(_ n: Int) { value += n }
    }
}
