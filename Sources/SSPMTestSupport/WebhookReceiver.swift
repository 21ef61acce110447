import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import ZoomAPI
import Crypto

/// A tiny HTTP endpoint that records webhook deliveries and answers with scripted statuses.
public final class WebhookReceiver: Sendable {
    public struct Delivery: Sendable {
        public var headers: [String: String]
        public var body: Data
        /// With `requireStandardSignature`: whether its Standard Webhooks signature checked out.
        public var verified: Bool?
    }
    private struct State {
        var deliveries: [Delivery] = []
        var statuses: [Int] = []
        var body: String?
        var headers: [(String, String)] = []
        var standardSecret: String?
        var delay: Duration?
    }
    private final class Box: Sendable { let state = Mutex(State()) }
    private let box = Box()
    private let secret: String
    public let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    public var url: String { "http://127.0.0.1:\(port)/hook" }
    public var deliveries: [Delivery] { box.state.withLock { $0.deliveries } }

    /// Checks every delivery's Standard Webhooks signature with `secret` (`whsec_…`) and answers
    /// 401 to one that does not verify, as a receiver must.
    public func requireStandardSignature(secret: String) { box.state.withLock { $0.standardSecret = secret } }

    /// Waits this long before answering each delivery (a slow receiver); nil: answers at once.
    public func delay(_ duration: Duration?) { box.state.withLock { $0.delay = duration } }

    /// The next responses' statuses (then 200).
    public func respond(with statuses: [Int], body: String? = nil, headers: [(String, String)] = []) {
        box.state.withLock {
            $0.statuses = statuses
            $0.body = body
            $0.headers = headers
        }
    }

    public static func start(secret: String, logger: Logger) async throws -> WebhookReceiver {
        try await WebhookReceiver(secret: secret, logger: logger)
    }

    private init(secret: String, logger: Logger) async throws {
        self.secret = secret
        let box = self.box
        let router = Router()
        router.post("/hook") { request, _ -> Response in
            var buffer = try await request.body.collect(upTo: 1 << 20)
            let body = buffer.readData(length: buffer.readableBytes) ?? Data()
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
            // Recorded as it arrives; a slow receiver answers after its delay.
            let standardSecret = box.state.withLock { $0.standardSecret }
            let verified = standardSecret.map { StandardWebhooksCheck.verify(secret: $0, headers: headers, body: body, now: Date()) }
            let (status, scripted, extra, delay): (Int, String?, [(String, String)], Duration?) = box.state.withLock { s in
                s.deliveries.append(Delivery(headers: headers, body: body, verified: verified))
                if verified == false { return (401, nil, [], s.delay) }
                return (s.statuses.isEmpty ? 200 : s.statuses.removeFirst(), s.body, s.headers, s.delay)
            }
            if let delay { try await Task.sleep(for: delay) }
            if scripted != nil || !extra.isEmpty {
                var fields: HTTPFields = [.contentType: "application/json"]
                for (name, value) in extra { if let name = HTTPField.Name(name) { fields.append(HTTPField(name: name, value: value)) } }
                return Response(status: .init(code: status), headers: fields, body: .init(byteBuffer: ByteBuffer(string: scripted ?? "")))
            }
            // Answer the endpoint.url_validation challenge as a receiver must.
            if let json = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
                json["event"] as? String == "endpoint.url_validation",
                let plain = (json["payload"] as? [String: Any])?["plainToken"] as? String
            {
                let answer = #"{"plainToken":"\#(plain)","encryptedToken":"\#(ZoomWebhookSignature.encryptedToken(secret: secret, plainToken: plain))"}"#
                return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: answer)))
            }
            return Response(status: .init(code: status))
        }
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in continuation.yield(channel.localAddress?.port ?? 0) }, logger: logger)
        group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let group = self.group
        task = Task { try await group.run() }
        var iterator = stream.makeAsyncIterator()
        port = await iterator.next() ?? 0
    }

    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }

    /// Waits until at least `count` deliveries arrived (or the timeout passes).
    public func wait(for count: Int, timeout: Duration = .seconds(30)) async throws -> [Delivery] {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let current = deliveries
            if current.count >= count { return current }
            try await Task.sleep(for: .milliseconds(20))
        }
        return deliveries
    }
}

/// The receiver's side of Standard Webhooks, written here from the specification (apart from the
/// product's signer): the secret's bytes after `whsec_`, HMAC-SHA256 over `id.timestamp.body`,
/// any `v1,` entry of the space-separated header matching in constant time, and a timestamp
/// within five minutes.
public enum StandardWebhooksCheck {
    public static func verify(secret: String, headers: [String: String], body: Data, now: Date, tolerance: TimeInterval = 300) -> Bool {
        guard let id = headers["webhook-id"], let stamp = headers["webhook-timestamp"], let seconds = Int(stamp),
              let header = headers["webhook-signature"], secret.hasPrefix("whsec_"),
              let key = Data(base64Encoded: String(secret.dropFirst("whsec_".count))) else { return false }
        guard abs(now.timeIntervalSince1970 - Double(seconds)) <= tolerance else { return false }
        let signed = Data("\(id).\(seconds).".utf8) + body
        let expected = Data(HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: key)))
        for entry in header.split(separator: " ") {
            let parts = entry.split(separator: ",", maxSplits: 1)
            guard parts.count == 2, parts[0] == "v1", let given = Data(base64Encoded: String(parts[1])), given.count == expected.count else { continue }
            // Constant time: every byte compared whatever the first difference.
            if zip(given, expected).reduce(UInt8(0), { $0 | ($1.0 ^ $1.1) }) == 0 { return true }
        }
        return false
    }
}
