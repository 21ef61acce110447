import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization
import ZoomAPI

/// A tiny HTTP endpoint that records webhook deliveries and answers with scripted statuses.
public final class WebhookReceiver: Sendable {
    public struct Delivery: Sendable {
        public var headers: [String: String]
        public var body: Data
    }
    private struct State {
        var deliveries: [Delivery] = []
        var statuses: [Int] = []
        var body: String?
        var headers: [(String, String)] = []
    }
    private final class Box: Sendable { let state = Mutex(State()) }
    private let box = Box()
    private let secret: String
    public let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    public var url: String { "http://127.0.0.1:\(port)/hook" }
    public var deliveries: [Delivery] { box.state.withLock { $0.deliveries } }

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
            let (status, scripted, extra): (Int, String?, [(String, String)]) = box.state.withLock { s in
                s.deliveries.append(Delivery(headers: headers, body: body))
                return (s.statuses.isEmpty ? 200 : s.statuses.removeFirst(), s.body, s.headers)
            }
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
