import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import SSPMCore
import SSPMHTTP
import SSPMProvider
import SSPMStorage
import Synchronization

/// The messages channels carry. Stored in the outbox in the Standard Webhooks shape
/// (`{"type","timestamp","data"}`); Slack, Teams and e-mail are rendered from it when sent.
public enum NotificationMessage {
    static func iso(_ date: Date) -> String { FastFormats.utcTimestamp(date) }

    public static func alertRaised(_ alert: AlertRecord, at: Date) -> JSONValue {
        var data: [String: JSONValue] = [
            "id": .string(alert.id), "connectorId": .string(alert.connectorID), "policyId": .string(alert.policyID),
            "policyVersion": .int(Int64(alert.policyVersion)), "title": .string(alert.title), "severity": .string(alert.severity.rawValue),
            "key": .string(alert.key), "actor": .string(alert.actor), "firstSeen": .string(iso(alert.firstSeen)), "lastSeen": .string(iso(alert.lastSeen)),
            "count": .int(Int64(alert.count)), "status": .string(alert.status.rawValue), "path": .string("/alerts/\(alert.id)"),
        ]
        if let value = alert.value { data["value"] = .string(value) }
        if let context = alert.context { data["context"] = context }
        return ["type": "alert.raised", "timestamp": .string(iso(at)), "data": ["alert": .object(data)]]
    }

    public static func channelTest(_ channel: NotificationChannel, by: String, at: Date) -> JSONValue {
        ["type": "channel.test", "timestamp": .string(iso(at)),
         "data": ["channelId": .string(channel.id), "channelName": .string(channel.name), "requestedBy": .string(by),
                  "message": "A test notification from OpenSSPM: this channel works."]]
    }

    /// One line for chat and the e-mail subject.
    static func headline(_ payload: JSONValue) -> String {
        if let alert = payload["data"]?["alert"] {
            let severity = (alert["severity"]?.stringValue ?? "").uppercased()
            return "[\(severity)] \(alert["title"]?.stringValue ?? "Alert")"
        }
        return "OpenSSPM: test notification for \(payload["data"]?["channelName"]?.stringValue ?? "a channel")"
    }

    /// Facts shown under the headline, in order.
    static func facts(_ payload: JSONValue) -> [(String, String)] {
        guard let alert = payload["data"]?["alert"] else {
            return [("Message", payload["data"]?["message"]?.stringValue ?? ""), ("Requested by", payload["data"]?["requestedBy"]?.stringValue ?? "")]
        }
        var out: [(String, String)] = [("Policy", alert["policyId"]?.stringValue ?? ""), ("Actor", alert["actor"]?.stringValue ?? ""),
                                       ("Events", String(alert["count"]?.intValue ?? 0)), ("First seen", alert["firstSeen"]?.stringValue ?? ""),
                                       ("Last seen", alert["lastSeen"]?.stringValue ?? "")]
        if let value = alert["value"]?.stringValue { out.insert(("Value", value), at: 2) }
        out.append(("Alert", alert["id"]?.stringValue ?? ""))
        return out
    }

    /// Slack incoming webhook body: a fallback `text` and blocks.
    public static func slack(_ payload: JSONValue) -> JSONValue {
        let headline = headline(payload)
        let lines = facts(payload).map { "*\(slackEscape($0.0)):* \(slackEscape($0.1))" }.joined(separator: "\n")
        return ["text": .string(slackEscape(headline)),
                "blocks": [["type": "header", "text": ["type": "plain_text", "text": .string(String(headline.prefix(150)))]],
                           ["type": "section", "text": ["type": "mrkdwn", "text": .string(String(lines.prefix(3000)))]]]]
    }

