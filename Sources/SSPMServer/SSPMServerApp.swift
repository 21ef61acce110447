import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import SSPMCore
import SSPMStorage

/// The composition root: storage (migrated), the master key, the HTTP application and the sync
/// scheduler, run as services of one ServiceGroup.
public enum SSPMServerApp {
    /// Opens the database, applies migrations and loads (or creates) the master key.
    public static func prepare(_ configuration: ServerConfiguration, http: HTTPClient, logger: Logger,
                               now: @escaping @Sendable () -> Date = { Date() }) async throws -> ServerDependencies {
        try FileManager.default.createDirectory(atPath: configuration.dataDirectory, withIntermediateDirectories: true)
        let storage = try SQLStorage(configuration.database, logger: logger)
        do {
            try await Migrator(storage: storage, logger: logger).migrate()
            let box = try SecretBox.load(keyFile: configuration.masterKeyPath, logger: logger)
            return ServerDependencies(configuration: configuration, storage: storage, box: box, http: http, logger: logger, now: now)
        } catch {
            try? await storage.shutdown()
            throw error
        }
    }

    /// Creates the first admin unless one exists (for `sspm serve` with SSPM_ADMIN_EMAIL, and `sspm demo`).
    public static func createFirstAdmin(_ deps: ServerDependencies, email: String, password: String) async throws -> Bool {
        do {
            _ = try await AuthService(deps: deps).setup(email: email, password: password)
            return true
        } catch let error as APIError where error.code == "already_set_up" {
            return false
        } catch let error as APIError {
            throw StorageError("The first admin cannot be created: \(error.message) \(error.fix ?? "")")
        }
    }

    /// The routes, in the order the router gets them (tests compare them with docs/openapi.yaml).
    public static func routes(_ deps: ServerDependencies) -> [RouteSpec] {
        let auth = AuthService(deps: deps)
        return APIRoutes(deps: deps, auth: auth, connectors: ConnectorService(deps: deps), intake: WebhookIntake(deps: deps), ready: ReadinessFlag()).all
    }

    /// The HTTP server; `onRunning` receives the bound port.
    public static func application(_ deps: ServerDependencies, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let auth = AuthService(deps: deps)
        let ready = ReadinessFlag()
        let api = APIRoutes(deps: deps, auth: auth, connectors: ConnectorService(deps: deps), intake: WebhookIntake(deps: deps), ready: ready)
        let router = Router(context: SSPMRequestContext.self)
        router.add(middleware: ErrorMiddleware(logger: deps.logger))
        router.add(middleware: RequestCounter(metrics: deps.metrics))
        router.add(middleware: AuthMiddleware(auth: auth))
        let web = WebUI(deps: deps, auth: auth, connectors: ConnectorService(deps: deps))
        for route in api.all + web.routes {
            let handler = route.handler
            router.on(RouterPath(route.routerPath), method: route.method, use: { request, context in try await handler(request, context) })
        }
        var services: [any Service] = []
        if deps.configuration.runScheduler { services.append(SyncScheduler(deps: deps)) }
        return Application(
            router: router,
            configuration: .init(address: .hostname(deps.configuration.host, port: deps.configuration.port), serverName: "OpenSSPM"),
            services: services,
            onServerRunning: { channel in
                await ready.set()
                await onRunning(channel.localAddress?.port ?? 0)
            },
            logger: deps.logger)
    }
}

struct RequestCounter<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        metrics.httpRequests.increment()
        return try await next(request, context)
    }
}

/// A server running in this process (tests, `sspm demo`, benchmarks).
public final class RunningServer: Sendable {
    public let deps: ServerDependencies
    public let port: Int
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    public var baseURL: String { "http://\(deps.configuration.host):\(port)" }

    public static func start(_ configuration: ServerConfiguration, http: HTTPClient, logger: Logger,
                             now: @escaping @Sendable () -> Date = { Date() }) async throws -> RunningServer {
        let deps = try await SSPMServerApp.prepare(configuration, http: http, logger: logger, now: now)
        let (stream, continuation) = AsyncStream<Int>.makeStream()
        let app = SSPMServerApp.application(deps) { port in continuation.yield(port) }
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let task = Task { try await group.run() }
        var iterator = stream.makeAsyncIterator()
        guard let port = await iterator.next() else { throw StorageError("the server did not start") }
        return RunningServer(deps: deps, port: port, group: group, task: task)
    }

    private init(deps: ServerDependencies, port: Int, group: ServiceGroup, task: Task<Void, any Error>) {
        self.deps = deps
        self.port = port
        self.group = group
        self.task = task
    }

    /// Stops accepting work, lets running syncs finish, closes the database.
    public func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
        try? await deps.storage.shutdown()
    }
}
