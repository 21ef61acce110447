import AsyncHTTPClient
import Foundation
import Logging
import SSPMCore
import SSPMStorage
import ZoomAPI

/// What handlers and services share: storage and its stores, the HTTP client for Zoom, the clock,
/// the logger and the metrics. Built once by `SSPMServer.prepare`.
public struct ServerDependencies: Sendable {
    public let configuration: ServerConfiguration
    public let storage: SQLStorage
    public let box: SecretBox
    public let http: HTTPClient
    public let logger: Logger
    public let metrics: ServerMetrics
    /// Injected so tests can move time.
    public let now: @Sendable () -> Date
    /// bcrypt on its own bounded threads.
    let passwords: PasswordWork
    /// Sign-in attempts in flight (the throttle's atomic half).
    let signIns = SignInThrottle()

    public var connectors: SQLConnectorStore { SQLConnectorStore(storage: storage, box: box) }
    public var activities: SQLActivityStore { SQLActivityStore(storage: storage) }
    public var checkpoints: SQLCheckpointStore { SQLCheckpointStore(storage: storage) }
    public var scans: SQLScanStore { SQLScanStore(storage: storage) }
    public var jobs: SQLSyncJobStore { SQLSyncJobStore(storage: storage) }
    public var auth: SQLAuthStore { SQLAuthStore(storage: storage) }
    public var posture: SQLPostureStore { SQLPostureStore(storage: storage) }
    public var inventory: SQLInventoryStore { SQLInventoryStore(storage: storage) }

    public init(configuration: ServerConfiguration, storage: SQLStorage, box: SecretBox, http: HTTPClient, logger: Logger,
                metrics: ServerMetrics = ServerMetrics(), now: @escaping @Sendable () -> Date = { Date() }) {
        self.configuration = configuration
        self.storage = storage
        self.box = box
        self.http = http
        self.logger = logger
        self.metrics = metrics
        self.now = now
        self.passwords = PasswordWork(cost: configuration.bcryptCost)
    }

    /// A Zoom client for a stored connector (its own token cache and pacer).
    public func client(for connector: ConnectorRecord) async throws -> ZoomClient {
        guard let secrets = try await connectors.secrets(id: connector.id) else { throw StoreError.notFound("Connector \(connector.id)") }
        let endpoints = try await connectors.endpoints(id: connector.id)
        return try makeClient(accountID: connector.accountID, clientID: connector.clientID, clientSecret: secrets.clientSecret,
                          plan: connector.plan, apiURL: endpoints.apiURL, tokenURL: endpoints.tokenURL)
    }

    /// A Zoom client for these credentials and hosts. With `--allowed-zoom-hosts` set, a host that
    /// is neither Zoom's nor listed is refused here — for new connectors and for those saved before
    /// the list was set — before any request is made.
    public func makeClient(accountID: String, clientID: String, clientSecret: String, plan: String, apiURL: String?, tokenURL: String?) throws -> ZoomClient {
        if let allowed = self.configuration.allowedZoomHosts {
            for (field, url) in [("apiUrl", apiURL), ("tokenUrl", tokenURL)] {
                guard let url else { continue }
                let host = URLComponents(string: url)?.host ?? ""
                guard ZoomHosts.isAllowed(host, trusted: allowed) else {
                    throw APIError(.unprocessableContent, "host_not_allowed",
                                   "The connector's \(field) names \(host.prefix(100)), which this server does not allow (Zoom's own hosts and --allowed-zoom-hosts are).",
                                   fix: "Delete the connector and add it again with Zoom's hosts, or add the host to --allowed-zoom-hosts; nothing was sent to it.")
                }
            }
        }
        var configuration = self.configuration.zoomClient
        configuration.plan = ZoomPlan(rawValue: plan) ?? .pro
        configuration.apiURL = apiURL ?? ZoomClientConfiguration().apiURL
        configuration.tokenURL = tokenURL ?? ZoomClientConfiguration().tokenURL
        configuration.trustedHosts = self.configuration.allowedZoomHosts ?? []
        return ZoomClient(credentials: ZoomCredentials(accountID: accountID, clientID: clientID, clientSecret: Secret(clientSecret)),
                          configuration: configuration, http: http, logger: logger)
    }
}
