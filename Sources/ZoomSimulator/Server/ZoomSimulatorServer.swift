import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import SSPMCore
import SSPMRuntime
import ServiceLifecycle
import ZoomAPI

/// Options for a running simulator.
public struct ZoomSimulatorOptions: Sendable {
    public var host: String
    /// 0 picks a free port.
    public var port: Int
    /// Where to deliver webhooks (needs the tenant's `webhook_secret_token`).
    public var webhookURL: String?
    /// Simulated seconds per real second.
    public var timeScale: Double
    /// Validate the webhook endpoint (endpoint.url_validation) when starting, as Zoom does when a subscription is saved.
    public var validateWebhookOnStart: Bool

    public init(host: String = "127.0.0.1", port: Int = 0, webhookURL: String? = nil, timeScale: Double = 1, validateWebhookOnStart: Bool = false) {
        self.host = host
        self.port = port
        self.webhookURL = webhookURL
        self.timeScale = timeScale
        self.validateWebhookOnStart = validateWebhookOnStart
    }
}

/// One HTTP server for both Zoom hosts: `POST /oauth/token` and the API under `/v2`, plus the
/// simulator's own admin endpoints under `/_sim` (faults, clock, events).
public struct ZoomSimulatorServer: Sendable {
    public let engine: ZoomSimulatorEngine
    public let webhooks: WebhookDispatcher?
    public let options: ZoomSimulatorOptions
    let logger: Logger

    public init(tenant: Tenant, options: ZoomSimulatorOptions = .init(), http: HTTPClient = .shared, logger: Logger) async {
        let clock = SimulatorClock(scale: options.timeScale)
        self.engine = ZoomSimulatorEngine(tenant: tenant, clock: clock, logger: logger)
        if let url = options.webhookURL, let secret = tenant.credentials.webhookSecretToken {
            self.webhooks = WebhookDispatcher(url: url, secret: secret, http: http, clock: clock, logger: logger)
        } else {
            self.webhooks = nil
        }
        self.options = options
        self.logger = logger
        await engine.attach(webhooks: webhooks)
    }

    /// The HTTP application; `onRunning` receives the bound port.
    public func application(onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let engine = self.engine
        let admin = SimulatorAdmin(engine: engine, webhooks: webhooks)
        let responder = CallbackResponder<BasicRequestContext> { request, _ in
            try await Self.respond(request, engine: engine, admin: admin)
        }
        var services: [any Service] = []
        if let webhooks { services.append(webhooks) }
        let webhooks = self.webhooks
        let validate = options.validateWebhookOnStart
        let logger = self.logger
        return Application(
            responder: responder,
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: "ZoomSimulator"),
            services: services,
            onServerRunning: { channel in
                await onRunning(channel.localAddress?.port ?? 0)
                if validate, let webhooks {
                    if let problem = await webhooks.validateEndpoint() {
                        logger.warning("Webhook endpoint validation failed", metadata: ["url": "\(webhooks.url)", "reason": "\(problem)"])
                    } else {
                        logger.info("Webhook endpoint validated", metadata: ["url": "\(webhooks.url)"])
                    }
                }
            },
            logger: logger
        )
    }

    static func respond(_ request: Request, engine: ZoomSimulatorEngine, admin: SimulatorAdmin) async throws -> Response {
        let path = request.uri.path
        let data: Data
        do {
            var body = try await request.body.collect(upTo: 32 << 20)
            data = body.readData(length: body.readableBytes) ?? Data()
        } catch is NIOTooManyBytesError {
            let error = SimResponse.error(413, code: 300, "The request body is larger than 32 MiB.")
            return Response(status: .init(code: error.status), headers: [.contentType: "application/json;charset=UTF-8"],
                            body: .init(byteBuffer: ByteBuffer(data: error.encodedBody())))
        }
        var query = FormEncoding.firstValues(request.uri.query ?? "")
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName.lowercased()] = field.value }
        if path == "/oauth/token", headers["content-type"]?.contains("application/x-www-form-urlencoded") == true {
            for (key, value) in FormEncoding.firstValues(String(decoding: data, as: UTF8.self)) where query[key] == nil { query[key] = value }
        }
        let simRequest = SimRequest(method: request.method.rawValue, path: path, query: query, headers: headers, body: data)
        let response: SimResponse
        if path.hasPrefix("/_sim/") || path == "/_sim" {
            response = await admin.handle(simRequest)
        } else {
            let latency = await engine.latency
            if latency > 0, path.hasPrefix("/v2") { try await Task.sleep(for: .milliseconds(latency)) }
            let stallStart = ContinuousClock.now
            let target = path + "?" + (request.uri.query ?? "")
            while path.hasPrefix("/v2"), let stall = await engine.faults.stallPath,
                  stall.split(separator: "*").allSatisfy({ target.contains($0) }), ContinuousClock.now - stallStart < .seconds(120) {
                try await Task.sleep(for: .milliseconds(20))
            }
            response = await engine.handle(simRequest)
        }
        var fields = HTTPFields()
        for (name, value) in response.headers {
            if let name = HTTPField.Name(name) { fields.append(HTTPField(name: name, value: value)) }
        }
        if case .empty = response.body {} else {
            fields[.contentType] = "application/json;charset=UTF-8"
        }
        let bytes = response.encodedBody()
        return Response(status: .init(code: response.status), headers: fields, body: .init(byteBuffer: ByteBuffer(data: bytes)))
    }
}

/// A simulator running in this process (tests, `sspm demo`, `sspm bench`).
public final class RunningSimulator: Sendable {
    public let server: ZoomSimulatorServer
    private let listening: ListeningGroup

    public var port: Int { listening.port }
    public var baseURL: String { "http://\(server.options.host):\(port)" }
    public var apiURL: String { baseURL + "/v2" }
    public var tokenURL: String { baseURL + "/oauth/token" }
    public var engine: ZoomSimulatorEngine { server.engine }

    /// Starts a simulator and returns once it is listening (throws a `ListenError` at once when it cannot).
    public static func start(tenant: Tenant, options: ZoomSimulatorOptions = .init(), http: HTTPClient = .shared, logger: Logger,
                             portFlag: String = "--port") async throws -> RunningSimulator {
        let server = await ZoomSimulatorServer(tenant: tenant, options: options, http: http, logger: logger)
        let listening = try await ListeningGroup.start(host: options.host, port: options.port, flag: portFlag, logger: logger) { onRunning in
            [server.application(onRunning: onRunning)]
        }
        return RunningSimulator(server: server, listening: listening)
    }

    private init(server: ZoomSimulatorServer, listening: ListeningGroup) {
        self.server = server
        self.listening = listening
    }

    /// Stops the server and waits for it.
    public func stop() async { await listening.stop() }

    public func credentials() async -> ZoomCredentials {
        let tenant = await engine.currentTenant()
        return ZoomCredentials(accountID: tenant.credentials.accountID, clientID: tenant.credentials.clientID,
                               clientSecret: Secret(tenant.credentials.clientSecret))
    }
}
