import Foundation

/// How a `ZoomClient` reaches Zoom and how hard it pushes.
public struct ZoomClientConfiguration: Sendable {
    /// Base URL of the REST API, e.g. `https://api.zoom.us/v2`.
    public var apiURL: String
    /// The OAuth token endpoint, e.g. `https://zoom.us/oauth/token`.
    public var tokenURL: String
    /// The account's plan, which sets the pacing (Zoom does not tell a Server-to-Server app its plan).
    public var plan: ZoomPlan
    /// Fraction of the documented rate to use (1.0 = the full documented rate).
    public var rateFraction: Double
    /// Refresh the access token this long before Zoom says it expires.
    public var tokenRefreshMargin: Duration
    /// Timeout for one HTTP request.
    public var requestTimeout: Duration
    /// Retries after a 429 (per request) before giving up.
    public var maxRateLimitRetries: Int
    /// Retries after a 5xx, a timeout, a dropped connection or a malformed body (per request).
    public var maxTransientRetries: Int
    /// First back-off after a 5xx or timeout; doubles each time, with jitter.
    public var transientBackoff: Duration
    /// Back-off after a per-second 429 that carries no Retry-After.
    public var rateLimitBackoff: Duration
    /// The longest a request waits for a Retry-After before failing instead.
    public var maxRetryAfterWait: Duration
    /// Requests in flight at once per category.
    public var concurrencyPerCategory: Int
    /// How many times a listing restarts after its next_page_token expired.
    public var maxListingRestarts: Int
    /// Hosts besides Zoom's whose error replies may be quoted in messages (see `ZoomHosts`).
    public var trustedHosts: [String] = []

    public init(
        apiURL: String = "https://api.zoom.us/v2",
        tokenURL: String = "https://zoom.us/oauth/token",
        plan: ZoomPlan = .pro,
        rateFraction: Double = 1.0,
        tokenRefreshMargin: Duration = .seconds(60),
        requestTimeout: Duration = .seconds(30),
        maxRateLimitRetries: Int = 8,
        maxTransientRetries: Int = 4,
        transientBackoff: Duration = .milliseconds(500),
        rateLimitBackoff: Duration = .seconds(1),
        maxRetryAfterWait: Duration = .seconds(120),
        concurrencyPerCategory: Int = 8,
        maxListingRestarts: Int = 3
    ) {
        self.apiURL = apiURL
        self.tokenURL = tokenURL
        self.plan = plan
        self.rateFraction = rateFraction
        self.tokenRefreshMargin = tokenRefreshMargin
        self.requestTimeout = requestTimeout
        self.maxRateLimitRetries = maxRateLimitRetries
        self.maxTransientRetries = maxTransientRetries
        self.transientBackoff = transientBackoff
        self.rateLimitBackoff = rateLimitBackoff
        self.maxRetryAfterWait = maxRetryAfterWait
        self.concurrencyPerCategory = concurrencyPerCategory
        self.maxListingRestarts = maxListingRestarts
    }
}

/// The clock the client paces and backs off with. Injected so tests and benchmarks can observe it.
public protocol PacingClock: Sendable {
    /// Monotonic time since an arbitrary origin.
    func now() -> Duration
    func sleep(for duration: Duration) async throws
}

/// The real clock.
public struct SystemPacingClock: PacingClock {
    private let origin = ContinuousClock.now
    public init() {}
    public func now() -> Duration { ContinuousClock.now - origin }
    public func sleep(for duration: Duration) async throws {
        if duration > .zero { try await Task.sleep(for: duration) }
    }
}
