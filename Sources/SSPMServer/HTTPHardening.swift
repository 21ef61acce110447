import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTPTypes

/// Paths have one spelling. A path with an empty segment (`//api/…`, `/api/v1/x/`), a dot segment,
/// or an encoded slash or backslash is not a route: it answers 404 (a page's GET is redirected to
/// its one spelling), so no spelling can reach a handler by another way than its route's gate.
struct CanonicalPath<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        guard let problem = Self.problem(path) else { return try await next(request, context) }
        let canonical = Self.canonical(path)
        let page = !path.contains("/api/") && !path.contains("/webhooks/") && canonical != nil
        if page, request.method == .get || request.method == .head, let canonical {
            let query = request.uri.query.map { "?" + $0 } ?? ""
            return Response(status: .permanentRedirect, headers: [.location: canonical + query, .cacheControl: "no-store"])
        }
        throw APIError(.notFound, "not_found", "No such endpoint: the path \(problem).",
                       fix: canonical.map { "Use \($0)." } ?? "The endpoints are listed in /openapi.yaml.")
    }

    /// What is wrong with `path`, or nil for a canonical one.
    static func problem(_ path: String) -> String? {
        guard path.hasPrefix("/") else { return "does not start with /" }
        if path == "/" { return nil }
        if path.contains("//") { return "has an empty segment (//)" }
        if path.hasSuffix("/") { return "ends with /" }
        let lower = path.lowercased()
        if lower.contains("%2f") || lower.contains("%5c") || path.contains("\\") { return "has an encoded slash or a backslash" }
        if path.split(separator: "/").contains(where: { $0 == "." || $0 == ".." || $0.lowercased() == "%2e" || $0.lowercased() == "%2e%2e" }) {
            return "has a dot segment"
        }
        return nil
    }

    /// The one spelling of a path that only has empty segments too many; nil when it has worse.
    static func canonical(_ path: String) -> String? {
        let segments = path.split(separator: "/")
        let candidate = "/" + segments.joined(separator: "/")
        return problem(candidate) == nil ? candidate : nil
    }
}

/// Every request's body is read here, before any handler or gate, up to `Body.limit`: a larger
/// one answers 413 (whatever the endpoint, read by its handler or not), a malformed or cut-short
/// one 400, both logged as warnings. Handlers then read the body from memory.
struct BodyLimit<Context: RequestContext>: RouterMiddleware {
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard Body.present(request) else { return try await next(request, context) }
        do {
            if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > Body.limit { throw APIError.tooLarge }
            var request = request
            request.body = RequestBody(buffer: ByteBuffer(data: try await Body.data(request)))
            return try await next(request, context)
        } catch let error as APIError where error.code == "too_large" || error.code == "bad_body" {
            logger.warning("Request body refused", metadata: ["path": "\(request.uri.path.prefix(200))", "reason": "\(error.code)"])
            var refusal = error
            // Whatever else the client sends of this body is not read: the connection closes.
            refusal.headers[.connection] = "close"
            throw refusal
        }
    }
}

/// The methods each route path answers, resolved as the router resolves a path (a literal segment
/// before a parameter), so an unknown method on a known path answers 405 with `Allow`.
struct RouteTable: Sendable {
    private struct Node: Sendable {
        var literals: [String: Int] = [:]
        var parameter: Int?
        var methods: Set<String> = []
    }

    /// Node 0 is the root; children are indices into this array.
    private var nodes = [Node()]

    init(_ routes: [RouteSpec]) {
        for route in routes {
            var index = 0
            for segment in route.path.split(separator: "/") {
                if segment.hasPrefix("{") {
                    if nodes[index].parameter == nil { nodes.append(Node()); nodes[index].parameter = nodes.count - 1 }
                    index = nodes[index].parameter!
                } else {
                    let key = String(segment)
                    if nodes[index].literals[key] == nil { nodes.append(Node()); nodes[index].literals[key] = nodes.count - 1 }
                    index = nodes[index].literals[key]!
                }
            }
            nodes[index].methods.insert(route.method.rawValue)
        }
    }

    /// The methods the route at `path` answers (empty when no route has this path).
    func allowed(_ path: String) -> [String] {
        var index = 0
        for segment in path.split(separator: "/") {
            if let next = nodes[index].literals[String(segment)] ?? nodes[index].parameter { index = next } else { return [] }
        }
        return nodes[index].methods.sorted()
    }
}

/// Closes a connection whose request head does not arrive in `header` (counted from the
/// connection's start or from the last response), whose body does not arrive in `body`, or whose
/// body goes on past `maxBodyBytes`. A client holding half a request open cannot keep a
/// connection (and its memory) for ever, nor make the server read an endless body.
final class RequestReadTimeout: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    let header: TimeAmount
    let body: TimeAmount
    /// A request body longer than this closes the connection: after an early answer (401, 413)
    /// the server does not keep reading what the client goes on sending.
    let maxBodyBytes: Int
    private var timer: Scheduled<Void>?
    private var inFlight = 0
    private var reading = false
    private var bodyBytes = 0

    init(header: TimeAmount, body: TimeAmount, maxBodyBytes: Int) {
        self.header = header
        self.body = body
        self.maxBodyBytes = maxBodyBytes
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { arm(context, header) }
    }

    func channelActive(context: ChannelHandlerContext) {
        arm(context, header)
        context.fireChannelActive()
    }

    func handlerRemoved(context: ChannelHandlerContext) { disarm() }

    func channelInactive(context: ChannelHandlerContext) {
        disarm()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            inFlight += 1
            reading = true
            bodyBytes = 0
            arm(context, body)
        case .body(let chunk):
            bodyBytes += chunk.readableBytes
            if bodyBytes > maxBodyBytes {
                // The answer (413, or a refusal that did not need the body) has been or is being
                // written; give it a moment to leave, then stop reading.
                context.channel.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in }
                arm(context, .seconds(1))
                return
            }
        case .end:
            reading = false
            disarm()
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) {
            inFlight = max(0, inFlight - 1)
            if inFlight == 0, !reading { arm(context, header) }
        }
        context.write(data, promise: promise)
    }

    private func arm(_ context: ChannelHandlerContext, _ delay: TimeAmount) {
        disarm()
        let loop = context.eventLoop.assumeIsolated()
        timer = loop.scheduleTask(in: delay) { context.close(promise: nil) }
    }

    private func disarm() {
        timer?.cancel()
        timer = nil
    }
}

@available(*, unavailable)
extension RequestReadTimeout: Sendable {}