    /// Slack treats `&`, `<` and `>` as markup.
    static func slackEscape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }

    /// Adaptive Cards render markdown in text: `[text](url)`, emphasis and lists in an alert's
    /// words (which come from Zoom's records) are shown as written, not as links or formatting.
    static func teamsEscape(_ text: String) -> String {
        var out = ""
        for character in text {
            // Links, emphasis and code; dates and addresses ('-', '.') stay unescaped, as Teams shows them.
            if "\\`*_[]()~".contains(character) { out.append("\\") }
            out.append(character)
        }
        return out
    }

    /// Microsoft Teams workflow webhook body: an Adaptive Card in a message attachment.
    public static func teams(_ payload: JSONValue) -> JSONValue {
        let card: JSONValue = [
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json", "type": "AdaptiveCard", "version": "1.4",
            "body": [["type": "TextBlock", "text": .string(teamsEscape(headline(payload))), "weight": "Bolder", "size": "Medium", "wrap": true],
                     ["type": "FactSet", "facts": .array(facts(payload).map { ["title": .string($0.0), "value": .string(teamsEscape($0.1))] })]],
        ]
        return ["type": "message", "attachments": [["contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": .null, "content": card]]]
    }
}

/// Signs webhook deliveries the Standard Webhooks way: `v1,` and the base64 HMAC-SHA256 of
/// `{id}.{timestamp}.{body}` under the secret's bytes (after `whsec_`).
public enum StandardWebhooks {
    public static func newSecret() -> String {
        var generator = SystemRandomNumberGenerator()
        return "whsec_" + Data((0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }).base64EncodedString()
    }

    /// Nil for a secret that is not `whsec_` and base64.
    public static func signature(secret: String, id: String, timestamp: Int, body: Data) -> String? {
        guard secret.hasPrefix("whsec_"), let key = Data(base64Encoded: String(secret.dropFirst(6))), !key.isEmpty else { return nil }
        var content = Data("\(id).\(timestamp).".utf8)
        content.append(body)
        let mac = HMAC<SHA256>.authenticationCode(for: content, using: SymmetricKey(data: key))
        return "v1," + Data(mac).base64EncodedString()
    }
}

/// Wakes the sender when something is queued (it also looks every few seconds by itself).
public final class OutboxSignal: Sendable {
    private let poked = Atomic<Bool>(false)
    public init() {}
    public func poke() { poked.store(true, ordering: .releasing) }

    /// Sleeps up to `seconds`, ending early (within 20 ms) when poked.
    func wait(upTo seconds: TimeInterval) async {
        let end = ContinuousClock.now + .milliseconds(Int64(seconds * 1000))
        // A stopping server does not wait out the sleep.
        while ContinuousClock.now < end, !Task.isCancelled, !Task.isShuttingDownGracefully {
            if poked.exchange(false, ordering: .acquiringAndReleasing) { return }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }
}

/// Sends what the outbox holds. Claims due items under a lease, sends them (a few at a time, each
/// with a timeout), and records each outcome: delivered; retried later with backoff and jitter
/// (network errors, 408, 425, 429, 5xx; `Retry-After` is honoured); or dead (another 4xx, a
/// redirect, a channel gone or disabled, or every attempt spent). A sender killed mid-delivery
/// leaves its items claimed until the lease ends; then they are sent again with the same
/// `webhook-id`, which receivers de-duplicate on. A slow or dead receiver holds only its own
/// deliveries: ingestion and syncs never wait on the outbox.
public struct NotificationService: Service {
    let deps: ServerDependencies
    let lease: TimeInterval
    let timeout: TimeInterval
    let maxAttempts: Int
    let batch = 16
    /// Seconds before attempt n + 1 (n from 1), before jitter; the last one repeats.
    let schedule: [TimeInterval]

    public init(deps: ServerDependencies) {
        self.deps = deps
        let settings = deps.configuration.notifications
        lease = settings.lease
        timeout = settings.timeout
        maxAttempts = max(1, settings.maxAttempts)
        schedule = settings.retrySchedule.isEmpty ? [60] : settings.retrySchedule
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let sent = await sendDue()
            if sent > 0 { continue }
            // Sleep until poked, or a little while (a retry coming due, another process's items).
            await deps.outboxSignal.wait(upTo: await nextWait())
        }
    }

