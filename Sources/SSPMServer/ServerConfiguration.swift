import Foundation
import SSPMCore
import SSPMStorage
import SSPMProvider

/// Everything `sspm serve` can be told; defaults suit one process on SQLite.
public struct ServerConfiguration: Sendable {
    public var host: String = "127.0.0.1"
    /// 0 picks a free port.
    public var port: Int = 8080
    public var database: DatabaseLocation
    /// Holds the SQLite file (by default) and the master key file.
    public var dataDirectory: String
    /// Identifies this process in leases and sync runs.
    public var instanceID: String = "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(6).lowercased())"
    /// How often activities (sign-in and operation logs) are pulled.
    public var activityInterval: TimeInterval = 15 * 60
    /// How often the posture (settings, users, groups, roles, …) is read and scored.
    public var postureInterval: TimeInterval = 6 * 3600
    /// How long a claimed sync stays ours without renewal; a dead process's work is taken over after this.
    public var leaseDuration: TimeInterval = 120
    /// How often the scheduler looks for due work.
    public var pollInterval: TimeInterval = 2
    /// Syncs this process runs at once.
    public var maxConcurrentSyncs: Int = 2
    /// Scheduler off: this process serves HTTP only (webhooks, API), others sync.
    public var runScheduler: Bool = true
    /// bcrypt cost for operator passwords.
    public var bcryptCost: UInt8 = 12
    /// Sessions last this long.
    public var sessionLifetime: TimeInterval = 12 * 3600
    /// Failed sign-ins for one e-mail address from one client in `loginWindow` before that client's
    /// further attempts for the address are refused (the owner, signing in from elsewhere, is not).
    public var maxLoginFailures: Int = 5
    /// Failed sign-ins from one client (any addresses) in `loginWindow` before it is refused (password spraying).
    public var maxLoginFailuresPerClient: Int = 20
    public var loginWindow: TimeInterval = 15 * 60
    /// Peers (reverse proxies) whose `X-Forwarded-For` names the client; from anyone else the header is ignored.
    public var trustedProxies: [String] = []
    /// Audit entries are kept this many days; failed sign-ins (written by unauthenticated requests)
    /// are also capped at `failedSignInAuditCap` entries, the newest kept.
    public var auditRetentionDays: Int = 400
    public var failedSignInAuditCap: Int = 10_000
    /// When set, connectors may only name these hosts besides the vendor's own (`--allowed-hosts`;
    /// each provider applies it to the URLs its connectors name).
    public var allowedHosts: [String]? = nil
    /// How long a request waits for a free database connection before it is answered 503
    /// `database_busy` (SQLite has one connection, PostgreSQL eight per process). Keep it under
    /// the read timeout of any proxy in front (nginx: 60 s), so clients get the 503 and its Retry-After.
    public var databaseWait: Duration = .seconds(10)
    /// Connection timeouts (seconds).
    public var timeouts = Timeouts()

    public struct Timeouts: Sendable {
        /// A request's head must arrive within this from the connection's start or the last response
        /// (so it is also how long an idle keep-alive connection stays open).
        public var headerRead: Double = 15
        /// A request's body must arrive within this from its head.
        public var bodyRead: Double = 60
        /// No traffic at all for this long closes the connection.
        public var idle: Double = 75
        public init() {}
    }
    /// Set the cookie's Secure flag (serve behind HTTPS).
    public var secureCookies: Bool = false
    /// Thresholds for the controls.
    public var baseline: Baseline = Baseline()
    /// Webhook timestamps may be this far from now.
    public var webhookTolerance: TimeInterval = 300
    /// A MaxMind-format city database (GeoLite2-City, DB-IP Lite City) for the Geo-IP policies
    /// (impossible travel, new countries); nil leaves them inactive. Nothing is downloaded.
    public var geoipPath: String?
    /// How notifications are sent (see `NotificationService`).
    public var notifications = NotificationSettings()

    public struct NotificationSettings: Sendable {
        /// How long a sender holds an item it is sending; a sender killed mid-delivery leaves it to
        /// be sent again after this.
        public var lease: TimeInterval = 60
        /// One attempt's time limit.
        public var timeout: TimeInterval = 15
        public var maxAttempts = 10
        /// Seconds before each retry (before ±20 % jitter); the last step repeats.
        public var retrySchedule: [TimeInterval] = [5, 30, 120, 600, 1800, 3600, 7200, 14_400, 28_800]
        /// Alerts whose newest evidence is older than this when they are raised (a backfill) are
        /// recorded without notifications.
        public var notifyWithin: TimeInterval = 86_400
        public init() {}
    }

    /// The providers connectors can use (the executable passes the standard ones). Required at
    /// init: a server without them would refuse every connector and webhook.
    public var providers: ProviderRegistry

    public init(database: DatabaseLocation, dataDirectory: String, providers: ProviderRegistry) {
        self.providers = providers
        self.database = database
        self.dataDirectory = dataDirectory
    }

    public var masterKeyPath: String { (dataDirectory as NSString).appendingPathComponent("master.key") }
}
