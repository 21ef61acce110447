import Foundation
import Logging
import SSPMCore

/// Pulls one provider stream into the activity store: `backfill` back the first time, then from the
/// last checkpoint minus an overlap window. Records without ids are keyed by their fingerprint, so
/// re-fetched ones are no-ops. The checkpoint moves only after the events are stored: a crash in
/// between re-fetches the window and loses nothing, duplicates nothing. Provider-neutral: the
/// session returns events, this stores them.
public struct ActivitySync: Sendable {
    public let activities: any ActivityStore
    public let checkpoints: any CheckpointStore
    public let logger: Logger
    public var backfill: TimeInterval = 7 * 86_400
    public var overlap: TimeInterval = 15 * 60

    public init(activities: any ActivityStore, checkpoints: any CheckpointStore, logger: Logger) {
        self.activities = activities
        self.checkpoints = checkpoints
        self.logger = logger
    }

    public struct Outcome: Sendable, Equatable {
        public var fetched = 0
        public var windowStart: Date
    }

    /// One incremental pass of `stream`; `afterStore` is a test hook called between storing and
    /// moving the checkpoint (throwing there simulates a crash).
    public func run(session: any ProviderSession, stream: ActivityStreamInfo, connectorID: String, mappingVersion: Int, now: Date,
                    afterStore: @Sendable (String) throws -> Void = { _ in }) async throws -> Outcome {
        let last = try await checkpoints.checkpoint(connectorID: connectorID, stream: stream.id)
        let from = last.map { $0.addingTimeInterval(-overlap) } ?? now.addingTimeInterval(-backfill)
        var events = try await session.pull(stream, from: from, to: now)
        for index in events.indices { events[index].connectorID = connectorID }
        try await activities.insert(events, mappingVersion: mappingVersion)
        try afterStore(stream.id)
        try await checkpoints.setCheckpoint(connectorID: connectorID, stream: stream.id, to: now)
        logger.info("Activity sync", metadata: ["connector": "\(connectorID)", "stream": "\(stream.id)", "rows": "\(events.count)"])
        return Outcome(fetched: events.count, windowStart: from)
    }
}
