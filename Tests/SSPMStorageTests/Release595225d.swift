import Foundation
import SQLKit
import SSPMCore
import SSPMProvider
import SSPMStorage
import ZoomProvider

/// A database as release 595225d wrote it: its schema (the frozen migrations in
/// Tests/Fixtures/schema-release-595225d.json) and realistic data written with raw SQL in that
/// release's column layout. Frozen like the fixture: it describes the past, so a later schema
/// change edits UpgradeTests' expectations, never this file.
enum Release595225d {
    /// The release's migrations, read from the fixture (not from Sources, which may change).
    static func migrations() throws -> [Migration] {
        try FrozenSchema.load("schema-release-595225d.json").migrations.map { frozen in
            Migration(id: frozen.id) { postgres in postgres ? frozen.postgres : frozen.sqlite }
        }
    }
}

/// A release's migrations as a fixture file holds them.
struct FrozenSchema: Decodable {
    struct FrozenMigration: Decodable {
        var id: String
        var sqlite: [String]
        var postgres: [String]
    }

    var release: String
    var migrations: [FrozenMigration]

    static func load(_ name: String) throws -> FrozenSchema {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return try JSONDecoder().decode(FrozenSchema.self, from: Data(contentsOf: root.appendingPathComponent("Tests/Fixtures/\(name)")))
    }
}

/// What the release's database holds, as values (the expectations) and as the rows that hold them.
struct ReleaseData: Sendable {
    /// A connector row in the release's columns (its types then: Zoom's fields on the record,
    /// two secrets, the hosts apart).
    struct ReleaseConnector: Sendable, Equatable {
        var id: String
        var name: String
        var accountID: String
        var clientID: String
        var plan: String
        var status: String
        var statusDetail: String?
        var createdAt: Date
        var updatedAt: Date
    }
    struct ReleaseSecrets: Sendable, Equatable {
        var clientSecret: String
        var webhookSecretToken: String?
    }
    struct ReleaseEndpoints: Sendable, Equatable {
        var apiURL: String?
        var tokenURL: String?
    }

    struct Connector: Sendable {
        var record: ReleaseConnector
        var secrets: ReleaseSecrets
        var endpoints: ReleaseEndpoints
        var health: ConnectionReport
        var lastSync: Date?
        var events: [ConnectorEvent]  // newest first, as the store lists them
    }

    /// An activity row in the release's columns (`kind`, `user_email`, …).
    struct ReleaseActivity: Sendable, Hashable {
        var connectorID: String
        var kind: String
        var occurredAt: Date
        var user: String
        var ipAddress: String?
        var fingerprint: String
        var payload: JSONValue
        var correlation: String?
    }

    struct Activity: Sendable {
        var record: ReleaseActivity
        var source: String
        var correlation: String?
        /// The payload column's text: a webhook's body as received, a report row's canonical JSON.
        var payloadText: String
    }

    struct Scan: Sendable {
        var id: String
        var connectorID: String
        var result: ScanResult
    }

    struct Posture: Sendable {
        var connectorID: String
        var states: [(record: ControlStateRecord, updatedAt: Date)]  // by control id
        var changes: [ControlStateChange]  // newest first
        var daily: [DailyScore]  // oldest first
        var inventory: (capturedAt: Date, users: [InventoryUser])?
    }

    struct Sync: Sendable {
        var job: SyncJob
        var progress: SyncProgress?
        var runs: [SyncRun]  // newest first
        var checkpoints: [String: Date]
    }

    struct Session: Sendable {
        var token: String
        var operatorID: String
        var csrf: String
        var createdAt: Date
        var expiresAt: Date
    }

    struct LoginFailure: Sendable {
        var email: String
        var client: String
        var at: Date
    }

    var now: Date
    var connectors: [Connector]
    var activities: [Activity]
    var scans: [Scan]
    var posture: [Posture]
    var sync: [Sync]
    var operators: [(op: Operator, passwordHash: String)]
    var sessions: [Session]
    var tokens: [(record: APITokenRecord, token: String)]
    var audit: [AuditEntry]  // newest first
    var loginFailures: [LoginFailure]

