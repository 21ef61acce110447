import Foundation
import Logging
import SSPMCore
import SSPMStorage
import SSPMProvider

/// `POST /webhooks/{provider}/{connectorId}`: the provider verifies on the raw bytes (challenge,
/// signature, timestamp window, replay) and decodes; the events are stored durably, and only then
/// does the handler answer. Stateless across processes: a replay that reaches another process is
/// stored under the same fingerprint, so it changes nothing.
public final class WebhookIntake: Sendable {
    public enum Answer: Sendable, Equatable {
        case challenge(Data)
        case stored
        case rejected(status: Int, code: String, message: String)
    }

    let deps: ServerDependencies
    let writer: WebhookWriter
    let secrets = SecretCache()

    public init(deps: ServerDependencies) {
        self.deps = deps
        self.writer = WebhookWriter(deps: deps)
    }

    public func handle(provider kind: String, connectorID: String, body: Data, headers: [String: String]) async -> Answer {
        // A provider that takes no webhooks has no endpoint: its connectors are as unknown here as a
        // missing one (the answer does not tell whether the id exists), and nothing is looked up.
        guard deps.providers.provider(kind)?.takesWebhooks == true else {
            deps.metrics.webhookRejected.increment()
            return Self.unknown(connectorID)
        }
        let entry: SecretCache.Entry?
        do {
            entry = try await secrets.entry(connectorID) { id in
                guard let c = try await self.deps.connectors.get(id: id), let credentials = try await self.deps.connectors.credentials(id: id) else { return nil }
                return SecretCache.Entry(provider: c.provider, credentials: credentials)
            }
        } catch {
            deps.metrics.webhookRejected.increment()
            deps.logger.error("Webhook secret lookup failed", metadata: ["connector": "\(connectorID)", "error": "\(String(describing: error).prefix(200))"])
            return .rejected(status: 503, code: "unavailable", message: "The webhook secret token cannot be read right now; the sender will retry.")
        }
        // A connector of another provider is as unknown here as a missing one.
        guard let entry, entry.provider == kind, let provider = deps.providers.provider(kind) else {
            deps.metrics.webhookRejected.increment()
            return Self.unknown(connectorID)
        }
        let request = WebhookRequest(connectorID: connectorID, body: body, headers: headers, now: deps.now(), tolerance: deps.configuration.webhookTolerance)
        switch await provider.webhook(request, credentials: entry.credentials) {
        case .notConfigured(let message):
            deps.metrics.webhookRejected.increment()
            return .rejected(status: 409, code: "no_webhook_secret", message: message)
        case .reply(let response):
            deps.metrics.webhookChallenges.increment()
            return .challenge(response)
        case .rejected(let status, let code, let reason):
            deps.metrics.webhookRejected.increment()
            deps.logger.warning("Webhook rejected", metadata: ["connector": "\(connectorID)", "reason": "\(reason)"])
            return .rejected(status: status, code: code, message: "Rejected: " + (reason.hasSuffix(".") ? reason : reason + "."))
        case .events(let events, let postureChanged, let name):
            do {
                try await writer.submit(WebhookWriter.Item(events: events.map { var e = $0; e.connectorID = connectorID; return e },
                                                           rawJSON: String(decoding: body, as: UTF8.self), posture: postureChanged,
                                                           mappingVersion: provider.activityMappingVersion))
            } catch {
                deps.logger.error("Webhook event not stored", metadata: ["connector": "\(connectorID)", "event": "\(name)", "error": "\(String(describing: error).prefix(200))"])
                // Not stored, so not acknowledged: the sender retries.
                return .rejected(status: 503, code: "not_stored", message: "The event could not be stored; it will be retried.")
            }
            deps.metrics.webhookAccepted.increment()
            return .stored
        }
    }

    static func unknown(_ connectorID: String) -> Answer {
        .rejected(status: 404, code: "unknown_connector",
                  message: "No connector \(connectorID.prefix(100)): check the Event notification endpoint URL in the app (the connector's webhookUrlPath).")
    }

    /// Forget a connector's cached credentials (after reconnect or delete).
    public func invalidate(_ connectorID: String) async { await secrets.invalidate(connectorID) }
}

/// Webhook secret tokens, cached for a short while (the intake path must not hit the database and
/// AES-GCM for every event).
actor SecretCache {
    struct Entry: Sendable {
        var provider: String
        var credentials: ConnectorCredentials
    }
    private var entries: [String: (entry: Entry?, at: ContinuousClock.Instant)] = [:]

    func entry(_ id: String, load: @Sendable (String) async throws -> Entry?) async throws -> Entry? {
        if let cached = entries[id], ContinuousClock.now - cached.at < .seconds(30) { return cached.entry }
        let entry = try await load(id)
        entries[id] = (entry, ContinuousClock.now)
        return entry
    }

    func invalidate(_ id: String) { entries[id] = nil }
}

/// Group commit: requests that arrive while a write is in flight are written together in the next
/// transaction, and each request returns only after its transaction committed.
actor WebhookWriter {
    struct Item: Sendable {
        var events: [ActivityEvent]
        var rawJSON: String?
        var posture: Bool
        var mappingVersion: Int
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
                try await deps.activities.insertWebhookEvents(batch.flatMap { item in
                    item.0.events.map { (event: $0, rawJSON: item.0.rawJSON, mappingVersion: item.0.mappingVersion) }
                })
                let posture = Set(batch.filter(\.0.posture).flatMap { $0.0.events.map(\.connectorID) })
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
