import Foundation
import SQLKit
import SSPMCore

/// What an operator decides about controls (`control_states`, with their history in
/// `control_state_changes`) and the daily score (`score_daily`). The daily score is rolled up from
/// the day's scans, which it reads through `SQLScanStore` (the one store of the `scans` table), in
/// the same transaction as its write.
public struct SQLPostureStore: PostureStore {
    let storage: SQLStorage
    public init(storage: SQLStorage) { self.storage = storage }

    public func states(connectorID: String) async throws -> [ControlStateRecord] {
        try await storage.withSQL { db in
            try await db.raw("SELECT * FROM control_states WHERE connector_id = \(bind: connectorID) ORDER BY control_id").all().compactMap { row in
                guard let state = ControlState(rawValue: try row.decode(column: "state", as: String.self)) else { return nil }
                return ControlStateRecord(controlID: try row.decode(column: "control_id", as: String.self), state: state,
                                          rationale: try row.decode(column: "rationale", as: String?.self),
                                          expires: try row.decode(column: "expires_at", as: Int64?.self).map(date), by: try row.decode(column: "set_by", as: String?.self))
            }
        }
    }

    /// Sets (or with `to_address`, clears) a control's state and records the change; one transaction.
    public func setState(connectorID: String, _ record: ControlStateRecord, at: Date) async throws {
        try await storage.transaction { db in
            let old = try await db.raw("SELECT state FROM control_states WHERE connector_id = \(bind: connectorID) AND control_id = \(bind: record.controlID)")
                .first()?.decode(column: "state", as: String.self)
            if record.state == .toAddress {
                try await db.raw("DELETE FROM control_states WHERE connector_id = \(bind: connectorID) AND control_id = \(bind: record.controlID)").run()
            } else {
                try await db.raw("""
                    INSERT INTO control_states (connector_id, control_id, state, rationale, expires_at, set_by, updated_at)
                    VALUES (\(bind: connectorID), \(bind: record.controlID), \(bind: record.state.rawValue), \(bind: record.rationale), \(bind: record.expires.map(millis)), \(bind: record.by), \(bind: millis(at)))
                    ON CONFLICT (connector_id, control_id) DO UPDATE SET state = excluded.state, rationale = excluded.rationale, expires_at = excluded.expires_at,
                        set_by = excluded.set_by, updated_at = excluded.updated_at
                    """).run()
            }
            try await db.raw("""
                INSERT INTO control_state_changes (id, connector_id, control_id, from_state, to_state, rationale, expires_at, set_by, at)
                VALUES (\(bind: UUID().uuidString.lowercased()), \(bind: connectorID), \(bind: record.controlID), \(bind: old ?? ControlState.toAddress.rawValue),
                        \(bind: record.state.rawValue), \(bind: record.rationale), \(bind: record.expires.map(millis)), \(bind: record.by), \(bind: millis(at)))
                """).run()
        }
    }

    public func stateChanges(connectorID: String, controlID: String? = nil, limit: Int = 500) async throws -> [ControlStateChange] {
        var query = SQLQueryString("SELECT * FROM control_state_changes WHERE connector_id = \(bind: connectorID)")
        if let controlID { query += " AND control_id = \(bind: controlID)" }
        query += " ORDER BY at DESC, id LIMIT \(literal: max(1, min(limit, 5000)))"
        let final = query
        return try await storage.withSQL { db in
            try await db.raw(final).all().map {
                ControlStateChange(controlID: try $0.decode(column: "control_id", as: String.self), fromState: try $0.decode(column: "from_state", as: String?.self),
                                   toState: try $0.decode(column: "to_state", as: String.self), rationale: try $0.decode(column: "rationale", as: String?.self),
                                   expiresAt: try $0.decode(column: "expires_at", as: Int64?.self).map(date), by: try $0.decode(column: "set_by", as: String?.self),
                                   at: date(try $0.decode(column: "at", as: Int64.self)))
            }
        }
    }

    /// Recomputes the day's roll-up from the day's scans (the last scan of the day is the day's score).
    public func rollUp(connectorID: String, day: Date) async throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let start = calendar.startOfDay(for: day)
        let end = start.addingTimeInterval(86_400)
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        let key = formatter.string(from: start)
        try await storage.transaction { db in
            let scores = try await SQLScanStore.dayScores(connectorID: connectorID, from: start, to: end, on: db)
            guard let last = scores.first else { return }
            try await db.raw("""
                INSERT INTO score_daily (connector_id, day, achieved, max_score, percent, scans)
                VALUES (\(bind: connectorID), \(bind: key), \(bind: last.achieved), \(bind: last.max), \(bind: last.percent), \(bind: scores.count))
                ON CONFLICT (connector_id, day) DO UPDATE SET achieved = excluded.achieved, max_score = excluded.max_score, percent = excluded.percent, scans = excluded.scans
                """).run()
        }
    }

    public func daily(connectorID: String, days: Int) async throws -> [DailyScore] {
        try await storage.withSQL { db in
            try await db.raw("SELECT * FROM score_daily WHERE connector_id = \(bind: connectorID) ORDER BY day DESC LIMIT \(literal: max(1, min(days, 3660)))").all().map {
                DailyScore(day: try $0.decode(column: "day", as: String.self), achieved: try $0.decode(column: "achieved", as: Double.self),
                           max: try $0.decode(column: "max_score", as: Double.self), percent: try $0.decode(column: "percent", as: Double.self),
                           scans: try $0.decode(column: "scans", as: Int.self))
            }.reversed()
        }
    }
}