    /// JSON as the release wrote its columns: sorted keys, ISO 8601 dates.
    static func releaseJSON<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Two connectors (one on Zoom for Government hosts, one on the simulator's) with a bit of everything.
    static func sample() -> ReleaseData {
        let t0 = Date(timeIntervalSince1970: 1_790_000_000)  // whole seconds: JSON dates keep no fractions
        func at(_ seconds: Double) -> Date { t0.addingTimeInterval(seconds) }
        let iso = ISO8601DateFormatter()
        let (acme, lab) = ("0b7e2c1a-acme", "5d9f4e3b-lab")

        let report = ConnectionReport.assess(
            sources: [SourceHealth(source: .users, ok: true),
                      SourceHealth(source: .signInReport, ok: false, reason: "Zoom answered 403 (4711): missing scope report:read:admin", missingScopes: ["report:read:admin"])],
            grantedScopes: ["account:read:admin", "user:read:admin"], checkedAt: at(3600), catalogue: ZoomCatalogue.catalogue)
        let connectors = [
            Connector(record: ReleaseConnector(id: acme, name: "Acme production", accountID: "acct-acme", clientID: "client-acme", plan: "business",
                                              status: "degraded", statusDetail: "signin_report: missing scope report:read:admin", createdAt: t0, updatedAt: at(3600)),
                      secrets: ReleaseSecrets(clientSecret: "acme-secret-Ω-1", webhookSecretToken: "acme-webhook-token"),
                      endpoints: ReleaseEndpoints(apiURL: "https://api.zoomgov.com/v2", tokenURL: "https://zoomgov.com/oauth/token"),
                      health: report, lastSync: at(7200),
                      events: [ConnectorEvent(at: at(3600), fromStatus: "connecting", toStatus: "degraded", detail: "signin_report: missing scope report:read:admin"),
                               ConnectorEvent(at: t0, fromStatus: nil, toStatus: "connecting", detail: "Validated: 1 of 2 data sources can be read.")]),
            Connector(record: ReleaseConnector(id: lab, name: "Lab (simulator)", accountID: "acct-lab", clientID: "client-lab", plan: "pro",
                                              status: "connected", statusDetail: nil, createdAt: at(60), updatedAt: at(60)),
                      secrets: ReleaseSecrets(clientSecret: "lab-secret-2", webhookSecretToken: "lab-webhook-token"),
                      endpoints: ReleaseEndpoints(apiURL: "http://127.0.0.1:9901/v2", tokenURL: "http://127.0.0.1:9901/oauth/token"),
                      health: ConnectionReport.assess(sources: [SourceHealth(source: .users, ok: true)], grantedScopes: ["user:read:admin"], checkedAt: at(60), catalogue: ZoomCatalogue.catalogue),
                      lastSync: nil,
                      events: [ConnectorEvent(at: at(60), fromStatus: nil, toStatus: "connected", detail: nil)]),
        ]

        func polled(_ connectorID: String, kind: String, user: String, ip: String?, _ payload: JSONValue) -> Activity {
            let record = ReleaseActivity(connectorID: connectorID, kind: kind, occurredAt: iso.date(from: payload["time"]!.stringValue!)!, user: user, ipAddress: ip,
                                         fingerprint: ActivityFingerprint.make(kind: kind, payload), payload: payload)
            var stored = record
            stored.correlation = kind == "signin" ? ActivityCorrelation.forReportRow(payload) : nil
            return Activity(record: stored, source: "poll", correlation: stored.correlation,
                            payloadText: try! releaseJSON(payload))
        }
        func webhook(_ connectorID: String, kind: String, user: String, time: Date, body: String) -> Activity {
            let payload = try! JSONDecoder().decode(JSONValue.self, from: Data(body.utf8))
            let record = ReleaseActivity(connectorID: connectorID, kind: kind, occurredAt: time, user: user, ipAddress: nil,
                                         fingerprint: ActivityFingerprint.make(kind: "webhook", raw: Data(body.utf8)), payload: payload)
            var stored = record
            stored.correlation = ActivityCorrelation.forWebhook(payload)
            return Activity(record: stored, source: "webhook", correlation: stored.correlation, payloadText: body)
        }
        let activities = [
            polled(acme, kind: "signin", user: "ann@acme.example", ip: "192.0.2.10",
                   ["email": "ann@acme.example", "time": .string(iso.string(from: at(900))), "type": "Sign in", "ip_address": "192.0.2.10",
                    "client_type": "Browser", "version": "-"]),
            polled(acme, kind: "operation", user: "admin@acme.example", ip: nil,
                   ["time": .string(iso.string(from: at(1200))), "operator": "admin@acme.example", "category_type": "User", "action": "Update",
                    "operation_detail": "Update user bob@acme.example: role Member → Admin"]),
            webhook(acme, kind: "signin", user: "bob@acme.example", time: at(1500), body: """
                {"event":"user.signed_in","event_ts":\(Int64(at(1500).timeIntervalSince1970 * 1000)),"payload":{"account_id":"acct-acme","object":{"id":"u-bob","email":"bob@acme.example","date_time":"\(iso.string(from: at(1500)))","client_type":"mac"}}}
                """),
            webhook(acme, kind: "webhook", user: "admin@acme.example", time: at(1800), body: """
                {"payload":{"account_id":"acct-acme","operator":"admin@acme.example","object":{"settings":{"security":{"waiting_room":false}}}},"event":"account.settings_updated","event_ts":\(Int64(at(1800).timeIntervalSince1970 * 1000))}
                """),
            polled(lab, kind: "signin", user: "cy@lab.example", ip: "2001:db8::7",
                   ["email": "cy@lab.example", "time": .string(iso.string(from: at(2000))), "type": "Sign out", "ip_address": "2001:db8::7"]),
        ]

        let controls = ZoomCatalogue.all.prefix(2).map(\.metadata.id)
        let accepted = ControlStateRecord(controlID: controls[0], state: .riskAccepted, rationale: "Contractors use an IdP without 2FA until Q4",
                                          expires: at(30 * 86_400), by: "admin@acme.example")
        let planned = ControlStateRecord(controlID: controls[1], state: .planned, rationale: nil, expires: nil, by: "admin@acme.example")
        func scan(_ accountID: String, _ time: Date, states: [ControlStateRecord]) -> ScanResult {
            ZoomCatalogue.scan(PostureSnapshot(accountID: accountID, accountName: accountID, capturedAt: time,
                                               accountSettings: ["security": ["sign_in_with_two_factor_auth": "none"], "in_meeting": ["waiting_room": false]],
                                               unavailable: [.signInReport: "missing scope report:read:admin"]),
                               states: states)
        }
        let scans = [
            Scan(id: "9a0c-scan-acme-1", connectorID: acme, result: scan("acct-acme", at(3600), states: [])),
            Scan(id: "9a0c-scan-acme-2", connectorID: acme, result: scan("acct-acme", at(86_400 + 3600), states: [accepted, planned])),
            Scan(id: "9a0c-scan-lab-1", connectorID: lab, result: scan("acct-lab", at(4000), states: [])),
        ]
        func daily(_ day: String, _ result: ScanResult, scans: Int) -> DailyScore {
            DailyScore(day: day, achieved: result.score.achieved, max: result.score.max, percent: result.score.percent, scans: scans)
        }
        let users = [
            InventoryUser(id: "u-ann", email: "ann@acme.example", displayName: "Ann Owner", type: 2, status: "active", roleID: "0", roleName: "Owner",
                          groupIDs: ["g-1"], loginTypes: [100, 101], lastLoginTime: at(900), createdAt: at(-400 * 86_400)),
            InventoryUser(id: nil, email: "pending@acme.example", displayName: "", type: 1, status: "pending", roleID: "2", roleName: nil,
                          groupIDs: [], loginTypes: nil, lastLoginTime: nil, createdAt: nil),
        ]
        let acmeStates: [(record: ControlStateRecord, updatedAt: Date)] = [(accepted, at(86_000)), (planned, at(86_100))]
            .sorted { $0.record.controlID < $1.record.controlID }
        let posture = [
            Posture(connectorID: acme, states: acmeStates,
                    changes: [ControlStateChange(controlID: controls[1], fromState: "to_address", toState: "planned", rationale: nil, expiresAt: nil,
                                                 by: "admin@acme.example", at: at(86_100)),
                              ControlStateChange(controlID: controls[0], fromState: "to_address", toState: "risk_accepted", rationale: accepted.rationale,
                                                 expiresAt: accepted.expires, by: "admin@acme.example", at: at(86_000))],
                    daily: [daily("2026-09-21", scans[0].result, scans: 1), daily("2026-09-22", scans[1].result, scans: 1)],
                    inventory: (at(86_400 + 3600), users)),
            Posture(connectorID: lab, states: [], changes: [], daily: [daily("2026-09-21", scans[2].result, scans: 1)], inventory: nil),
        ]

        var progress = SyncProgress(runID: "run-acme-2", owner: "host-a:4242", phase: "reading", startedAt: at(7000))
        progress.requests = 17
        progress.rateLimitWaits = 2
        progress.items = 340
        progress.updatedAt = at(7100)
        progress.etaSeconds = 42.5
        let sync = [
            Sync(job: SyncJob(connectorID: acme, leaseOwner: "host-a:4242", leaseExpiresAt: at(7300), nextActivityAt: at(8100), nextPostureAt: at(28_800),
                              paused: false, failures: 2),
                 progress: progress,
                 runs: [SyncRun(id: "run-acme-2", connectorID: acme, owner: "host-a:4242", startedAt: at(7000)),
                        SyncRun(id: "run-acme-1", connectorID: acme, owner: "host-b:17", startedAt: at(3000), finishedAt: at(3650), outcome: "degraded",
                                detail: "signin_report: missing scope report:read:admin", stats: ["requests": 42, "items": 120, "rateLimited": 0])],
                 checkpoints: ["signin": at(6900), "operation": at(6950)]),
            Sync(job: SyncJob(connectorID: lab, leaseOwner: nil, leaseExpiresAt: nil, nextActivityAt: at(60), nextPostureAt: at(60), paused: true, failures: 0),
                 progress: nil, runs: [], checkpoints: ["signin": at(1000)]),
        ]

        let admin = Operator(id: "op-admin", email: "admin@acme.example", role: "admin", createdAt: at(-86_400))
        let viewer = Operator(id: "op-viewer", email: "viewer@acme.example", role: "viewer", createdAt: at(-3600))
        return ReleaseData(
            now: at(90_000), connectors: connectors, activities: activities, scans: scans, posture: posture, sync: sync,
            operators: [(admin, "$2b$12$R9h/cIPz0gi.URNNX3kh2OPST9/PgBkqquzi.Ss7KIUgO2t0jWMUW"), (viewer, "$2b$12$abcdefghijklmnopqrstuuNyVzq7cJ1Xo0bUVbh3bJW1aOLN9gJWe")],
            sessions: [Session(token: "session-admin", operatorID: admin.id, csrf: "csrf-admin", createdAt: at(89_000), expiresAt: at(89_000 + 43_200)),
                       Session(token: "session-viewer", operatorID: viewer.id, csrf: "csrf-viewer", createdAt: at(89_500), expiresAt: at(89_500 + 43_200))],
            tokens: [(APITokenRecord(id: "tok-ci", name: "CI pipeline", operatorID: admin.id, role: "admin", createdAt: at(-80_000), lastUsedAt: at(89_900)), "sspm_ci_secret"),
                     (APITokenRecord(id: "tok-old", name: "old dashboard", operatorID: viewer.id, role: "viewer", createdAt: at(-3000), revokedAt: at(-100)), "sspm_old_secret")],
            audit: [AuditEntry(id: "audit-3", at: at(89_100), actor: "203.0.113.9", action: "login.failed", target: "admin@acme.example", detail: nil),
                    AuditEntry(id: "audit-2", at: at(86_100), actor: "admin@acme.example", action: "control.state", target: "\(acme)/\(controls[1])", detail: "planned"),
                    AuditEntry(id: "audit-1", at: t0, actor: "admin@acme.example", action: "connector.create", target: acme, detail: "Acme production")],
            loginFailures: [LoginFailure(email: "admin@acme.example", client: "203.0.113.9", at: at(89_100)),
                            LoginFailure(email: "admin@acme.example", client: "203.0.113.9", at: at(89_200)),
                            LoginFailure(email: "viewer@acme.example", client: "203.0.113.9", at: at(89_300)),
                            LoginFailure(email: "admin@acme.example", client: "198.51.100.4", at: at(89_400))])
    }

    /// Writes it all with the release's SQL: its tables and columns, its encodings (times in
    /// milliseconds, JSON with sorted keys, secrets sealed by `box`).
    func write(to storage: SQLStorage, box: SecretBox) async throws {
        func ms(_ date: Date?) -> Int64? { date.map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) } }
        var rows: [(table: String, values: KeyValuePairs<String, any Encodable & Sendable>)] = []
        for c in connectors {
            let r = c.record
            rows.append(("connectors", ["id": r.id, "name": r.name, "account_id": r.accountID, "client_id": r.clientID, "plan": r.plan, "status": r.status,
                                        "status_detail": r.statusDetail, "client_secret_sealed": try box.seal(c.secrets.clientSecret),
                                        "webhook_secret_sealed": try c.secrets.webhookSecretToken.map { try box.seal($0) },
                                        "created_at": ms(r.createdAt), "updated_at": ms(r.updatedAt), "api_url": c.endpoints.apiURL,
                                        "token_url": c.endpoints.tokenURL, "health": try Self.releaseJSON(c.health), "last_sync_at": ms(c.lastSync)]))
            for (index, e) in c.events.enumerated() {
                rows.append(("connector_events", ["id": "\(r.id)-event-\(index)", "connector_id": r.id, "at": ms(e.at), "from_status": e.fromStatus,
                                                  "to_status": e.toStatus, "detail": e.detail]))
            }
        }
        for a in activities {
            let r = a.record
            rows.append(("activities", ["connector_id": r.connectorID, "fingerprint": r.fingerprint, "kind": r.kind, "occurred_at": ms(r.occurredAt),
                                        "user_email": r.user, "ip_address": r.ipAddress, "payload": a.payloadText, "source": a.source,
                                        "correlation": a.correlation]))
        }
        for s in scans {
            rows.append(("scans", ["id": s.id, "connector_id": s.connectorID, "scanned_at": ms(s.result.scannedAt), "achieved": s.result.score.achieved,
                                   "max_score": s.result.score.max, "percent": s.result.score.percent, "result": try Self.releaseJSON(s.result)]))
        }
        for p in posture {
            for (record, updatedAt) in p.states {
                rows.append(("control_states", ["connector_id": p.connectorID, "control_id": record.controlID, "state": record.state.rawValue,
                                                "rationale": record.rationale, "expires_at": ms(record.expires), "set_by": record.by, "updated_at": ms(updatedAt)]))
            }
            for (index, change) in p.changes.enumerated() {
                rows.append(("control_state_changes", ["id": "\(p.connectorID)-change-\(index)", "connector_id": p.connectorID, "control_id": change.controlID,
                                                       "from_state": change.fromState, "to_state": change.toState, "rationale": change.rationale,
                                                       "expires_at": ms(change.expiresAt), "set_by": change.by, "at": ms(change.at)]))
            }
            for d in p.daily {
                rows.append(("score_daily", ["connector_id": p.connectorID, "day": d.day, "achieved": d.achieved, "max_score": d.max,
                                             "percent": d.percent, "scans": d.scans]))
            }
            if let inventory = p.inventory {
                rows.append(("inventories", ["connector_id": p.connectorID, "captured_at": ms(inventory.capturedAt), "users": try Self.releaseJSON(inventory.users)]))
            }
        }
        for s in sync {
            let j = s.job
            rows.append(("sync_jobs", ["connector_id": j.connectorID, "lease_owner": j.leaseOwner, "lease_expires_at": ms(j.leaseExpiresAt),
                                       "next_activity_at": ms(j.nextActivityAt), "next_posture_at": ms(j.nextPostureAt), "paused": j.paused ? 1 : 0,
                                       "failures": j.failures, "progress": try s.progress.map { try Self.releaseJSON($0) }]))
            for run in s.runs {
                rows.append(("sync_runs", ["id": run.id, "connector_id": run.connectorID, "owner": run.owner, "started_at": ms(run.startedAt),
                                           "finished_at": ms(run.finishedAt), "outcome": run.outcome, "detail": run.detail,
                                           "stats": try run.stats.map { try Self.releaseJSON($0) }]))
            }
            for (stream, to) in s.checkpoints.sorted(by: { $0.key < $1.key }) {
                rows.append(("sync_checkpoints", ["connector_id": j.connectorID, "stream": stream, "synced_to": ms(to), "updated_at": ms(to)]))
            }
        }
        for (op, hash) in operators {
            rows.append(("operators", ["id": op.id, "email": op.email, "role": op.role, "password_hash": hash, "created_at": ms(op.createdAt)]))
        }
        for s in sessions {
            rows.append(("sessions", ["token_hash": tokenDigest(s.token), "operator_id": s.operatorID, "csrf_token": s.csrf, "created_at": ms(s.createdAt),
                                      "expires_at": ms(s.expiresAt)]))
        }
        for (t, token) in tokens {
            rows.append(("api_tokens", ["id": t.id, "name": t.name, "token_hash": tokenDigest(token), "operator_id": t.operatorID, "role": t.role,
                                        "created_at": ms(t.createdAt), "last_used_at": ms(t.lastUsedAt), "revoked_at": ms(t.revokedAt)]))
        }
        for a in audit {
            rows.append(("audit_log", ["id": a.id, "at": ms(a.at), "actor": a.actor, "action": a.action, "target": a.target, "detail": a.detail]))
        }
        for f in loginFailures {
            rows.append(("login_failures", ["email": f.email, "client": f.client, "at": ms(f.at)]))
        }
        let statements = rows.map { row -> SQLQueryString in
            "INSERT INTO \(ident: row.table) (\(idents: row.values.map(\.key), joinedBy: ", ")) VALUES (\(binds: row.values.map(\.value)))"
        }
        try await storage.transaction { db in
            for statement in statements { try await db.raw(statement).run() }
        }
    }
}
