import Foundation
import Logging
import SSPMCore

/// Pulls the sign-in and operation-log reports into the activity store: 7 days back the first time,
/// then from the last checkpoint minus an overlap window. Report rows have no ids, so each row's
/// fingerprint (SHA-256 of its canonical JSON, supplied by `fingerprint`) makes re-fetched rows
/// no-ops. The checkpoint moves only after the rows are stored: a crash in between re-fetches the
/// window and loses nothing, duplicates nothing.
public struct ZoomActivitySync: Sendable {
    public struct Outcome: Sendable, Equatable {
        public var fetched: [String: Int] = [:]
        public var storedTotal = 0
        public var windowStart: [String: Date] = [:]
    }

    public let client: ZoomClient
    public let activities: any ActivityStore
    public let checkpoints: any CheckpointStore
    public let fingerprint: @Sendable (String, JSONValue) -> String
    public let logger: Logger
    public var backfill: TimeInterval = 7 * 86_400
    public var overlap: TimeInterval = 15 * 60

    public init(client: ZoomClient, activities: any ActivityStore, checkpoints: any CheckpointStore,
                fingerprint: @escaping @Sendable (String, JSONValue) -> String, logger: Logger) {
        self.client = client
        self.activities = activities
        self.checkpoints = checkpoints
        self.fingerprint = fingerprint
        self.logger = logger
    }

    /// Runs one incremental pass for both streams; `afterStore` is a test hook called between storing
    /// rows and moving the checkpoint (throwing there simulates a crash).
    public func run(connectorID: String, now: Date = Date(), streams: [String] = ["signin", "operation"],
                    afterStore: @Sendable (String) throws -> Void = { _ in }) async throws -> Outcome {
        var outcome = Outcome()
        for stream in streams {
            let last = try await checkpoints.checkpoint(connectorID: connectorID, stream: stream)
            let from = last.map { $0.addingTimeInterval(-overlap) } ?? now.addingTimeInterval(-backfill)
            outcome.windowStart[stream] = from
            let rows: [(Date, String, String?, JSONValue)]
            if stream == "signin" {
                rows = try await client.listReport(.reportSignInActivities, RawActivityPage.self, from: from, to: now).map { row in
                    (Self.time(row.value["time"]), row.value["email"]?.stringValue ?? "", row.value["ip_address"]?.stringValue, row.value)
                }
            } else {
                rows = try await client.listReport(.reportOperationLogs, RawOperationPage.self, from: from, to: now).map { row in
                    (Self.time(row.value["time"]), row.value["operator"]?.stringValue ?? "", nil, row.value)
                }
            }
            let records = rows.map { time, user, ip, payload in
                ActivityRecord(connectorID: connectorID, kind: stream, occurredAt: time, user: user, ipAddress: ip,
                               fingerprint: fingerprint(stream, payload), payload: payload)
            }
            try await activities.insert(records)
            outcome.fetched[stream] = records.count
            try afterStore(stream)
            try await checkpoints.setCheckpoint(connectorID: connectorID, stream: stream, to: now)
            logger.info("Activity sync", metadata: ["connector": "\(connectorID)", "stream": "\(stream)", "rows": "\(records.count)"])
        }
        outcome.storedTotal = try await activities.count(connectorID: connectorID)
        return outcome
    }

    static func time(_ value: JSONValue?) -> Date {
        value?.stringValue.flatMap { ActivityCorrelation.parseTime($0) } ?? Date(timeIntervalSince1970: 0)
    }
}

/// A report row kept as raw JSON (for storage), keyed by its whole content.
public struct RawRow: ZoomListItem, Hashable {
    public let value: JSONValue
    public init(from decoder: any Decoder) throws { value = try JSONValue(from: decoder) }
    public var dedupKey: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return (try? String(decoding: encoder.encode(value), as: UTF8.self)) ?? ""
    }
}

public struct RawActivityPage: ZoomPage {
    public var activityLogs: [RawRow]?
    public var nextPageToken: String?
    public var pageItems: [RawRow] { activityLogs ?? [] }
}

public struct RawOperationPage: ZoomPage {
    public var operationLogs: [RawRow]?
    public var nextPageToken: String?
    public var pageItems: [RawRow] { operationLogs ?? [] }
}
