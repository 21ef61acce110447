import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SSPMCore
import SSPMRuntime

/// One HTTP server for Microsoft's two hosts: the token endpoint (`/{tenant}/oauth2/v2.0/token`,
/// login.microsoftonline.com) and Graph (`/v1.0/…`, graph.microsoft.com), plus `/_sim` (faults,
/// statistics). Documented in docs/SIMULATOR.md.
public struct GraphSimulatorServer: Sendable {
    public let engine: GraphSimulatorEngine
    let host: String
    let port: Int
    let logger: Logger

    public init(tenant: GraphTenant, host: String = "127.0.0.1", port: Int = 0, logger: Logger) {
        self.engine = GraphSimulatorEngine(tenant: tenant)
        self.host = host
        self.port = port
        self.logger = logger
    }

    public func application(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let engine = self.engine
        let fallbackHost = "\(host)"
        let responder = CallbackResponder<BasicRequestContext> { request, _ in
            try await Self.respond(request, engine: engine, fallbackHost: fallbackHost)
        }
        return Application(responder: responder, configuration: .init(address: .hostname(host, port: port), serverName: "GraphSimulator"),
                           onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) }, logger: logger)
    }

    static func respond(_ request: Request, engine: GraphSimulatorEngine, fallbackHost: String) async throws -> Response {
        let path = request.uri.path
        let data: Data
        do {
            var body = try await request.body.collect(upTo: 1 << 20)
            data = body.readData(length: body.readableBytes) ?? Data()
        } catch is NIOTooManyBytesError {
            // Graph's answer to a body over its limit.
            return try await respond(GraphSimulatorEngine.graphError(413, "RequestEntityTooLarge", "The request body is larger than 1 MiB."), path: path)
        }
        var query = FormEncoding.firstValues(request.uri.query ?? "")
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
        if path.hasSuffix("/token"), headers["content-type"]?.contains("application/x-www-form-urlencoded") == true {
            for (key, value) in FormEncoding.firstValues(String(decoding: data, as: UTF8.self)) where query[key] == nil { query[key] = value }
        }
        // HTTP/1.1 clients always send Host (HTTP/2 its :authority): next links point back there.
        let hostHeader = request.head.authority ?? headers["host"].flatMap { $0.isEmpty ? nil : $0 } ?? fallbackHost
        let graphRequest = GraphRequest(method: request.method.rawValue, path: path, query: query, headers: headers, baseURL: "http://" + hostHeader)
        let answer: GraphResponse
        if path == "/_sim/health" {
            answer = GraphResponse(status: 200, body: ["ok": true])
        } else if path == "/_sim/faults" {
            answer = await admin(request.method.rawValue, data, engine: engine)
        } else if path == "/_sim/stats" {
            let served = await engine.served
            answer = GraphResponse(status: 200, body: ["served": .object(served.mapValues { .int(Int64($0)) })])
        } else {
            answer = await engine.handle(graphRequest)
        }
        return try await respond(answer, path: path)
    }

    static func respond(_ answer: GraphResponse, path: String) async throws -> Response {
        var fields = HTTPFields()
        for (name, value) in answer.headers {
            if let name = HTTPField.Name(name) { fields.append(HTTPField(name: name, value: value)) }
        }
        var bytes = ByteBuffer()
        if let json = answer.body {
            fields[.contentType] = path.hasSuffix("/token") ? "application/json; charset=utf-8"
                : "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8"
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.withoutEscapingSlashes]
            bytes = ByteBuffer(data: (try? encoder.encode(json)) ?? Data())
        }
        return Response(status: .init(code: answer.status), headers: fields, body: .init(byteBuffer: bytes))
    }

    static func admin(_ method: String, _ data: Data, engine: GraphSimulatorEngine) async -> GraphResponse {
        switch method {
        case "GET": return GraphResponse(status: 200, body: faultsJSON(await engine.faults))
        case "DELETE":
            await engine.setFaults(GraphFaults())
            return GraphResponse(status: 200, body: faultsJSON(GraphFaults()))
        case "POST":
            guard let body = try? JSONDecoder().decode(JSONValue.self, from: data), case .object(let fields) = body else {
                return GraphResponse(status: 400, body: ["error": "The request body is not a JSON object."])
            }
            let unknown = fields.keys.filter { !GraphFaults.keys.contains($0) }.sorted()
            guard unknown.isEmpty else {
                return GraphResponse(status: 400, body: ["error": .string("Unknown fault(s) \(unknown.joined(separator: ", ")). Known: \(GraphFaults.keys.joined(separator: ", ")).")])
            }
            var merged = faultsJSON(await engine.faults).objectValue ?? [:]
            for (key, value) in fields where key != "revokeTokens" { merged[key] = value }
            guard let faults = try? JSONDecoder().decode(GraphFaults.self, from: JSONEncoder().encode(JSONValue.object(merged))) else {
                return GraphResponse(status: 400, body: ["error": "A fault value has the wrong type (throttle and serverErrors are counts, retryAfter seconds)."])
            }
            guard faults.retryAfter.isFinite, (0...86_400).contains(faults.retryAfter) else {
                return GraphResponse(status: 400, body: ["error": "retryAfter must be 0 to 86400 seconds."])
            }
            await engine.setFaults(faults)
            if fields["revokeTokens"]?.boolValue == true { await engine.revokeAllTokens() }
            return GraphResponse(status: 200, body: faultsJSON(faults))
        default:
            return GraphResponse(status: 405, body: ["error": "GET, POST or DELETE."])
        }
    }

    static func faultsJSON(_ faults: GraphFaults) -> JSONValue {
        (try? JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(faults))) ?? .object([:])
    }
}

/// A Graph simulator running in this process (tests, `sspm scan --graph-tenant`).
public final class RunningGraphSimulator: Sendable {
    public let server: GraphSimulatorServer
    private let listening: ListeningGroup
    public var port: Int { listening.port }
    public var baseURL: String { "http://127.0.0.1:\(port)" }
    public var engine: GraphSimulatorEngine { server.engine }

    public static func start(tenant: GraphTenant, host: String = "127.0.0.1", port: Int = 0, logger: Logger, portFlag: String = "--port") async throws -> RunningGraphSimulator {
        let server = GraphSimulatorServer(tenant: tenant, host: host, port: port, logger: logger)
        let listening = try await ListeningGroup.start(host: host, port: port, flag: portFlag, logger: logger) { onRunning in
            [server.application(onRunning: onRunning)]
        }
        return RunningGraphSimulator(server: server, listening: listening)
    }

    init(server: GraphSimulatorServer, listening: ListeningGroup) {
        self.server = server
        self.listening = listening
    }

    public func stop() async { await listening.stop() }
}
