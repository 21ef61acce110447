import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOFoundationCompat
import SSPMCore
import SSPMHTTP
import ServiceLifecycle
import Synchronization
import ZoomAPI

/// Delivers webhook events the way Zoom does: a POST of the JSON body signed with
/// `x-zm-request-timestamp` / `x-zm-signature`, expecting 200 or 204 within 3 seconds, retried at
/// +5, +20 and +60 minutes (simulator clock) after a 5xx, a timeout or a refused connection, and
/// dropped after that. 3xx and 4xx are not retried.
public final class WebhookDispatcher: Service, Sendable {
    struct Pending {
        var deliveryID: String
        var event: String
        var body: Data
        var attempt: Int
        var due: Date
    }
    struct State {
        var queue: [Pending] = []
        var log: [WebhookAttempt] = []
        var inFlight = 0
    }

    /// Minutes after a failed attempt before the next one (Zoom: +5, +20, +60).
    public static let retryDelays: [TimeInterval] = [5 * 60, 20 * 60, 60 * 60]

    /// The Event notification endpoint URL (changeable, as in the Marketplace app's settings).
    public var url: String { target.withLock { $0 } }
    private let target: Mutex<String>
    let secret: String
    let http: HTTPClient
    let clock: SimulatorClock
    let logger: Logger
    let timeout: Duration
    private let state = Mutex(State())

    public init(url: String, secret: String, http: HTTPClient, clock: SimulatorClock, logger: Logger, timeout: Duration = .seconds(3)) {
        self.target = Mutex(url)
        self.secret = secret
        self.http = http
        self.clock = clock
        self.logger = logger
        self.timeout = timeout
    }

    /// Points deliveries at another endpoint (pending retries go there too).
    public func setURL(_ url: String) { target.withLock { $0 = url } }

    /// Queues an event for delivery now.
    public func enqueue(event: String, body: JSONValue) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let data = (try? encoder.encode(body)) ?? Data()
        let pending = Pending(deliveryID: UUID().uuidString.lowercased(), event: event, body: data, attempt: 1, due: clock.now())
        state.withLock { $0.queue.append(pending) }
    }

    /// Every attempt so far.
    public func attempts() -> [WebhookAttempt] { state.withLock { $0.log } }

    /// Deliveries waiting (including scheduled retries) or in flight.
    public func pendingCount() -> Int { state.withLock { $0.queue.count + $0.inFlight } }

    public func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            while !Task.isCancelled && !Task.isShuttingDownGracefully {
                let now = clock.now()
                let due: [Pending] = state.withLock { s in
                    let ready = s.queue.filter { $0.due <= now }
                    s.queue.removeAll { $0.due <= now }
                    s.inFlight += ready.count
                    return ready
                }
                for pending in due {
                    group.addTask { await self.deliver(pending) }
                }
                try? await Task.sleep(for: .milliseconds(20))
            }
            group.cancelAll()
        }
    }

    /// A POST of `body` signed as Zoom signs it: `x-zm-request-timestamp` (seconds) and `x-zm-signature`.
    private func signedRequest(body: Data, at time: Date) -> HTTPClientRequest {
        let timestamp = String(Int64(time.timeIntervalSince1970))
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json; charset=utf-8")
        request.headers.add(name: "User-Agent", value: "Zoom Marketplace/1.0a")
        request.headers.add(name: "x-zm-request-timestamp", value: timestamp)
        request.headers.add(name: "x-zm-signature", value: ZoomWebhookSignature.signature(secret: secret, timestamp: timestamp, body: body))
        request.body = .bytes(ByteBuffer(data: body))
        return request
    }

    private func deliver(_ pending: Pending) async {
        var request = signedRequest(body: pending.body, at: clock.now())
        request.headers.add(name: "x-zm-request-id", value: pending.deliveryID)
        request.headers.add(name: "x-zm-trackingid", value: "v=2.0;clid=us06;rid=WEB_\(ZoomSimulatorEngine.randomHex(32))")
        var status: Int?
        var failure: String?
        do {
            let response = try await http.send(request, timeout: .nanoseconds(timeout.nanosecondsClamped))
            status = Int(response.status.code)
            _ = try? await response.body.collect(upTo: 1 << 20)
        } catch {
            failure = "\(error)".prefix(120).description
        }
        let retryable = failure != nil || (status ?? 0) >= 500
        let record = WebhookAttempt(event: pending.event, deliveryID: pending.deliveryID, attempt: pending.attempt,
                                    status: status, error: failure, at: clock.now())
        state.withLock { s in
            s.inFlight -= 1
            s.log.append(record)
            if s.log.count > 10_000 { s.log.removeFirst(s.log.count - 10_000) }
            if retryable, pending.attempt <= Self.retryDelays.count {
                var next = pending
                next.due = clock.now().addingTimeInterval(Self.retryDelays[pending.attempt - 1])
                next.attempt += 1
                s.queue.append(next)
            }
        }
        if retryable {
            logger.info("Webhook delivery failed", metadata: ["event": "\(pending.event)", "attempt": "\(pending.attempt)", "status": "\(status.map(String.init) ?? failure ?? "")"])
        }
    }

    /// Sends `endpoint.url_validation` and checks the answer, as Zoom does when a subscription is
    /// saved and every 72 hours. Returns nil when the endpoint answered correctly, else why not.
    public func validateEndpoint() async -> String? {
        let plainToken = ZoomSimulatorEngine.randomBase64URL(22)
        let now = clock.now()
        let body: JSONValue = ["payload": ["plainToken": .string(plainToken)], "event_ts": .int(Int64(now.timeIntervalSince1970 * 1000)),
                               "event": "endpoint.url_validation"]
        let data = (try? JSONEncoder().encode(body)) ?? Data()
        let request = signedRequest(body: data, at: now)
        do {
            let response = try await http.send(request, timeout: .nanoseconds(timeout.nanosecondsClamped))
            let bytes = try await response.body.collect(upTo: 1 << 16)
            guard [200, 204].contains(Int(response.status.code)) else { return "the endpoint answered HTTP \(response.status.code)" }
            guard let answer = try? JSONDecoder().decode(JSONValue.self, from: bytes) else { return "the answer is not JSON" }
            guard answer["plainToken"]?.stringValue == plainToken else { return "the answer's plainToken does not match" }
            guard answer["encryptedToken"]?.stringValue == ZoomWebhookSignature.encryptedToken(secret: secret, plainToken: plainToken) else {
                return "the answer's encryptedToken is wrong (HMAC-SHA256 of plainToken with the secret token, hex)"
            }
            return nil
        } catch {
            return "the endpoint could not be reached: \(error)"
        }
    }
}