    func nextWait() async -> TimeInterval {
        guard let due = try? await deps.stores.notifications.nextDue() else { return 5 }
        return min(max(due.timeIntervalSince(deps.now()), 0.05), 5)
    }

    /// Claims and sends one batch; returns how many it claimed.
    @discardableResult
    public func sendDue() async -> Int {
        let items: [OutboxItem]
        do { items = try await deps.stores.notifications.claim(now: deps.now(), lease: lease, limit: batch) } catch {
            deps.logger.warning("The outbox could not be read", metadata: ["error": "\(String(describing: error).prefix(200))"])
            return 0
        }
        guard !items.isEmpty else { return 0 }
        await withTaskGroup(of: Void.self) { group in
            for item in items { group.addTask { await self.deliver(item) } }
        }
        return items.count
    }

    func deliver(_ item: OutboxItem) async {
        let outcome: DeliveryOutcome
        do {
            guard let channel = try await deps.stores.notifications.channel(id: item.channelID) else { return }
            if !channel.enabled && item.event != "channel.test" {
                outcome = .dead(status: nil, error: "The channel is disabled.")
            } else {
                outcome = await attempt(item, channel: channel)
            }
        } catch {
            outcome = .retry(at: retryTime(item, after: nil), status: nil, error: "The channel could not be read: \(String(describing: error).prefix(200))")
        }
        var final = outcome
        if case .retry(_, let status, let error) = outcome, item.attempts >= maxAttempts {
            final = .dead(status: status, error: "Gave up after \(item.attempts) attempts; the last: \(error)")
        }
        switch final {
        case .delivered:
            deps.metrics.notificationsSent.increment()
            if let last = item.payload["data"]?["alert"]?["lastSeen"]?.stringValue, let seen = FastFormats.parseTime(last) {
                let seconds = max(0, deps.now().timeIntervalSince(seen))
                deps.metrics.notificationLatency.recordNanoseconds(Int64(seconds * 1_000_000_000))
            }
        case .retry: deps.metrics.notificationsRetried.increment()
        case .dead(_, let error):
            deps.metrics.notificationsFailed.increment()
            deps.logger.warning("Notification given up", metadata: ["item": "\(item.id)", "channel": "\(item.channelID)", "error": "\(error.prefix(200))"])
        }
        do { try await deps.stores.notifications.finish(id: item.id, attempt: item.attempts, final, at: deps.now()) } catch {
            // The lease runs out and the item is sent again (same webhook-id).
            deps.logger.warning("A notification's outcome could not be recorded", metadata: ["item": "\(item.id)", "error": "\(String(describing: error).prefix(200))"])
        }
    }

    /// When to try again: the schedule's step for this attempt, ±20 % jitter, or the receiver's
    /// `Retry-After` when it is later (capped at a day).
    func retryTime(_ item: OutboxItem, after retryAfter: TimeInterval?) -> Date {
        let step = schedule[min(max(item.attempts - 1, 0), schedule.count - 1)]
        var delay = step * Double.random(in: 0.8...1.2)
        if let retryAfter { delay = max(delay, min(retryAfter, 86_400)) }
        return deps.now().addingTimeInterval(delay)
    }

    func attempt(_ item: OutboxItem, channel: NotificationChannel) async -> DeliveryOutcome {
        switch channel.kind {
        case .webhook, .slack, .teams: return await post(item, channel: channel)
        case .email: return await SMTPSender(deps: deps, timeout: timeout).send(item, channel: channel, retry: { retryTime(item, after: nil) })
        }
    }

