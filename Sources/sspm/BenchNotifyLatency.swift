import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import SSPMCore
import SSPMServer
import Synchronization
import ZoomAPI
import ZoomProvider

/// The second half of `sspm bench detect`: from a signed Zoom webhook sent to a running server to
/// the notification arriving at a receiver, through the whole path (intake, durable write,
/// detection, alert and outbox in one write, the sender, Standard Webhooks signing, HTTP).
enum BenchNotifyLatency {
    /// Arrival times of notifications, by the actor of their alert.
    final class Arrivals: Sendable {
        private let seen = Mutex([String: ContinuousClock.Instant]())
        func record(_ actor: String) { seen.withLock { $0[actor] = $0[actor] ?? ContinuousClock.now } }
        func time(_ actor: String) -> ContinuousClock.Instant? { seen.withLock { $0[actor] } }
    }

    static func run(count: Int, logger: Logger) async throws -> [Double] {
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        let bench = try await BenchServer.start(database: nil, scheduler: false, http: http, logger: logger)
        let arrivals = Arrivals()
        // The receiver: a plain HTTP endpoint on loopback that notes when each alert's message arrives.
        let router = Router()
        router.post("/hook") { request, _ -> HTTPResponse.Status in
            let buffer = try await request.body.collect(upTo: 1 << 20)
            if let body = try? JSONDecoder().decode(JSONValue.self, from: Data(buffer: buffer)), let actor = body["data"]?["alert"]?["actor"]?.stringValue {
                arrivals.record(actor)
            }
            return .noContent
        }
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) }, logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let receiver = Task { try await group.run() }
        var iterator = ports.makeAsyncIterator()
        let port = await iterator.next() ?? 0
        defer { receiver.cancel() }

        let secret = "bench-webhook-secret-token"
        let connector = ConnectorRecord(provider: ZoomProvider.kind, name: "Bench", settings: ["account_id": "bench-account", "client_id": "bench-client", "plan": "pro"],
                                        uniqueKey: "bench-client", status: "connected")
        try await bench.server.deps.connectors.create(connector, credentials: ConnectorCredentials(["client_secret": "unused", "webhook_secret_token": secret]))
        try await bench.server.deps.jobs.schedule(connectorID: connector.id, at: Date().addingTimeInterval(86_400))
        // One alert per sign-in (a policy on every sign-in, nothing grouped), one channel.
        let policy = try await bench.api.send("POST", "/api/v1/policies", json: [
            "id": "BENCH-LATENCY", "title": "{actor} signed in", "severity": "high", "groupWindow": 0, "dailyCap": 10_000,
            "match": ["streams": ["signin"], "actions": ["Sign in"]], "kind": ["type": "single"],
        ])
        guard policy.status == 201 else { throw CommandError("policy: \(policy.errorMessage)") }
        let channel = try await bench.api.send("POST", "/api/v1/channels", json: ["name": "bench", "kind": "webhook", "url": .string("http://127.0.0.1:\(port)/hook")])
        guard channel.status == 201 else { throw CommandError("channel: \(channel.errorMessage)") }
        await bench.server.deps.detectionFeed.settled()

        let url = bench.server.baseURL + "/webhooks/zoom/" + connector.id
        var latencies: [Double] = []
        for i in 0..<count {
            let actor = "latency\(i)@example.com"
            let now = Date()
            let time = ISO8601DateFormatter().string(from: now)
            let body = Data(#"{"event":"user.signed_in","event_ts":\#(Int64(now.timeIntervalSince1970 * 1000)),"payload":{"account_id":"bench-account","object":{"id":"u\#(i)","email":"\#(actor)","client_type":"browser","date_time":"\#(time)","version":"6.2.5","login_type":100}}}"#.utf8)
            let timestamp = String(Int(now.timeIntervalSince1970))
            var request = HTTPClientRequest(url: url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            request.headers.add(name: "x-zm-request-timestamp", value: timestamp)
            request.headers.add(name: "x-zm-signature", value: ZoomWebhookSignature.signature(secret: secret, timestamp: timestamp, body: body))
            request.body = .bytes(ByteBuffer(bytes: body))
            let sent = ContinuousClock.now
            let response = try await http.execute(request, timeout: .seconds(30))
            _ = try await response.body.collect(upTo: 1 << 16)
            guard response.status.code == 204 else { throw CommandError("webhook \(i) answered \(response.status.code)") }
            let deadline = sent + .seconds(30)
            while arrivals.time(actor) == nil, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(1)) }
            guard let arrived = arrivals.time(actor) else { throw CommandError("no notification for webhook \(i) within 30 s") }
            latencies.append((arrived - sent).seconds)
        }
        await group.triggerGracefulShutdown()
        await bench.stop()
        try await http.shutdown()
        return latencies.sorted()
    }
}
