import AsyncHTTPClient
import Foundation
import Logging
import SSPMCore
import SSPMProvider
import SSPMStorage

/// What handlers and services share: the stores (Core's ports), the providers and the HTTP client
/// they use, the clock, the logger and the metrics. Built once by `SSPMServer.prepare` (SQL), or
/// by a test over in-memory stores.
public struct ServerDependencies: Sendable {
    public let configuration: ServerConfiguration
    public let stores: StoreSet
    /// The SQL storage behind `stores`, when there is one (tests that hold its connection use it).
    public let storage: SQLStorage?
    public let http: HTTPClient
    public let logger: Logger
    public let metrics: ServerMetrics
    /// Injected so tests can move time.
    public let now: @Sendable () -> Date
    /// bcrypt on its own bounded threads.
    let passwords: PasswordWork
    /// Sign-in attempts in flight (the throttle's atomic half).
    let signIns = SignInThrottle()
    /// What the activity store stored, for the detection service.
    public let detectionFeed: DetectionFeed
    /// Wakes the notification sender.
    public let outboxSignal = OutboxSignal()
    /// The Geo-IP database, when the operator gave one.
    public let locator: (any GeoLocator)?

    public var connectors: any ConnectorStore { stores.connectors }
    public var activities: any ActivityStore { stores.activities }
    public var checkpoints: any CheckpointStore { stores.checkpoints }
    public var scans: any ScanStore { stores.scans }
    public var jobs: any SyncJobStore { stores.jobs }
    public var auth: any AuthStore { stores.auth }
    public var posture: any PostureStore { stores.posture }
    public var providers: ProviderRegistry { configuration.providers }
    public var inventory: any InventoryStore { stores.inventory }

    public init(configuration: ServerConfiguration, stores: StoreSet, storage: SQLStorage? = nil, http: HTTPClient, logger: Logger,
                metrics: ServerMetrics = ServerMetrics(), now: @escaping @Sendable () -> Date = { Date() }, locator: (any GeoLocator)? = nil) {
        self.configuration = configuration
        self.locator = locator
        // Every write of events goes through the observed store, so detection sees them all.
        let feed = DetectionFeed()
        var stores = stores
        stores.activities = ObservedActivityStore(base: stores.activities, feed: feed)
        self.detectionFeed = feed
        self.stores = stores
        self.storage = storage
        self.http = http
        self.logger = logger
        self.metrics = metrics
        self.now = now
        self.passwords = PasswordWork(cost: configuration.bcryptCost)
    }

    /// What providers are given: the shared HTTP client, the logger, the clock and the host allow-list.
    public var providerContext: ProviderContext {
        ProviderContext(http: http, logger: logger, now: now, allowedHosts: configuration.allowedHosts, catalogues: providers.providers.map(\.catalogue))
    }

    /// The provider of a stored connector (a connector of a provider this build does not have is
    /// kept, and refused with a clear error).
    public func provider(for connector: ConnectorRecord) throws -> any Provider {
        guard let provider = providers.provider(connector.provider) else {
            throw APIError(.unprocessableContent, "unknown_provider",
                           "Connector \(connector.id) uses the provider '\(connector.provider.prefix(40))', which this server does not have (it has: \(providers.kinds.joined(separator: ", "))).",
                           fix: "Run a release that includes it; the connector's data is kept.")
        }
        return provider
    }

    /// A session against a stored connector's account (its own token cache and pacing).
    public func session(for connector: ConnectorRecord) async throws -> (any Provider, any ProviderSession) {
        let provider = try provider(for: connector)
        guard let credentials = try await connectors.credentials(id: connector.id) else { throw StoreError.notFound("Connector \(connector.id)") }
        return (provider, try open(provider, settings: connector.settings, credentials: credentials))
    }

    /// Opens a session; a provider's refusal (a host not allowed) becomes an API error.
    func open(_ provider: any Provider, settings: JSONValue, credentials: ProviderCredentials) throws -> any ProviderSession {
        do {
            return try provider.open(settings: settings, credentials: credentials, context: providerContext)
        } catch let refusal as ProviderRefusal {
            throw APIError(refusal)
        }
    }
}
