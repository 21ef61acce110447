import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import UnixSignals
import SSPMCore
import SSPMRuntime
import SSPMStorage
import SSPMGeoIP

/// The composition root: storage (migrated), the master key, the HTTP application and the sync
/// scheduler, run as services of one ServiceGroup.
public enum SSPMServerApp {
    /// Opens the database, applies migrations and loads (or creates) the master key.
    public static func prepare(_ configuration: ServerConfiguration, http: HTTPClient, logger: Logger,
                               now: @escaping @Sendable () -> Date = { Date() }) async throws -> ServerDependencies {
        try PrivateFiles.directory(configuration.dataDirectory)
        let storage = try SQLStorage(configuration.database, logger: logger, connectionWait: configuration.databaseWait)
        do {
            // The key first: a migration may re-seal stored secrets.
            let box = try SecretBox.load(keyFile: configuration.masterKeyPath, logger: logger)
            try await Migrator(storage: storage, logger: logger, box: box).migrate()
            return ServerDependencies(configuration: configuration, stores: .sql(storage, box: box), storage: storage, http: http, logger: logger, now: now,
                                      locator: try geoLocator(configuration, logger: logger))
        } catch {
            try? await storage.shutdown()
            throw error
        }
    }

    /// The Geo-IP database the configuration names (nil without one); a file that is not one is
    /// refused at start, saying which.
    public static func geoLocator(_ configuration: ServerConfiguration, logger: Logger) throws -> (any GeoLocator)? {
        guard let path = configuration.geoipPath else { return nil }
        let locator: MMDBGeoLocator
        do { locator = try MMDBGeoLocator(path: path) } catch { throw StorageError("--geoip: \(error)") }
        logger.info("Geo-IP database loaded", metadata: ["path": "\(locator.path)", "type": "\(locator.reader.databaseType)"])
        return locator
    }

    /// Creates the first admin unless one exists (for `sspm serve` with SSPM_ADMIN_EMAIL, and `sspm demo`).
    public static func createFirstAdmin(_ deps: ServerDependencies, email: String, password: String) async throws -> Bool {
        do {
            _ = try await AuthService(deps: deps).setup(email: email.trimmingCharacters(in: .whitespacesAndNewlines), password: password)
            return true
        } catch let error as APIError where error.code == "already_set_up" {
            return false
        } catch let error as APIError {
            throw StorageError("The first admin cannot be created: \(error.message) \(error.fix ?? "")")
        }
    }

    /// The routes, in the order the router gets them (tests compare them with docs/openapi.yaml).
    public static func routes(_ deps: ServerDependencies) -> [RouteSpec] { Surfaces(deps, ready: ReadinessFlag()).api.all }

    /// Everything the router serves, built once: one webhook intake, one connector service and
    /// one posture service, shared by the API and the web pages.
    struct Surfaces {
        let api: APIRoutes
        let web: WebUI
        let gate: APIGate

        init(_ deps: ServerDependencies, ready: ReadinessFlag) {
            let auth = AuthService(deps: deps)
            let intake = WebhookIntake(deps: deps)
            let connectors = ConnectorService(deps: deps, intake: intake)
            let posture = PostureService(deps: deps)
            api = APIRoutes(deps: deps, auth: auth, connectors: connectors, posture: posture, intake: intake, ready: ready)
            web = WebUI(deps: deps, auth: auth, connectors: connectors, posture: posture)
            gate = APIGate(auth: auth)
        }

        /// Every route with its gate in front of its handler.
        var guarded: [RouteSpec] { api.all.map(gate.guarded) + web.routes }
    }

    /// The HTTP server; `onRunning` receives the bound port.
    public static func application(_ deps: ServerDependencies, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
        let ready = ReadinessFlag()
        let routes = Surfaces(deps, ready: ready).guarded
        // HEAD is answered wherever GET is (health checkers use it), through the same gate.
        let router = Router(context: SSPMRequestContext.self, options: .autoGenerateHeadEndpoints)
        router.add(middleware: ErrorMiddleware(logger: deps.logger, table: RouteTable(routes)))
        router.add(middleware: RequestCounter(metrics: deps.metrics))
        router.add(middleware: CanonicalPath())
        router.add(middleware: BodyLimit(logger: deps.logger))
        for route in routes {
            let handler = route.handler
            router.on(RouterPath(route.routerPath), method: route.method, use: { request, context in try await handler(request, context) })
        }
        var services: [any Service] = []
        if deps.configuration.runScheduler { services.append(SyncScheduler(deps: deps)) }
        services.append(Housekeeping(deps: deps))
        services.append(DetectionService(deps: deps))
        services.append(NotificationService(deps: deps))
        let timeouts = deps.configuration.timeouts
        return Application(
            router: router,
            server: .http1(configuration: .init(
                additionalChannelHandlers: [RequestReadTimeout(header: .milliseconds(Int64(timeouts.headerRead * 1000)),
                                                               body: .milliseconds(Int64(timeouts.bodyRead * 1000)),
                                                               maxBodyBytes: Body.limit + 64 * 1024)],
                idleTimeout: .milliseconds(Int64(timeouts.idle * 1000)))),
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

/// A server running in this process (tests, `sspm demo`, `sspm serve`, benchmarks).
public final class RunningServer: Sendable {
    public let deps: ServerDependencies
    private let listening: ListeningGroup

    public var port: Int { listening.port }
    public var baseURL: String { "http://\(deps.configuration.host):\(port)" }

    /// Prepares storage and starts listening; throws at once (a `ListenError` naming the port and
    /// `portFlag`) when the port cannot be had, with the database closed again.
    public static func start(_ configuration: ServerConfiguration, http: HTTPClient, logger: Logger, portFlag: String = "--port",
                             now: @escaping @Sendable () -> Date = { Date() }) async throws -> RunningServer {
        try await listen(try await SSPMServerApp.prepare(configuration, http: http, logger: logger, now: now), portFlag: portFlag)
    }

    /// Starts listening with prepared dependencies (closed again when it cannot).
    public static func listen(_ deps: ServerDependencies, portFlag: String = "--port", signals: [UnixSignal] = []) async throws -> RunningServer {
        do {
            let listening = try await ListeningGroup.start(host: deps.configuration.host, port: deps.configuration.port, flag: portFlag, signals: signals,
                                                           logger: deps.logger) { onRunning in
                [SSPMServerApp.application(deps, onRunning: onRunning)]
            }
            return RunningServer(deps: deps, listening: listening)
        } catch {
            try? await deps.stores.close()
            throw error
        }
    }

    private init(deps: ServerDependencies, listening: ListeningGroup) {
        self.deps = deps
        self.listening = listening
    }

    /// Waits until a shutdown signal (or `stop`) ends the services; `stop` closes the database.
    public func wait() async throws { try await listening.wait() }

    /// Stops accepting work, lets running syncs finish, closes the database.
    public func stop() async {
        await listening.stop()
        try? await deps.stores.close()
    }
}
