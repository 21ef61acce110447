import Foundation
import Logging
import SSPMCore
import SSPMStorage
import ZoomAPI

/// `POST /webhooks/zoom/{connectorId}`: verifies on the raw bytes (challenge, signature,
/// timestamp window, replay), stores the event durably, and only then lets the handler answer.
/// Stateless across processes: the replay guard is per process, and a replay that reaches another
/// process is stored under the same fingerprint, so it changes nothing.
public final class WebhookIntake: Sendable {
    public enum Answer: Sendable, Equatable {
        case challenge(Data)
        case stored
        case rejected(status: Int, code: String, message: String)
    }

    let deps: ServerDependencies
    let writer: WebhookWriter
    let secrets = SecretCache()
    let replays = ReplayGuard()

    /// Events that say nothing about posture (everything else asks for a posture refresh).
    static let activityOnly: Set<String> = ["user.signed_in", "user.signed_out", "user.presence_status_updated", "user.personal_notes_updated"]

    public init(deps: ServerDependencies) {
        self.deps = deps
        self.writer = WebhookWriter(deps: deps)
    }

    public func handle(connectorID: String, body: Data, headers: [String: String]) async -> Answer {
        let secret: String?
        do {
            secret = try await secrets.secret(connectorID) { try await self.deps.connectors.webhookSecret(id: $0) }
        } catch StoreError.notFound {
            deps.metrics.webhookRejected.increment()
            return .rejected(status: 404, code: "unknown_connector", message: "No connector \(connectorID): check the Event notification endpoint URL in the Zoom app.")
        } catch {
            deps.metrics.webhookRejected.increment()
            deps.logger.error("Webhook secret lookup failed", metadata: ["connector": "\(connectorID)", "error": "\(String(describing: error).prefix(200))"])
            return .rejected(status: 503, code: "unavailable", message: "The webhook secret token cannot be read right now; Zoom will retry.")
        }
        guard let secret else {
            deps.metrics.webhookRejected.increment()
            return .rejected(status: 409, code: "no_webhook_secret",
                             message: "This connector has no webhook secret token: add it (POST /api/v1/connectors/\(connectorID)/reconnect with webhookSecretToken) so events can be verified.")
        }
        let verifier = ZoomWebhookVerifier(secret: secret, tolerance: deps.configuration.webhookTolerance, replays: replays)
        switch await verifier.handle(body: body, headers: headers, now: deps.now()) {
        case .challenge(let response):
            deps.metrics.webhookChallenges.increment()
            return .challenge(response)
        case .rejected(let status, let reason):
            deps.metrics.webhookRejected.increment()
            deps.logger.warning("Webhook rejected", metadata: ["connector": "\(connectorID)", "reason": "\(reason)"])
            return .rejected(status: status, code: status == 409 ? "replayed" : (status == 400 ? "bad_event" : "bad_signature"), message: "Rejected: \(reason).")
        case .event(let name, let envelope):
            let record = Self.activity(connectorID: connectorID, envelope: envelope)
            let object = envelope.payload?.object
            do {
                try await writer.submit(WebhookWriter.Item(record: record,
                                                           correlation: ActivityCorrelation.forWebhook(event: name, email: object?.email, dateTime: object?.dateTime),
                                                           rawJSON: String(decoding: body, as: UTF8.self), posture: !Self.activityOnly.contains(name)))
            } catch {
                deps.logger.error("Webhook event not stored", metadata: ["connector": "\(connectorID)", "event": "\(name)", "error": "\(String(describing: error).prefix(200))"])
                // Not stored, so not acknowledged: Zoom retries.
                return .rejected(status: 503, code: "not_stored", message: "The event could not be stored; Zoom will retry it.")
            }
            deps.metrics.webhookAccepted.increment()
            return .stored
        }
    }

    static func activity(connectorID: String, envelope: ZoomWebhookEnvelope) -> ActivityRecord {
        let name = envelope.event
        let object = envelope.payload?.object
        let user = envelope.payload?.operator ?? object?.email ?? ""
        let signIn = name == "user.signed_in" || name == "user.signed_out"
        var occurred = Date(timeIntervalSince1970: Double(envelope.eventTs ?? 0) / 1000)
        if signIn, let text = object?.dateTime, let time = ActivityCorrelation.parseTime(text) { occurred = time }
        // Zoom's retries repeat the body byte for byte: the same fingerprint, stored once. The body
        // is stored as received (rawJSON); `payload` here only carries the event name.
        return ActivityRecord(connectorID: connectorID, kind: signIn ? "signin" : "webhook", occurredAt: occurred, user: user, ipAddress: nil,
                              fingerprint: ActivityFingerprint.make(kind: "webhook", raw: envelope.raw), payload: ["event": .string(name)])
    }

    /// Forget a connector's cached secret (after reconnect or delete).
    public func invalidate(_ connectorID: String) async { await secrets.invalidate(connectorID) }
}

/// Webhook secret tokens, cached for a short while (the intake path must not hit the database and
/// AES-GCM for every event).
actor SecretCache {
    private var entries: [String: (secret: String?, at: ContinuousClock.Instant)] = [:]

    func secret(_ id: String, load: @Sendable (String) async throws -> String?) async throws -> String? {
        if let entry = entries[id], ContinuousClock.now - entry.at < .seconds(30) { return entry.secret }
        let secret = try await load(id)
        entries[id] = (secret, ContinuousClock.now)
        return secret
    }

    func invalidate(_ id: String) { entries[id] = nil }
}

/// Group commit: requests that arrive while a write is in flight are written together in the next
/// transaction, and each request returns only after its transaction committed.
actor WebhookWriter {
    struct Item: Sendable {
        var record: ActivityRecord
        var correlation: String?
        var rawJSON: String?
        var posture: Bool
    }

    let deps: ServerDependencies
    private var pending: [(Item, CheckedContinuation<Void, any Error>)] = []
    private var writing = false

    init(deps: ServerDependencies) { self.deps = deps }

    func submit(_ item: Item) async throws {
        try await withCheckedThrowingContinuation { continuation in
            pending.append((item, continuation))
            if !writing {
                writing = true
                Task { await self.drain() }
            }
        }
    }

    private func drain() async {
        while !pending.isEmpty {
            let batch = Array(pending.prefix(1000))
            pending.removeFirst(batch.count)
            let start = ContinuousClock.now
            do {
                try await deps.activities.insertWebhookEvents(batch.map { ($0.0.record, $0.0.correlation, $0.0.rawJSON) })
                let posture = Set(batch.filter(\.0.posture).map(\.0.record.connectorID))
                if !posture.isEmpty { try await deps.jobs.requestPosture(connectorIDs: posture, at: deps.now()) }
                deps.metrics.webhookBatchSize.record(Double(batch.count))
                deps.metrics.webhookWriteSeconds.record(ContinuousClock.now - start)
                for (_, continuation) in batch { continuation.resume() }
            } catch {
                for (_, continuation) in batch { continuation.resume(throwing: error) }
            }
        }
        writing = false
    }
}
