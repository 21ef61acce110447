import Foundation
import Prometheus
import SSPMProvider

/// The Prometheus metrics `/metrics` exposes. One registry per server (not the global metrics
/// system), so several servers in one test process do not mix their numbers.
public final class ServerMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()

    let webhookAccepted: Counter
    let webhookRejected: Counter
    let webhookChallenges: Counter
    let webhookBatchSize: ValueHistogram
    let webhookWriteSeconds: DurationHistogram
    let syncSeconds: DurationHistogram
    let syncFailures: Counter
    let syncRuns: Counter
    let queueDue: Gauge
    let queueLeased: Gauge
    let httpRequests: Counter
    let detectionEvents: Counter
    let detectionReplays: Counter
    let notificationsSent: Counter
    let notificationsFailed: Counter
    let notificationsRetried: Counter
    let notificationLatency: DurationHistogram
    let outboxPending: Gauge
    let outboxDead: Gauge

    static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "sspm", metricName: metric, unitName: unit, helpText: help)
    }

    public init() {
        webhookAccepted = registry.makeCounter(descriptor: Self.name("webhook_events_accepted", "total", "Provider webhook events verified and stored"))
        webhookRejected = registry.makeCounter(descriptor: Self.name("webhook_requests_rejected", "total", "Webhook requests refused (bad signature, stale, replayed, unknown connector)"))
        webhookChallenges = registry.makeCounter(descriptor: Self.name("webhook_url_validations", "total", "endpoint.url_validation challenges answered"))
        webhookBatchSize = registry.makeValueHistogram(descriptor: Self.name("webhook_write_batch", "events", "Events stored per durable write (group commit)"),
                                                       buckets: [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000])
        webhookWriteSeconds = registry.makeDurationHistogram(descriptor: Self.name("webhook_write", "seconds", "Time of one durable webhook write"),
                                                             buckets: [.milliseconds(1), .milliseconds(5), .milliseconds(20), .milliseconds(100), .milliseconds(500), .seconds(2)])
        syncSeconds = registry.makeDurationHistogram(descriptor: Self.name("sync_duration", "seconds", "Duration of connector syncs"),
                                                     buckets: [.seconds(1), .seconds(5), .seconds(15), .seconds(60), .seconds(300), .seconds(900), .seconds(3600)])
        syncFailures = registry.makeCounter(descriptor: Self.name("sync_failures", "total", "Connector syncs that ended in an error"))
        syncRuns = registry.makeCounter(descriptor: Self.name("sync_runs", "total", "Connector syncs run by this process"))
        queueDue = registry.makeGauge(descriptor: Self.name("sync_queue_due", "connectors", "Connectors whose sync is due (claimed or not)"))
        queueLeased = registry.makeGauge(descriptor: Self.name("sync_queue_leased", "connectors", "Connector syncs currently leased by some process"))
        httpRequests = registry.makeCounter(descriptor: Self.name("http_requests", "total", "HTTP requests served"))
        detectionEvents = registry.makeCounter(descriptor: Self.name("detection_events_evaluated", "total", "Stored activity events evaluated by the detection policies"))
        detectionReplays = registry.makeCounter(descriptor: Self.name("detection_replays", "total", "Times a connector's detection state was rebuilt from the stored events (start, late rows, policy changes)"))
        notificationsSent = registry.makeCounter(descriptor: Self.name("notifications_sent", "total", "Notifications a receiver accepted (2xx, or SMTP 250)"))
        notificationsFailed = registry.makeCounter(descriptor: Self.name("notifications_failed", "total", "Notifications given up on (dead-lettered)"))
        notificationsRetried = registry.makeCounter(descriptor: Self.name("notifications_retried", "total", "Notification attempts that failed and were scheduled again"))
        notificationLatency = registry.makeDurationHistogram(descriptor: Self.name("notification_latency", "seconds", "From an alert's last evidence event to its notification being accepted"),
                                                             buckets: [.milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5), .seconds(30), .seconds(300)])
        outboxPending = registry.makeGauge(descriptor: Self.name("notification_outbox_pending", "items", "Notifications waiting for a (next) attempt"))
        outboxDead = registry.makeGauge(descriptor: Self.name("notification_outbox_dead", "items", "Notifications given up on, kept for the delivery log"))
    }

    /// One more alert raised by `policy`.
    func alertRaised(policy: String) {
        registry.makeCounter(descriptor: Self.name("alerts_raised", "total", "Alerts raised, by policy"), labels: [("policy", policy)]).increment()
    }

    /// Adds one sync's request counts, by provider and the provider's rate-limit category.
    func record(_ stats: SessionStats, provider: String) {
        for (category, count) in stats.byCategory where count > 0 {
            registry.makeCounter(descriptor: Self.name("provider_requests", "total", "Requests sent to a provider, by rate-limit category"),
                                 labels: [("provider", provider), ("category", category)]).increment(by: Int64(count))
        }
        for (category, count) in stats.rateLimitedByCategory where count > 0 {
            registry.makeCounter(descriptor: Self.name("provider_rate_limited", "total", "HTTP 429 answers from a provider, by rate-limit category"),
                                 labels: [("provider", provider), ("category", category)]).increment(by: Int64(count))
        }
    }

    public func render() -> String { registry.emitToString() }
}