    func post(_ item: OutboxItem, channel: NotificationChannel) async -> DeliveryOutcome {
        guard let url = channel.secrets.url else { return .dead(status: nil, error: "The channel has no URL.") }
        let body: Data
        switch channel.kind {
        case .slack: body = Data(NotificationMessage.slack(item.payload).compactJSON.utf8)
        case .teams: body = Data(NotificationMessage.teams(item.payload).compactJSON.utf8)
        default: body = Data(item.payload.compactJSON.utf8)
        }
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "OpenSSPM-Notifications")
        if channel.kind == .webhook {
            let timestamp = Int(deps.now().timeIntervalSince1970)
            guard let secret = channel.secrets.signingSecret,
                  let signature = StandardWebhooks.signature(secret: secret, id: item.id, timestamp: timestamp, body: body) else {
                return .dead(status: nil, error: "The channel's signing secret is not a whsec_ secret.")
            }
            request.headers.add(name: "webhook-id", value: item.id)
            request.headers.add(name: "webhook-timestamp", value: String(timestamp))
            request.headers.add(name: "webhook-signature", value: signature)
        }
        request.body = .bytes(ByteBuffer(data: body))
        do {
            let response = try await deps.http.send(request, timeout: .milliseconds(Int64(timeout * 1000)))
            let status = Int(response.status.code)
            // The status decides; the start of the answer, read within the same time limit, is kept
            // for the delivery log (a receiver that sends headers and then nothing holds nobody).
            // The receiver writes it: control characters are shown escaped, so it cannot forge a
            // log line or move the terminal (LogText).
            let answer = LogText.clean(await Self.start(of: response.body, within: timeout), limit: 200)
            switch status {
            case 200..<300: return .delivered(status: status)
            case 408, 425, 429, 500..<600:
                let retryAfter = response.headers.first(name: "Retry-After").flatMap(TimeInterval.init)
                return .retry(at: retryTime(item, after: retryAfter), status: status, error: "The receiver answered \(status) \(answer)")
            case 300..<400:
                return .dead(status: status, error: "The receiver redirected (\(status)); redirects are not followed: update the channel's URL.")
            default:
                return .dead(status: status, error: "The receiver refused it: \(status) \(answer)")
            }
        } catch {
            return .retry(at: retryTime(item, after: nil), status: nil, error: "Could not deliver: \(Redaction.url(describeTransport(error)).prefix(200))")
        }
    }
}

extension NotificationService {
    /// The first 2 KiB of `body`, or what came of it within `seconds`; never throws, never waits longer.
    static func start(of body: HTTPClientResponse.Body, within seconds: TimeInterval) async -> String {
        let outcome = FirstOutcome()
        let reader = Task {
            var collected = ByteBuffer()
            do {
                for try await var chunk in body {
                    collected.writeBuffer(&chunk)
                    if collected.readableBytes >= 2048 { break }
                }
            } catch {}
            outcome.finish(String(buffer: collected))
        }
        let timer = Task {
            try? await Task.sleep(for: .milliseconds(Int64(seconds * 1000)))
            outcome.finish("")
        }
        let text = await outcome.value()
        reader.cancel()
        timer.cancel()
        return text
    }
}

/// The first of several racing results (the others are dropped).
final class FirstOutcome: Sendable {
    private let state = Mutex<(value: String?, waiter: CheckedContinuation<String, Never>?)>((nil, nil))

    func finish(_ value: String) {
        let waiter: CheckedContinuation<String, Never>? = state.withLock { s in
            guard s.value == nil else { return nil }
            s.value = value
            defer { s.waiter = nil }
            return s.waiter
        }
        waiter?.resume(returning: value)
    }

    func value() async -> String {
        await withCheckedContinuation { continuation in
            let ready: String? = state.withLock { s in
                if let value = s.value { return value }
                s.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}

/// Keeps channel URLs (Slack's and Teams' URLs are secrets) out of messages: what follows a
/// URL's host is cut.
enum Redaction {
    static let pattern = try! NSRegularExpression(pattern: #"(https?://[^/\s"?#]+)[^\s")]*"#)

    static func url(_ text: String) -> String {
        pattern.stringByReplacingMatches(in: text, range: NSRange(text.startIndex..., in: text), withTemplate: "$1/…")
    }
}

extension JSONValue {
    /// The value as compact JSON with sorted keys (what a notification's body is).
    var compactJSON: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "null"
    }
}
