import Foundation

/// One change of a control's state, as recorded.
public struct ControlStateChange: Sendable, Codable, Hashable {
    public var controlID: String
    public var fromState: String?
    public var toState: String
    public var rationale: String?
    public var expiresAt: Date?
    public var by: String?
    public var at: Date

    enum CodingKeys: String, CodingKey {
        case controlID = "controlId", fromState, toState, rationale, expiresAt, by, at
    }

    public init(controlID: String, fromState: String? = nil, toState: String, rationale: String? = nil, expiresAt: Date? = nil, by: String? = nil, at: Date) {
        self.controlID = controlID
        self.fromState = fromState
        self.toState = toState
        self.rationale = rationale
        self.expiresAt = expiresAt
        self.by = by
        self.at = at
    }
}

/// A day's score: the day's last scan, and how many scans the day had.
public struct DailyScore: Sendable, Codable, Hashable {
    public var day: String
    public var achieved: Double
    public var max: Double
    public var percent: Double
    public var scans: Int

    public init(day: String, achieved: Double, max: Double, percent: Double, scans: Int) {
        self.day = day
        self.achieved = achieved
        self.max = max
        self.percent = percent
        self.scans = scans
    }
}

/// What operators decide about controls (states, with their history) and the daily score.
public protocol PostureStore: Sendable {
    func states(connectorID: String) async throws -> [ControlStateRecord]
    /// Sets (or, for `open`, clears) a control's state and records the change.
    func setState(connectorID: String, _ record: ControlStateRecord, at: Date) async throws
    /// Newest first.
    func stateChanges(connectorID: String, controlID: String?, limit: Int) async throws -> [ControlStateChange]
    /// Rolls the day's scans up into its daily score (the day's last scan, and how many it had).
    func rollUp(connectorID: String, day: Date) async throws
    /// Oldest first, at most `days`.
    func daily(connectorID: String, days: Int) async throws -> [DailyScore]
}

extension PostureStore {
    public func stateChanges(connectorID: String, controlID: String? = nil) async throws -> [ControlStateChange] {
        try await stateChanges(connectorID: connectorID, controlID: controlID, limit: 500)
    }
}
